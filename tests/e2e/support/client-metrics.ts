/**
 * Figures about the built client, for the end-to-end suite and `npm run bench`:
 * - first-load JavaScript: the scripts index.html loads before anything is shown (the entry and any
 *   modulepreload links), gzip-compressed as a server would send them;
 * - safety-number time: crypto/safety-number.ts (10,400 SHA-512 calls) timed inside Chromium.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface FirstLoad {
  readonly files: readonly string[];
  readonly bytes: number;
  readonly gzipBytes: number;
}

export async function measureFirstLoad(dir: string): Promise<FirstLoad> {
  const html = await readFile(join(dir, 'index.html'), 'utf8');
  const files = [
    ...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
  ].map((match) => match[1]!);
  let bytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const content = await readFile(join(dir, file));
    bytes += content.length;
    gzipBytes += gzipSync(content, { level: 9 }).length;
  }
  return { files, bytes, gzipBytes };
}

/** Median milliseconds of `runs` safety-number computations in Chromium (after one warm-up). */
export async function measureSafetyNumberInChromium(browser: Browser, runs = 9): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'tincan-bench-'));
  try {
    const entry = join(dir, 'bench.ts');
    await writeFile(
      entry,
      `import { safetyNumber } from ${JSON.stringify(join(ROOT, 'crypto/safety-number.ts'))};
       (globalThis as any).bench = (runs: number) => {
         const a = Uint8Array.from(atob('${ALICE_KEY}'), (c) => c.charCodeAt(0));
         const b = Uint8Array.from(atob('${BOB_KEY}'), (c) => c.charCodeAt(0));
         safetyNumber(a, b);
         const times: number[] = [];
         for (let i = 0; i < runs; i++) { const t = performance.now(); safetyNumber(a, b); times.push(performance.now() - t); }
         return times.sort((x, y) => x - y)[Math.floor(runs / 2)];
       };`,
    );
    await build({
      configFile: false,
      logLevel: 'error',
      root: dir,
      build: { outDir: join(dir, 'out'), lib: { entry, formats: ['es'], fileName: 'bench' }, minify: true },
    });
    const built = (await readdir(join(dir, 'out'))).find((name) => /\.m?js$/.test(name))!;
    const script = await readFile(join(dir, 'out', built), 'utf8');
    const server = createServer((req, res) => {
      if (req.url === '/bench.js') res.setHeader('content-type', 'text/javascript').end(script);
      else res.setHeader('content-type', 'text/html').end('<script type="module" src="/bench.js"></script>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => typeof (globalThis as { bench?: unknown }).bench === 'function');
      return await page.evaluate(
        (n) => (globalThis as unknown as { bench: (n: number) => number }).bench(n),
        runs,
      );
    } finally {
      await page.close();
      server.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Two valid identity keys (RFC 8032 test vectors 1 and 2), base64. */
const ALICE_KEY = '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=';
const BOB_KEY = 'PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=';
