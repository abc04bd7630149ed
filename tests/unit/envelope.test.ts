import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkReplay,
  MAX_BODY_BYTES,
  MESSAGE_KIND,
  markReceived,
  newSessionState,
  OVERHEAD,
  openEnvelope,
  REPLAY_WINDOW,
  type ReplayWindow,
  type SessionState,
  sealEnvelope,
} from '../../crypto/envelope.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { createAccept, createInit, openAccept, openInit } from '../../crypto/handshake.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import { MAX_ENVELOPE_BYTES } from '../../crypto/wire.ts';
import { testIdentity, testRandom } from '../support/identities.ts';

const backend = nodeEd25519();
const alice = await testIdentity('alice', backend);
const bob = await testIdentity('bob', backend);
const carol = await testIdentity('carol', backend);
const text = (s: string) => new TextEncoder().encode(s);

async function sessionPair(from = alice, to = bob, label = 'env') {
  const random = testRandom(label);
  const init = await createInit(from, to.publicKey, random, 1_790_000_000_000);
  const accept = await createAccept(to, await openInit(to, init.bytes, backend), random);
  const fromKeys = await openAccept(from, init.pending, accept.bytes, backend);
  return { sender: newSessionState(fromKeys), receiver: newSessionState(accept.keys) };
}

async function sealMany(state: SessionState, count: number) {
  const out: Uint8Array[] = [];
  let s = state;
  for (let i = 0; i < count; i++) {
    const sealed = await sealEnvelope(s, alice.signer, MESSAGE_KIND.chat, text(`m${i}`));
    out.push(sealed.bytes);
    s = sealed.state;
  }
  return out;
}

const { sender, receiver } = await sessionPair();

