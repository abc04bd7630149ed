/**
 * Every limit the relay enforces, in one place (spec/relay.md, Limits). Each one bounds memory or
 * CPU that a single client, or a single address, can make the relay spend.
 */
import { SEND_HEADER_LENGTH } from '../crypto/relay-frames.ts';

export interface RelayLimits {
  /** Largest WebSocket message accepted (ws maxPayload); larger ones are refused with 1009 before buffering. */
  readonly maxFrameBytes: number;
  /** Token bucket per connection: sustained frames per second ... */
  readonly messagesPerSecond: number;
  /** ... and the burst it may spend at once. Running dry closes the socket (rate-limited). */
  readonly messageBurst: number;
  /** Byte budget per connection: incoming bytes per second ... */
  readonly bytesPerSecond: number;
  /** ... and at once (at least one full frame, at most 2^30). Running dry closes the socket (rate-limited). */
  readonly byteBurst: number;
  /** Token bucket shared by every connection from one client address: frames, pings and pongs ... */
  readonly messagesPerSecondPerIp: number;
  /** ... and its burst. Running dry closes the socket that found it empty (rate-limited). */
  readonly messageBurstPerIp: number;
  /** Open WebSockets per client address (the peer's, or the one a trusted proxy names). */
  readonly maxConnectionsPerIp: number;
  /** Open WebSockets in total. */
  readonly maxConnections: number;
  /**
   * TCP connections from one peer address that are not WebSockets (idle, sending headers, fetching files,
   * refused): counted from the moment they are accepted, so idle sockets cannot use up file descriptors.
   * Not applied to a trusted proxy's address, which carries everyone's requests.
   */
  readonly maxPendingPerIp: number;
  /** TCP connections that are not WebSockets, in total. */
  readonly maxPendingConnections: number;
  /**
   * A connection that is not a WebSocket is closed after this long without traffic, or when its request
   * headers (or its TLS handshake) take longer; an idle keep-alive connection too.
   */
  readonly httpTimeoutMs: number;
  /** A socket that has not sent a valid AUTH by then is closed (auth-timeout). */
  readonly authTimeoutMs: number;
  /** A ping every interval; a socket that has not answered the previous ping is terminated. */
  readonly heartbeatIntervalMs: number;
  /**
   * Bytes sent to one socket that its client has not yet shown it read, wherever they wait (the relay's
   * queue, the kernel's buffers at either end, the network); beyond this it is closed as a slow consumer.
   * A client shows it read them by answering a ping sent after them (pings carry a random token).
   */
  readonly maxBufferedBytes: number;
  /** How long a closing socket may take to finish the closing handshake before it is destroyed. */
  readonly closeTimeoutMs: number;
  /** TURN credentials one key may mint at once; beyond that it gets TURN_UNAVAILABLE ... */
  readonly turnBurstPerKey: number;
  /** ... and it regains one every interval. */
  readonly turnIntervalPerKeyMs: number;
  /** The same for every key from one client address together. */
  readonly turnBurstPerIp: number;
  readonly turnIntervalPerIpMs: number;
}

export const DEFAULT_LIMITS: RelayLimits = Object.freeze({
  // 64 KiB: the largest end-to-end envelope plus the SEND header, rounded up.
  maxFrameBytes: 64 * 1024,
  messagesPerSecond: 200,
  messageBurst: 400,
  // 1 MiB/s, 4 MiB at once: chat and call signalling need a small fraction of it.
  bytesPerSecond: 1024 * 1024,
  byteBurst: 4 * 1024 * 1024,
  // Ten sockets' worth of the per-socket rate from one address, rather than 256 of them.
  messagesPerSecondPerIp: 2_000,
  messageBurstPerIp: 4_000,
  maxConnectionsPerIp: 256,
  maxConnections: 50_000,
  // A browser opens up to 6 connections per host; 32 leaves room for a few behind one NAT.
  maxPendingPerIp: 32,
  maxPendingConnections: 1_024,
  httpTimeoutMs: 5_000,
  authTimeoutMs: 10_000,
  heartbeatIntervalMs: 30_000,
  // 16 full frames: room for a burst, yet 50,000 sockets can never hold more than this each, kernel included.
  maxBufferedBytes: 1024 * 1024,
  closeTimeoutMs: 5_000,
  // A call asks once per peer: eight at once covers a group call; then one a minute.
  turnBurstPerKey: 8,
  turnIntervalPerKeyMs: 60_000,
  turnBurstPerIp: 32,
  turnIntervalPerIpMs: 15_000,
});

const positiveInteger = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) > 0;

/** Defaults overridden by `overrides`; throws RangeError naming the first unusable value. */
export function resolveLimits(overrides: Partial<RelayLimits> = {}): RelayLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!positiveInteger(value))
      throw new RangeError(`limits.${name} must be a positive integer, got ${value}`);
  }
  if (limits.maxFrameBytes <= SEND_HEADER_LENGTH || limits.maxFrameBytes > 0xffffffff) {
    throw new RangeError(`limits.maxFrameBytes must be in ${SEND_HEADER_LENGTH + 1}..2^32-1`);
  }
  if (limits.byteBurst < limits.maxFrameBytes || limits.byteBurst > 2 ** 30) {
    throw new RangeError('limits.byteBurst must hold at least one full frame, and at most 2^30');
  }
  if (limits.maxBufferedBytes < limits.maxFrameBytes) {
    throw new RangeError('limits.maxBufferedBytes must hold at least one full frame');
  }
  return Object.freeze(limits);
}
