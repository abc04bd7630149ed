/** The single-process Router: one in-memory map from address to the socket holding it, nothing else. */
import { assertBytes } from '../crypto/bytes.ts';
import { type AddressKey, addressKey, type Endpoint, type Router } from './router.ts';

export function createLocalRouter(): Router {
  const endpoints = new Map<AddressKey, Endpoint>();
  return {
    attach(address, endpoint) {
      const key = addressKey(address);
      const previous = endpoints.get(key);
      endpoints.set(key, endpoint);
      // Newest wins: the caller has just proved it holds the key, so the older socket is the stale one.
      if (previous !== undefined && previous !== endpoint) previous.kick();
    },
    detach(address, endpoint) {
      const key = addressKey(address);
      if (endpoints.get(key) === endpoint) endpoints.delete(key);
    },
    route(recipient, frame) {
      assertBytes(recipient, 'recipient', 32);
      const endpoint = endpoints.get(addressKey(recipient));
      if (endpoint === undefined) return false;
      endpoint.deliver(frame);
      return true;
    },
    async close() {
      endpoints.clear();
    },
  };
}
