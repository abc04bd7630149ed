/**
 * Behind a reverse proxy on the same host, against the relay as `npm start` runs it: with --trust-proxy the
 * per-address cap counts each client by the proxy's X-Forwarded-For (the rightmost hop the proxy wrote,
 * not one the client made up), and /metrics never takes a proxied request for a local one. Without it,
 * forwarding headers are ignored.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RELAY_CLOSE_CODES } from '../../crypto/relay-close-codes.ts';
import { RawSocket } from '../support/relay-harness.ts';
import { type RelayProcess, relayProcesses } from '../support/relay-process.ts';

const relays = relayProcesses('proxy');
afterAll(() => relays.stop());

const relayProcess = (args: string[]): Promise<RelayProcess> => relays.start({ args });

/** A socket as the proxy opens it for a client: X-Forwarded-For as the proxy wrote it. */
const viaProxy = (relay: RelayProcess, forwardedFor: string) =>
  RawSocket.open(relay.url, { headers: { 'X-Forwarded-For': forwardedFor } });

async function admitted(socket: RawSocket): Promise<boolean> {
  const first = await Promise.race([socket.next(3_000).then(() => 'frame' as const), socket.closed]);
  if (first === 'frame') return true;
  expect(first.code).toBe(RELAY_CLOSE_CODES['too-many-connections']);
  return false;
}

const metricsStatus = async (relay: RelayProcess, headers: Record<string, string> = {}) =>
  (await fetch(`${relay.httpUrl}/metrics`, { headers })).status;

describe('behind a reverse proxy', () => {
  it('with --trust-proxy, counts each client by its forwarded address, and a spoofed hop changes nothing', async () => {
    const relay = await relayProcess([
      '--trust-proxy',
      '127.0.0.1',
      '--limit',
      'maxConnectionsPerIp=2',
      '--limit',
      'maxPendingPerIp=2',
    ]);
    const first = [await viaProxy(relay, '203.0.113.1'), await viaProxy(relay, '203.0.113.1')];
    for (const socket of first) expect(await admitted(socket)).toBe(true);
    // Another client behind the same proxy has its own allowance.
    const second = [await viaProxy(relay, '203.0.113.2'), await viaProxy(relay, '203.0.113.2')];
    for (const socket of second) expect(await admitted(socket)).toBe(true);
    expect(await admitted(await viaProxy(relay, '203.0.113.1'))).toBe(false);
    // The client wrote the left hop itself; the proxy appended the address it saw.
    expect(await admitted(await viaProxy(relay, '198.51.100.9, 203.0.113.1'))).toBe(false);
    expect(await admitted(await viaProxy(relay, '203.0.113.3, 127.0.0.1'))).toBe(true);
    for (const socket of [...first, ...second]) socket.close();
  });

  it('with --trust-proxy, /metrics answers no request from the proxy, forwarded or not', async () => {
    const relay = await relayProcess(['--trust-proxy', '127.0.0.1']);
    expect(await metricsStatus(relay, { 'X-Forwarded-For': '203.0.113.1' })).toBe(403);
    expect(await metricsStatus(relay, { 'X-Forwarded-For': '127.0.0.1' })).toBe(403);
    expect(await metricsStatus(relay)).toBe(403);
  });

  it('without it, ignores X-Forwarded-For for limits, and refuses /metrics to any forwarded request', async () => {
    const relay = await relayProcess(['--limit', 'maxConnectionsPerIp=2']);
    expect(await admitted(await viaProxy(relay, '203.0.113.1'))).toBe(true);
    expect(await admitted(await viaProxy(relay, '203.0.113.2'))).toBe(true);
    expect(await admitted(await viaProxy(relay, '203.0.113.3'))).toBe(false);
    expect(await metricsStatus(relay)).toBe(200);
    for (const header of ['X-Forwarded-For', 'Forwarded', 'X-Real-IP']) {
      expect(await metricsStatus(relay, { [header]: 'for=203.0.113.1' }), header).toBe(403);
    }
  });
});
