import { describe, expect, test } from 'vitest';
import { createVaultStore, type KeyValue, PASSKEY_RECORD_KEY } from '../../client/services/storage.ts';
import { newVaultKey, SCRYPT_BOUNDS, sealVault, type VaultRecord } from '../../client/services/vault.ts';
import { utf8 } from '../../crypto/bytes.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import type { PasskeyRecord } from '../../crypto/passkey-wrap.ts';
import { testRandom } from '../support/identities.ts';

/** A Map standing in for IndexedDB, with a controllable delay per write to expose ordering bugs. */
function fakeKeyValue(delays: number[] = []): KeyValue & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  const wait = () => new Promise((resolve) => setTimeout(resolve, delays.shift() ?? 0));
  return {
    map,
    get: async (key) => structuredClone(map.get(key)),
    set: async (key, value) => {
      await wait();
      map.set(key, structuredClone(value));
    },
    del: async (key) => {
      map.delete(key);
    },
    clear: async () => map.clear(),
  };
}

async function record(text: string): Promise<VaultRecord> {
  const platform = { subtle: globalThis.crypto.subtle, random: testRandom('storage') };
  const key = await newVaultKey('pass phrase', platform, { N: 2 ** SCRYPT_BOUNDS.minLogN, r: 8, p: 1 });
  return sealVault(key, utf8(text), platform);
}

describe('vault store', () => {
  test('nothing stored loads as undefined; a save loads back equal', async () => {
    const store = createVaultStore(fakeKeyValue());
    expect(await store.load()).toBeUndefined();
    const sealed = await record('a');
    await store.save(sealed);
    expect(await store.load()).toEqual(sealed);
  });

  test('overlapping saves land in call order: the last one wins', async () => {
    const kv = fakeKeyValue([30, 0]);
    const store = createVaultStore(kv);
    const [first, second] = [await record('first'), await record('second')];
    await Promise.all([store.save(first), store.save(second)]);
    expect(await store.load()).toEqual(second);
  });

  test('wipe removes everything', async () => {
    const kv = fakeKeyValue();
    const store = createVaultStore(kv);
    await store.save(await record('a'));
    kv.map.set('other', 1);
    await store.wipe();
    expect(kv.map.size).toBe(0);
    expect(await store.load()).toBeUndefined();
  });

  test('a damaged stored record is refused when loaded, not passed on', async () => {
    const kv = fakeKeyValue();
    kv.map.set('vault-v1', { format: 'tincan-vault', version: 1, kdf: { name: 'scrypt' } });
    await expect(createVaultStore(kv).load()).rejects.toThrow(/vault: unknown cipher/);
  });

  test('the passkey record is stored as its bytes, loads back equal, and goes on save(undefined) and wipe', async () => {
    const kv = fakeKeyValue();
    const store = createVaultStore(kv);
    expect(await store.passkey.load()).toBeUndefined();
    const random = testRandom('passkey record');
    const passkey: PasskeyRecord = {
      credentialId: random(20),
      prfSalt: random(32),
      vaultSalt: random(16),
      iv: random(12),
      wrapped: random(48),
    };
    await store.passkey.save(passkey);
    expect(kv.map.get(PASSKEY_RECORD_KEY)).toBeInstanceOf(Uint8Array);
    expect(await store.passkey.load()).toEqual(passkey);
    await store.passkey.save(undefined);
    expect(kv.map.has(PASSKEY_RECORD_KEY)).toBe(false);
    await store.passkey.save(passkey);
    await store.wipe();
    expect(await store.passkey.load()).toBeUndefined();

    kv.map.set(PASSKEY_RECORD_KEY, { credentialId: 'not bytes' });
    await expect(store.passkey.load()).rejects.toSatisfy((e) => isProtocolError(e, 'bad-encoding'));
  });
});
