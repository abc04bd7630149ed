/**
 * The relay as the README starts it (`npm start`, which runs the built dist/main.js): it writes no file during
 * a whole session (strace sees every file-changing system call of npm, the relay and their children, and the
 * fresh working and temp directory stays empty), and a signal to the start command shuts it down gracefully,
 * closing sockets with going-away, exiting 0 and leaving no process behind on the port.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRelay } from '../../client/cli/relay-client.ts';
import { RELAY_CLOSE_CODES } from '../../crypto/relay-close-codes.ts';
import { encodeFrame } from '../../crypto/relay-frames.ts';
import { identity, RawSocket, within } from '../support/relay-harness.ts';
import { FILE_CHANGING_CALLS, fileChanges, spawnRelay } from '../support/relay-process.ts';

const dirs: string[] = [];
const freshDir = (label: string) => {
  const dir = mkdtempSync(join(tmpdir(), `tincan-${label}-`));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function clients(url: string, labels: string[]) {
  return Promise.all(labels.map(async (label) => connectRelay({ url, identity: await identity(label) })));
}

/** True when nothing listens on the port any more (a supervisor's restart could bind it). */
const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

describe('relay process', () => {
  it('writes no file during a session', async () => {
    const cwd = freshDir('cwd');
    const straceLog = join(freshDir('strace'), 'strace.log');
    const relay = await spawnRelay({
      cwd,
      home: freshDir('home'),
      straceLog,
      env: { TURN_SECRET: 'tincan-process-test-secret', TURN_URLS: 'turn:127.0.0.1:3478?transport=udp' },
    });
    // A session touching every path: HTTP, auth, routing, undeliverable, TURN, a bad frame, an oversize frame.
    for (const path of ['/', '/healthz', '/metrics', '/missing'])
      await (await fetch(`${relay.httpUrl}${path}`)).text();
    const [alice, bob] = await clients(relay.url, ['process-alice', 'process-bob']);
    expect(await alice!.send(bob!.publicKey, new Uint8Array(1000))).toBe('forwarded');
    expect(await alice!.send((await identity('process-nobody')).publicKey, Uint8Array.of(1))).toBe(
      'undeliverable',
    );
    expect((await alice!.requestTurnCredentials())?.username).toMatch(/^\d+:[0-9a-f]{16}$/);
    const bad = await RawSocket.open(relay.url);
    bad.send(encodeFrame({ type: 'turn-request' }));
    expect((await within(bad.closed, 3_000)).code).toBe(RELAY_CLOSE_CODES['bad-frame']);
    const big = await RawSocket.open(relay.url);
    big.send(new Uint8Array(70_000));
    expect((await within(big.closed, 3_000)).code).toBe(RELAY_CLOSE_CODES['frame-too-large']);
    await Promise.all([alice!.close(), bob!.close()]);

    process.kill(relay.pid, 'SIGTERM');
    expect((await within(relay.exited, 10_000, 'relay exit')).code).toBe(0);
    // The trace did cover npm and the built relay (it saw both being read), and saw no file change at all:
    // no TypeScript loader cache, no npm log.
    const trace = readFileSync(straceLog, 'utf8');
    expect(trace).toContain('dist/main.js');
    expect(trace).toContain('npm');
    expect(trace).not.toContain('tsx');
    expect(fileChanges(straceLog)).toEqual([]);
    expect(readdirSync(cwd)).toEqual([]);
    // The log holds the listen line and counts, never a key.
    expect(relay.output()).not.toContain(Buffer.from(alice!.publicKey).toString('hex').slice(0, 12));
  });

  it('sees a file write when there is one (the strace check is not blind)', () => {
    const cwd = freshDir('cwd-control');
    const straceLog = join(freshDir('strace-control'), 'strace.log');
    const write = "require('node:fs').writeFileSync('written', 'x')";
    execFileSync(
      'strace',
      ['-f', '-qq', '-e', `trace=${FILE_CHANGING_CALLS}`, '-o', straceLog, process.execPath, '-e', write],
      {
        cwd,
      },
    );
    expect(fileChanges(straceLog).some((line) => line.includes('"written"'))).toBe(true);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`closes every socket with going-away on ${signal} and exits 0`, async () => {
      const relay = await spawnRelay({ cwd: freshDir(`cwd-${signal}`), home: freshDir(`home-${signal}`) });
      const port = Number(new URL(relay.httpUrl).port);
      const connected = await clients(relay.url, [`${signal}-a`, `${signal}-b`]);
      const unauthenticated = await RawSocket.open(relay.url);
      process.kill(relay.pid, signal);
      for (const client of connected) {
        expect((await within(client.closed, 5_000)).code).toBe(RELAY_CLOSE_CODES['going-away']);
      }
      expect((await within(unauthenticated.closed, 5_000)).code).toBe(RELAY_CLOSE_CODES['going-away']);
      expect(await within(relay.exited, 10_000, 'relay exit')).toEqual({ code: 0, signal: null });
      expect(relay.output()).toContain(`${signal}, closing sockets with going-away`);
      // The relay itself is gone too, not orphaned: its port can be bound again at once.
      expect(await portIsFree(port)).toBe(true);
    });
  }

  it('refuses an unknown limit, or an unusable value, with a clear message', async () => {
    await expect(
      spawnRelay({ cwd: freshDir('cwd-limit'), args: ['--limit', 'maxSockets=5'] }),
    ).rejects.toThrow(/unknown limit "maxSockets"/);
    await expect(
      spawnRelay({ cwd: freshDir('cwd-limit-value'), args: ['--limit', 'httpTimeoutMs=0'] }),
    ).rejects.toThrow(/httpTimeoutMs must be a positive integer/);
  });

  it('serves the client directory of --client-dir, or of TINCAN_CLIENT_DIR', async () => {
    for (const how of ['flag', 'env'] as const) {
      const client = freshDir(`client-${how}`);
      writeFileSync(join(client, 'index.html'), `<!doctype html><title>release served by ${how}</title>\n`);
      writeFileSync(join(client, 'release.json'), '{"format":1}\n');
      const relay = await spawnRelay({
        cwd: freshDir(`cwd-client-${how}`),
        ...(how === 'flag' ? { args: ['--client-dir', client] } : { env: { TINCAN_CLIENT_DIR: client } }),
      });
      try {
        expect(await (await fetch(relay.httpUrl)).text()).toContain(`release served by ${how}`);
        expect(await (await fetch(`${relay.httpUrl}/release.json`)).text()).toBe('{"format":1}\n');
      } finally {
        process.kill(relay.pid, 'SIGTERM');
        await within(relay.exited, 10_000, 'relay exit');
      }
    }
  });

  it('refuses a TLS certificate without a key, with a clear message', async () => {
    const start = spawnRelay({
      cwd: freshDir('cwd-tls'),
      home: freshDir('home-tls'),
      args: ['--tls-cert', 'cert.pem'],
    });
    await expect(start).rejects.toThrow(/--tls-cert and --tls-key go together/);
  });
});
