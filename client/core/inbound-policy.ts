/**
 * What may come in from whom, decided before anything reaches the app:
 *
 *   contact   every chat body; other kinds (calls) are passed on to the service that handles them
 *   member    (a co-member of a group, not a contact) what a stranger may send, and acks, presence and group
 *             bodies; the group messenger then checks membership of the group each body names. Group call
 *             bodies and call bodies are passed on: only the group call service takes them (a call body must
 *             name a leg of a group call we are in), never the one-to-one call service
 *   stranger  a contact request, or a key rotation (a contact's new key telling us so: admitRotation checks
 *             that the statement names the sender as the successor of a key we list, signed by both keys)
 *   blocked   nothing (the session manager does not even answer a blocked key's handshake)
 */
import { toHex } from '../../crypto/bytes.ts';
import type { Ed25519Backend } from '../../crypto/ed25519.ts';
import { MESSAGE_KIND, type MessageKind } from '../../crypto/envelope.ts';
import { isProtocolError, ProtocolError } from '../../crypto/errors.ts';
import { openKeyRotation } from '../../crypto/key-rotation.ts';
import { type ChatBody, decodeBody, isChatKind } from './chat-protocol.ts';
import type { PeerId, PeerStatus } from './session-manager.ts';

const MEMBER_BODIES = new Set<ChatBody['type']>(['ack', 'presence', 'group', 'groupTyping']);
/** What a co-member may send us beside chat bodies: the signalling of a group call (calls.md, Group calls). */
const MEMBER_CALL_KINDS = new Set<number>([
  MESSAGE_KIND.groupCall,
  MESSAGE_KIND.callOffer,
  MESSAGE_KIND.callAnswer,
  MESSAGE_KIND.iceCandidate,
  MESSAGE_KIND.callControl,
]);

export type Admission =
  | { action: 'handle'; body: ChatBody }
  | { action: 'pass' }
  | { action: 'drop'; error: ProtocolError };

export function admitInbound(status: PeerStatus, kind: MessageKind, bytes: Uint8Array): Admission {
  if (!isChatKind(kind)) {
    if (status === 'contact' || (status === 'member' && MEMBER_CALL_KINDS.has(kind)))
      return { action: 'pass' };
    return {
      action: 'drop',
      error: new ProtocolError('unexpected-message', `kind ${kind} from a ${status}`),
    };
  }
  let body: ChatBody;
  try {
    body = decodeBody(kind, bytes);
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    return { action: 'drop', error };
  }
  const strangerMay = body.type === 'contactRequest' || body.type === 'keyRotation';
  const memberMay = strangerMay || MEMBER_BODIES.has(body.type);
  if (status === 'contact' || (status === 'stranger' && strangerMay) || (status === 'member' && memberMay))
    return { action: 'handle', body };
  return { action: 'drop', error: new ProtocolError('unexpected-message', `${body.type} from a ${status}`) };
}

/**
 * The second gate for a key rotation (spec/chat.md, Signed key rotation), after admitInbound let its layout through:
 * undefined when the app may apply it, else the error to drop it with (unacknowledged, like any refused
 * body from a stranger). Both keys must have signed it (`bad-signature`) and its new key must be the sender
 * (`wrong-peer`: a valid statement relayed by anyone else proves nothing about the sender). From a stranger,
 * its old key must be one we list (`unexpected-message`): a contact, or a blocked one, whose block follows
 * it. From a contact it is a resend of a rotation already applied: admitted, so that the ack ends the
 * sender's retries (the app finds nothing left to change).
 */
export async function admitRotation(
  backend: Ed25519Backend,
  sender: PeerId,
  status: PeerStatus,
  statusOf: (peer: PeerId) => PeerStatus,
  statement: Uint8Array,
): Promise<ProtocolError | undefined> {
  let oldKey: PeerId;
  try {
    const rotation = await openKeyRotation(backend, statement);
    if (toHex(rotation.newKey) !== sender)
      return new ProtocolError('wrong-peer', 'key rotation: its new key is not the sender');
    oldKey = toHex(rotation.oldKey);
  } catch (error) {
    if (isProtocolError(error)) return error;
    throw error;
  }
  const oldStatus = statusOf(oldKey);
  if (status !== 'contact' && oldStatus !== 'contact' && oldStatus !== 'blocked')
    return new ProtocolError('unexpected-message', 'key rotation: its old key is not a contact');
  return undefined;
}
