/**
 * The CSP hash sources of the built page's import map. The map is the one inline script the page has: it
 * names the integrity of every JavaScript chunk, which `import()` needs under Integrity-Policy, and a
 * browser only reads import maps inline. `script-src` allows it by its SHA-256, never by 'unsafe-inline';
 * any other inline script stays refused.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

const IMPORT_MAP = /<script\b[^>]*\btype\s*=\s*["']?importmap["']?[^>]*>([\s\S]*?)<\/script\s*>/gi;

/** `'sha256-…'` for each inline import map of `html`, hashed as the browser hashes it (its text, UTF-8). */
export function importMapHashSources(html: string): string[] {
  return [...html.matchAll(IMPORT_MAP)].map(
    (match) => `'sha256-${createHash('sha256').update(match[1]!, 'utf8').digest('base64')}'`,
  );
}

/**
 * The hash sources of the page at `indexPath`, read again whenever the file changes (a rebuild while the
 * relay runs keeps working); none when there is no such file.
 */
export function pageImportMapSources(indexPath: string): () => readonly string[] {
  let version = '';
  let sources: readonly string[] = [];
  return () => {
    let current: string;
    try {
      const stat = statSync(indexPath);
      current = `${stat.mtimeMs}:${stat.size}`;
      if (current !== version) sources = importMapHashSources(readFileSync(indexPath, 'utf8'));
    } catch {
      current = '';
      sources = [];
    }
    version = current;
    return sources;
  };
}
