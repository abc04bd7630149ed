/**
 * Replays every spec/vectors/<name>.json through its checker in tests/vectors/<name>.ts, fails on an unknown
 * label or a file without a checker, and proves the committed files are exactly what the generators make.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VECTOR_LABELS, type VectorCase, type VectorFile } from '../../spec/vectors/format.ts';
import { generateAll, serialize } from '../../spec/vectors/generate.ts';

const dir = join(import.meta.dirname, '../../spec/vectors');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

type Checker = { checkCase: (c: VectorCase) => Promise<void> };

describe('spec/vectors', () => {
  it('has vector files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    const name = basename(file, '.json');
    describe(file, () => {
      const parsed = JSON.parse(readFileSync(join(dir, file), 'utf8')) as VectorFile;

      it('is well formed: known labels, a comment on every case, both labels present', () => {
        expect(typeof parsed.about).toBe('string');
        expect(typeof parsed.source).toBe('string');
        for (const c of parsed.cases) {
          expect(VECTOR_LABELS, `unknown label ${String(c.label)} in ${c.comment}`).toContain(c.label);
          expect(typeof c.comment === 'string' && c.comment.length > 0).toBe(true);
        }
        expect(new Set(parsed.cases.map((c) => c.label))).toEqual(new Set(VECTOR_LABELS));
      });

      it('every case gives the recorded verdict', async () => {
        const checker = (await import(`../vectors/${name}.ts`)) as Checker;
        for (const c of parsed.cases) {
          await expect(checker.checkCase(c), `${name}: ${c.comment}`).resolves.toBeUndefined();
        }
      });
    });
  }

  it('committed files equal a fresh run of the generators', async () => {
    const generated = await generateAll();
    expect([...generated.keys()].sort()).toEqual(files.map((f) => basename(f, '.json')));
    for (const [name, file] of generated) {
      expect(serialize(file), name).toBe(readFileSync(join(dir, `${name}.json`), 'utf8'));
    }
  });
});
