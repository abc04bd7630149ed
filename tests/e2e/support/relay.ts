/** The real relay, on a free port (or a given one, to come back where it was), serving a built client. */
import { createRelay, type Relay } from '../../../relay/server.ts';

/** `port`: the port it had before, to come back on the same origin (a service worker's scope). */
export function startRelay(staticDir: string, port = 0): Promise<Relay> {
  return createRelay({ host: '127.0.0.1', port, staticDir });
}

/**
 * A relay that mints TURN credentials for a coturn on loopback, with `secret` (coturn's, or a forged one),
 * lasting `ttlSeconds` (TURN_TTL).
 */
export function startTurnRelay(
  staticDir: string,
  coturnPort: number,
  secret: string,
  port = 0,
  ttlSeconds = 600,
): Promise<Relay> {
  return createRelay({
    host: '127.0.0.1',
    port,
    staticDir,
    turn: { secret, urls: [`turn:127.0.0.1:${coturnPort}?transport=udp`], ttlSeconds },
  });
}
