/**
 * The two bytes every end-to-end envelope starts with, and the cheap classification a receiver needs to
 * route bytes to the right handler before any cryptography runs.
 *
 *   0        1        2
 *   +--------+--------+------------------------ ... type-specific
 *   | version|  type  |
 *   +--------+--------+------------------------
 */
import { assertBytes, toHex } from './bytes.ts';
import { ProtocolError } from './errors.ts';

export const PROTOCOL_VERSION = 1;

export const ENVELOPE_TYPE = {
  handshakeInit: 0x01,
  handshakeAccept: 0x02,
  sessionMessage: 0x03,
} as const;
export type EnvelopeType = keyof typeof ENVELOPE_TYPE;

/** Largest envelope that fits a 64 KiB relay frame with room for the relay's own header. */
export const MAX_ENVELOPE_BYTES = 65_000;
export const SESSION_ID_LENGTH = 16;

export type Classified =
  | { type: 'handshakeInit' }
  | { type: 'handshakeAccept'; sessionId: string }
  | { type: 'sessionMessage'; sessionId: string };

/** Validates the header and says which handler (and, by session id, which session) the bytes go to. */
export function classifyEnvelope(bytes: Uint8Array): Classified {
  assertBytes(bytes, 'envelope');
  if (bytes.length > MAX_ENVELOPE_BYTES) throw new ProtocolError('too-large', `${bytes.length} bytes`);
  if (bytes.length < 2) throw new ProtocolError('bad-length', 'envelope shorter than its header');
  if (bytes[0] !== PROTOCOL_VERSION) throw new ProtocolError('bad-version', `envelope version ${bytes[0]}`);
  switch (bytes[1]) {
    case ENVELOPE_TYPE.handshakeInit:
      return { type: 'handshakeInit' };
    case ENVELOPE_TYPE.handshakeAccept:
    case ENVELOPE_TYPE.sessionMessage: {
      if (bytes.length < 2 + SESSION_ID_LENGTH) throw new ProtocolError('bad-length', 'no session id');
      const type = bytes[1] === ENVELOPE_TYPE.handshakeAccept ? 'handshakeAccept' : 'sessionMessage';
      return { type, sessionId: toHex(bytes.subarray(2, 2 + SESSION_ID_LENGTH)) };
    }
    default:
      throw new ProtocolError('bad-type', `envelope type ${bytes[1]}`);
  }
}
