/**
 * Subresource Integrity for the built page. Every script and stylesheet index.html loads gets an
 * `integrity` attribute, and an import map names the hash of every JavaScript chunk, so that the chunks the
 * page imports later (the unlocked app, the QR decoder) are checked by the browser too: the relay serves
 * `Integrity-Policy: blocked-destinations=(script)`, which refuses any script fetched without integrity
 * metadata, and an `import()` gets its metadata only from the import map (spec/web-client.md, Page
 * integrity).
 */
import { createHash } from 'node:crypto';

/** The integrity metadata of a file: SHA-384, the SRI baseline every browser supports. */
export function integrityOf(bytes: Uint8Array): string {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

/** A tag that makes the page fetch a script or a stylesheet, and the URL it names. */
const SUBRESOURCE_TAG = /<script\b[^>]*>|<link\b[^>]*>/g;
const ATTRIBUTE = (name: string) => new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i');

function attribute(tag: string, name: string): string | undefined {
  const match = ATTRIBUTE(name).exec(tag);
  return match === null ? undefined : (match[1] ?? match[2] ?? match[3]);
}

/** `/assets/x.js` → `assets/x.js`: bundle file names are relative to the output directory. */
function bundleName(url: string, base: string): string | undefined {
  if (!url.startsWith(base) || /^[a-z][a-z0-9+.-]*:/i.test(url)) return undefined;
  return url.slice(base.length);
}

function fetchedUrl(tag: string): string | undefined {
  if (tag.startsWith('<script')) return attribute(tag, 'src');
  const rel = (attribute(tag, 'rel') ?? '').toLowerCase().split(/\s+/);
  return rel.includes('stylesheet') || rel.includes('modulepreload') ? attribute(tag, 'href') : undefined;
}

/**
 * `html` with an `integrity` attribute on every script and stylesheet it loads and an import map
 * (`{"integrity": {url: hash}}`) for every JavaScript file of `files` (bundle file name → bytes), placed
 * before the first script. Throws when the page loads a script or a stylesheet that is not one of `files`,
 * carries an inline script, or already has an import map: the page must load nothing unchecked.
 */
export function withIntegrity(html: string, files: ReadonlyMap<string, Uint8Array>, base = '/'): string {
  const marked = html.replace(SUBRESOURCE_TAG, (tag) => {
    const url = fetchedUrl(tag);
    if (url === undefined) {
      if (tag.startsWith('<script')) throw new Error(`index.html has an inline script: ${tag}`);
      return tag;
    }
    const name = bundleName(url, base);
    const bytes = name === undefined ? undefined : files.get(name);
    if (bytes === undefined) throw new Error(`index.html loads ${url}, which is not a file of this build`);
    if (attribute(tag, 'integrity') !== undefined)
      throw new Error(`${url} already has an integrity attribute`);
    return tag.replace(/\s*\/?>$/, (end) => ` integrity="${integrityOf(bytes)}"${end}`);
  });
  // The map must come before the first module fetch, or the browser no longer takes it into account.
  const firstScript = marked.search(/<script\b|<link\b[^>]*\bmodulepreload\b/);
  if (firstScript < 0) return marked;
  const integrity: Record<string, string> = {};
  for (const name of [...files.keys()].filter((file) => file.endsWith('.js')).sort()) {
    integrity[base + name] = integrityOf(files.get(name)!);
  }
  const map = `<script type="importmap">${JSON.stringify({ integrity })}</script>`;
  return `${marked.slice(0, firstScript)}${map}\n    ${marked.slice(firstScript)}`;
}
