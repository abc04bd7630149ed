import { describe, expect, test } from 'vitest';
import type { OutboxStorage } from '../../client/core/outbox-store.ts';
import { createVaultStore, type KeyValue, OUTBOX_RECORD_KEY } from '../../client/services/storage.ts';
import { SCRYPT_BOUNDS } from '../../client/services/vault.ts';
import {
  createApp,
  displayNameProblem,
  passphraseProblem,
  type SaveProfile,
  type SessionFactory,
} from '../../client/state/app.ts';
import { fromUtf8, utf8 } from '../../crypto/bytes.ts';
import { ProtocolError } from '../../crypto/errors.ts';
import { testRandom } from '../support/identities.ts';

interface FakeSession {
  plaintext: string;
  save: SaveProfile;
  outbox: OutboxStorage;
  /** Written to the outbox while the session is disposed (its last change). */
  lastOutbox?: string;
  disposed: boolean;
  dispose(): Promise<void>;
  rotateIdentity(): Promise<Uint8Array>;
}

function memoryKeyValue(): KeyValue & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  return {
    map,
    get: async (k) => structuredClone(map.get(k)),
    set: async (k, v) => void map.set(k, structuredClone(v)),
    del: async (k) => void map.delete(k),
    clear: async () => map.clear(),
  };
}

function setup(kv = memoryKeyValue()) {
  const sessions: FakeSession[] = [];
  const start = (plaintext: string, save: SaveProfile, outbox?: OutboxStorage): FakeSession => {
    if (!outbox) throw new Error('the app passes the sealed outbox');
    const session: FakeSession = {
      plaintext,
      save,
      outbox,
      disposed: false,
      async dispose() {
        session.disposed = true;
        if (session.lastOutbox) await outbox.save(utf8(session.lastOutbox));
      },
      async rotateIdentity() {
        const next = `${plaintext} (rotated)`;
        await save(utf8(next));
        return utf8(next);
      },
    };
    sessions.push(session);
    return session;
  };
  const factory: SessionFactory<FakeSession> = {
    displayNameProblem: (name) => (name.includes('!') ? 'no bangs' : undefined),
    async create(name, save, outbox) {
      await save(utf8(`profile of ${name}`));
      return start(`profile of ${name}`, save, outbox);
    },
    async open(plaintext, save, outbox) {
      const text = fromUtf8(plaintext);
      if (!text.startsWith('profile of')) throw new ProtocolError('bad-encoding', 'profile');
      return start(text, save, outbox);
    },
  };
  const app = createApp<FakeSession>({
    store: createVaultStore(kv),
    subtle: globalThis.crypto.subtle,
    random: testRandom('app'),
    loadSessions: async () => factory,
    scrypt: { N: 2 ** SCRYPT_BOUNDS.minLogN, r: 8, p: 1 },
  });
  return { app, sessions, kv };
}

