/**
 * TCP connections that never become WebSockets, against the relay as `npm start` runs it: idle and
 * slow-header sockets are capped per address and in total from the moment they are accepted, and closed
 * after httpTimeoutMs, so they cannot use up the file descriptors that real clients need.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRelay } from '../../client/cli/relay-client.ts';
import { identity, within } from '../support/relay-harness.ts';
import { type RelayProcess, relayProcesses } from '../support/relay-process.ts';

const relays = relayProcesses('conn');
afterAll(() => relays.stop());

const relayProcess = (args: string[], maxOpenFiles?: number): Promise<RelayProcess> =>
  relays.start({ args, ...(maxOpenFiles === undefined ? {} : { maxOpenFiles }) });

interface Held {
  readonly socket: Socket;
  /** Milliseconds from `start` to the relay closing the socket. */
  readonly closedAfter: Promise<number>;
}

/** One TCP connection from 127.0.0.1 that sends `sends` (or nothing) and then waits. */
function hold(port: number, start: number, sends?: string): Promise<Held> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.1' });
    socket.on('error', () => {});
    // Reading, so that the relay's end of the connection is seen at once.
    socket.resume();
    const closedAfter = new Promise<number>((done) => socket.once('close', () => done(Date.now() - start)));
    socket.once('connect', () => {
      if (sends !== undefined) socket.write(sends);
      resolve({ socket, closedAfter });
    });
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
}

const portOf = (relay: RelayProcess): number => Number(new URL(relay.httpUrl).port);

async function metricsText(relay: RelayProcess): Promise<string> {
  return (await fetch(`${relay.httpUrl}/metrics`)).text();
}

describe('connections that never become WebSockets', () => {
  it('300 idle sockets from one address leave room for a client from another, and all close in time', async () => {
    const timeoutMs = 1_500;
    // 200 descriptors: without the caps, 300 idle sockets would hold every one the relay may open.
    const relay = await relayProcess(
      ['--limit', 'maxPendingPerIp=8', '--limit', `httpTimeoutMs=${timeoutMs}`],
      200,
    );
    const start = Date.now();
    const idle = await within(
      Promise.all(Array.from({ length: 300 }, () => hold(portOf(relay), start))),
      10_000,
      'opening 300 idle sockets',
    );

    const before = Date.now();
    const client = await within(
      connectRelay({
        url: relay.url,
        identity: await identity('idle-bystander'),
        webSocket: { localAddress: '127.0.0.2' },
        connectTimeoutMs: 3_000,
      }),
      3_000,
      'a client from 127.0.0.2 logging in',
    );
    expect(Date.now() - before).toBeLessThan(3_000);
    expect(await client.send(client.publicKey, Uint8Array.of(1))).toBe('forwarded');

    // Beyond the 8 allowed, each is destroyed on arrival; the 8 go after the idle timeout.
    const closedAfter = await within(
      Promise.all(idle.map((h) => h.closedAfter)),
      timeoutMs + 4_000,
      'the relay closing every idle socket',
    );
    expect(Math.max(...closedAfter)).toBeLessThan(timeoutMs + 3_000);
    const text = await metricsText(relay);
    expect(Number(text.match(/^tincan_relay_tcp_refused_total (\d+)$/m)?.[1])).toBeGreaterThanOrEqual(292);
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    await client.close();
  }, 30_000);

  it('closes a socket that sends its headers slowly, and one kept alive idle', async () => {
    const timeoutMs = 1_000;
    const relay = await relayProcess(['--limit', `httpTimeoutMs=${timeoutMs}`]);
    const start = Date.now();
    const slow = await hold(portOf(relay), start, 'GET /healthz HTTP/1.1\r\n');
    // A byte every 300 ms keeps the socket busy, but the headers never finish within the timeout.
    const drip = setInterval(() => slow.socket.write('X'), 300);
    const keptAlive = await hold(portOf(relay), start, 'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n');
    try {
      const [slowClosed, keptAliveClosed] = await within(
        Promise.all([slow.closedAfter, keptAlive.closedAfter]),
        timeoutMs + 4_000,
        'the relay closing both',
      );
      expect(slowClosed).toBeLessThan(timeoutMs + 2_500);
      expect(keptAliveClosed).toBeLessThan(timeoutMs + 2_500);
    } finally {
      clearInterval(drip);
    }
  }, 20_000);
});
