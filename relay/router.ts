/**
 * Where the relay hands a frame for an address: this process's own sockets, or also other relay nodes.
 *
 * An address is the 32-byte identity key. Routers key their maps with its AddressKey, the 32 bytes as a
 * 32-character latin1 string: an exact Map key, made with one native slice (no hex, no copy of the bytes
 * when they are a Buffer, as in a frame from ws), and the cheapest way for a connection to remember it.
 */
import { assertBytes } from '../crypto/bytes.ts';

const ADDRESS_BYTES = 32;

export type AddressKey = string & { readonly __addressKey: unique symbol };

export interface Endpoint {
  deliver(frame: Uint8Array): void;
  /** Close this socket with the 'replaced' close code (newest wins). */
  kick(): void;
}

/**
 * Every method may answer synchronously or with a promise. Work that stays in this process answers
 * synchronously, so a frame between two local sockets costs no promise and no microtask; only work that
 * waits for another node (Redis) returns a promise. Callers must accept both.
 */
export interface Router {
  /** Registers the local endpoint for address (32-byte key); any other holder of the same address, on this or any node, is kicked. */
  attach(address: Uint8Array, endpoint: Endpoint): void | Promise<void>;
  detach(address: Uint8Array, endpoint: Endpoint): void | Promise<void>;
  /**
   * True if a connected endpoint for recipient (on any node) took the frame. `recipient` and `frame` are
   * read before the call returns, never later, so they may be views into a buffer the caller reuses.
   */
  route(recipient: Uint8Array, frame: Uint8Array): boolean | Promise<boolean>;
  close(): Promise<void>;
  /**
   * Whether the other relay nodes can be reached now; absent for a router that has no other nodes. While they
   * cannot, local routing goes on and frames for other nodes are answered undeliverable.
   */
  connected?(): boolean;
}

const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function addressKey(address: Uint8Array): AddressKey {
  assertBytes(address, 'address', ADDRESS_BYTES);
  return asBuffer(address).toString('latin1') as AddressKey;
}

/** The address bytes of a key, in a fresh array. */
export function addressBytes(key: AddressKey): Uint8Array {
  if (typeof key !== 'string' || key.length !== ADDRESS_BYTES)
    throw new TypeError(`key must be an AddressKey (${ADDRESS_BYTES} characters)`);
  return new Uint8Array(Buffer.from(key, 'latin1'));
}
