/**
 * Two unlocked sessions (the state models the UI renders) talking through the real relay, in Node: the
 * contact request flow, receipts, timers, an offline contact's outbox. No browser, no Preact.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { WebSocketLike } from '../../client/services/relay-connection.ts';
import { type ProfileData, profileFromBytes } from '../../client/state/profile-data.ts';
import { createSession, createSessionFactory, type SessionModel } from '../../client/state/session.ts';
import { fromHex, toHex } from '../../crypto/bytes.ts';
import { encodeContactCode } from '../../crypto/contact-code.ts';
import { webCryptoEd25519 } from '../../crypto/ed25519.ts';
import { type Identity, identityFromSeed } from '../../crypto/identity.ts';
import { createKeyRotation, keyRotationToBytes } from '../../crypto/key-rotation.ts';
import { createRelay, type Relay } from '../../relay/server.ts';
import { testIdentity, testRandom } from '../support/identities.ts';

const backend = webCryptoEd25519(globalThis.crypto.subtle);

interface Person {
  identity: Identity;
  profile: ProfileData;
  session: SessionModel;
}

const until = async (check: () => boolean, what: string, timeoutMs = 10_000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('two sessions through the real relay', () => {
  let relay: Relay;
  const live: SessionModel[] = [];

  beforeEach(async () => {
    relay = await createRelay({ port: 0, staticDir: '/nonexistent' });
  });
  afterEach(async () => {
    await Promise.all(live.splice(0).map((s) => s.dispose()));
    await relay.close();
  });

  const start = (person: Omit<Person, 'session'> & { session?: SessionModel }): Person => {
    const session = createSession({
      identity: person.identity,
      backend,
      profile: person.profile,
      save: async (next) => {
        person.profile = next;
      },
      random: testRandom(`session:${person.profile.displayName}:${live.length}`),
      relayUrl: relay.url,
      origin: relay.httpUrl,
      relayOptions: { createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike },
      tickMs: 50,
    });
    live.push(session);
    return Object.assign(person, { session });
  };

  const newPerson = async (name: string): Promise<Person> => {
    const identity = await testIdentity(name, backend);
    return start({
      identity,
      profile: { version: 1, seed: toHex(identity.seed), displayName: name, createdAt: 0, contacts: [] },
    });
  };

  /** `person` changes its key: the rotated profile is stored and a session starts under the new key. */
  const rotateKey = async (person: Person): Promise<{ rotated: ProfileData; next: Person }> => {
    const rotated = profileFromBytes(await person.session.rotateIdentity());
    await person.session.dispose();
    const identity = await identityFromSeed(backend, fromHex(rotated.seed));
    return { rotated, next: start({ identity, profile: rotated }) };
  };

  const online = (...people: Person[]) =>
    until(() => people.every((p) => p.session.connection.online.value), 'online');

  const messages = (p: Person, key: string) =>
    (p.session.chats.threads.value.get(key) ?? []).filter((l) => l.kind === 'message');

  async function befriend(a: Person, b: Person) {
    const preview = a.session.contacts.preview(b.session.me.link!);
    if (!preview.ok) throw new Error(preview.error);
    expect(preview.name).toBe(b.profile.displayName);
    await a.session.contacts.add(preview.key, preview.name, { scannedInPerson: false });
    const aKey = a.session.me.key;
    await until(() => b.session.contacts.requests.value.some((c) => c.key === aKey), 'request');
    const request = b.session.contacts.byKey(aKey)!;
    expect(request.name).toBe(a.profile.displayName);
    expect(b.session.contacts.safetyNumber(aKey).digits).toBe(preview.safety.digits);
    await b.session.contacts.acceptRequest(aKey);
    await until(() => a.session.contacts.byKey(b.session.me.key)?.state === 'accepted', 'acceptance');
  }

  test('request, accept, chat both ways with delivered and read receipts', async () => {
    const [ann, bo] = await Promise.all([newPerson('Ann'), newPerson('Bo')]);
    await online(ann, bo);
    await befriend(ann, bo);
    expect(bo.profile.contacts[0]!.state).toBe('accepted');
    expect(ann.profile.contacts[0]!.state).toBe('accepted');

    ann.session.chats.send(bo.session.me.key, 'hello');
    await until(() => messages(bo, ann.session.me.key).length === 1, 'message');
    await until(
      () =>
        messages(ann, bo.session.me.key)[0]?.kind === 'message' &&
        (messages(ann, bo.session.me.key)[0] as { status: string }).status === 'delivered',
      'delivered',
    );
    bo.session.chats.markSeen(ann.session.me.key);
    await until(() => (messages(ann, bo.session.me.key)[0] as { status: string }).status === 'read', 'read');
    bo.session.chats.send(ann.session.me.key, 'hi back');
    await until(() => messages(ann, bo.session.me.key).length === 2, 'reply');
    await until(() => ann.session.contacts.presence.value.has(bo.session.me.key), 'presence');
  });

  test('a disappearing timer set by one side applies on both and removes messages on both', async () => {
    const [ann, bo] = await Promise.all([newPerson('Ann'), newPerson('Bo')]);
    await online(ann, bo);
    await befriend(ann, bo);
    const annKey = ann.session.me.key;
    const boKey = bo.session.me.key;
    await ann.session.chats.setTimer(boKey, 1);
    await until(() => bo.session.contacts.byKey(annKey)?.disappearSeconds === 1, 'timer at Bo');
    bo.session.chats.send(annKey, 'brief');
    await until(() => messages(ann, boKey).length === 1, 'brief message');
    await until(
      () => messages(ann, boKey).length === 0 && messages(bo, annKey).length === 0,
      'disappeared',
      4_000,
    );
  });

  test('a request to someone offline waits; a message to an offline contact arrives once when it is back', {
    timeout: 40_000,
  }, async () => {
    const ann = await newPerson('Ann');
    const boIdentity = await testIdentity('Bo', backend);
    const boProfile: ProfileData = {
      version: 1,
      seed: toHex(boIdentity.seed),
      displayName: 'Bo',
      createdAt: 0,
      contacts: [],
    };
    const boCode = `${relay.httpUrl}/#add=${encodeContactCode({ publicKey: boIdentity.publicKey, displayName: 'Bo' })}`;
    await online(ann);
    const preview = ann.session.contacts.preview(boCode);
    if (!preview.ok) throw new Error(preview.error);
    await ann.session.contacts.add(preview.key, 'Bo', { scannedInPerson: true });
    expect(ann.session.contacts.byKey(preview.key)!.verified).toBe(true);

    // Bo comes online later. Nobody can tell Ann (Bo does not know her yet): the request goes out at the
    // outbox's next retry, 10 s after the first undeliverable attempt.
    const bo = start({ identity: boIdentity, profile: boProfile });
    await until(() => bo.session.contacts.requests.value.length === 1, 'late request', 25_000);
    await bo.session.contacts.acceptRequest(ann.session.me.key);
    await until(() => ann.session.contacts.byKey(preview.key)!.state === 'accepted', 'accepted');

    // Bo goes away; Ann writes; Bo returns (a new session from the stored profile).
    await bo.session.dispose();
    await until(() => !ann.session.contacts.presence.value.has(preview.key), 'offline');
    ann.session.chats.send(preview.key, 'while you were away');
    const waiting = messages(ann, preview.key)[0] as { status: string };
    expect(waiting.status).toBe('waiting');
    const back = start({ identity: boIdentity, profile: bo.profile });
    await until(() => messages(back, ann.session.me.key).length === 1, 'delivery after return');
    await until(
      () => (messages(ann, preview.key)[0] as { status: string }).status === 'delivered',
      'delivered',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(messages(back, ann.session.me.key)).toHaveLength(1);
  });

  test('a signed key rotation: contacts move to the new key, unverified, keeping the conversation', {
    timeout: 40_000,
  }, async () => {
    const [ann, bo, cy] = await Promise.all([newPerson('Ann'), newPerson('Bo'), newPerson('Cy')]);
    await online(ann, bo, cy);
    await befriend(ann, bo);
    await befriend(cy, bo);
    const oldBo = bo.session.me.key;
    await ann.session.contacts.setVerified(oldBo, true);
    ann.session.chats.send(oldBo, 'before the change');
    await until(() => messages(bo, ann.session.me.key).length === 1, 'first message');
    // Cy is away when Bo changes his key.
    const cyProfile = () => cy.profile;
    await cy.session.dispose();

    const { rotated, next: newBo } = await rotateKey(bo);
    expect(rotated.seed).not.toBe(toHex(bo.identity.seed));
    expect([...(rotated.rotation?.pending ?? [])].sort()).toEqual(
      [ann.session.me.key, cy.session.me.key].sort(),
    );
    const newKey = newBo.session.me.key;
    expect(newKey).not.toBe(oldBo);

    // Ann: the same contact under the new key, not verified, marked as a signed key change; thread kept.
    await until(() => ann.session.contacts.byKey(newKey) !== undefined, 'rotation at Ann');
    const moved = ann.session.contacts.byKey(newKey)!;
    expect(moved).toMatchObject({ name: 'Bo', state: 'accepted', verified: false });
    expect(moved.keyChange).toMatchObject({ previousKey: oldBo, signed: true });
    expect(ann.session.contacts.byKey(oldBo)).toBeUndefined();
    expect(ann.session.contacts.current(oldBo)?.key).toBe(newKey);
    expect(messages(ann, newKey).map((m) => (m as { text: string }).text)).toEqual(['before the change']);
    const line = (ann.session.chats.threads.value.get(newKey) ?? []).find((l) => l.kind === 'system');
    expect(line).toMatchObject({ text: expect.stringContaining('changed their identity key') });
    expect(ann.session.contacts.safetyNumber(newKey).digits).toBe(
      newBo.session.contacts.safetyNumber(ann.session.me.key).digits,
    );
    // Ann acknowledged: Bo's pending list no longer names her. Chat works both ways under the new key.
    await until(() => !newBo.profile.rotation?.pending.includes(ann.session.me.key), 'ack from Ann');
    newBo.session.chats.send(ann.session.me.key, 'from my new key');
    await until(() => messages(ann, newKey).length === 2, 'message from the new key');
    ann.session.chats.send(newKey, 'to your new key');
    await until(() => messages(newBo, ann.session.me.key).length === 1, 'message to the new key');

    // Cy comes back: the rotation reaches him at the new key's next retry (at most 30 s apart).
    const cyBack = start({ identity: cy.identity, profile: cyProfile() });
    await until(
      () => cyBack.session.contacts.byKey(newKey)?.keyChange?.signed === true,
      'rotation at Cy',
      35_000,
    );
    await until(() => newBo.profile.rotation?.pending.length === 0, 'everyone told');
  });

  test('the session factory hands our threads to the session under our new key, and to no other', async () => {
    const factory = createSessionFactory({
      random: testRandom('factory'),
      backend: async () => backend,
      relayUrl: relay.url,
      origin: relay.httpUrl,
      relayOptions: { createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike },
      tickMs: 50,
    });
    const stored: Uint8Array[] = [];
    const save = async (bytes: Uint8Array) => {
      stored.push(bytes.slice());
    };
    const first = await factory.create('Bo', save);
    live.push(first);
    const before = stored.at(-1)!;
    const friend = 'ab'.repeat(32);
    first.chats.system(friend, 'line one');
    const p1 = await first.rotateIdentity();
    await first.dispose();
    // Another profile opens first: it takes nothing, and the threads are not kept for later either.
    const other = await factory.open(before.slice(), save);
    live.push(other);
    expect(other.chats.threads.value.size).toBe(0);
    const second = await factory.open(p1.slice(), save);
    live.push(second);
    expect(second.chats.threads.value.size).toBe(0);

    second.chats.system(friend, 'line two');
    const p2 = await second.rotateIdentity();
    await second.dispose();
    const third = await factory.open(p2.slice(), save);
    live.push(third);
    expect(third.me.key).not.toBe(second.me.key);
    expect((third.chats.threads.value.get(friend) ?? []).map((l) => l.text)).toEqual([
      'line two',
      expect.stringContaining('You changed your identity key'),
    ]);
  });

  test('a rotation is refused unless the old key is a contact and the new key is the sender', async () => {
    const [ann, bo, eve] = await Promise.all([newPerson('Ann'), newPerson('Bo'), newPerson('Eve')]);
    await online(ann, bo, eve);
    await befriend(ann, bo);
    // Eve has none of Bo's keys: she can only put Bo's key in the old slot over her own signatures.
    const eve2 = await testIdentity('Eve2', backend);
    const own = await createKeyRotation(eve.identity, eve2, 1);
    const forged = keyRotationToBytes({ ...own, oldKey: bo.identity.publicKey });
    const annKey = ann.session.me.key;
    const eveNext = start({ identity: eve2, profile: { ...eve.profile, seed: toHex(eve2.seed) } });
    await online(eveNext);
    eveNext.session.messenger.sendKeyRotation(annKey, forged);
    // A valid statement, but not sent by its new key.
    eve.session.messenger.sendKeyRotation(annKey, keyRotationToBytes(own));
    // A valid statement from its new key, whose old key is not Ann's contact.
    eveNext.session.messenger.sendKeyRotation(annKey, keyRotationToBytes(own));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Ann's messenger refused all three: none was acknowledged, and her address book is as it was.
    expect(eveNext.session.messenger.outbox.size).toBe(2);
    expect(eve.session.messenger.outbox.size).toBe(1);
    expect(ann.session.contacts.byKey(bo.session.me.key)).toMatchObject({ state: 'accepted' });
    expect(ann.profile.contacts.map((c) => c.key)).toEqual([bo.session.me.key]);
  });

  const texts = (p: Person, key: string) => messages(p, key).map((m) => (m as { text: string }).text);

  test('blocking: nothing from the blocked key reaches the app, the block is stored, unblocking restores chat', {
    timeout: 40_000,
  }, async () => {
    const [ann, bo] = await Promise.all([newPerson('Ann'), newPerson('Bo')]);
    await online(ann, bo);
    await befriend(ann, bo);
    const annKey = ann.session.me.key;
    const boKey = bo.session.me.key;
    await ann.session.contacts.setVerified(boKey, true);
    bo.session.chats.send(annKey, 'before');
    await until(() => ann.session.contacts.presence.value.has(boKey), 'Bo online at Ann');
    await until(() => texts(ann, boKey).length === 1, 'first message');

    await ann.session.contacts.block(boKey);
    expect(ann.profile.contacts.find((c) => c.key === boKey)?.blocked).toBe(true);
    expect(ann.session.contacts.presence.value.has(boKey)).toBe(false);
    // Bo starts over (a reload): his ping and his message need a new handshake, which Ann leaves unanswered.
    await bo.session.dispose();
    start(bo);
    await online(bo);
    bo.session.chats.send(annKey, 'while blocked');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(texts(ann, boKey)).toEqual(['before']);
    const waiting = messages(bo, annKey).find((m) => (m as { text: string }).text === 'while blocked');
    expect(waiting).toMatchObject({ status: 'waiting' });
    expect(ann.session.contacts.presence.value.has(boKey)).toBe(false);
    expect(bo.session.contacts.presence.value.has(annKey)).toBe(false);

    await ann.session.contacts.unblock(boKey);
    const restored = ann.profile.contacts.find((c) => c.key === boKey)!;
    expect(restored).toMatchObject({ state: 'accepted', verified: true });
    expect('blocked' in restored).toBe(false);
    // Ann pings Bo again at her next tick: Bo's outbox resends what waited on the new session.
    await until(() => texts(ann, boKey).includes('while blocked'), 'the waiting message', 20_000);
    ann.session.chats.send(boKey, 'after');
    await until(() => texts(bo, annKey).includes('after'), 'a message to Bo');
  });

  test('a blocked request leaves the request list and is kept; unblocking shows it again', async () => {
    const [ann, bo] = await Promise.all([newPerson('Ann'), newPerson('Bo')]);
    await online(ann, bo);
    const preview = bo.session.contacts.preview(ann.session.me.code);
    if (!preview.ok) throw new Error(preview.error);
    await bo.session.contacts.add(preview.key, preview.name, { scannedInPerson: false });
    await until(() => ann.session.contacts.requests.value.length === 1, 'request');
    const boKey = bo.session.me.key;
    await ann.session.contacts.block(boKey);
    expect(ann.session.contacts.requests.value).toEqual([]);
    expect(ann.session.contacts.accepted.value).toEqual([]);
    expect(ann.profile.contacts).toEqual([
      expect.objectContaining({ key: boKey, state: 'incoming', blocked: true }),
    ]);
    await ann.session.contacts.unblock(boKey);
    expect(ann.session.contacts.requests.value.map((c) => c.key)).toEqual([boKey]);
  });

  test('a blocked contact that changes its key stays blocked and is not acknowledged', {
    timeout: 40_000,
  }, async () => {
    const [ann, bo] = await Promise.all([newPerson('Ann'), newPerson('Bo')]);
    await online(ann, bo);
    await befriend(ann, bo);
    const annKey = ann.session.me.key;
    const oldBo = bo.session.me.key;
    await ann.session.contacts.block(oldBo);

    const { next: newBo } = await rotateKey(bo);
    const newKey = newBo.session.me.key;

    // The rotation itself is signed by both keys, so Ann's entry follows it, block included.
    await until(() => ann.session.contacts.byKey(newKey) !== undefined, 'rotation at Ann');
    expect(ann.session.contacts.byKey(newKey)).toMatchObject({ name: 'Bo', blocked: true });
    expect(ann.session.contacts.byKey(oldBo)).toBeUndefined();
    newBo.session.chats.send(annKey, 'from my new key');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(texts(ann, newKey)).toEqual([]);
    // No ack went back: to Bo, Ann still has not heard of his new key.
    expect(newBo.profile.rotation?.pending).toEqual([annKey]);
    expect(ann.session.contacts.requests.value).toEqual([]);
  });

  test('a contact blocked when we change our key is told of it once unblocked', {
    timeout: 40_000,
  }, async () => {
    const [ann, bo] = await Promise.all([newPerson('Ann'), newPerson('Bo')]);
    await online(ann, bo);
    await befriend(ann, bo);
    const boKey = bo.session.me.key;
    const oldAnn = ann.session.me.key;
    await ann.session.contacts.block(boKey);

    const { next: newAnn } = await rotateKey(ann);
    await online(newAnn);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Nothing goes to a blocked key, the rotation included.
    expect(bo.session.contacts.byKey(oldAnn)?.keyChange).toBeUndefined();
    expect(newAnn.profile.rotation?.pending).toEqual([boKey]);

    await newAnn.session.contacts.unblock(boKey);
    await until(
      () => bo.session.contacts.byKey(newAnn.session.me.key)?.keyChange?.signed === true,
      'rotation',
    );
    await until(() => newAnn.profile.rotation?.pending.length === 0, 'ack from Bo');
  });

  test('declining sends nothing back and forgets the request', async () => {
    const [ann, bo] = await Promise.all([newPerson('Ann'), newPerson('Bo')]);
    await online(ann, bo);
    const preview = ann.session.contacts.preview(bo.session.me.code);
    if (!preview.ok) throw new Error(preview.error);
    await ann.session.contacts.add(preview.key, preview.name, { scannedInPerson: false });
    await until(() => bo.session.contacts.requests.value.length === 1, 'request');
    await bo.session.contacts.declineRequest(ann.session.me.key);
    expect(bo.profile.contacts).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ann.session.contacts.byKey(preview.key)!.state).toBe('outgoing');
  });

  test('preview: own code, bad codes and links are refused with a message', async () => {
    const ann = await newPerson('Ann');
    const own = ann.session.contacts.preview(ann.session.me.code);
    expect(own).toEqual({ ok: false, error: expect.stringContaining('your own code') });
    const code = ann.session.me.code;
    const typo = code.slice(0, 10) + (code[10] === 'A' ? 'B' : 'A') + code.slice(11);
    expect(ann.session.contacts.preview(typo)).toEqual({ ok: false, error: expect.stringContaining('typo') });
    expect(ann.session.contacts.preview('https://x.example/#nothing')).toEqual({
      ok: false,
      error: expect.stringContaining('not a Tincan'),
    });
    expect(ann.session.contacts.preview('')).toEqual({ ok: false, error: expect.stringContaining('Paste') });
  });
});
