import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { canonicalIp, createClientAddressing } from '../../relay/client-address.ts';

const request = (peer: string, headers: Record<string, string | string[]> = {}) =>
  ({ socket: { remoteAddress: peer }, headers }) as unknown as IncomingMessage;

describe('client addressing', () => {
  it('without trusted proxies: the peer, whatever the headers say; any forwarding header marks a request proxied', () => {
    const addressing = createClientAddressing();
    expect(addressing.of(request('127.0.0.1', { 'x-forwarded-for': '203.0.113.1' }))).toBe('127.0.0.1');
    expect(addressing.proxied(request('127.0.0.1'))).toBe(false);
    for (const name of ['forwarded', 'x-forwarded-for', 'x-real-ip']) {
      expect(addressing.proxied(request('127.0.0.1', { [name]: 'x' })), name).toBe(true);
    }
  });

  it('with a trusted proxy: the rightmost hop that is not a trusted proxy', () => {
    const addressing = createClientAddressing(['127.0.0.1', '10.0.0.2']);
    const via = (xff: string | string[]) =>
      addressing.of(request('::ffff:127.0.0.1', { 'x-forwarded-for': xff }));
    expect(via('203.0.113.1')).toBe('203.0.113.1');
    expect(via('198.51.100.9, 203.0.113.1')).toBe('203.0.113.1');
    expect(via('203.0.113.1, 10.0.0.2')).toBe('203.0.113.1');
    expect(via(['198.51.100.9', '203.0.113.1'])).toBe('203.0.113.1');
    expect(via('2001:db8::1')).toBe('2001:db8::1');
    // Not an address, or only proxies: the proxy itself.
    expect(via('203.0.113.1, junk')).toBe('127.0.0.1');
    expect(via('10.0.0.2')).toBe('127.0.0.1');
    expect(addressing.of(request('127.0.0.1'))).toBe('127.0.0.1');
    expect(addressing.proxied(request('127.0.0.1'))).toBe(true);
    // A peer that is not a trusted proxy cannot name another address.
    expect(addressing.of(request('203.0.113.7', { 'x-forwarded-for': '198.51.100.1' }))).toBe('203.0.113.7');
  });

  it('refuses a trusted proxy that is not an IP address, and spells IPv4 one way', () => {
    expect(() => createClientAddressing(['localhost'])).toThrow(RangeError);
    expect(() => createClientAddressing(['10.0.0.0/8'])).toThrow(RangeError);
    expect(canonicalIp('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(canonicalIp('::1')).toBe('::1');
  });
});
