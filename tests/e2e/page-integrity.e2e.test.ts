/**
 * The page defends its own code in real Chromium, served by the real relay: every script and stylesheet
 * index.html loads carries Subresource Integrity, the chunks it imports later are checked through its import
 * map, `Integrity-Policy` refuses a script without integrity metadata, a file changed by one byte does not
 * run, and Trusted Types let no string become HTML or script. The other end-to-end suites run the whole app
 * (unlock, contacts, chat, calls) under the same headers.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build as bundle } from 'esbuild';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Relay } from '../../relay/server.ts';
import { type BuiltClient, buildClient } from './support/build-client.ts';
import { launchChromium } from './support/chromium.ts';
import { Person } from './support/person.ts';
import { startRelay } from './support/relay.ts';

const REPO = join(import.meta.dirname, '../..');

vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

let client: BuiltClient;
let relay: Relay;
let browser: Browser;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  [client, browser] = await Promise.all([buildClient(), launchChromium()]);
  relay = await startRelay(client.dir);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await browser?.close();
  await relay?.close();
  await client?.remove();
});

const sha384 = (bytes: Uint8Array) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const sha256Source = (text: string) =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The tags of `html` that fetch a script or a stylesheet, with the URL and integrity they name. */
function subresources(html: string): { tag: string; url: string; integrity: string | undefined }[] {
  return [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"[^>]*>|<link\b[^>]*>/g)]
    .map((match) => {
      const tag = match[0];
      const url =
        match[1] ??
        (/\brel="(?:stylesheet|modulepreload)"/.test(tag) ? /\bhref="([^"]+)"/.exec(tag)?.[1] : undefined);
      return { tag, url: url ?? '', integrity: /\bintegrity="([^"]+)"/.exec(tag)?.[1] };
    })
    .filter((resource) => resource.url !== '');
}

function importMapOf(html: string): { text: string; integrity: Record<string, string> } {
  const text = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1];
  if (text === undefined) throw new Error('index.html has no import map');
  return { text, integrity: (JSON.parse(text) as { integrity: Record<string, string> }).integrity };
}

/** A copy of the build, changed by `change`, served by a relay of its own. */
async function servedCopy(change: (dir: string) => void): Promise<Relay> {
  const dir = mkdtempSync(join(tmpdir(), 'tincan-tampered-'));
  cpSync(client.dir, dir, { recursive: true });
  change(dir);
  const copy = await startRelay(dir);
  cleanups.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => copy.close(),
  );
  return copy;
}

/** The one asset whose name starts with `prefix`. */
function asset(dir: string, prefix: string): string {
  const name = readdirSync(join(dir, 'assets')).find(
    (file) => file.startsWith(prefix) && file.endsWith('.js'),
  );
  if (name === undefined) throw new Error(`no ${prefix}*.js in the build`);
  return join(dir, 'assets', name);
}

/** Changes exactly one byte of `file`: the last character of the first occurrence of `text`. */
function changeOneByte(file: string, text: string): void {
  const bytes = readFileSync(file);
  const at = bytes.indexOf(text);
  expect(at, `${text} in ${file}`).toBeGreaterThanOrEqual(0);
  const last = at + text.length - 1;
  bytes[last] = bytes[last]! ^ 0x20; // the letter's case: the script stays valid and would still run
  writeFileSync(file, bytes);
}

function waitForConsole(page: Page, pattern: RegExp): Promise<ConsoleMessage> {
  return page.waitForEvent('console', {
    predicate: (message) => pattern.test(message.text()),
    timeout: 30_000,
  });
}

