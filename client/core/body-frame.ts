/**
 * The frame every chat-layer body travels in, inside a session envelope: a version, the payload length,
 * the payload, and zero padding up to a fixed bucket size, so that the relay (which sees envelope sizes)
 * learns only which of four buckets a body fell in, not its length.
 *
 *   0       1            3                  3+n
 *   +-------+------------+------------------+------------------------------------+
 *   | 0x01  | n u16BE    | payload (n)      | zero bytes up to the bucket size   |
 *   +-------+------------+------------------+------------------------------------+
 *   total length is exactly one of BODY_BUCKETS: 256, 1024, 4096 or 16384 bytes
 *
 * Decoding is strict (one encoding per payload): the total must be the smallest bucket that fits the
 * payload, and every padding byte must be zero.
 */
import { assertBytes, concatBytes } from '../../crypto/bytes.ts';
import { ProtocolError } from '../../crypto/errors.ts';

export const BODY_FRAME_VERSION = 1;
export const BODY_HEADER_LENGTH = 3;
/** Envelope overhead is 103 bytes, so envelopes are 359, 1127, 4199 or 16487 bytes long. */
export const BODY_BUCKETS = [256, 1024, 4096, 16384] as const;
export const MAX_PAYLOAD_BYTES = BODY_BUCKETS[3] - BODY_HEADER_LENGTH;

export function bucketFor(payloadLength: number): number {
  const needed = payloadLength + BODY_HEADER_LENGTH;
  const bucket = BODY_BUCKETS.find((size) => size >= needed);
  if (bucket === undefined)
    throw new RangeError(`payload of ${payloadLength} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  return bucket;
}

export function padBody(payload: Uint8Array): Uint8Array {
  assertBytes(payload, 'payload');
  const frame = new Uint8Array(bucketFor(payload.length));
  frame.set(
    concatBytes(Uint8Array.of(BODY_FRAME_VERSION, payload.length >> 8, payload.length & 0xff), payload),
  );
  return frame;
}

export function unpadBody(frame: Uint8Array): Uint8Array {
  assertBytes(frame, 'frame');
  if (!(BODY_BUCKETS as readonly number[]).includes(frame.length)) {
    throw new ProtocolError(
      frame.length > MAX_PAYLOAD_BYTES ? 'too-large' : 'bad-length',
      `body of ${frame.length}`,
    );
  }
  if (frame[0] !== BODY_FRAME_VERSION) throw new ProtocolError('bad-version', `body version ${frame[0]}`);
  const length = (frame[1]! << 8) | frame[2]!;
  if (BODY_HEADER_LENGTH + length > frame.length)
    throw new ProtocolError('bad-length', 'payload past the end');
  if (bucketFor(length) !== frame.length)
    throw new ProtocolError('bad-encoding', 'body not in its smallest bucket');
  let padding = 0;
  for (let i = BODY_HEADER_LENGTH + length; i < frame.length; i++) padding |= frame[i]!;
  if (padding !== 0) throw new ProtocolError('bad-encoding', 'non-zero padding');
  return frame.slice(BODY_HEADER_LENGTH, BODY_HEADER_LENGTH + length);
}
