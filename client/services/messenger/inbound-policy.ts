/**
 * What may come in from whom, decided before anything reaches the app:
 *
 *   contact   every chat body; other kinds (calls) are passed on to the service that handles them
 *   stranger  a contact request, or a key rotation (a contact's new key telling us so: the app checks that
 *             the statement names the sender as the successor of a contact, signed by both keys)
 *   blocked   nothing (the session manager does not even answer a blocked key's handshake)
 */
import type { MessageKind } from '../../../crypto/envelope.ts';
import { isProtocolError, ProtocolError } from '../../../crypto/errors.ts';
import { type ChatBody, decodeBody, isChatKind } from './chat-protocol.ts';
import type { PeerStatus } from './session-manager.ts';

export type Admission =
  | { action: 'handle'; body: ChatBody }
  | { action: 'pass' }
  | { action: 'drop'; error: ProtocolError };

export function admitInbound(status: PeerStatus, kind: MessageKind, bytes: Uint8Array): Admission {
  if (!isChatKind(kind)) {
    if (status === 'contact') return { action: 'pass' };
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
  if (status === 'contact' || (status === 'stranger' && strangerMay)) return { action: 'handle', body };
  return { action: 'drop', error: new ProtocolError('unexpected-message', `${body.type} from a ${status}`) };
}
