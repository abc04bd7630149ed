import { describe, expect, it } from 'vitest';
import { DEFAULT_HANDSHAKE_LIMITS, HandshakeBudget } from '../../client/core/handshake-budget.ts';
import { type SessionEvent, SessionManager } from '../../client/core/session-manager.ts';
import { toHex } from '../../crypto/bytes.ts';
import type { Ed25519Backend } from '../../crypto/ed25519.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { createInit } from '../../crypto/handshake.ts';
import type { Identity } from '../../crypto/identity.ts';
import { testIdentity, testRandom } from '../support/identities.ts';
import { backend, Clock } from './messenger-people.ts';

const refused = (act: () => void) => {
  try {
    act();
    return false;
  } catch (error) {
    if (isProtocolError(error, 'handshake-budget')) return true;
    throw error;
  }
};

describe('handshake budget', () => {
  const { perKeyBurst, perKeyRefillMs, strangerBurst, strangerRefillMs } = DEFAULT_HANDSHAKE_LIMITS;

  it('gives each claimed key a burst, then one handshake per refill interval', () => {
    const budget = new HandshakeBudget(0);
    for (let i = 0; i < perKeyBurst; i++)
      expect(refused(() => budget.admit('contact', false, 0))).toBe(false);
    expect(refused(() => budget.admit('contact', false, 0))).toBe(true);
    expect(refused(() => budget.admit('contact', false, perKeyRefillMs - 1))).toBe(true);
    expect(refused(() => budget.admit('contact', false, perKeyRefillMs))).toBe(false);
  });

  it('lets strangers together share a small budget that never touches a contact', () => {
    const budget = new HandshakeBudget(0);
    let admitted = 0;
    for (let i = 0; i < 100; i++) if (!refused(() => budget.admit(`stranger-${i}`, true, 0))) admitted++;
    expect(admitted).toBe(strangerBurst);
    expect(refused(() => budget.admit('contact', false, 0))).toBe(false);
    expect(refused(() => budget.admit('late-stranger', true, strangerRefillMs - 1))).toBe(true);
    expect(refused(() => budget.admit('late-stranger', true, strangerRefillMs))).toBe(false);
  });

  it('remembers a bounded number of keys', () => {
    const limits = { ...DEFAULT_HANDSHAKE_LIMITS, trackedKeys: 3 };
    const budget = new HandshakeBudget(0, limits);
    for (let i = 0; i < limits.perKeyBurst; i++) budget.admit('first', false, 0);
    expect(refused(() => budget.admit('first', false, 0))).toBe(true);
    for (const key of ['a', 'b', 'c']) budget.admit(key, false, 0);
    // 'first' was forgotten: the least recently seen key goes when the table is full.
    expect(refused(() => budget.admit('first', false, 0))).toBe(false);
  });
});

/** Counts signature checks: the costly half of opening an INIT. */
function countingBackend(): Ed25519Backend & { verifies: number } {
  const counting = {
    name: backend.name,
    verifies: 0,
    importSigner: (seed: Uint8Array) => backend.importSigner(seed),
    verifyCofactorless(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) {
      counting.verifies++;
      return backend.verifyCofactorless(signature, message, publicKey);
    },
  };
  return counting;
}

describe('a stranger flood at the session manager', () => {
  it('answers strangers within their budget, checks no more signatures, and still answers a contact', async () => {
    const clock = new Clock();
    const victimId = await testIdentity('flood-victim', backend);
    const contactId = await testIdentity('flood-contact', backend);
    const strangers: Identity[] = await Promise.all(
      Array.from({ length: 40 }, (_, i) => testIdentity(`flood-stranger-${i}`, backend)),
    );
    const counting = countingBackend();
    const answers: string[] = [];
    const events: SessionEvent[] = [];
    const victim = new SessionManager({
      identity: victimId,
      backend: counting,
      random: testRandom('flood-victim'),
      now: clock.now,
      transport: {
        send: async (recipient) => {
          answers.push(toHex(recipient));
          return 'sent';
        },
      },
      peerStatus: (peer) => (peer === toHex(contactId.publicKey) ? 'contact' : 'stranger'),
      onEvent: (event) => events.push(event),
    });
    const initFrom = async (from: Identity, i: number) =>
      (await createInit(from, victimId.publicKey, testRandom(`init-${i}`), clock.now())).bytes;

    // 3,000 INITs from 40 keys within 7 s of our clock (300 made, each sent ten times over, as a relay that
    // records and replays would), a contact's INIT in the middle.
    const made = await Promise.all(Array.from({ length: 300 }, (_, i) => initFrom(strangers[i % 40]!, i)));
    for (let i = 0; i < 3000; i++) {
      if (i === 1500) await victim.receive(await initFrom(contactId, -1));
      clock.advance(i % 3 === 0 ? 3 : 2); // 7 s in all
      await victim.receive(made[i % made.length]!);
    }

    const strangerAnswers = answers.filter((to) => to !== toHex(contactId.publicKey)).length;
    const allowed =
      DEFAULT_HANDSHAKE_LIMITS.strangerBurst + Math.ceil(7000 / DEFAULT_HANDSHAKE_LIMITS.strangerRefillMs);
    expect(strangerAnswers).toBeLessThanOrEqual(allowed);
    expect(answers).toContain(toHex(contactId.publicKey));
    // Signatures were checked for the admitted INITs only (plus the contact's), not for 3,000.
    expect(counting.verifies).toBeLessThanOrEqual(allowed + 1);
    const refusedCount = events.filter(
      (e) => e.type === 'dropped' && e.error.code === 'handshake-budget',
    ).length;
    expect(refusedCount).toBeGreaterThanOrEqual(3000 - allowed);
  });
});

describe('co-members who are not contacts', () => {
  it('are budgeted as contacts: a group of them all answered at once, beyond the strangers’ burst', async () => {
    const clock = new Clock();
    const me = await testIdentity('group-budget-me', backend);
    const members: Identity[] = await Promise.all(
      Array.from({ length: DEFAULT_HANDSHAKE_LIMITS.strangerBurst + 4 }, (_, i) =>
        testIdentity(`group-budget-member-${i}`, backend),
      ),
    );
    const memberKeys = new Set(members.map((m) => toHex(m.publicKey)));
    const answers: string[] = [];
    const manager = new SessionManager({
      identity: me,
      backend,
      random: testRandom('group-budget-me'),
      now: clock.now,
      transport: {
        send: async (recipient) => {
          answers.push(toHex(recipient));
          return 'sent';
        },
      },
      peerStatus: (peer) => (memberKeys.has(peer) ? 'member' : 'stranger'),
      onEvent: () => {},
    });
    for (const [i, member] of members.entries())
      await manager.receive(
        (await createInit(member, me.publicKey, testRandom(`member-init-${i}`), clock.now())).bytes,
      );
    expect(new Set(answers)).toEqual(memberKeys);
  });
});
