/**
 * The Vite side of a release: after the client is written, bundles the release worker into `sw.js` (with the
 * release public key, if the build has one) and lists every file in an unsigned release.json. Signing is a
 * separate step (`npm run release`) that needs the private key; a plain `npm run build` never does.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Plugin } from 'vite';
import { writeReleaseManifest } from './release-files.ts';

const WORKER_SOURCE = fileURLToPath(new URL('../sw/sw.ts', import.meta.url));

export interface ReleasePluginOptions {
  readonly version: string;
  /** The release public key in hex, or undefined for a build that pins by hash only. */
  readonly releaseKey: string | undefined;
}

export function releasePlugin(options: ReleasePluginOptions): Plugin {
  if (options.releaseKey !== undefined && !/^[0-9a-f]{64}$/.test(options.releaseKey)) {
    throw new Error('TINCAN_RELEASE_PUBLIC_KEY must be 32 bytes in lower-case hex');
  }
  let outDir = '';
  return {
    name: 'tincan-release',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      await build({
        entryPoints: [WORKER_SOURCE],
        outfile: join(outDir, 'sw.js'),
        bundle: true,
        format: 'iife',
        platform: 'browser',
        target: 'es2022',
        minify: true,
        legalComments: 'none',
        logLevel: 'warning',
        define: { __TINCAN_RELEASE_KEY__: JSON.stringify(options.releaseKey ?? '') },
      });
      await writeReleaseManifest(outDir, { version: options.version });
    },
  };
}
