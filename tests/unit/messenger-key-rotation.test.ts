/**
 * A key rotation body through the messenger (inbound-policy.ts admitRotation): from a stranger it reaches the
 * app only when both keys signed it, its new key is the sender, and its old key is one the receiver lists;
 * everything else is dropped with its code and never acknowledged.
 */
import { describe, expect, it } from 'vitest';
import { admitRotation } from '../../client/core/inbound-policy.ts';
import type { MessengerEvent } from '../../client/core/messenger.ts';
import { concatBytes, utf8 } from '../../crypto/bytes.ts';
import { createKeyRotation, KEY_ROTATION_LENGTH, keyRotationToBytes } from '../../crypto/key-rotation.ts';
import { FakeRelay } from './messenger-network.ts';
import { backend, Clock, Person } from './messenger-people.ts';

const T = 1_795_000_000_000;

/** Alice lists Bob; Bob's next key (bobNext) and Mallory are strangers to her, and list her. */
async function setup() {
  const relay = new FakeRelay();
  const clock = new Clock();
  const [alice, bob, bobNext, mallory] = await Promise.all(
    ['r-alice', 'r-bob', 'r-bob-next', 'r-mallory'].map((name) => Person.create(name, relay, clock)),
  );
  for (const person of [alice!, bobNext!, mallory!]) person.online();
  alice!.add(bob!);
  // The senders list Alice, so an ack from her would count as delivered.
  for (const person of [bobNext!, mallory!]) person.add(alice!);
  const statement = keyRotationToBytes(await createKeyRotation(bob!.identity, bobNext!.identity, T));
  return { relay, alice: alice!, bob: bob!, bobNext: bobNext!, mallory: mallory!, statement };
}

describe('key rotation bodies', () => {
  it('a contact’s rotation from its new key reaches the app and is acknowledged', async () => {
    const { relay, alice, bob, bobNext, statement } = await setup();
    const id = bobNext.messenger.sendKeyRotation(alice.peer, statement);
    await relay.pump();
    // The app gets the verified old key, not the statement to check again.
    expect(alice.of('key-rotation')).toEqual([
      { type: 'key-rotation', peer: bobNext.peer, previousKey: bob.peer },
    ]);
    expect(bobNext.delivered()).toEqual([id]);
    expect(alice.of('dropped')).toEqual([]);
  });

  it('once the app has moved the contact, the new key counts as online at once', async () => {
    const { relay, alice, bob, bobNext, statement } = await setup();
    // What the app does with an admitted rotation: the contact now lives at the new key.
    const record = (alice as unknown as { record(event: MessengerEvent): void }).record.bind(alice);
    Object.assign(alice, {
      record(event: MessengerEvent) {
        record(event);
        if (event.type !== 'key-rotation') return;
        alice.statuses.delete(bob.peer);
        alice.add(bobNext);
      },
    });
    bobNext.messenger.sendKeyRotation(alice.peer, statement);
    await relay.pump();
    expect(alice.of('presence')).toEqual([{ type: 'presence', peer: bobNext.peer, online: true }]);
  });

  it('a blocked contact’s rotation is admitted too, so that the block follows it', async () => {
    const { relay, alice, bob, bobNext, statement } = await setup();
    alice.add(bob, 'blocked');
    bobNext.messenger.sendKeyRotation(alice.peer, statement);
    await relay.pump();
    expect(alice.of('key-rotation')).toHaveLength(1);
  });

  it('a valid statement sent by anyone but its new key is dropped as wrong-peer, unacknowledged', async () => {
    const { relay, alice, mallory, statement } = await setup();
    mallory.messenger.sendKeyRotation(alice.peer, statement);
    await relay.pump();
    expect(alice.of('key-rotation')).toEqual([]);
    expect(alice.of('dropped').map((e) => e.code)).toEqual(['wrong-peer']);
    expect(mallory.delivered()).toEqual([]);
    expect(mallory.messenger.outbox.size).toBe(1);
  });

  it('a statement the old key did not sign is dropped as bad-signature', async () => {
    const { relay, alice, bob, mallory } = await setup();
    // Mallory names herself Bob's successor over the right message, but she can only sign with her own key.
    const unsigned = keyRotationToBytes({
      oldKey: bob.identity.publicKey,
      newKey: mallory.identity.publicKey,
      issuedAt: T,
      oldSignature: new Uint8Array(64),
      newSignature: new Uint8Array(64),
    }).subarray(0, 73);
    const signature = await mallory.identity.signer.sign(
      concatBytes(utf8('tincan-key-rotation-v1\0'), unsigned),
    );
    mallory.messenger.sendKeyRotation(alice.peer, concatBytes(unsigned, signature, signature));
    await relay.pump();
    expect(alice.of('key-rotation')).toEqual([]);
    expect(alice.of('dropped').map((e) => e.code)).toEqual(['bad-signature']);
    expect(mallory.delivered()).toEqual([]);
  });

  it('a valid rotation whose old key the receiver does not list is dropped as unexpected-message', async () => {
    const { relay, alice, mallory } = await setup();
    const malloryNext = await Person.create('r-mallory-next', relay, new Clock());
    malloryNext.online();
    malloryNext.add(alice);
    const statement = keyRotationToBytes(await createKeyRotation(mallory.identity, malloryNext.identity, T));
    malloryNext.messenger.sendKeyRotation(alice.peer, statement);
    await relay.pump();
    expect(alice.of('key-rotation')).toEqual([]);
    expect(alice.of('dropped').map((e) => e.code)).toEqual(['unexpected-message']);
    expect(malloryNext.delivered()).toEqual([]);
  });

  it('a resend from a key that is already the contact is admitted, so its ack ends the retries', async () => {
    const { relay, alice, bob, bobNext, statement } = await setup();
    alice.statuses.delete(bob.peer);
    alice.add(bobNext);
    const id = bobNext.messenger.sendKeyRotation(alice.peer, statement);
    await relay.pump();
    expect(alice.of('key-rotation')).toHaveLength(1);
    expect(bobNext.delivered()).toEqual([id]);
  });

  it('admitRotation: a statement of the wrong layout is refused with its decoding code', async () => {
    const status = () => 'contact' as const;
    const wrong = new Uint8Array(KEY_ROTATION_LENGTH);
    await expect(admitRotation(backend, 'a'.repeat(64), 'stranger', status, wrong)).resolves.toMatchObject({
      code: 'bad-version',
    });
    await expect(
      admitRotation(backend, 'a'.repeat(64), 'stranger', status, wrong.subarray(1)),
    ).resolves.toMatchObject({ code: 'bad-length' });
  });
});
