/**
 * A draining relay takes no new client: from the moment close() starts its listener is closed and health,
 * readiness and metrics say it drains (an upgrade that still arrives on an open HTTP connection is refused
 * with 503), a new WebSocket is never accepted (so it is never cut with 1006 a moment later), while the clients it already
 * holds get going-away, and one client that never answers the close handshake is ended after the close
 * timeout without holding anyone else up.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RELAY_CLOSE_CODES } from '../../crypto/relay-close-codes.ts';
import type { Relay } from '../../relay/server.ts';
import { connectAs, metric, startRelay, within } from '../support/relay-harness.ts';

/** A client that completes the upgrade and then never reads nor answers anything. */
function silentUpgrade(url: string): Promise<Socket> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.once('data', (chunk) => {
      if (chunk.toString().startsWith('HTTP/1.1 101')) resolve(socket);
      else reject(new Error(chunk.toString()));
    });
    socket.on('error', () => {});
  });
}

/** GET on a kept-alive connection that was opened before the drain. */
function get(agent: Agent, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

/** Resolves to what happened to a new WebSocket: it opened, or it was refused before opening. */
function tryConnect(url: string): Promise<'opened' | 'refused'> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.terminate();
      resolve('opened');
    });
    socket.once('error', () => resolve('refused'));
  });
}

let relay: Relay | undefined;
afterEach(async () => {
  await relay?.close();
  relay = undefined;
});

describe('draining', () => {
  it('says ready until it drains, then refuses new clients while its old ones get going-away', async () => {
    relay = await startRelay({ limits: { closeTimeoutMs: 3_000 } });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await get(agent, `${relay.httpUrl}/readyz`)).toEqual({ status: 200, body: 'ready\n' });
    expect(await get(agent, `${relay.httpUrl}/healthz`)).toEqual({ status: 200, body: 'ok\n' });
    expect(await metric(relay, 'tincan_relay_draining')).toBe(0);
    const client = await connectAs(relay, 'drain-client');
    const silent = await silentUpgrade(relay.url);
    const silentEnded = new Promise<number>((resolve) => {
      const started = performance.now();
      silent.once('close', () => resolve(performance.now() - started));
    });

    const closing = relay.close();
    expect(relay.health().draining).toBe(true);
    expect(await metric(relay, 'tincan_relay_draining')).toBe(1);
    // The responsive client goes at once, with going-away.
    expect((await within(client.closed, 2_000, 'client close')).code).toBe(RELAY_CLOSE_CODES['going-away']);
    // While the silent one holds the drain open, nobody new gets in: the listener is closed, so a load
    // balancer's health check and a new client alike are refused and go to another node.
    expect(await tryConnect(relay.url)).toBe('refused');
    await expect(get(agent, `${relay.httpUrl}/readyz`)).rejects.toThrow(/ECONNREFUSED/);
    // The silent client is ended at the close timeout, and the drain then completes.
    const silentMs = await within(silentEnded, 6_000, 'silent client ended');
    expect(silentMs).toBeGreaterThan(2_000);
    await within(closing, 2_000, 'drain');
    agent.destroy();
  });
});
