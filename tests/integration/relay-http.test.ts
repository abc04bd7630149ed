/** The relay's HTTP side: strict headers everywhere, /healthz, /metrics (counts only, not public), HTTPS/WSS. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_WORKER_POLICY } from '../../client/services/service-worker-url.ts';
import { toHex } from '../../crypto/bytes.ts';
import { metricsAllowed, TRUSTED_TYPES_POLICY } from '../../relay/http-app.ts';
import type { Relay } from '../../relay/server.ts';
import { connectAs, identity, startRelay } from '../support/relay-harness.ts';
import { TEST_TLS_CERT, TEST_TLS_KEY } from '../support/tls-fixture.ts';

let relay: Relay;
let staticRelay: Relay;
let staticDir: string;
beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'tincan-static-'));
  writeFileSync(
    join(staticDir, 'index.html'),
    '<!doctype html><title>t</title><script type="module" src="/app.js"></script>',
  );
  writeFileSync(join(staticDir, 'app.js'), 'export {};\n');
  relay = await startRelay({ staticDir: join(staticDir, 'missing') });
  staticRelay = await startRelay({ staticDir });
});
afterAll(async () => {
  await Promise.all([relay.close(), staticRelay.close()]);
  rmSync(staticDir, { recursive: true, force: true });
});

function csp(response: Response): Map<string, string> {
  const header = response.headers.get('content-security-policy') ?? '';
  return new Map(
    header.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values.join(' ')];
    }),
  );
}

function expectStrictHeaders(response: Response, path: string): void {
  const policy = csp(response);
  expect(policy.get('default-src'), path).toBe("'self'");
  expect(policy.get('script-src'), path).toBe("'self'");
  expect(policy.get('script-src-attr'), path).toBe("'none'");
  expect(policy.get('object-src'), path).toBe("'none'");
  expect(policy.get('frame-ancestors'), path).toBe("'none'");
  expect(policy.get('base-uri'), path).toBe("'none'");
  expect(policy.get('connect-src'), path).toBe(`'self' ${wsOrigins(response.url)}`);
  expect(policy.get('require-trusted-types-for'), path).toBe("'script'");
  expect(policy.get('trusted-types'), path).toBe(TRUSTED_TYPES_POLICY);
  expect(response.headers.get('integrity-policy'), path).toBe('blocked-destinations=(script)');
  expect(response.headers.get('content-security-policy'), path).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
  expect(response.headers.get('x-frame-options'), path).toBe('DENY');
  expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
  expect(response.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
  expect(response.headers.get('cross-origin-resource-policy'), path).toBe('same-origin');
  expect(response.headers.get('permissions-policy'), path).toContain('camera=(self)');
  expect(response.headers.get('x-powered-by'), path).toBeNull();
}

/** The ws: twins of the relay's own origins, which connect-src lists beside 'self'. */
function wsOrigins(url: string): string {
  const port = new URL(url).port;
  return `ws://127.0.0.1:${port} ws://localhost:${port}`;
}

/**
 * Permissions-Policy features that Chromium recognises (its permissions_policy_features.json5; headless
 * Chromium 156 warns "Unrecognized feature" for any other). `bluetooth` is not one of them.
 */
const KNOWN_PERMISSIONS_POLICY_FEATURES = new Set([
  'accelerometer',
  'ambient-light-sensor',
  'autoplay',
  'browsing-topics',
  'camera',
  'clipboard-read',
  'clipboard-write',
  'display-capture',
  'encrypted-media',
  'fullscreen',
  'geolocation',
  'gyroscope',
  'hid',
  'idle-detection',
  'interest-cohort',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'picture-in-picture',
  'publickey-credentials-get',
  'screen-wake-lock',
  'serial',
  'usb',
  'web-share',
  'xr-spatial-tracking',
]);

