import { describe, expect, it } from 'vitest';
import { compareBytes } from '../../crypto/bytes.ts';
import { MESSAGE_KIND } from '../../crypto/envelope.ts';
import type { ProtocolErrorCode } from '../../crypto/errors.ts';
import { openInit } from '../../crypto/handshake.ts';
import type { Identity } from '../../crypto/identity.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import {
  HANDSHAKE_CONFIRM_MS,
  HANDSHAKE_FRESHNESS_MS,
  newPeerState,
  type PeerEffect,
  type PeerEvent,
  type PeerState,
  step,
} from '../../crypto/session.ts';
import { classifyEnvelope } from '../../crypto/wire.ts';
import { testIdentity, testRandom } from '../support/identities.ts';

const backend = nodeEd25519();
const alice = await testIdentity('alice', backend);
const bob = await testIdentity('bob', backend);
const carol = await testIdentity('carol', backend);
const text = (s: string) => new TextEncoder().encode(s);
const T0 = 1_790_000_000_000;

/** One side of a conversation: its state machine plus the service's job of turning bytes into events. */
class Side {
  state: PeerState;
  delivered: string[] = [];
  dropped: ProtocolErrorCode[] = [];
  established = 0;
  now = T0;
  private readonly random;
  constructor(
    readonly me: Identity,
    peer: Identity,
  ) {
    this.state = newPeerState(peer.publicKey);
    this.random = testRandom(`side:${Buffer.from(me.publicKey).toString('hex')}`);
  }
  async run(event: PeerEvent): Promise<Uint8Array[]> {
    const { state, effects } = await step(this.state, event, {
      identity: this.me,
      backend,
      random: this.random,
      now: this.now,
    });
    this.state = state;
    return this.apply(effects);
  }
  private apply(effects: PeerEffect[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const effect of effects) {
      if (effect.type === 'transmit') out.push(effect.bytes);
      if (effect.type === 'deliver') this.delivered.push(new TextDecoder().decode(effect.body));
      if (effect.type === 'dropped') this.dropped.push(effect.error.code);
      if (effect.type === 'established') this.established++;
    }
    return out;
  }
  async receive(bytes: Uint8Array): Promise<Uint8Array[]> {
    const kind = classifyEnvelope(bytes);
    if (kind.type === 'handshakeInit')
      return this.run({ type: 'init', init: await openInit(this.me, bytes, backend) });
    if (kind.type === 'handshakeAccept') return this.run({ type: 'accept', bytes });
    return this.run({ type: 'message', bytes });
  }
  send(message: string) {
    return this.run({ type: 'send', kind: MESSAGE_KIND.chat, body: text(message) });
  }
}

/** Delivers everything in flight, both ways, until the wire is quiet. */
async function pump(a: Side, b: Side, fromA: Uint8Array[], fromB: Uint8Array[] = []) {
  let toB = fromA;
  let toA = fromB;
  for (let round = 0; round < 10 && (toA.length || toB.length); round++) {
    const nextA: Uint8Array[] = [];
    const nextB: Uint8Array[] = [];
    for (const bytes of toB) nextB.push(...(await b.receive(bytes)));
    for (const bytes of toA) nextA.push(...(await a.receive(bytes)));
    toB = nextA;
    toA = nextB;
  }
}

