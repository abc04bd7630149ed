/**
 * Builds the client with the repository's Vite config into a fresh temporary directory, so that concurrent
 * test files never overwrite each other's (or the developer's) dist/client. `entry` is the folder of the
 * index.html to build from: the product's (client/) unless a test entry is named.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface BuiltClient {
  readonly dir: string;
  remove(): Promise<void>;
}

export async function buildClient(entry = join(ROOT, 'client')): Promise<BuiltClient> {
  const dir = await mkdtemp(join(tmpdir(), 'tincan-client-'));
  // vitest sets NODE_ENV=test, which would make this a development build (Preact's debug code included):
  // the suite must test, and measure, what `npm run build:client` ships.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: entry,
      // The product's static files (favicon), whichever entry is built.
      publicDir: join(ROOT, 'client', 'public'),
      configFile: join(ROOT, 'vite.config.ts'),
      mode: 'production',
      logLevel: 'error',
      build: { outDir: dir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
