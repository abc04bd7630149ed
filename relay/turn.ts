/**
 * Short-lived TURN credentials in the TURN REST scheme that coturn implements with `use-auth-secret`
 * (draft-uberti-behave-turn-rest): the TURN server recomputes the password from the shared secret, so the
 * relay keeps no user list and coturn learns nothing but a random label.
 *
 *   username   = "<unix expiry seconds>:<label>"      label: 8 random bytes, hex, fresh per request
 *   credential = base64(HMAC-SHA1(secret, username))
 */
import { createHmac } from 'node:crypto';
import { type RandomSource, toHex } from '../crypto/bytes.ts';

export interface TurnConfig {
  /** coturn's static-auth-secret. */
  readonly secret: string;
  /** turn: / turns: URLs handed to clients, e.g. "turn:turn.example.org:3478?transport=udp". */
  readonly urls: readonly string[];
  /**
   * Lifetime of a credential. coturn checks the expiry on every authenticated request, allocation refreshes
   * included, so this bounds the length of a relayed call unless the client fetches fresh credentials.
   */
  readonly ttlSeconds: number;
}

export interface TurnCredentials {
  readonly expiresAt: number;
  readonly username: string;
  readonly credential: string;
  readonly urls: string[];
}

export const DEFAULT_TURN_TTL_SECONDS = 12 * 60 * 60;
const LABEL_BYTES = 8;

export function resolveTurnConfig(config: {
  secret: string;
  urls: readonly string[];
  ttlSeconds?: number;
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
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 60)
    throw new RangeError('turn.ttlSeconds must be >= 60');
  return Object.freeze({ secret: config.secret, urls: Object.freeze([...config.urls]), ttlSeconds });
}

export function mintTurnCredentials(
  config: TurnConfig,
  nowMs: number,
  random: RandomSource,
): TurnCredentials {
  const expiresAt = Math.floor(nowMs / 1000) + config.ttlSeconds;
  const username = `${expiresAt}:${toHex(random(LABEL_BYTES))}`;
  return { expiresAt, username, credential: turnPassword(config.secret, username), urls: [...config.urls] };
}

export const turnPassword = (secret: string, username: string): string =>
  createHmac('sha1', secret).update(username).digest('base64');
