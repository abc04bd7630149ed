/**
 * client/build/page-integrity.ts: the built index.html gets the integrity of every script and stylesheet it
 * loads and an import map with the integrity of every chunk; a page that would load anything unchecked
 * fails the build. relay/page-script-hashes.ts: the CSP hash of that import map.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { integrityOf, withIntegrity } from '../../client/build/page-integrity.ts';
import { importMapHashSources } from '../../relay/page-script-hashes.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const sha384 = (text: string) => `sha384-${createHash('sha384').update(text).digest('base64')}`;

const FILES = new Map([
  ['assets/index-a.js', bytes('import("./lazy-b.js")')],
  ['assets/lazy-b.js', bytes('export const b = 1;')],
  ['assets/style-c.css', bytes('body{color:red}')],
  ['favicon.svg', bytes('<svg/>')],
]);

const PAGE = `<!doctype html>
<html><head>
    <meta charset="utf-8" />
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <title>t</title>
    <script type="module" crossorigin src="/assets/index-a.js"></script>
    <link rel="stylesheet" crossorigin href="/assets/style-c.css">
</head><body></body></html>`;

describe('page integrity of the build', () => {
  it('is SHA-384, base64, as SRI writes it', () => {
    expect(integrityOf(bytes('alert(1)'))).toBe(sha384('alert(1)'));
  });

  it('marks every script and stylesheet with the integrity of its file, and nothing else', () => {
    const html = withIntegrity(PAGE, FILES);
    expect(html).toContain(
      `<script type="module" crossorigin src="/assets/index-a.js" integrity="${sha384('import("./lazy-b.js")')}"></script>`,
    );
    expect(html).toContain(
      `<link rel="stylesheet" crossorigin href="/assets/style-c.css" integrity="${sha384('body{color:red}')}">`,
    );
    expect(html).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml" />');
  });

  it('puts an import map with every chunk before the first script', () => {
    const html = withIntegrity(PAGE, FILES);
    const map = /<script type="importmap">(.*?)<\/script>/.exec(html);
    expect(map).not.toBeNull();
    expect(JSON.parse(map![1]!)).toEqual({
      integrity: {
        '/assets/index-a.js': sha384('import("./lazy-b.js")'),
        '/assets/lazy-b.js': sha384('export const b = 1;'),
      },
    });
    expect(html.indexOf('type="importmap"')).toBeLessThan(html.indexOf('src="/assets/index-a.js"'));
    expect(html.indexOf('<title>')).toBeLessThan(html.indexOf('type="importmap"'));
  });

  it('puts the import map before a module preload link too', () => {
    const page = PAGE.replace(
      '<title>t</title>',
      '<title>t</title><link rel="modulepreload" href="/assets/lazy-b.js">',
    );
    const html = withIntegrity(page, FILES);
    expect(html.indexOf('type="importmap"')).toBeLessThan(html.indexOf('rel="modulepreload"'));
    expect(html).toContain(
      `<link rel="modulepreload" href="/assets/lazy-b.js" integrity="${sha384('export const b = 1;')}">`,
    );
  });

  it('takes the base path into account', () => {
    const page = PAGE.replaceAll('"/assets/', '"/app/assets/');
    const html = withIntegrity(page, FILES, '/app/');
    expect(html).toContain(`src="/app/assets/index-a.js" integrity="${sha384('import("./lazy-b.js")')}"`);
    expect(html).toContain('"/app/assets/lazy-b.js"');
  });

  it('fails the build for a script or a stylesheet that is not a file of the build', () => {
    expect(() =>
      withIntegrity(PAGE.replace('/assets/index-a.js', 'https://cdn.example/x.js'), FILES),
    ).toThrow(/https:\/\/cdn\.example\/x\.js/);
    expect(() => withIntegrity(PAGE.replace('/assets/style-c.css', '/assets/gone.css'), FILES)).toThrow(
      /gone\.css/,
    );
  });

  it('fails the build for an inline script, an import map of its own, or an integrity already set', () => {
    expect(() => withIntegrity(PAGE.replace('<title>t</title>', '<script>alert(1)</script>'), FILES)).toThrow(
      /inline script/,
    );
    expect(() =>
      withIntegrity(PAGE.replace('<title>t</title>', '<script type="importmap">{}</script>'), FILES),
    ).toThrow(/inline script/);
    expect(() => withIntegrity(PAGE.replace('crossorigin src', 'integrity="sha384-x" src'), FILES)).toThrow(
      /already has an integrity/,
    );
  });

  it('leaves a page without scripts without an import map', () => {
    const page = '<!doctype html><title>t</title><link rel="stylesheet" href="/assets/style-c.css">';
    expect(withIntegrity(page, FILES)).not.toContain('importmap');
  });
});

describe('the CSP hash of the import map', () => {
  it('is the SHA-256 of the map as written, one per map, none for other scripts', () => {
    const map = '{"integrity":{"/a.js":"sha384-x"}}';
    const html = `<title>t</title><script type="importmap">${map}</script><script>alert(1)</script>`;
    expect(importMapHashSources(html)).toEqual([
      `'sha256-${createHash('sha256').update(map).digest('base64')}'`,
    ]);
    expect(importMapHashSources('<script type="module" src="/a.js"></script>')).toEqual([]);
  });

  it('hashes the map of a built page', () => {
    const html = withIntegrity(PAGE, FILES);
    const map = /<script type="importmap">(.*?)<\/script>/.exec(html)![1]!;
    expect(importMapHashSources(html)).toEqual([
      `'sha256-${createHash('sha256').update(map).digest('base64')}'`,
    ]);
  });
});
