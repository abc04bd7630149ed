/**
 * The Vite plugin that writes Subresource Integrity into the built index.html (page-integrity.ts). It runs
 * last, on the final bytes of every chunk and asset, so the hashes are those of the files written to disk.
 */
import type { Plugin } from 'vite';
import { withIntegrity } from './page-integrity.ts';

export function pageIntegrity(): Plugin {
  let base = '/';
  return {
    name: 'tincan:page-integrity',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      base = config.base;
    },
    generateBundle: {
      // After every other plugin's generateBundle, Vite's own included (it fills in the preload lists of
      // dynamic imports there): the hashes are those of the bytes written.
      order: 'post',
      handler(_options, bundle) {
        const files = new Map<string, Uint8Array>();
        for (const output of Object.values(bundle)) {
          const content = output.type === 'chunk' ? output.code : output.source;
          files.set(
            output.fileName,
            typeof content === 'string' ? new TextEncoder().encode(content) : content,
          );
        }
        for (const output of Object.values(bundle)) {
          if (output.type !== 'asset' || !output.fileName.endsWith('.html')) continue;
          const html =
            typeof output.source === 'string' ? output.source : new TextDecoder().decode(output.source);
          output.source = withIntegrity(html, files, base);
        }
      },
    },
  };
}
