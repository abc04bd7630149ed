export interface Endpoint {
  deliver(frame: Uint8Array): void;
  kick(): void;
} // kick = close this socket with the 'replaced' close code (newest wins)
export interface Router {
  /** Registers the local endpoint for address (32-byte key); any other holder of the same address, on this or any node, is kicked. */
  attach(address: Uint8Array, endpoint: Endpoint): Promise<void>;
  detach(address: Uint8Array, endpoint: Endpoint): Promise<void>;
  /** Resolves true if a connected endpoint for recipient (on any node) took the frame. */
  route(recipient: Uint8Array, frame: Uint8Array): Promise<boolean>;
  close(): Promise<void>;
}
