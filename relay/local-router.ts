/** The single-process Router: one in-memory map from address to the socket holding it, nothing else. */
import type { Endpoint, Router } from './router.ts';

/** 32 bytes as a 32-character string: the cheapest exact Map key. */
const keyOf = (address: Uint8Array): string =>
  Buffer.from(address.buffer, address.byteOffset, address.byteLength).toString('latin1');

export function createLocalRouter(): Router {
  const endpoints = new Map<string, Endpoint>();
  return {
    async attach(address, endpoint) {
      const key = keyOf(address);
      const previous = endpoints.get(key);
      endpoints.set(key, endpoint);
      // Newest wins: the caller has just proved it holds the key, so the older socket is the stale one.
      if (previous !== undefined && previous !== endpoint) previous.kick();
    },
    async detach(address, endpoint) {
      const key = keyOf(address);
      if (endpoints.get(key) === endpoint) endpoints.delete(key);
    },
    async route(recipient, frame) {
      const endpoint = endpoints.get(keyOf(recipient));
      if (endpoint === undefined) return false;
      endpoint.deliver(frame);
      return true;
    },
    async close() {
      endpoints.clear();
    },
  };
}
