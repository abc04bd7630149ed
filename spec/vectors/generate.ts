/**
 * Regenerates every spec/vectors/<name>.json from spec/vectors/gen/<name>.ts (fixed seeds, so the output is
 * byte-for-byte stable; tests/unit/vectors.test.ts checks that the committed files equal a fresh run).
 * Run: npm run vectors
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VectorFile } from './format.ts';

const here = dirname(fileURLToPath(import.meta.url));

export async function generateAll(): Promise<Map<string, VectorFile>> {
  const out = new Map<string, VectorFile>();
  for (const file of readdirSync(join(here, 'gen'))
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    const module = (await import(join(here, 'gen', file))) as { default: () => Promise<VectorFile> };
    out.set(basename(file, '.ts'), await module.default());
  }
  return out;
}

export const serialize = (file: VectorFile): string => `${JSON.stringify(file, null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [name, file] of await generateAll()) {
    writeFileSync(join(here, `${name}.json`), serialize(file));
    console.log(`spec/vectors/${name}.json: ${file.cases.length} cases`);
  }
}
