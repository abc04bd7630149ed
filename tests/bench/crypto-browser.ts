/**
 * The full handshake where Tincan's WebCrypto path really runs: in Chromium (Debian's /usr/bin/chromium),
 * on the backends the web client picks, beside libsodium-wrappers doing the same work in the same page.
 * The page script (support/browser-handshake-page.ts) is bundled with esbuild and served from 127.0.0.1;
 * contenders take alternating turns, each timed inside the page.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { launchChromium } from '../e2e/support/chromium.ts';
import type { HandshakeBenchPage } from './support/browser-handshake-page.ts';
import type { RoundLimits, RoundSamples } from './support/timing.ts';

const ENTRY = fileURLToPath(new URL('./support/browser-handshake-page.ts', import.meta.url));
const PAGE_TIMEOUT_MS = 60_000;

/** In-page contender names (see the page script) and the names they take in the crypto table. */
export interface BrowserHandshakeNames {
  readonly tincan: string;
  readonly baseline: string;
}

export interface BrowserHandshakeResult {
  readonly samples: RoundSamples;
  /** The backends the client picked in Chromium, e.g. { ed25519: 'webcrypto', x25519: 'webcrypto' }. */
  readonly backends: { readonly ed25519: string; readonly x25519: string };
}

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'error',
  });
  return result.outputFiles[0]!.text;
}

export async function runBrowserHandshakes(
  names: BrowserHandshakeNames,
  limits: RoundLimits,
): Promise<BrowserHandshakeResult> {
  const script = await bundlePage();
  const server = createServer((request, response) => {
    if (request.url === '/bench.js') response.setHeader('content-type', 'text/javascript').end(script);
    else
      response.setHeader('content-type', 'text/html').end('<script type="module" src="/bench.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    const pageErrors: Error[] = [];
    page.on('pageerror', (error) => pageErrors.push(error));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page
      .waitForFunction(() => 'handshakeBench' in globalThis)
      .catch((error: unknown) => {
        throw pageErrors[0] ?? error;
      });
    const backends = await page.evaluate(
      () => (globalThis as unknown as { handshakeBench: HandshakeBenchPage }).handshakeBench.ready,
    );
    const turn = (contender: string, budgetMs: number) =>
      page.evaluate(
        ([c, ms, max]) =>
          (globalThis as unknown as { handshakeBench: HandshakeBenchPage }).handshakeBench.turn(c, ms, max),
        [contender, budgetMs, limits.maxOpsPerRound] as const,
      );
    const contenders = [
      { inPage: 'tincan', name: names.tincan },
      { inPage: 'libsodium-wrappers', name: names.baseline },
    ];
    for (const { inPage } of contenders) await turn(inPage, limits.warmupMs);
    const samples = new Map<string, number[]>(contenders.map(({ name }) => [name, []]));
    for (let round = 0; round < limits.rounds; round++) {
      for (const { inPage, name } of contenders) samples.get(name)!.push(await turn(inPage, limits.roundMs));
    }
    return { samples, backends };
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