describe('app lifecycle', () => {
  test('no stored identity: welcome; create stores a sealed profile and unlocks', async () => {
    const { app, sessions, kv } = setup();
    await app.init();
    expect(app.phase.value).toBe('welcome');
    await app.create('  Zoë ', 'long enough passphrase');
    expect(app.error.value).toBeNull();
    expect(app.phase.value).toBe('unlocked');
    expect(sessions[0]!.plaintext).toBe('profile of Zoë');
    const stored = JSON.stringify(kv.map.get('vault-v1'));
    expect(stored).not.toContain('Zoë');
    expect(stored).toContain('"name":"scrypt"');
  });

  test('lock disposes the session; a wrong passphrase says so; the right one unlocks the same profile', async () => {
    const { app, sessions } = setup();
    await app.init();
    await app.create('Zoë', 'long enough passphrase');
    await app.lock();
    expect(sessions[0]!.disposed).toBe(true);
    expect(app.session.value).toBeNull();
    expect(app.phase.value).toBe('locked');
    await expect(sessions[0]!.save(utf8('late write'))).rejects.toThrow('locked');
    await app.unlock('wrong passphrase');
    expect(app.phase.value).toBe('locked');
    expect(app.error.value).toBe('Wrong passphrase. Check it and try again.');
    await app.unlock('long enough passphrase');
    expect(app.phase.value).toBe('unlocked');
    expect(app.error.value).toBeNull();
    expect(sessions[1]!.plaintext).toBe('profile of Zoë');
  });

  test('a stored identity starts locked; saves while unlocked are what the next unlock reads', async () => {
    const first = setup();
    await first.app.init();
    await first.app.create('Zoë', 'long enough passphrase');
    await first.sessions[0]!.save(utf8('profile of Zoë, edited'));
    const second = setup(first.kv);
    await second.app.init();
    expect(second.app.phase.value).toBe('locked');
    await second.app.unlock('long enough passphrase');
    expect(second.sessions[0]!.plaintext).toBe('profile of Zoë, edited');
  });

  test('change passphrase: a wrong current one changes nothing; afterwards only the new one unlocks', async () => {
    const { app, sessions, kv } = setup();
    await app.init();
    await app.create('Zoë', 'long enough passphrase');
    const before = JSON.stringify(kv.map.get('vault-v1'));
    expect(await app.changePassphrase('not the passphrase', 'a brand new passphrase')).toBe(false);
    expect(app.error.value).toBe('The current passphrase is wrong. Check it and try again.');
    expect(JSON.stringify(kv.map.get('vault-v1'))).toBe(before);

    // A save racing the change is neither lost nor left sealed under the old key.
    const [changed] = await Promise.all([
      app.changePassphrase('long enough passphrase', 'a brand new passphrase'),
      sessions[0]!.save(utf8('profile of Zoë, saved during the change')),
    ]);
    expect(changed).toBe(true);
    expect(app.phase.value).toBe('unlocked');
    const after = kv.map.get('vault-v1') as { kdf: { salt: string } };
    expect(after.kdf.salt).not.toBe((JSON.parse(before) as { kdf: { salt: string } }).kdf.salt);
    await sessions[0]!.save(utf8('profile of Zoë, saved after the change'));

    // A backup exported now is the re-sealed record: it opens with the new passphrase only.
    const backup = await app.exportBackup();
    const target = setup();
    await target.app.init();
    await target.app.importBackup(backup, 'long enough passphrase');
    expect(target.app.error.value).toBe('Wrong passphrase. Check it and try again.');
    await target.app.importBackup(backup, 'a brand new passphrase');
    expect(target.sessions[0]!.plaintext).toBe('profile of Zoë, saved after the change');

    await app.lock();
    await app.unlock('long enough passphrase');
    expect(app.error.value).toBe('Wrong passphrase. Check it and try again.');
    await app.unlock('a brand new passphrase');
    expect(app.phase.value).toBe('unlocked');
    expect(sessions.at(-1)!.plaintext).toBe('profile of Zoë, saved after the change');
  });

  test('rotate identity: the new profile is stored first, then a new session starts from it', async () => {
    const { app, sessions } = setup();
    await app.init();
    await app.create('Zoë', 'long enough passphrase');
    await app.rotateIdentity();
    expect(app.error.value).toBeNull();
    expect(sessions[0]!.disposed).toBe(true);
    expect(app.session.value).toBe(sessions[1]);
    expect(sessions[1]!.plaintext).toBe('profile of Zoë (rotated)');
    await app.lock();
    await app.unlock('long enough passphrase');
    expect(sessions.at(-1)!.plaintext).toBe('profile of Zoë (rotated)');
  });

  test('outbox at rest: sealed under the vault key in its own record, read back by the next unlock', async () => {
    const { app, sessions, kv } = setup();
    await app.init();
    await app.create('Zoë', 'long enough passphrase');
    expect(await sessions[0]!.outbox.load()).toBeUndefined();
    await sessions[0]!.outbox.save(utf8('waiting: see you at noon'));
    const stored = JSON.stringify(kv.map.get(OUTBOX_RECORD_KEY));
    expect(stored).toContain('"name":"AES-256-GCM"');
    expect(stored).not.toContain('noon');
    // The session's last change, made while it is disposed at lock, is stored before the key is forgotten.
    sessions[0]!.lastOutbox = 'waiting: see you at noon, and bring the map';
    await app.lock();
    await expect(sessions[0]!.outbox.save(utf8('late'))).rejects.toThrow('locked');
    await expect(sessions[0]!.outbox.load()).rejects.toThrow('locked');
    await app.unlock('long enough passphrase');
    expect(fromUtf8((await sessions[1]!.outbox.load())!)).toBe('waiting: see you at noon, and bring the map');
    await sessions[1]!.outbox.save(null);
    expect(kv.map.has(OUTBOX_RECORD_KEY)).toBe(false);
  });

  test('outbox at rest: the vault record does not open as the outbox (own label); a damaged one is a typed error', async () => {
    const { app, sessions, kv } = setup();
    await app.init();
    await app.create('Zoë', 'long enough passphrase');
    kv.map.set(OUTBOX_RECORD_KEY, structuredClone(kv.map.get('vault-v1')));
    await expect(sessions[0]!.outbox.load()).rejects.toMatchObject({ code: 'decrypt-failed' });
    kv.map.set(OUTBOX_RECORD_KEY, { format: 'something else' });
    await expect(sessions[0]!.outbox.load()).rejects.toMatchObject({ code: 'bad-encoding' });
    // The profile is untouched: the next unlock opens it.
    await app.lock();
    await app.unlock('long enough passphrase');
    expect(app.phase.value).toBe('unlocked');
    expect(sessions[1]!.plaintext).toBe('profile of Zoë');
  });

  test('outbox at rest follows a passphrase change; deleting the identity removes it', async () => {
    const { app, sessions, kv } = setup();
    await app.init();
    await app.create('Zoë', 'long enough passphrase');
    await sessions[0]!.outbox.save(utf8('waiting'));
    expect(await app.changePassphrase('long enough passphrase', 'a brand new passphrase')).toBe(true);
    await app.lock();
    await app.unlock('a brand new passphrase');
    expect(fromUtf8((await sessions[1]!.outbox.load())!)).toBe('waiting');
    await app.deleteIdentity();
    expect(kv.map.size).toBe(0);
  });

  test('name and passphrase problems are reported before any key is derived', async () => {
    const { app, kv } = setup();
    await app.init();
    await app.create('bad!', 'long enough passphrase');
    expect(app.error.value).toBe('no bangs');
    expect(kv.map.size).toBe(0);
    expect(displayNameProblem('   ')).toMatch(/Choose a name/);
    expect(displayNameProblem('x'.repeat(65))).toMatch(/too long/);
    expect(passphraseProblem('short', 'short')).toMatch(/at least 8/);
    expect(passphraseProblem('long enough', 'long enougH')).toMatch(/not the same/);
    expect(passphraseProblem('long enough', 'long enough')).toBeUndefined();
  });

  test('export, then import elsewhere with the passphrase; a wrong passphrase or a non-backup is refused', async () => {
    const source = setup();
    await source.app.init();
    await source.app.create('Zoë', 'long enough passphrase');
    const backup = await source.app.exportBackup();

    const target = setup();
    await target.app.init();
    await target.app.importBackup(backup, 'not it at all');
    expect(target.app.error.value).toBe('Wrong passphrase. Check it and try again.');
    await target.app.importBackup('{"format":"something else"}', 'long enough passphrase');
    expect(target.app.error.value).toBe('This is not a Tincan backup, or it is damaged.');
    expect(target.kv.map.size).toBe(0);
    await target.app.importBackup(backup, 'long enough passphrase');
    expect(target.app.phase.value).toBe('unlocked');
    expect(target.sessions[0]!.plaintext).toBe('profile of Zoë');
    expect(target.kv.map.get('vault-v1')).toEqual(source.kv.map.get('vault-v1'));
  });

  test('delete identity wipes the store and disposes the session', async () => {
    const { app, sessions, kv } = setup();
    await app.init();
    await app.create('Zoë', 'long enough passphrase');
    await app.deleteIdentity();
    expect(sessions[0]!.disposed).toBe(true);
    expect(kv.map.size).toBe(0);
    expect(app.phase.value).toBe('welcome');
  });

  test('afterLock replaces the locked screen (the page reloads instead)', async () => {
    let reloaded = 0;
    const reloading = createApp<FakeSession>({
      store: createVaultStore(memoryKeyValue()),
      subtle: globalThis.crypto.subtle,
      random: testRandom('app2'),
      loadSessions: async () => ({
        displayNameProblem: () => undefined,
        create: async () => ({ dispose: async () => {} }) as FakeSession,
        open: async () => ({ dispose: async () => {} }) as FakeSession,
      }),
      scrypt: { N: 2 ** SCRYPT_BOUNDS.minLogN, r: 8, p: 1 },
      afterLock: () => {
        reloaded++;
      },
    });
    await reloading.init();
    await reloading.create('Zoë', 'long enough passphrase');
    await reloading.lock();
    expect(reloaded).toBe(1);
    expect(reloading.phase.value).toBe('locking');
  });
});
