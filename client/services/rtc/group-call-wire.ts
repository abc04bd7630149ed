/**
 * A group call's bodies to and from the padded bytes the messenger signs and seals: the group call bodies
 * (crypto/group-call-body.ts), and the call id a leg's call body names, read before the body is decoded.
 */
import { toHex } from '../../../crypto/bytes.ts';
import { CALL_ID_BYTES } from '../../../crypto/call-signaling.ts';
import type { MessageKind } from '../../../crypto/envelope.ts';
import { isProtocolError } from '../../../crypto/errors.ts';
import {
  decodeGroupCallBody,
  encodeGroupCallBody,
  type GroupCallBody,
} from '../../../crypto/group-call-body.ts';
import { padBody, unpadBody } from '../../core/body-frame.ts';

/** The call id a padded call body names (its bytes 1..17 after the frame), or null when it is too short. */
export function callIdIn(padded: Uint8Array): string | null {
  try {
    const payload = unpadBody(padded);
    return payload.length >= 1 + CALL_ID_BYTES ? toHex(payload.subarray(1, 1 + CALL_ID_BYTES)) : null;
  } catch {
    return null;
  }
}

/** The group call body in a padded envelope body of kind `kind`, or null for one that does not decode. */
export function groupCallBodyIn(kind: number, padded: Uint8Array): GroupCallBody | null {
  try {
    return decodeGroupCallBody(kind, unpadBody(padded));
  } catch (error) {
    if (isProtocolError(error)) return null;
    throw error;
  }
}

/** The envelope kind and padded bytes of a group call body. */
export function sealedGroupCallBody(body: GroupCallBody): { kind: MessageKind; padded: Uint8Array } {
  const { kind, payload } = encodeGroupCallBody(body);
  return { kind: kind as MessageKind, padded: padBody(payload) };
}
