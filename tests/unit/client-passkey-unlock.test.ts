/**
 * Passkey unlock in the app model, with a software authenticator in place of WebAuthn (its PRF is
 * HMAC-SHA-256 of a per-credential secret, as CTAP's hmac-secret): adding checks the passphrase first; the
 * passkey then unlocks the same profile without it; another credential, a changed record, a passphrase change
 * or an imported backup each leave only the passphrase, with a typed code.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, test } from 'vitest';
import { type PasskeyCredentials, PasskeyError } from '../../client/services/passkey.ts';
import { createVaultStore, type KeyValue, PASSKEY_RECORD_KEY } from '../../client/services/storage.ts';
import { SCRYPT_BOUNDS } from '../../client/services/vault.ts';
import { createApp, type SaveProfile, type SessionFactory } from '../../client/state/app.ts';
import { fromUtf8, toHex, utf8 } from '../../crypto/bytes.ts';
import { ProtocolError } from '../../crypto/errors.ts';
import { testRandom } from '../support/identities.ts';

const PASSPHRASE = 'long enough passphrase';

interface FakeSession {
  plaintext: string;
  save: SaveProfile;
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

/** What a platform authenticator does for PRF, in software: one secret per credential. */
function softwareAuthenticator(random = testRandom('authenticator')) {
  const secrets = new Map<string, Uint8Array>();
  const calls = { create: 0, evaluate: 0 };
  const passkeys: PasskeyCredentials = {
    mayHavePrf: async () => true,
    async create() {
      calls.create++;
      const id = random(32);
      secrets.set(toHex(id), random(32));
      return { credentialId: id, prf: undefined };
    },
    async evaluate(id, prfSalt) {
      calls.evaluate++;
      const secret = secrets.get(toHex(id));
      if (!secret) throw new PasskeyError('passkey-cancelled', 'no such credential');
      return hmac(sha256, secret, prfSalt);
    },
  };
  return { passkeys, secrets, calls };
}

function setup(
  options: {
    kv?: ReturnType<typeof memoryKeyValue>;
    authenticator?: ReturnType<typeof softwareAuthenticator>;
    passkeys?: PasskeyCredentials;
  } = {},
) {
  const kv = options.kv ?? memoryKeyValue();
  const authenticator = options.authenticator ?? softwareAuthenticator();
  const sessions: FakeSession[] = [];
  const start = (plaintext: string, save: SaveProfile): FakeSession => {
    const session = { plaintext, save, dispose: async () => {}, rotateIdentity: async () => utf8(plaintext) };
    sessions.push(session);
    return session;
  };
  const factory: SessionFactory<FakeSession> = {
    displayNameProblem: () => undefined,
    async create(name, save) {
      await save(utf8(`profile of ${name}`));
      return start(`profile of ${name}`, save);
    },
    async open(plaintext, save) {
      const text = fromUtf8(plaintext);
      if (!text.startsWith('profile of')) throw new ProtocolError('bad-encoding', 'profile');
      return start(text, save);
    },
  };
  const app = createApp<FakeSession>({
    store: createVaultStore(kv),
    subtle: globalThis.crypto.subtle,
    random: testRandom('passkey-app'),
    loadSessions: async () => factory,
    scrypt: { N: 2 ** SCRYPT_BOUNDS.minLogN, r: 8, p: 1 },
    passkeys: options.passkeys ?? authenticator.passkeys,
  });
  return { app, sessions, kv, authenticator };
}

async function withPasskey() {
  const world = setup();
  await world.app.init();
  await world.app.create('Zoë', PASSPHRASE);
  expect(await world.app.addPasskey(PASSPHRASE)).toBe(true);
  await world.app.lock();
  return world;
}

