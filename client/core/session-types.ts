/** The session manager's vocabulary: peer ids, the transport it needs, and the events it reports. */

import type { RandomSource } from '../../crypto/bytes.ts';
import type { Ed25519Backend } from '../../crypto/ed25519.ts';
import type { MessageKind } from '../../crypto/envelope.ts';
import type { ProtocolError } from '../../crypto/errors.ts';
import type { Role } from '../../crypto/handshake.ts';
import type { Identity } from '../../crypto/identity.ts';
import type { HandshakeLimits } from './handshake-budget.ts';

/** Peers are named by their identity key in lower-case hex. */
export type PeerId = string;
/** `member`: not a contact, but a member of a group we are in (the signed membership vouches for it). */
export type PeerStatus = 'contact' | 'member' | 'stranger' | 'blocked';

export interface Transport {
  /** Resolves 'sent' once the relay forwarded the bytes, 'undeliverable' if the recipient is not connected;
   * rejects if the relay connection failed. */
  send(recipient: Uint8Array, bytes: Uint8Array): Promise<'sent' | 'undeliverable'>;
}

export type SendOutcome =
  | { status: 'sent'; sessionId: string }
  | { status: 'queued' }
  | { status: 'undeliverable' }
  | { status: 'failed' };

export type SessionEvent =
  | { type: 'established'; peer: PeerId; sessionId: string; role: Role }
  | { type: 'deliver'; peer: PeerId; kind: MessageKind; body: Uint8Array; sessionId: string }
  | { type: 'undeliverable'; peer: PeerId }
  | { type: 'handshake-abandoned'; peer: PeerId }
  | { type: 'dropped'; peer: PeerId | null; error: ProtocolError };

export interface SessionManagerOptions {
  readonly identity: Identity;
  readonly backend: Ed25519Backend;
  readonly random: RandomSource;
  readonly now: () => number;
  readonly transport: Transport;
  readonly peerStatus: (peer: PeerId) => PeerStatus;
  /** Called synchronously, in order; it may call back into the manager. */
  readonly onEvent: (event: SessionEvent) => void;
  readonly maxStrangers?: number;
  /** How many INITs a claimed key, and all strangers together, may make us open and answer. */
  readonly handshakeLimits?: HandshakeLimits;
}

export const isPeerId = (value: unknown): value is PeerId =>
  typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);

export function assertPeerId(value: unknown): asserts value is PeerId {
  if (typeof value !== 'string') throw new TypeError(`peer must be a string, got ${typeof value}`);
  if (!isPeerId(value)) throw new RangeError('peer must be a 32-byte identity key in lower-case hex');
}
