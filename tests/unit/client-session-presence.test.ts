/**
 * Presence and reconnects of unlocked sessions through the real relay, in Node: a takeover by a restored
 * backup and "Use here", and the goodbye a closing page says.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { WebSocketLike } from '../../client/services/relay-connection.ts';
import type { ProfileData } from '../../client/state/profile-data.ts';
import { createSession, type SessionModel } from '../../client/state/session.ts';
import { toHex } from '../../crypto/bytes.ts';
import { webCryptoEd25519 } from '../../crypto/ed25519.ts';
import type { Identity } from '../../crypto/identity.ts';
import { createRelay, type Relay } from '../../relay/server.ts';
import { testIdentity, testRandom } from '../support/identities.ts';

const backend = webCryptoEd25519(globalThis.crypto.subtle);

interface Person {
  identity: Identity;
  profile: ProfileData;
  session: SessionModel;
  /** The page the session runs in: its 'pagehide' and 'pageshow' events. */
  page: EventTarget;
}

const until = async (check: () => boolean, what: string, timeoutMs = 10_000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - start;
};

describe('presence and reconnects through the real relay', () => {
  let relay: Relay;
  const live: SessionModel[] = [];

  beforeEach(async () => {
    relay = await createRelay({ port: 0, staticDir: '/nonexistent' });
  });
  afterEach(async () => {
    await Promise.all(live.splice(0).map((s) => s.dispose()));
    await relay.close();
  });

  const start = (person: Omit<Person, 'session' | 'page'>): Person => {
    const page = new EventTarget();
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
      events: page as unknown as Pick<Window, 'addEventListener' | 'removeEventListener'>,
      relayOptions: { createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike },
      tickMs: 50,
    });
    live.push(session);
    return Object.assign(person, { session, page });
  };

  const newPerson = async (name: string): Promise<Person> => {
    const identity = await testIdentity(name, backend);
    return start({
      identity,
      profile: { version: 1, seed: toHex(identity.seed), displayName: name, createdAt: 0, contacts: [] },
    });
  };

  const online = (...people: Person[]) =>
    until(() => people.every((p) => p.session.connection.online.value), 'online');

  const messages = (p: Person, key: string) =>
    (p.session.chats.threads.value.get(key) ?? []).filter((l) => l.kind === 'message') as unknown as {
      text: string;
      status?: string;
    }[];
  const texts = (p: Person, key: string) => messages(p, key).map((m) => m.text);
  const statusOf = (p: Person, key: string, text: string) =>
    messages(p, key).find((m) => m.text === text)?.status;
  const sees = (p: Person, key: string) => p.session.contacts.presence.value.has(key);

  async function friends(): Promise<[Person, Person]> {
    const [a, b] = await Promise.all([newPerson('Ann'), newPerson('Bo')]);
    await online(a, b);
    const preview = a.session.contacts.preview(b.session.me.link!);
    if (!preview.ok) throw new Error(preview.error);
    await a.session.contacts.add(preview.key, preview.name, { scannedInPerson: false });
    await until(() => b.session.contacts.requests.value.length === 1, 'request');
    await b.session.contacts.acceptRequest(a.session.me.key);
    await until(() => a.session.contacts.byKey(b.session.me.key)?.state === 'accepted', 'acceptance');
    await until(() => sees(a, b.session.me.key) && sees(b, a.session.me.key), 'both online');
    // A message each way, acknowledged: the session work each side queued before its ack (the goodbye it
    // seals ahead among it) is done.
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const text = `hello from ${from.profile.displayName}`;
      from.session.chats.send(to.session.me.key, text);
      await until(() => statusOf(from, to.session.me.key, text) === 'delivered', 'a message delivered');
    }
    return [a, b];
  }

  test('"Use here" after a takeover: the contact is online as soon as it speaks, pending messages go at once', {
    timeout: 40_000,
  }, async () => {
    const [ann, bo] = await friends();
    const annKey = ann.session.me.key;
    const boKey = bo.session.me.key;
    ann.session.chats.send(boKey, 'before');
    await until(() => statusOf(ann, boKey, 'before') === 'delivered', 'first message delivered');

    // The same identity restored from a backup elsewhere takes the address over and talks to Bo.
    const elsewhere = start({ identity: ann.identity, profile: structuredClone(ann.profile) });
    await until(() => ann.session.connection.state.value.stopReason === 'replaced', 'takeover');
    expect(sees(ann, boKey)).toBe(false);
    await until(() => sees(elsewhere, boKey), 'Bo online for the restored backup');
    bo.session.chats.send(annKey, 'to the other device');
    await until(() => texts(elsewhere, boKey).includes('to the other device'), 'message to the backup');
    ann.session.chats.send(boKey, 'written while replaced');
    await elsewhere.session.dispose();

    ann.session.connection.retryNow(); // "Use here"
    await online(ann);
    const delivered = await until(
      () => statusOf(ann, boKey, 'written while replaced') === 'delivered',
      'the pending message delivered',
      10_000, // without the fix: about 31 s (two ack timeouts, then a re-key)
    );
    bo.session.chats.send(annKey, 'are you back');
    await until(() => texts(ann, boKey).includes('are you back'), 'a message from Bo', 5_000);
    const seen = await until(() => sees(ann, boKey), 'Bo online once his message arrived', 1_000);
    expect(texts(bo, annKey).filter((text) => text === 'written while replaced')).toHaveLength(1);
    console.info(
      `after "Use here": pending message delivered in ${delivered} ms; Bo online ${seen} ms after his message`,
    );
  });

  test('a page that goes away says goodbye: the contact shows it offline at once', async () => {
    const [ann, bo] = await friends();
    const boKey = bo.session.me.key;
    bo.page.dispatchEvent(new Event('pagehide'));
    expect(bo.session.connection.state.value.status).toBe('idle');
    const offline = await until(() => !sees(ann, boKey), 'Bo offline at Ann', 2_000);
    console.info(`Bo offline at Ann ${offline} ms after his page went away`);
    // The browser kept the page and shows it again: it reconnects and is online for Ann again.
    bo.page.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    await until(() => sees(ann, boKey), 'Bo online again at Ann');
  });

  test('locking says goodbye: the contact shows it offline at once', async () => {
    const [ann, bo] = await friends();
    await bo.session.dispose();
    await until(() => !sees(ann, bo.session.me.key), 'Bo offline at Ann', 2_000);
  });
});
