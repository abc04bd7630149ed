/**
 * Every failure that untrusted input can cause is a ProtocolError with a stable code. Callers dispatch on
 * `code` (or `instanceof`), never on the message text. Programming errors (a wrong argument type or length
 * passed by our own code) stay TypeError / RangeError, as in the noble libraries.
 */
export const PROTOCOL_ERROR_CODES = [
  // generic decoding
  'bad-type',
  'bad-length',
  'bad-version',
  'bad-encoding',
  'too-large',
  // identity and signatures
  'bad-key',
  'bad-signature',
  // contact code
  'bad-checksum',
  'bad-contact-code',
  'contact-code-too-long',
  'contact-code-incomplete',
  // safety number
  'bad-fingerprint-version',
  'fingerprint-mismatch',
  // handshake and envelopes
  'unexpected-message',
  'wrong-peer',
  'decrypt-failed',
  'replayed',
  'too-old',
  'stale-handshake',
  'counter-exhausted',
  'unknown-session',
  'unconfirmed-handshake',
  'session-id-taken',
  'handshake-budget',
  // DTLS fingerprints
  'no-fingerprint',
  'unsupported-fingerprint-algorithm',
  'conflicting-fingerprints',
  'bad-fingerprint',
  // relay
  'bad-frame',
  // calls (crypto/call-signaling.ts, crypto/sas.ts)
  'bad-commitment',
  // groups (crypto/group-statement.ts, client/core/group-machine.ts)
  'group-bad-signature',
  'group-not-admin',
  'group-stale',
  'group-fork',
  'group-gap',
  'group-not-member',
  'group-too-many-members',
] as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

/**
 * `critical` says whether the whole session must be torn down (true) or only this one message dropped
 * (false). A forged or tampered message is never critical: otherwise anyone who can inject bytes could
 * tear down a healthy session.
 */
export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  readonly critical: boolean;

  constructor(code: ProtocolErrorCode, detail?: string, options: { critical?: boolean } = {}) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'ProtocolError';
    this.code = code;
    this.critical = options.critical ?? false;
  }
}

export const isProtocolError = (value: unknown, code?: ProtocolErrorCode): value is ProtocolError =>
  value instanceof ProtocolError && (code === undefined || value.code === code);
