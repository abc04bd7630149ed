/**
 * Who may make us do handshake work. Anyone who knows our key can send INITs, from as many throwaway keys as
 * they like; each one costs us an X25519 and a signature check to open, and an ACCEPT to answer, and the
 * ACCEPTs count against our own rate at the relay. So INITs are budgeted by the key they claim, after the
 * box opens (cheap) and before the signature is checked:
 *
 * - every claimed key: `perKeyBurst` at once, one more every `perKeyRefillMs`. A contact's reconnects,
 *   crossings and re-keys fit easily; a forger claiming a contact's key gets no more than the contact would.
 * - strangers together: `strangerBurst` at once, one more every `strangerRefillMs`. Contact requests are
 *   rare, and a stranger whose INIT is refused tries again later (its outbox retries). Contacts never draw
 *   on this budget, so no volume of stranger traffic costs a contact anything.
 *
 * Beyond the budget an INIT is refused unanswered with ProtocolError('handshake-budget'). The choice over
 * cookies or proof of work: the relay hides who sent an envelope, so a cookie has nothing to bind to, and
 * proof of work would tax every honest contact request on a phone to slow an attacker with a server. Pure:
 * the clock is passed in.
 */
import { ProtocolError } from '../../crypto/errors.ts';

export interface HandshakeLimits {
  readonly perKeyBurst: number;
  readonly perKeyRefillMs: number;
  readonly strangerBurst: number;
  readonly strangerRefillMs: number;
  /** Claimed keys whose budget is remembered; the least recently seen is forgotten first. */
  readonly trackedKeys: number;
}

export const DEFAULT_HANDSHAKE_LIMITS: HandshakeLimits = {
  perKeyBurst: 4,
  perKeyRefillMs: 2_000,
  strangerBurst: 8,
  strangerRefillMs: 6_000,
  trackedKeys: 512,
};

interface Bucket {
  tokens: number;
  at: number;
}

const refill = (bucket: Bucket, burst: number, refillMs: number, now: number): void => {
  bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, now - bucket.at) / refillMs);
  bucket.at = now;
};

export class HandshakeBudget {
  private readonly perKey = new Map<string, Bucket>();
  private readonly strangers: Bucket;

  constructor(
    now: number,
    private readonly limits: HandshakeLimits = DEFAULT_HANDSHAKE_LIMITS,
  ) {
    this.strangers = { tokens: limits.strangerBurst, at: now };
  }

  /** `peer`: the claimed key in hex. Takes one handshake from its budget (and the strangers', for a stranger), or throws. */
  admit(peer: string, stranger: boolean, now: number): void {
    const { perKeyBurst, perKeyRefillMs, strangerBurst, strangerRefillMs, trackedKeys } = this.limits;
    const own = this.perKey.get(peer) ?? { tokens: perKeyBurst, at: now };
    refill(own, perKeyBurst, perKeyRefillMs, now);
    if (own.tokens < 1) throw new ProtocolError('handshake-budget', 'too many handshakes from this key');
    if (stranger) {
      refill(this.strangers, strangerBurst, strangerRefillMs, now);
      if (this.strangers.tokens < 1) throw new ProtocolError('handshake-budget', 'too many strangers');
      this.strangers.tokens -= 1;
    }
    own.tokens -= 1;
    this.perKey.delete(peer);
    this.perKey.set(peer, own);
    if (this.perKey.size > trackedKeys) this.perKey.delete(this.perKey.keys().next().value!);
  }
}
