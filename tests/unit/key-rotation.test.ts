import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../crypto/bytes.ts';
import { nobleEd25519 } from '../../crypto/ed25519.ts';
import {
  createKeyRotation,
  KEY_ROTATION_LENGTH,
  keyRotationFromBytes,
  keyRotationToBytes,
  openKeyRotation,
  verifyKeyRotation,
} from '../../crypto/key-rotation.ts';
import { testIdentity } from '../support/identities.ts';
import { expectProtocolError, expectProtocolErrorAsync } from '../support/protocol-errors.ts';

const T = 1_795_000_000_000;

describe('key rotation', () => {
  it('round-trips, verifies, and names both keys', async () => {
    const [old, next] = await Promise.all([testIdentity('rotation-old'), testIdentity('rotation-new')]);
    const rotation = await createKeyRotation(old, next, T);
    const bytes = keyRotationToBytes(rotation);
    expect(bytes.length).toBe(KEY_ROTATION_LENGTH);
    expect(KEY_ROTATION_LENGTH).toBe(201);
    const opened = await openKeyRotation(nobleEd25519, bytes);
    expect(toHex(opened.oldKey)).toBe(toHex(old.publicKey));
    expect(toHex(opened.newKey)).toBe(toHex(next.publicKey));
    expect(opened.issuedAt).toBe(T);
  });

  it('every single bit flip is refused', async () => {
    const [old, next] = await Promise.all([testIdentity('rotation-old'), testIdentity('rotation-new')]);
    const bytes = keyRotationToBytes(await createKeyRotation(old, next, T));
    for (let bit = 0; bit < bytes.length * 8; bit += 7) {
      const flipped = bytes.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      await expect(openKeyRotation(nobleEd25519, flipped), `bit ${bit}`).rejects.toThrow();
    }
  });

  it('refuses a statement signed by a third key in either slot', async () => {
    const [old, next, mallory] = await Promise.all([
      testIdentity('rotation-old'),
      testIdentity('rotation-new'),
      testIdentity('rotation-mallory'),
    ]);
    const honest = await createKeyRotation(old, next, T);
    const forgedOld = await createKeyRotation(mallory, next, T);
    await expectProtocolErrorAsync(
      () => verifyKeyRotation(nobleEd25519, { ...honest, oldSignature: forgedOld.oldSignature }),
      'bad-signature',
    );
    const forgedNew = await createKeyRotation(old, mallory, T);
    await expectProtocolErrorAsync(
      () => verifyKeyRotation(nobleEd25519, { ...honest, newSignature: forgedNew.newSignature }),
      'bad-signature',
    );
  });

  it('wrong input: types and lengths', async () => {
    const old = await testIdentity('rotation-old');
    await expect(createKeyRotation(old, old, T)).rejects.toThrow(RangeError);
    const next = await testIdentity('rotation-new');
    await expect(createKeyRotation(old, next, -1)).rejects.toThrow(RangeError);
    await expect(createKeyRotation(old, next, 1.5)).rejects.toThrow(RangeError);
    expect(() => keyRotationFromBytes('x' as unknown as Uint8Array)).toThrow(TypeError);
    expectProtocolError(() => keyRotationFromBytes(new Uint8Array(0)), 'bad-length');
    expectProtocolError(() => keyRotationFromBytes(new Uint8Array(KEY_ROTATION_LENGTH)), 'bad-version');
    const rotation = await createKeyRotation(old, next, T);
    expect(() => keyRotationToBytes({ ...rotation, oldSignature: new Uint8Array(63) })).toThrow(RangeError);
  });

  it('random bytes never crash the decoder: a ProtocolError or a statement', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 260 }), (bytes) => {
        try {
          keyRotationFromBytes(bytes);
        } catch (error) {
          expect((error as { code?: string }).code).toMatch(/^bad-/);
        }
      }),
    );
  });
});
