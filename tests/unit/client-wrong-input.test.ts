/** Wrong types, lengths and empty input to the client services' public functions (house style). */
import { describe, expect, test } from 'vitest';
import { webRandom } from '../../client/services/random.ts';
import { createRelayConnection } from '../../client/services/relay-connection.ts';
import { createVaultStore } from '../../client/services/storage.ts';
import {
  deriveVaultKey,
  fromBase64,
  parseVaultRecord,
  sealVault,
  type VaultKey,
  vaultFromText,
} from '../../client/services/vault.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { testIdentity, testRandom } from '../support/identities.ts';

const platform = { subtle: globalThis.crypto.subtle, random: testRandom('wrong-input') };
const cheap = { N: 2 ** 14, r: 8, p: 1 };

describe('client services refuse wrong input', () => {
  test('deriveVaultKey: passphrase must be a string, salt 16 bytes', async () => {
    await expect(deriveVaultKey(42 as never, cheap, new Uint8Array(16), platform)).rejects.toThrow(TypeError);
    await expect(deriveVaultKey('x', cheap, new Uint8Array(15), platform)).rejects.toThrow(RangeError);
    await expect(deriveVaultKey('x', cheap, new Uint8Array(17), platform)).rejects.toThrow(RangeError);
    await expect(deriveVaultKey('x', cheap, 'salt' as never, platform)).rejects.toThrow(TypeError);
  });

  test('sealVault: plaintext must be bytes; the random source must give 12 bytes', async () => {
    const key = await deriveVaultKey('x', cheap, new Uint8Array(16), platform);
    await expect(sealVault(key, 'text' as never, platform)).rejects.toThrow(TypeError);
    await expect(
      sealVault(key, new Uint8Array(1), { ...platform, random: () => new Uint8Array(11) }),
    ).rejects.toThrow(RangeError);
    await expect(sealVault({} as VaultKey, new Uint8Array(1), platform)).rejects.toThrow();
  });

  test('vault records: non-strings, empty and oversized text, non-objects', () => {
    expect(() => vaultFromText(undefined as never)).toThrow(TypeError);
    for (const text of ['', 'null', '[]', '"x"', 'x'.repeat(4 * 1024 * 1024 + 1)]) {
      try {
        vaultFromText(text);
        expect.unreachable();
      } catch (error) {
        expect(isProtocolError(error)).toBe(true);
      }
    }
    for (const value of [null, undefined, 1, 'x', [], {}]) {
      expect(() => parseVaultRecord(value)).toThrow(/vault|not an object/);
    }
    expect(() => fromBase64('abc', 'x')).toThrow(/base64/);
    expect(() => fromBase64(1 as never, 'x')).toThrow(/base64/);
  });

  test('webRandom: lengths must be non-negative integers; large lengths are filled in chunks', () => {
    const random = webRandom();
    expect(() => random(-1)).toThrow(RangeError);
    expect(() => random(1.5)).toThrow(RangeError);
    expect(random(0)).toEqual(new Uint8Array(0));
    const big = random(200_000);
    expect(big.length).toBe(200_000);
    expect(big.subarray(150_000).some((b) => b !== 0)).toBe(true);
  });

  test('createRelayConnection: the URL must be ws: or wss:', async () => {
    const identity = await testIdentity('wrong-input');
    for (const url of ['http://127.0.0.1/relay', 'not a url', '']) {
      expect(() => createRelayConnection({ url, identity, onEnvelope: () => {} })).toThrow();
    }
  });

  test('the vault store refuses to return a stored value that is not a record', async () => {
    const store = createVaultStore({
      get: async () => 'garbage',
      set: async () => {},
      del: async () => {},
      clear: async () => {},
    });
    await expect(store.load()).rejects.toThrow(/not an object/);
  });
});
