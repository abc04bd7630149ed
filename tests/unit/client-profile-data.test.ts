import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  type ProfileData,
  parseProfile,
  profileFromBytes,
  profileToBytes,
} from '../../client/state/profile-data.ts';
import { toHex, utf8 } from '../../crypto/bytes.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import { testIdentity } from '../support/identities.ts';

async function profile(): Promise<ProfileData> {
  const [me, them] = await Promise.all([testIdentity('me'), testIdentity('them')]);
  return {
    version: 1,
    seed: toHex(me.seed),
    displayName: 'Zoë',
    createdAt: 1_700_000_000_000,
    contacts: [
      {
        key: toHex(them.publicKey),
        name: 'Them',
        state: 'accepted',
        requestId: 'ab'.repeat(16),
        verified: true,
        addedAt: 1_700_000_000_001,
        disappearSeconds: 3600,
        timerSetAt: 1_700_000_000_002,
        keyChange: { previousKey: toHex(me.publicKey), at: 5 },
      },
    ],
  };
}

describe('profile data (the vault plaintext)', () => {
  test('round-trips through bytes', async () => {
    const data = await profile();
    expect(profileFromBytes(profileToBytes(data))).toEqual(data);
  });

  test('a blocked contact keeps its mark through bytes; an unblocked one has no field at all', async () => {
    const data = await profile();
    const contact = data.contacts[0]!;
    const blocked: ProfileData = { ...data, contacts: [{ ...contact, blocked: true }] };
    expect(profileFromBytes(profileToBytes(blocked)).contacts[0]!.blocked).toBe(true);
    expect('blocked' in profileFromBytes(profileToBytes(data)).contacts[0]!).toBe(false);
  });

  test('history is not part of it', async () => {
    expect(Object.keys(await profile()).sort()).toEqual([
      'contacts',
      'createdAt',
      'displayName',
      'seed',
      'version',
    ]);
  });

  test('refuses malformed fields with ProtocolError', async () => {
    const data = await profile();
    const contact = data.contacts[0]!;
    const broken: unknown[] = [
      { ...data, version: 2 },
      { ...data, seed: 'zz' },
      { ...data, displayName: '' },
      { ...data, displayName: 'a\u202eb' },
      { ...data, contacts: [{ ...contact, key: '00'.repeat(32) }] },
      { ...data, contacts: [{ ...contact, state: 'declined' }] },
      { ...data, contacts: [{ ...contact, disappearSeconds: -1 }] },
      { ...data, contacts: [{ ...contact, verified: 'yes' }] },
      { ...data, contacts: [contact, contact] },
      { ...data, contacts: [{ ...contact, keyChange: { previousKey: 'x', at: 1 } }] },
      { ...data, contacts: [{ ...contact, blocked: false }] },
      { ...data, contacts: [{ ...contact, blocked: 'yes' }] },
    ];
    for (const value of broken) {
      try {
        parseProfile(value);
        expect.unreachable(JSON.stringify(value).slice(0, 80));
      } catch (error) {
        expect(isProtocolError(error)).toBe(true);
      }
    }
  });

  test('arbitrary bytes are a profile or a ProtocolError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array(),
          fc.json().map((t) => utf8(t)),
        ),
        (bytes) => {
          try {
            profileFromBytes(bytes);
          } catch (error) {
            expect(isProtocolError(error)).toBe(true);
          }
        },
      ),
    );
  });
});
