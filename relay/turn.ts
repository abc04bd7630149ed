/**
 * Short-lived TURN credentials in the TURN REST scheme that coturn implements with `use-auth-secret`
 * (draft-uberti-behave-turn-rest): the TURN server recomputes the password from the shared secret, so the
 * relay keeps no user list and coturn learns nothing but a random label.
 *
 *   username   = "<unix expiry seconds>:<label>"
 *   label      = hex(HMAC-SHA256(HMAC-SHA256(secret, "tincan-turn-label-v1"), identity key)[0..8])
 *   credential = base64(HMAC-SHA1(secret, username))
 *
 * The label is the same for every credential of one key and tells coturn nothing about the key: an
 * operator who sees one label abuse the TURN server can deny it (TURN_DENY) without learning whose it is
 * or whom it calls. Whoever holds the secret and a key can compute the key's label.
 */
import { createHmac } from 'node:crypto';

export interface TurnConfig {
  /** coturn's static-auth-secret. */
  readonly secret: string;
  /** turn: / turns: URLs handed to clients, e.g. "turn:turn.example.org:3478?transport=udp". */
  readonly urls: readonly string[];
  /**
   * Lifetime of a credential. coturn checks the expiry on every authenticated request, allocation refreshes
   * included, so this bounds the length of a relayed call unless the client fetches fresh credentials (a call
   * does, at half their lifetime: spec/calls.md, NAT traversal).
   */
  readonly ttlSeconds: number;
  /** Labels that get no credentials. */
  readonly deniedLabels: ReadonlySet<string>;
  /** HMAC key of the labels, derived from the secret. */
  readonly labelKey: Buffer;
}

export interface TurnCredentials {
  readonly expiresAt: number;
  readonly username: string;
  readonly credential: string;
  readonly urls: string[];
}

/** Ten minutes: a leaked or abused credential is dead soon; clients ask for one per call. */
export const DEFAULT_TURN_TTL_SECONDS = 10 * 60;
export const MAX_TURN_TTL_SECONDS = 24 * 60 * 60;
const LABEL_BYTES = 8;
const LABEL_CONTEXT = 'tincan-turn-label-v1';
const LABEL_PATTERN = /^[0-9a-f]{16}$/;

export function resolveTurnConfig(config: {
  secret: string;
  urls: readonly string[];
  ttlSeconds?: number;
  deniedLabels?: readonly string[];
}): TurnConfig {
  if (typeof config.secret !== 'string' || config.secret.length < 16) {
    throw new RangeError('turn.secret must be a string of at least 16 characters');
  }
  if (!Array.isArray(config.urls) || config.urls.length < 1 || config.urls.length > 8) {
    throw new RangeError('turn.urls must hold 1..8 URLs');
  }
  for (const url of config.urls) {
    if (typeof url !== 'string' || !/^(turns?|stuns?):[\x21-\x7e]{1,500}$/.test(url)) {
      throw new RangeError(`turn.urls: not a turn:/turns:/stun: URL: ${JSON.stringify(url)}`);
    }
  }
  const ttlSeconds = config.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > MAX_TURN_TTL_SECONDS)
    throw new RangeError(`turn.ttlSeconds must be in 60..${MAX_TURN_TTL_SECONDS}`);
  const denied = config.deniedLabels ?? [];
  for (const label of denied) {
    if (typeof label !== 'string' || !LABEL_PATTERN.test(label))
      throw new RangeError(`turn.deniedLabels: not a label (16 hex digits): ${JSON.stringify(label)}`);
  }
  return Object.freeze({
    secret: config.secret,
    urls: Object.freeze([...config.urls]),
    ttlSeconds,
    deniedLabels: new Set(denied),
    labelKey: createHmac('sha256', config.secret).update(LABEL_CONTEXT).digest(),
  });
}

/** The key's TURN label: 16 hex digits, the same for every credential of this key under this secret. */
export function turnLabel(config: TurnConfig, publicKey: Uint8Array): string {
  return createHmac('sha256', config.labelKey)
    .update(publicKey)
    .digest('hex')
    .slice(0, 2 * LABEL_BYTES);
}

export function mintTurnCredentials(config: TurnConfig, nowMs: number, label: string): TurnCredentials {
  const expiresAt = Math.floor(nowMs / 1000) + config.ttlSeconds;
  const username = `${expiresAt}:${label}`;
  return { expiresAt, username, credential: turnPassword(config.secret, username), urls: [...config.urls] };
}

export const turnPassword = (secret: string, username: string): string =>
  createHmac('sha1', secret).update(username).digest('base64');