describe('passkey unlock', () => {
  test('adding a passkey asks for the passphrase first: a wrong one stores nothing and asks no authenticator', async () => {
    const { app, kv, authenticator } = setup();
    await app.init();
    await app.create('Zoë', PASSPHRASE);
    expect(app.passkey.value).toBe('none');
    expect(await app.addPasskey('not the passphrase')).toBe(false);
    expect(app.error.value).toBe('Wrong passphrase. Check it and try again.');
    expect(app.errorCode.value).toBe('decrypt-failed');
    expect(authenticator.calls.create).toBe(0);
    expect(kv.map.has(PASSKEY_RECORD_KEY)).toBe(false);
    expect(await app.addPasskey(PASSPHRASE)).toBe(true);
    expect(app.passkey.value).toBe('registered');
    expect(kv.map.get(PASSKEY_RECORD_KEY)).toBeInstanceOf(Uint8Array);
  });

  test('after lock, and after a reload, the passkey unlocks the same profile without the passphrase', async () => {
    const { app, sessions, kv, authenticator } = await withPasskey();
    expect(app.phase.value).toBe('locked');
    await app.unlockWithPasskey();
    expect(app.error.value).toBeNull();
    expect(app.phase.value).toBe('unlocked');
    expect(sessions.at(-1)!.plaintext).toBe('profile of Zoë');
    // The key it opened with seals the next save, which the passphrase still opens.
    await sessions.at(-1)!.save(utf8('profile of Zoë, saved after a passkey unlock'));
    await app.lock();
    await app.unlock(PASSPHRASE);
    expect(sessions.at(-1)!.plaintext).toBe('profile of Zoë, saved after a passkey unlock');

    const reloaded = setup({ kv, authenticator });
    await reloaded.app.init();
    expect(reloaded.app.passkey.value).toBe('registered');
    await reloaded.app.unlockWithPasskey();
    expect(reloaded.app.phase.value).toBe('unlocked');
    expect(reloaded.sessions[0]!.plaintext).toBe('profile of Zoë, saved after a passkey unlock');
  });

  test('another credential under the same id cannot unlock (passkey-wrong); the passphrase still does', async () => {
    const { app, sessions, authenticator } = await withPasskey();
    const [id] = [...authenticator.secrets.keys()];
    authenticator.secrets.set(id!, testRandom('another credential')(32));
    await app.unlockWithPasskey();
    expect(app.phase.value).toBe('locked');
    expect(app.errorCode.value).toBe('passkey-wrong');
    expect(app.error.value).toBe(
      'That passkey cannot unlock this identity. Use the passkey you added, or your passphrase.',
    );
    const opened = sessions.length;
    await app.unlock(PASSPHRASE);
    expect(app.phase.value).toBe('unlocked');
    expect(sessions.length).toBe(opened + 1);
  });

  test('a passkey record with a byte changed does not unlock, each with its code', async () => {
    const { app, kv } = await withPasskey();
    const record = kv.map.get(PASSKEY_RECORD_KEY) as Uint8Array;
    // 0x01 | id length | credential id (32) 3.. | PRF salt 35.. | vault salt 67.. | iv 83.. | sealed key 95..
    const cases: [number, string][] = [
      [0, 'bad-version'],
      [3, 'passkey-cancelled'], // the browser is asked for a credential it does not hold
      [40, 'passkey-wrong'],
      [70, 'passkey-stale'], // it names another vault key
      [85, 'passkey-wrong'],
      [100, 'passkey-wrong'],
      [record.length - 1, 'passkey-wrong'],
    ];
    for (const [at, code] of cases) {
      const tampered = record.slice();
      tampered[at]! ^= 0x01;
      kv.map.set(PASSKEY_RECORD_KEY, tampered);
      await app.unlockWithPasskey();
      expect(app.phase.value, `byte ${at}`).toBe('locked');
      expect(app.errorCode.value, `byte ${at}`).toBe(code);
    }
  });

  test('a cancelled prompt or a missing credential is passkey-cancelled; no PRF is passkey-not-supported', async () => {
    const { app, authenticator } = await withPasskey();
    authenticator.secrets.clear();
    await app.unlockWithPasskey();
    expect(app.errorCode.value).toBe('passkey-cancelled');
    expect(app.phase.value).toBe('locked');

    const noPrf: PasskeyCredentials = {
      mayHavePrf: async () => true,
      create: async () => {
        throw new PasskeyError('passkey-not-supported', 'no PRF');
      },
      evaluate: async () => {
        throw new PasskeyError('passkey-not-supported', 'no PRF');
      },
    };
    const other = setup({ passkeys: noPrf });
    await other.app.init();
    await other.app.create('Zoë', PASSPHRASE);
    expect(await other.app.addPasskey(PASSPHRASE)).toBe(false);
    expect(other.app.errorCode.value).toBe('passkey-not-supported');
    expect(other.app.error.value).toContain('lacks the WebAuthn PRF extension');
    expect(other.kv.map.has(PASSKEY_RECORD_KEY)).toBe(false);
  });

  test('a browser that says it has no PRF offers no passkey', async () => {
    const { app } = setup({
      passkeys: { ...softwareAuthenticator().passkeys, mayHavePrf: async () => false },
    });
    await app.init();
    expect(app.passkey.value).toBe('unsupported');
  });

  test('changing the passphrase removes the passkey; a record kept from before is passkey-stale', async () => {
    const { app, kv } = await withPasskey();
    const before = kv.map.get(PASSKEY_RECORD_KEY);
    await app.unlock(PASSPHRASE);
    expect(await app.changePassphrase(PASSPHRASE, 'a brand new passphrase')).toBe(true);
    expect(kv.map.has(PASSKEY_RECORD_KEY)).toBe(false);
    expect(app.passkey.value).toBe('none');
    await app.lock();
    kv.map.set(PASSKEY_RECORD_KEY, before);
    await app.unlockWithPasskey();
    expect(app.phase.value).toBe('locked');
    expect(app.errorCode.value).toBe('passkey-stale');
    await app.unlock('a brand new passphrase');
    expect(app.phase.value).toBe('unlocked');
  });

  test('importing a backup removes the passkey; removing it leaves only the passphrase', async () => {
    const { app, kv } = await withPasskey();
    const backup = await app.exportBackup();
    expect(backup).not.toContain('passkey');
    await app.importBackup(backup, PASSPHRASE);
    expect(app.phase.value).toBe('unlocked');
    expect(kv.map.has(PASSKEY_RECORD_KEY)).toBe(false);
    expect(app.passkey.value).toBe('none');

    expect(await app.addPasskey(PASSPHRASE)).toBe(true);
    await app.removePasskey();
    expect(kv.map.has(PASSKEY_RECORD_KEY)).toBe(false);
    expect(app.passkey.value).toBe('none');
  });
});
