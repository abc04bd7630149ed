/**
 * The spec names the tests that hold its claims; this keeps those names true. Every `tests/….test.ts` path in
 * any spec/*.md must exist (and test files are named by that full path), every relative link between spec
 * documents must reach a file, and every row of the threat model's tables must name at least one test file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const specDir = join(root, 'spec');
const documents = readdirSync(specDir)
  .filter((name) => name.endsWith('.md'))
  .sort();

const TEST_PATH = /tests\/[\w./-]+?\.test\.ts/g;

function read(name: string): string {
  return readFileSync(join(specDir, name), 'utf8');
}

/** The `tests/….test.ts` paths a text names, each once. */
function namedTestPaths(text: string): string[] {
  return [...new Set(text.match(TEST_PATH) ?? [])];
}

/** The rows of every Markdown table in `text`, without header and separator rows. */
function tableBodyRows(text: string): string[] {
  const rows: string[] = [];
  let inTable = false;
  let sawSeparator = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    if (!inTable) {
      inTable = true;
      sawSeparator = false;
      continue; // the header row
    }
    if (!sawSeparator && /^\|[\s:|-]+\|$/.test(line.trim())) {
      sawSeparator = true;
      continue;
    }
    rows.push(line);
  }
  return rows;
}

describe('spec references', () => {
  it('has the per-layer documents and their index', () => {
    expect(documents).toContain('README.md');
    expect(documents).toContain('threat-model.md');
    expect(documents.length).toBeGreaterThan(5);
  });

  it.each(documents)('every test file %s names exists', (name) => {
    const missing = namedTestPaths(read(name)).filter((path) => !existsSync(join(root, path)));
    expect(missing).toEqual([]);
  });

  it.each(documents)('%s names test files by their full path', (name) => {
    // A bare `x.test.ts` would escape the existence check above.
    const bare = [...read(name).matchAll(/`([\w.-]+\.test\.ts)`/g)].map((match) => match[1]);
    expect(bare).toEqual([]);
  });

  it.each(documents)('every relative link in %s reaches a file', (name) => {
    const targets = [...read(name).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map(
      (match) => match[1] as string,
    );
    const missing = targets
      .filter((target) => !/^[a-z]+:/.test(target))
      .filter((target) => !existsSync(join(specDir, target)));
    expect(missing).toEqual([]);
  });

  it('every row of the threat model’s tables names a test file', () => {
    const rows = tableBodyRows(read('threat-model.md'));
    expect(rows.length).toBeGreaterThan(20);
    const withoutTest = rows.filter((row) => namedTestPaths(row).length === 0);
    expect(withoutTest).toEqual([]);
  });

  it('finds test paths and table rows the way the checks above rely on', () => {
    expect(
      namedTestPaths('see `tests/unit/a-b.test.ts`, `tests/e2e/c.e2e.test.ts` and tests/unit/a-b.test.ts'),
    ).toEqual(['tests/unit/a-b.test.ts', 'tests/e2e/c.e2e.test.ts']);
    expect(namedTestPaths('`tests/vectors/ed25519.ts` is a checker, not a test file')).toEqual([]);
    const table = [
      'text',
      '| a | b |',
      '|---|---|',
      '| one | `tests/unit/x.test.ts` |',
      '| two | none |',
      'after',
    ];
    expect(tableBodyRows(table.join('\n'))).toEqual(['| one | `tests/unit/x.test.ts` |', '| two | none |']);
  });
});
