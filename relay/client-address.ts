/**
 * The client's address for per-address limits, and whether a request came through a reverse proxy.
 *
 * Without trusted proxies, the client is the TCP peer and any forwarding header is ignored (a client can
 * write one itself). With them, a request whose peer is one of them is a proxied request: the client is
 * the rightmost X-Forwarded-For hop that is not a trusted proxy. Hops further left were written by whoever
 * sent the request to the first trusted proxy, the client included, and prove nothing.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

export interface ClientAddressing {
  /** True for a peer address listed as a trusted proxy. */
  isTrustedProxy(peer: string): boolean;
  /** The client address of a request (see above). */
  of(req: IncomingMessage): string;
  /** True if the request came through a trusted proxy, or carries a forwarding header of any kind. */
  proxied(req: IncomingMessage): boolean;
}

/** IPv4 peers of a dual-stack listener appear as ::ffff:a.b.c.d; one spelling per address. */
export function canonicalIp(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export function createClientAddressing(trustedProxies: readonly string[] = []): ClientAddressing {
  for (const proxy of trustedProxies) {
    if (typeof proxy !== 'string' || isIP(proxy) === 0)
      throw new RangeError(`trustProxy: not an IP address: ${JSON.stringify(proxy)}`);
  }
  const trusted = new Set(trustedProxies.map(canonicalIp));
  const peerOf = (req: IncomingMessage): string => canonicalIp(req.socket.remoteAddress ?? 'unknown');
  return {
    isTrustedProxy: (peer) => trusted.has(canonicalIp(peer)),
    of(req) {
      const peer = peerOf(req);
      if (!trusted.has(peer)) return peer;
      const header = req.headers['x-forwarded-for'];
      const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = canonicalIp(hops[i]!.trim());
        if (isIP(hop) === 0) return peer;
        if (!trusted.has(hop)) return hop;
      }
      return peer;
    },
    proxied(req) {
      return trusted.has(peerOf(req)) || FORWARDING_HEADERS.some((name) => req.headers[name] !== undefined);
    },
  };
}
