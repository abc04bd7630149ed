/**
 * Random and mutated frames at a live relay, before and after authentication. The relay must not crash,
 * must close the offender with a documented code, must only ever send well-formed frames, and must keep
 * serving everyone else.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes } from '../../crypto/bytes.ts';
import { signRelayAuth } from '../../crypto/relay-auth.ts';
import { RELAY_CLOSE_CODES } from '../../crypto/relay-close-codes.ts';
import { encodeFrame } from '../../crypto/relay-frames.ts';
import type { Relay } from '../../relay/server.ts';
import { connectAs, identity, metric, RawSocket, startRelay, within } from '../support/relay-harness.ts';

let relay: Relay;
beforeAll(async () => {
  relay = await startRelay({
    limits: {
      maxConnectionsPerIp: 10_000,
      messagesPerSecond: 10_000,
      messageBurst: 10_000,
      maxFrameBytes: 8192,
    },
  });
});
afterAll(() => relay.close());

const ALLOWED_CLOSES = new Set<number>([
  RELAY_CLOSE_CODES['bad-frame'],
  RELAY_CLOSE_CODES['auth-failed'],
  RELAY_CLOSE_CODES['frame-too-large'],
]);

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const validFrame = fc.oneof(
  fc
    .record({
      recipient: key,
      frameId: fc.nat(),
      receipt: fc.boolean(),
      envelope: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    })
    .map((f) => encodeFrame({ type: 'send', ...f })),
  key.map((publicKey) =>
    encodeFrame({
      type: 'auth',
      publicKey,
      signature: new Uint8Array(64).fill(3),
      origin: 'http://127.0.0.1:1',
    }),
  ),
  fc.constant(encodeFrame({ type: 'turn-request' })),
  fc.constant(encodeFrame({ type: 'turn-unavailable' })),
  fc
    .uint8Array({ minLength: 1, maxLength: 16 })
    .map((envelope) => encodeFrame({ type: 'deliver', envelope })),
);
const mutated = fc
  .tuple(
    validFrame,
    fc.nat(),
    fc.integer({ min: 1, max: 255 }),
    fc.constantFrom('none', 'flip', 'cut', 'extend'),
  )
  .map(([b, at, xor, how]) => {
    const i = at % b.length;
    if (how === 'flip') return b.map((v, j) => (j === i ? v ^ xor : v));
    if (how === 'cut') return b.subarray(0, i);
    if (how === 'extend') return concatBytes(b, new Uint8Array(xor));
    return b;
  });
const message = fc.oneof(
  { weight: 6, arbitrary: mutated },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(9000)) },
);

async function authenticatedRaw(label: string): Promise<RawSocket> {
  const raw = await RawSocket.open(relay.url);
  const challenge = await raw.next();
  if (challenge.type !== 'challenge') throw new Error('no challenge');
  const id = await identity(label);
  const signature = await signRelayAuth(id.signer, challenge.nonce, relay.origin);
  raw.send(encodeFrame({ type: 'auth', publicKey: id.publicKey, signature, origin: relay.origin }));
  expect((await raw.next()).type).toBe('ready');
  return raw;
}

/** Reads until the socket closes or the probe's answer arrives; every frame must decode strictly. */
async function drain(raw: RawSocket, probed: boolean): Promise<'closed' | 'alive'> {
  for (;;) {
    const next = await raw.next(3_000).then(
      (f) => f.type,
      (error: unknown) => {
        if (raw.socket.readyState === raw.socket.CLOSED) return 'closed' as const;
        throw error;
      },
    );
    if (next === 'closed') {
      expect(ALLOWED_CLOSES, `close code ${(await raw.closed).code}`).toContain((await raw.closed).code);
      return 'closed';
    }
    if (probed && next === 'turn-unavailable') return 'alive';
    expect(['undeliverable', 'forwarded', 'turn-unavailable']).toContain(next);
  }
}

describe('relay fuzz', () => {
  it('survives random and mutated frames, closing only the offender', async () => {
    const a = await connectAs(relay, 'fuzz-bystander-a');
    const b = await connectAs(relay, 'fuzz-bystander-b');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(message, { minLength: 1, maxLength: 3 }),
        async (authenticate, messages) => {
          const raw = authenticate
            ? await authenticatedRaw(`fuzz-${run++ % 50}`)
            : await RawSocket.open(relay.url);
          if (!authenticate) expect((await raw.next()).type).toBe('challenge');
          for (const m of messages) raw.send(m);
          if (authenticate) raw.send(encodeFrame({ type: 'turn-request' }));
          const outcome = await within(drain(raw, authenticate), 5_000, 'drain');
          // Before authentication nothing but a valid AUTH is accepted, and random bytes cannot sign.
          if (!authenticate) expect(outcome).toBe('closed');
          raw.close();
        },
      ),
      { numRuns: 300 },
    );
    expect(await a.send(b.publicKey, Uint8Array.of(1))).toBe('forwarded');
    await expect.poll(() => b.inbox.length).toBe(1);
    expect(await relay.metrics.render()).not.toMatch(/tincan_relay_errors_total\{/);
    expect(await metric(relay, 'tincan_relay_closes_total{reason="bad-frame"}')).toBeGreaterThan(10);
    await Promise.all([a.close(), b.close()]);
  });
});
