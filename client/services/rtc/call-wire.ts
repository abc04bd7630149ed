/**
 * Call bodies to and from the padded bytes the messenger signs and seals (the body frame of
 * client/core/body-frame.ts around crypto/call-signaling.ts's encoding), and the events they become.
 */
import {
  type CallBody,
  type CallKind,
  decodeCallBody,
  encodeCallBody,
} from '../../../crypto/call-signaling.ts';
import { isProtocolError } from '../../../crypto/errors.ts';
import { padBody, unpadBody } from '../../core/body-frame.ts';
import type { CallEvent } from './call-machine.ts';

/** The envelope kind and padded body for `body`; null for a description our own format cannot carry. */
export function sealable(body: CallBody): { kind: CallKind; padded: Uint8Array } | null {
  try {
    const { kind, payload } = encodeCallBody(body);
    return { kind, padded: padBody(payload) };
  } catch {
    return null;
  }
}

/**
 * The machine's event for a call-kind body from `peer`: 'received', or 'bad-body' with the refusal's code. A
 * data offer starts a file session (file-session-service.ts), never a call: it must not ring or get 'busy'
 * (null).
 */
export function receivedEvent(peer: string, kind: number, padded: Uint8Array): CallEvent | null {
  let body: CallBody;
  try {
    body = decodeCallBody(kind, unpadBody(padded));
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    return { type: 'bad-body', peer, code: error.code };
  }
  if (body.type === 'offer' && body.media === 'data') return null;
  return { type: 'received', peer, body };
}
