/** The messenger's public types: what it needs from the app, and what it tells the app. */
import { type RandomSource, toHex } from '../../crypto/bytes.ts';
import type { Ed25519Backend } from '../../crypto/ed25519.ts';
import type { MessageKind } from '../../crypto/envelope.ts';
import type { ProtocolErrorCode } from '../../crypto/errors.ts';
import type { Identity } from '../../crypto/identity.ts';
import { keyRotationFromBytes } from '../../crypto/key-rotation.ts';
import type { MessageId, ReliableBody } from './chat-protocol.ts';
import type { GroupBody } from './group-bodies.ts';
import type { GroupId } from './group-state.ts';
import type { PeerId, PeerStatus, Transport } from './session-manager.ts';

export interface ChatMessage {
  readonly id: MessageId;
  readonly sentAt: number;
  readonly text: string;
  readonly expiresInSeconds?: number;
}

export type MessengerEvent =
  | { type: 'message'; peer: PeerId; message: ChatMessage }
  | { type: 'delivered'; peer: PeerId; ids: MessageId[] }
  | { type: 'read'; peer: PeerId; ids: MessageId[] }
  | { type: 'typing'; peer: PeerId; typing: boolean }
  | { type: 'presence'; peer: PeerId; online: boolean }
  /** The relay says the peer is not connected: what is queued for it waits. */
  | { type: 'unreachable'; peer: PeerId }
  | { type: 'contact-request'; peer: PeerId; id: MessageId; displayName: string }
  | { type: 'contact-response'; peer: PeerId; accepted: boolean; displayName?: string }
  | { type: 'settings'; peer: PeerId; expiresInSeconds: number; setAt: number }
  /** `previousKey` handed over to `peer` (the sender): both signatures already verified (inbound-policy.ts). */
  | { type: 'key-rotation'; peer: PeerId; previousKey: PeerId }
  /** A group body from a contact or a co-member: for the group messenger (group-messenger.ts) to judge. */
  | { type: 'group'; peer: PeerId; body: GroupBody }
  | { type: 'group-typing'; peer: PeerId; groupId: GroupId; typing: boolean }
  | { type: 'established'; peer: PeerId; sessionId: string }
  | { type: 'send-failed'; peer: PeerId; id: MessageId; reason: 'expired' }
  /** Kinds this service does not handle (calls): for the service that does. */
  | { type: 'envelope'; peer: PeerId; kind: MessageKind; body: Uint8Array }
  | { type: 'dropped'; peer: PeerId | null; code: ProtocolErrorCode; detail: string };

export interface ContactDirectory {
  status(peer: PeerId): PeerStatus;
  /** Every contact: they are pinged for presence. */
  list(): readonly PeerId[];
}

export interface MessengerOptions {
  readonly identity: Identity;
  readonly backend: Ed25519Backend;
  readonly random: RandomSource;
  readonly now: () => number;
  readonly transport: Transport;
  readonly contacts: ContactDirectory;
  /** For message, contact-request, contact-response, settings, key-rotation, group and read events, the body is acknowledged
   * only once the returned promise resolves ("stored"); if it rejects, the sender will resend. */
  readonly onEvent: (event: MessengerEvent) => void | Promise<void>;
  readonly maxStrangers?: number;
  /** What the outbox holds changed (added, acknowledged, expired, withdrawn, cleared): to keep it at rest. */
  readonly onOutboxChanged?: () => void;
}

export class OutboxFullError extends Error {
  readonly code = 'outbox-full';
}

export function eventFor(peer: PeerId, body: ReliableBody): MessengerEvent {
  switch (body.type) {
    case 'chat': {
      const { type: _, ...message } = body;
      return { type: 'message', peer, message };
    }
    case 'receipt':
      return { type: 'read', peer, ids: body.read };
    case 'contactRequest':
      return { type: 'contact-request', peer, id: body.id, displayName: body.displayName };
    case 'contactResponse':
      return body.displayName === undefined
        ? { type: 'contact-response', peer, accepted: body.accepted }
        : { type: 'contact-response', peer, accepted: body.accepted, displayName: body.displayName };
    case 'settings':
      return { type: 'settings', peer, expiresInSeconds: body.expiresInSeconds, setAt: body.setAt };
    case 'keyRotation':
      return { type: 'key-rotation', peer, previousKey: toHex(keyRotationFromBytes(body.statement).oldKey) };
    case 'group':
      return { type: 'group', peer, body };
  }
}