describe('envelope', () => {
  it('round-trips kind and body in both directions', async () => {
    const sealed = await sealEnvelope(sender, alice.signer, MESSAGE_KIND.callOffer, text('v=0 sdp'));
    const { opened } = await openEnvelope(receiver, sealed.bytes, backend);
    expect(opened).toEqual({ kind: MESSAGE_KIND.callOffer, body: text('v=0 sdp'), counter: 0 });
    const back = await sealEnvelope(receiver, bob.signer, MESSAGE_KIND.receipt, new Uint8Array());
    expect((await openEnvelope(sender, back.bytes, backend)).opened.body.length).toBe(0);
  });

  it('the counter travels masked: the relay cannot count envelopes, and a changed mask does not open', async () => {
    const sealed = await sealMany(sender, 64);
    const onTheWire = sealed.map((bytes) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(18));
    // 64 counters in a row (0..63) would all sit below 64 in the clear; masked, they look like random words.
    expect(onTheWire.filter((word) => word < 64).length).toBeLessThan(4);
    expect(new Set(onTheWire).size).toBe(64);
    let state = receiver;
    for (let i = 0; i < sealed.length; i++) {
      const opened = await openEnvelope(state, sealed[i]!, backend);
      expect(opened.opened.counter).toBe(i);
      state = opened.state;
    }
    const tampered = sealed[0]!.slice();
    tampered[21]! ^= 1;
    await expect(openEnvelope(receiver, tampered, backend)).rejects.toSatisfy((e) =>
      isProtocolError(e, 'decrypt-failed'),
    );
  });

  it('property: open(seal(kind, body)) = (kind, body)', async () => {
    const kinds = Object.values(MESSAGE_KIND);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...kinds), fc.uint8Array({ maxLength: 2048 }), async (kind, body) => {
        const sealed = await sealEnvelope(sender, alice.signer, kind, body);
        expect(sealed.bytes.length).toBe(OVERHEAD + body.length);
        const { opened } = await openEnvelope(receiver, sealed.bytes, backend);
        expect(opened.kind).toBe(kind);
        expect(opened.body).toEqual(body);
      }),
      { numRuns: 100 },
    );
  });

  it('flipping any bit of a sealed envelope is caught', async () => {
    const sealed = await sealEnvelope(sender, alice.signer, MESSAGE_KIND.chat, text('hello bob'));
    for (let bit = 0; bit < sealed.bytes.length * 8; bit++) {
      const bytes = sealed.bytes.slice();
      bytes[bit >> 3]! ^= 1 << (bit & 7);
      const error = await openEnvelope(receiver, bytes, backend).catch((e: unknown) => e);
      expect(isProtocolError(error), `bit ${bit}`).toBe(true);
    }
  });

  it('truncated and extended envelopes are caught', async () => {
    const sealed = await sealEnvelope(sender, alice.signer, MESSAGE_KIND.chat, text('hello bob'));
    for (let cut = 0; cut < sealed.bytes.length; cut++) {
      const error = await openEnvelope(receiver, sealed.bytes.subarray(0, cut), backend).catch(
        (e: unknown) => e,
      );
      expect(isProtocolError(error), `cut at ${cut}`).toBe(true);
    }
    const extended = new Uint8Array([...sealed.bytes, 0]);
    await expect(openEnvelope(receiver, extended, backend)).rejects.toMatchObject({ code: 'decrypt-failed' });
  });

  it('a replayed envelope is caught, and so is one from behind the window', async () => {
    const [first, ...rest] = await sealMany(sender, REPLAY_WINDOW + 2);
    let state = (await openEnvelope(receiver, first!, backend)).state;
    await expect(openEnvelope(state, first!, backend)).rejects.toMatchObject({ code: 'replayed' });
    // Out of order within the window is fine; once the window moves past, the old one is refused.
    const last = rest[rest.length - 1]!;
    state = (await openEnvelope(state, last, backend)).state;
    state = (await openEnvelope(state, rest[rest.length - 5]!, backend)).state;
    await expect(openEnvelope(state, rest[rest.length - 5]!, backend)).rejects.toMatchObject({
      code: 'replayed',
    });
    await expect(openEnvelope(state, rest[0]!, backend)).rejects.toMatchObject({ code: 'too-old' });
  });

  it('property: replay window accepts each counter once and never one it left behind', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 600 }), { maxLength: 200 }), (counters) => {
        let window: ReplayWindow = { highest: -1, seen: 0n };
        const accepted = new Set<number>();
        for (const counter of counters) {
          let ok = true;
          try {
            checkReplay(window, counter);
          } catch (error) {
            expect(isProtocolError(error)).toBe(true);
            ok = false;
          }
          if (accepted.has(counter)) expect(ok).toBe(false);
          if (counter <= window.highest - REPLAY_WINDOW) expect(ok).toBe(false);
          if (ok) {
            accepted.add(counter);
            window = markReceived(window, counter);
          }
        }
      }),
    );
  });

  it('a forged or failed envelope does not move the window', async () => {
    const [first] = await sealMany(sender, 1);
    const tampered = first!.slice();
    tampered[tampered.length - 1]! ^= 1;
    await expect(openEnvelope(receiver, tampered, backend)).rejects.toMatchObject({ code: 'decrypt-failed' });
    expect((await openEnvelope(receiver, first!, backend)).opened.counter).toBe(0);
  });

  it('an envelope re-addressed to another contact does not open there', async () => {
    // Alice has sessions with bob and with carol; the relay hands carol alice's envelope for bob.
    const toCarol = await sessionPair(alice, carol, 'carol');
    const [forBob] = await sealMany(sender, 1);
    await expect(openEnvelope(toCarol.receiver, forBob!, backend)).rejects.toMatchObject({
      code: 'unknown-session',
    });
    // Even with the session id rewritten, carol's key does not open it.
    const rewritten = forBob!.slice();
    rewritten.set(toCarol.receiver.keys.sessionId, 2);
    await expect(openEnvelope(toCarol.receiver, rewritten, backend)).rejects.toMatchObject({
      code: 'decrypt-failed',
    });
  });

  it('an envelope reflected back to its sender does not open', async () => {
    const [toBob] = await sealMany(sender, 1);
    await expect(openEnvelope(sender, toBob!, backend)).rejects.toMatchObject({ code: 'decrypt-failed' });
  });

  it('enforces the maximum size on both ends', async () => {
    const biggest = await sealEnvelope(
      sender,
      alice.signer,
      MESSAGE_KIND.fileTransfer,
      new Uint8Array(MAX_BODY_BYTES),
    );
    expect(biggest.bytes.length).toBe(MAX_ENVELOPE_BYTES);
    await expect(
      sealEnvelope(sender, alice.signer, MESSAGE_KIND.chat, new Uint8Array(MAX_BODY_BYTES + 1)),
    ).rejects.toThrow(RangeError);
    await expect(
      openEnvelope(receiver, new Uint8Array(MAX_ENVELOPE_BYTES + 1), backend),
    ).rejects.toMatchObject({
      code: 'too-large',
    });
  });

  it('refuses to reuse a nonce once the counter is exhausted', async () => {
    const exhausted: SessionState = { ...sender, sendCounter: 0x1_0000_0000 };
    await expect(sealEnvelope(exhausted, alice.signer, MESSAGE_KIND.chat, text('x'))).rejects.toMatchObject({
      code: 'counter-exhausted',
      critical: true,
    });
  });

  it('random bytes never raise anything but a ProtocolError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const error = await openEnvelope(receiver, bytes, backend).catch((e: unknown) => e);
        expect(isProtocolError(error)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