describe('relay HTTP', () => {
  it('puts strict security headers on every response, errors included', async () => {
    for (const path of ['/', '/healthz', '/metrics', '/nope', '/relay', '/%']) {
      expectStrictHeaders(await fetch(`${relay.httpUrl}${path}`), path);
    }
    expect(csp(await fetch(relay.httpUrl)).has('upgrade-insecure-requests')).toBe(false);
    expect((await fetch(relay.httpUrl)).headers.get('strict-transport-security')).toBeNull();
  });

  it('names only features browsers know in Permissions-Policy', async () => {
    const header = (await fetch(relay.httpUrl)).headers.get('permissions-policy') ?? '';
    const features = header.split(',').map((d) => d.trim().split('=')[0]);
    expect(features).toContain('camera');
    for (const feature of features)
      expect(KNOWN_PERMISSIONS_POLICY_FEATURES.has(feature ?? ''), feature).toBe(true);
  });

  it('says the client is not built when there is no build, without inline script', async () => {
    const response = await fetch(relay.httpUrl);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('not built');
    expect(page).not.toContain('<script');
  });

  it('serves the built client when there is one', async () => {
    const index = await fetch(staticRelay.httpUrl);
    expect(await index.text()).toContain('src="/app.js"');
    const script = await fetch(`${staticRelay.httpUrl}/app.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${staticRelay.httpUrl}/.env`)).status).toBe(404);
  });

  it("allows the page's import map by its SHA-256, and no other inline script, read again when the page changes", async () => {
    const map = '{"integrity":{"/app.js":"sha384-x"}}';
    const dir = mkdtempSync(join(tmpdir(), 'tincan-import-map-'));
    const index = join(dir, 'index.html');
    const page = (importMap: string) =>
      `<!doctype html><title>t</title><script type="importmap">${importMap}</script>` +
      '<script>alert(1)</script><script type="module" src="/app.js"></script>';
    writeFileSync(index, page(map));
    const mapped = await startRelay({ staticDir: dir });
    try {
      const source = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
      for (const path of ['/', '/app.js', '/nope']) {
        const policy = csp(await fetch(`${mapped.httpUrl}${path}`));
        expect(policy.get('script-src'), path).toBe(`'self' ${source(map)}`);
      }
      const rebuilt = '{"integrity":{"/app.js":"sha384-y"}}';
      writeFileSync(index, page(rebuilt));
      utimesSync(index, new Date(), new Date(Date.now() + 5_000));
      expect(csp(await fetch(mapped.httpUrl)).get('script-src')).toBe(`'self' ${source(rebuilt)}`);
      rmSync(index);
      expect(csp(await fetch(mapped.httpUrl)).get('script-src')).toBe("'self'");
    } finally {
      await mapped.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names in trusted-types the one policy the client makes', () => {
    expect(TRUSTED_TYPES_POLICY).toBe(SERVICE_WORKER_POLICY);
  });

  it('answers /healthz', async () => {
    const response = await fetch(`${relay.httpUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok\n');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('exposes counts only in /metrics: no key, no address, no per-user size', async () => {
    const alice = await connectAs(relay, 'http-alice');
    const bob = await connectAs(relay, 'http-bob');
    await alice.send(bob.publicKey, new Uint8Array(777));
    await alice.send((await identity('http-nobody')).publicKey, Uint8Array.of(1));
    const text = await (await fetch(`${relay.httpUrl}/metrics`)).text();
    for (const name of [
      'tincan_relay_connections 2',
      'tincan_relay_authenticated_connections 2',
      'tincan_relay_frames_forwarded_total 1',
      'tincan_relay_frames_undeliverable_total 1',
      'tincan_relay_closes_total{reason="replaced"} 0',
      'tincan_relay_closes_total{reason="slow-consumer"} 0',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).not.toContain(toHex(alice.publicKey).slice(0, 12));
    expect(text).not.toMatch(/127\.0\.0\.1|777/);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('keeps /metrics from the public: loopback only, or a bearer token', async () => {
    const remote = { socket: { remoteAddress: '203.0.113.9' }, headers: {} } as IncomingMessage;
    const local = { socket: { remoteAddress: '127.0.0.1' }, headers: {} } as IncomingMessage;
    expect(metricsAllowed(remote, undefined)).toBe(false);
    expect(metricsAllowed(local, undefined)).toBe(true);
    expect(metricsAllowed(local, 'token')).toBe(false);
    const withToken = { ...remote, headers: { authorization: 'Bearer token' } } as IncomingMessage;
    expect(metricsAllowed(withToken, 'token')).toBe(true);
    expect(metricsAllowed(withToken, 'other')).toBe(false);

    const guarded = await startRelay({ metricsToken: 's3cret' });
    expect((await fetch(`${guarded.httpUrl}/metrics`)).status).toBe(401);
    const authorized = await fetch(`${guarded.httpUrl}/metrics`, {
      headers: { authorization: 'Bearer s3cret' },
    });
    expect(authorized.status).toBe(200);
    expect(await authorized.text()).toContain('tincan_relay_connections');
    await guarded.close();
  });

  it('serves HTTPS and WSS with a certificate, with HSTS and upgrade-insecure-requests', async () => {
    const secure = await startRelay({ tls: { cert: TEST_TLS_CERT, key: TEST_TLS_KEY } });
    expect(secure.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/relay$/);
    expect(secure.origin).toBe(secure.httpUrl);
    const headers = await new Promise<IncomingMessage['headers']>((resolve, reject) => {
      const req = request(`${secure.httpUrl}/healthz`, { ca: TEST_TLS_CERT }, (res) => {
        res.resume();
        resolve(res.headers);
      });
      req.on('error', reject);
      req.end();
    });
    expect(headers['strict-transport-security']).toContain('max-age=');
    expect(headers['content-security-policy']).toContain('upgrade-insecure-requests');
    expect(headers['content-security-policy']).toContain(`wss://127.0.0.1:${secure.port}`);
    const alice = await connectAs(secure, 'https-alice', { webSocket: { ca: TEST_TLS_CERT } });
    const bob = await connectAs(secure, 'https-bob', { webSocket: { ca: TEST_TLS_CERT } });
    expect(await alice.send(bob.publicKey, Uint8Array.of(5))).toBe('forwarded');
    await secure.close();
  });
});