describe('session state machine', () => {
  it('queues messages until the handshake completes, then delivers them in order', async () => {
    const a = new Side(alice, bob);
    const b = new Side(bob, alice);
    const wire = [...(await a.send('one')), ...(await a.send('two'))];
    expect(wire).toHaveLength(1); // only the INIT: both messages wait for the session
    await pump(a, b, wire);
    expect(b.delivered).toEqual(['one', 'two']);
    expect(a.established).toBe(1);
    expect(b.established).toBe(1);
    await pump(a, b, [], await b.send('three'));
    expect(a.delivered).toEqual(['three']);
  });

  it('simultaneous open ends with exactly one session', async () => {
    const a = new Side(alice, bob);
    const b = new Side(bob, alice);
    const fromA = await a.send('from a');
    const fromB = await b.send('from b');
    await pump(a, b, fromA, fromB);
    expect(a.delivered).toEqual(['from b']);
    expect(b.delivered).toEqual(['from a']);
    expect(a.state.current?.keys.sessionId).toEqual(b.state.current?.keys.sessionId);
    const lower = compareBytes(alice.publicKey, bob.publicKey) < 0 ? a : b;
    expect(lower.state.current?.keys.role).toBe('initiator');
  });

  it('a replayed INIT is refused, and so is a stale one', async () => {
    const a = new Side(alice, bob);
    const b = new Side(bob, alice);
    const [init] = await a.send('hi');
    await pump(a, b, [init!]);
    const sessionBefore = b.state.current;
    await b.receive(init!);
    expect(b.dropped).toEqual(['replayed']);
    expect(b.state.current).toBe(sessionBefore);

    const late = new Side(bob, alice);
    late.now = T0 + HANDSHAKE_FRESHNESS_MS + 1;
    await late.receive(init!);
    expect(late.dropped).toEqual(['stale-handshake']);
    expect(late.state.current).toBeNull();
  });

  it('an INIT from a third party is not accepted into this contact', async () => {
    const fromCarol = new Side(carol, bob);
    const b = new Side(bob, alice);
    const [init] = await fromCarol.send('hi, I am alice');
    await b.receive(init!);
    expect(b.dropped).toEqual(['wrong-peer']);
    expect(b.state.current).toBeNull();
  });

  it('a replayed session message is dropped, not delivered twice', async () => {
    const a = new Side(alice, bob);
    const b = new Side(bob, alice);
    await pump(a, b, await a.send('hello'));
    const [again] = await a.send('again');
    await b.receive(again!);
    await b.receive(again!);
    expect(b.delivered).toEqual(['hello', 'again']);
    expect(b.dropped).toEqual(['replayed']);
  });

  it('re-keys when the peer lost its session, and the retried message gets through', async () => {
    const a = new Side(alice, bob);
    let b = new Side(bob, alice);
    await pump(a, b, await a.send('before reload'));
    b = new Side(bob, alice); // bob reloaded: memory only, the session is gone
    const [lost] = await a.send('lost');
    const reply = await b.receive(lost!);
    expect(b.dropped).toEqual(['unknown-session']);
    await pump(a, b, [], reply);
    await pump(a, b, await a.send('retried'));
    expect(b.delivered).toEqual(['retried']);
  });

  it('keeps opening envelopes of the session it just replaced', async () => {
    const a = new Side(alice, bob);
    const b = new Side(bob, alice);
    await pump(a, b, await a.send('first'));
    const [inFlight] = await a.send('in flight');
    // Bob re-keys (as after a reload of his side) before alice's message arrives.
    await pump(b, a, await b.run({ type: 'connect' }));
    await b.receive(inFlight!);
    expect(b.delivered).toEqual(['first', 'in flight']);
  });

  it('an ACCEPT with nothing in flight is dropped', async () => {
    const a = new Side(alice, bob);
    const b = new Side(bob, alice);
    const [init] = await a.send('x');
    const [accept] = await b.receive(init!);
    await a.receive(accept!);
    await a.receive(accept!);
    expect(a.dropped).toEqual(['unexpected-message']);
  });

  it("the responder counts the session only once the initiator's first envelope opens", async () => {
    const a = new Side(alice, bob);
    const b = new Side(bob, alice);
    const [init] = await a.run({ type: 'connect' });
    const [accept] = await b.receive(init!);
    expect(b.established).toBe(0);
    expect(b.state.current).toBeNull();
    // Bob does not wait on a session that may be a replay: his message rides his own INIT, which crosses.
    const [bobInit] = await b.send('early');
    const [confirm] = await a.receive(accept!);
    expect(a.established).toBe(1);
    const [early] = await b.receive(confirm!);
    expect(b.established).toBe(1);
    expect(b.state.pending).toBeNull(); // the confirmed session settled the crossing
    expect(b.delivered).toEqual([]); // the confirm carries nothing to deliver
    await a.receive(early!);
    expect(a.delivered).toEqual(['early']);
    const [strayAccept] = await a.receive(bobInit!);
    await b.receive(strayAccept!);
    expect(b.dropped).toEqual(['unexpected-message']);
    expect(a.state.current?.keys.sessionId).toEqual(b.state.current?.keys.sessionId);
    expect([a.established, b.established]).toEqual([1, 1]);
  });

  it('an INIT that lost the crossing and arrives after the winning session exists does not replace it', async () => {
    const [lower, higher] =
      compareBytes(alice.publicKey, bob.publicKey) < 0
        ? [new Side(alice, bob), new Side(bob, alice)]
        : [new Side(bob, alice), new Side(alice, bob)];
    const [lowerInit] = await lower.send('from lower');
    const [higherInit] = await higher.send('from higher');
    const [accept] = await higher.receive(lowerInit!);
    const [fromLower] = await lower.receive(accept!);
    // The losing INIT reaches the winner only now: answered, but the working session stays current.
    const [lateAccept] = await lower.receive(higherInit!);
    const fromHigher = await higher.receive(fromLower!);
    await higher.receive(lateAccept!);
    for (const bytes of fromHigher) await lower.receive(bytes);
    await pump(lower, higher, await lower.send('after'));
    expect(higher.delivered).toEqual(['from lower', 'after']);
    expect(lower.delivered).toEqual(['from higher']);
    expect(lower.state.current?.keys.sessionId).toEqual(higher.state.current?.keys.sessionId);
    expect(higher.dropped).toEqual(['unexpected-message']); // the answer to its abandoned INIT
    expect(lower.dropped).toEqual([]);
  });

  it('an INIT older than the one already answered is stale; an answered session nobody confirms is given up', async () => {
    const old = new Side(alice, bob);
    const [oldInit] = await old.run({ type: 'connect' });
    const fresh = new Side(alice, bob);
    await fresh.run({ type: 'connect' }); // same seed as `old`: step past its session id
    fresh.now = T0 + 1000;
    const [freshInit] = await fresh.run({ type: 'connect' });
    const b = new Side(bob, alice);
    b.now = T0 + 1000;
    await b.receive(freshInit!);
    await b.receive(oldInit!);
    expect(b.dropped).toEqual(['stale-handshake']);
    b.now += HANDSHAKE_CONFIRM_MS + 1;
    await b.send('later');
    expect(b.dropped).toEqual(['stale-handshake', 'unconfirmed-handshake']);
    expect(b.state.answered).toBeNull();
    expect(b.established).toBe(0);
  });
});