describe('page integrity in Chromium', () => {
  test('every script and stylesheet the page loads carries the integrity of the bytes served; every chunk is in the import map', async () => {
    const response = await fetch(relay.httpUrl);
    const html = await response.text();
    const loaded = subresources(html);
    expect(loaded.some((resource) => resource.url.endsWith('.js'))).toBe(true);
    expect(loaded.some((resource) => resource.url.endsWith('.css'))).toBe(true);
    for (const { url, integrity } of loaded) {
      const served = new Uint8Array(await (await fetch(new URL(url, relay.httpUrl))).arrayBuffer());
      expect(integrity, url).toBe(sha384(served));
    }
    // The only inline script is the import map, allowed by its hash and nothing else.
    const inline = [...html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>/g)].map((match) => match[0]);
    expect(inline).toEqual(['<script type="importmap">']);
    const map = importMapOf(html);
    const chunks = readdirSync(join(client.dir, 'assets')).filter((name) => name.endsWith('.js'));
    expect(Object.keys(map.integrity).sort()).toEqual(chunks.map((name) => `/assets/${name}`).sort());
    for (const [url, integrity] of Object.entries(map.integrity)) {
      const served = new Uint8Array(await (await fetch(new URL(url, relay.httpUrl))).arrayBuffer());
      expect(integrity, url).toBe(sha384(served));
    }
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`script-src 'self' ${sha256Source(map.text)};`);
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).toMatch(/trusted-types tincan-service-worker(;|$)/);
    expect(response.headers.get('integrity-policy')).toBe('blocked-destinations=(script)');
  });

  test('the app runs under the headers: the unlocked app arrives by import(), checked against the import map', async () => {
    const person = await Person.open(browser, relay.httpUrl, 'Ida');
    cleanups.push(() => person.close());
    await person.create('integrity passphrase');
    await person.waitOnline();
    const scripts = await person.page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((entry) => entry.name)
        .filter((name) => name.endsWith('.js')),
    );
    expect(scripts.some((name) => name.includes('/assets/unlocked-'))).toBe(true);
    expect(person.errors).toEqual([]);
  });

  test('no string becomes HTML, script or a script URL: Trusted Types are required and no other policy may be made', async () => {
    const person = await Person.open(browser, relay.httpUrl, 'Tess');
    cleanups.push(() => person.close());
    await person.page.getByRole('button', { name: 'Create my identity' }).waitFor({ timeout: 30_000 });
    const refusals = await person.page.evaluate(async () => {
      const attempt = async (action: () => unknown): Promise<string> => {
        try {
          await action();
          return 'allowed';
        } catch (error) {
          return `${(error as Error).name}: ${(error as Error).message}`;
        }
      };
      const script = document.createElement('script');
      const trustedTypes = (
        globalThis as { trustedTypes?: { createPolicy(name: string, rules: object): unknown } }
      ).trustedTypes;
      return {
        innerHTML: await attempt(() => {
          document.body.innerHTML = '<img src=x onerror="document.title=1"><script>document.title=2</script>';
        }),
        scriptText: await attempt(() => {
          script.text = 'document.title = "ran"';
        }),
        scriptSrc: await attempt(() => {
          script.src = '/assets/evil.js';
        }),
        serviceWorker: await attempt(() => navigator.serviceWorker.register('/sw.js')),
        otherPolicy: await attempt(() =>
          trustedTypes?.createPolicy('anything-goes', { createHTML: (s: string) => s }),
        ),
        title: document.title,
      };
    });
    expect(refusals.innerHTML).toMatch(/^TypeError: .*TrustedHTML/);
    expect(refusals.scriptText).toMatch(/^TypeError: .*TrustedScript/);
    expect(refusals.scriptSrc).toMatch(/^TypeError: .*TrustedScriptURL/);
    expect(refusals.serviceWorker).toMatch(/^TypeError: .*TrustedScriptURL/);
    expect(refusals.otherPolicy).toMatch(/^TypeError: .*anything-goes/);
    expect(refusals.title).toBe('Tincan');
  });

  test('the service worker registers through the one policy the CSP allows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tincan-service-worker-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const built = await bundle({
      stdin: {
        contents: `import { serviceWorkerScriptUrl } from './client/services/service-worker-url.ts';
          navigator.serviceWorker.register(serviceWorkerScriptUrl())
            .then(() => navigator.serviceWorker.ready)
            .then(() => { document.title = 'registered'; }, (error) => { document.title = 'refused: ' + error.message; });`,
        resolveDir: REPO,
        loader: 'ts',
      },
      bundle: true,
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const app = built.outputFiles[0]!.contents;
    writeFileSync(join(dir, 'app.js'), app);
    writeFileSync(join(dir, 'sw.js'), "self.addEventListener('fetch', () => {});\n");
    writeFileSync(
      join(dir, 'index.html'),
      `<!doctype html><title>waiting</title><script type="module" crossorigin src="/app.js" integrity="${sha384(app)}"></script>\n`,
    );
    const served = await startRelay(dir);
    cleanups.push(() => served.close());
    const page = await browser.newPage();
    cleanups.push(() => page.close());
    await page.goto(served.httpUrl);
    await page.waitForFunction(() => document.title !== 'waiting', undefined, { timeout: 30_000 });
    expect(await page.title()).toBe('registered');
  });

  test('an entry script changed by one byte does not run', async () => {
    const tampered = await servedCopy((dir) => changeOneByte(asset(dir, 'index-'), 'Create my identity'));
    const page = await browser.newPage();
    cleanups.push(() => page.close());
    const refused = waitForConsole(page, /integrity/i);
    await page.goto(tampered.httpUrl);
    expect((await refused).text()).toMatch(/assets\/index-.*blocked/);
    await page.waitForLoadState('load');
    expect(await page.getByRole('button', { name: /create my identit/i }).count()).toBe(0);
  });

  test('a lazily imported chunk changed by one byte does not run', async () => {
    const tampered = await servedCopy((dir) => changeOneByte(asset(dir, 'unlocked-'), 'Add contact'));
    // The chunk is fetched right after the first screen, maybe before open() returns: the person's page
    // has collected console errors since it opened.
    const person = await Person.open(browser, tampered.httpUrl, 'Lazy');
    cleanups.push(() => person.close());
    await person.page.getByRole('button', { name: 'Create my identity' }).waitFor({ timeout: 30_000 });
    await expect
      .poll(() => person.errors.find((error) => /integrity/i.test(error)) ?? '', { timeout: 30_000 })
      .toMatch(/assets\/unlocked-.*blocked/);
    await person.page.getByLabel('Your name').fill('Lazy');
    await person.page.getByLabel('Passphrase', { exact: true }).fill('lazy passphrase');
    await person.page.getByLabel('Passphrase again').fill('lazy passphrase');
    await person.page.getByRole('button', { name: 'Create my identity' }).click();
    await expect(
      person.page.getByRole('button', { name: /add contac/i }).waitFor({ timeout: 5_000 }),
    ).rejects.toThrow();
  });

  test('Integrity-Policy: a script without integrity metadata is refused', async () => {
    const bare = await servedCopy((dir) => {
      const index = join(dir, 'index.html');
      const html = readFileSync(index, 'utf8')
        .replace(/<script type="importmap">[\s\S]*?<\/script>\s*/, '')
        .replace(/\s+integrity="[^"]*"/g, '');
      writeFileSync(index, html);
    });
    const page = await browser.newPage();
    cleanups.push(() => page.close());
    // Chromium logs nothing for it: the request fails, and the page gets an integrity-violation report.
    const refused = page.waitForEvent('requestfailed', {
      predicate: (request) => request.url().includes('/assets/index-'),
      timeout: 30_000,
    });
    await page.goto(bare.httpUrl);
    expect((await refused).failure()?.errorText).toBe('integrity');
    await page.waitForLoadState('load');
    expect(await page.getByRole('button', { name: 'Create my identity' }).count()).toBe(0);
  });
});
