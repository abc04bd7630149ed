/**
 * What may come in from whom, decided before anything reaches the app:
 *
 *   contact   every chat body; other kinds (calls) are passed on to the service that handles them
 *   stranger  a contact request only: the one thing someone can say before being accepted
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
  if (status === 'contact' || (status === 'stranger' && body.type === 'contactRequest'))
    return { action: 'handle', body };
  return { action: 'drop', error: new ProtocolError('unexpected-message', `${body.type} from a ${status}`) };
}
