/**
 * WebSocket close codes of the relay protocol (spec/relay.md, Close codes), shared by the relay and
 * every client. The reason names double as metric labels and as the close frame's reason text, so they
 * are stable identifiers, never free text.
 *
 * A frame larger than the announced maximum is refused by the WebSocket framing layer itself, before the
 * payload is buffered, with RFC 6455's own 1009 "message too big"; a 4xxx twin would only duplicate it.
 */
export const RELAY_CLOSE_CODES = {
  'going-away': 4000,
  'auth-failed': 4001,
  'auth-timeout': 4002,
  replaced: 4003,
  'bad-frame': 4004,
  'rate-limited': 4005,
  'slow-consumer': 4006,
  'too-many-connections': 4007,
  'server-full': 4008,
  'frame-too-large': 1009,
  'internal-error': 1011,
} as const;

export type RelayCloseReason = keyof typeof RELAY_CLOSE_CODES;

/**
 * What a client should do after each close:
 * - `reconnect`: reconnect with jittered exponential backoff (a transient or server-side cause);
 * - `stop`: do not reconnect automatically; tell the user (a newer session of the same identity took the
 *   address, or the client itself is broken or misconfigured and would fail the same way again).
 */
export const RELAY_CLOSE_ADVICE: Readonly<Record<RelayCloseReason, 'reconnect' | 'stop'>> = {
  'going-away': 'reconnect',
  'auth-failed': 'stop',
  'auth-timeout': 'reconnect',
  replaced: 'stop',
  'bad-frame': 'stop',
  'rate-limited': 'reconnect',
  'slow-consumer': 'reconnect',
  'too-many-connections': 'reconnect',
  'server-full': 'reconnect',
  'frame-too-large': 'stop',
  'internal-error': 'reconnect',
};

const REASON_BY_CODE = new Map<number, RelayCloseReason>(
  Object.entries(RELAY_CLOSE_CODES).map(([reason, code]) => [code, reason as RelayCloseReason]),
);

/** The relay close reason for a close code, or undefined for codes outside the table (1000, 1006, ...). */
export const relayCloseReason = (code: number): RelayCloseReason | undefined => REASON_BY_CODE.get(code);
