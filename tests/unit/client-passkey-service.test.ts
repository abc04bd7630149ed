/**
 * The WebAuthn service (client/services/passkey.ts) over a scripted navigator.credentials: what the browser
 * answers becomes a PRF output or a PasskeyError with its code, never a guess.
 */
import { describe, expect, it } from 'vitest';
import { isPasskeyError, type PasskeyErrorCode, webPasskeys } from '../../client/services/passkey.ts';
import { testRandom } from '../support/identities.ts';

class FakeCredential {
  constructor(
    readonly rawId: ArrayBuffer,
    private readonly extensions: Record<string, unknown>,
  ) {}
  getClientExtensionResults() {
    return this.extensions;
  }
}

const id = Uint8Array.of(1, 2, 3, 4);
const prf = new Uint8Array(32).fill(7);
const salt = new Uint8Array(32).fill(9);

function service(
  answer: () => Promise<unknown>,
  options: { capabilities?: Record<string, boolean>; withWebAuthn?: boolean } = {},
) {
  const asked: CredentialCreationOptions[] = [];
  // Its own constructor per test (for getClientCapabilities), with FakeCredential's prototype (for instanceof).
  const PublicKeyCredential = Object.assign(function PublicKeyCredential() {}, {
    prototype: FakeCredential.prototype,
    ...(options.capabilities ? { getClientCapabilities: async () => options.capabilities } : {}),
  });
  const navigator = {
    credentials: {
      create: (request: CredentialCreationOptions) => {
        asked.push(request);
        return answer();
      },
      get: (request: CredentialRequestOptions) => {
        asked.push(request as CredentialCreationOptions);
        return answer();
      },
    },
  } as unknown as Navigator;
  const scope =
    options.withWebAuthn === false
      ? { navigator }
      : {
          navigator,
          PublicKeyCredential: PublicKeyCredential as unknown as typeof globalThis.PublicKeyCredential,
        };
  return { passkeys: webPasskeys(scope, testRandom('webauthn')), asked };
}

async function codeOf(work: Promise<unknown>): Promise<PasskeyErrorCode | string> {
  try {
    await work;
    return 'resolved';
  } catch (error) {
    return isPasskeyError(error) ? error.code : String(error);
  }
}

const credential = (extensions: Record<string, unknown>, rawId = id) =>
  Promise.resolve(new FakeCredential(rawId.slice().buffer, extensions));

describe('webPasskeys', () => {
  it('create: PRF enabled gives the credential and its PRF output; PRF off is passkey-not-supported', async () => {
    const on = service(() => credential({ prf: { enabled: true, results: { first: prf.slice().buffer } } }));
    const created = await on.passkeys.create(salt, new Uint8Array(16));
    expect([...created.credentialId]).toEqual([...id]);
    expect([...created.prf!]).toEqual([...prf]);
    const publicKey = on.asked[0]!.publicKey!;
    expect(publicKey.authenticatorSelection?.userVerification).toBe('required');
    expect(publicKey.rp.id).toBeUndefined();
    expect(publicKey.user.name).toBe('Tincan');

    const later = service(() => credential({ prf: { enabled: true } }));
    expect((await later.passkeys.create(salt, new Uint8Array(16))).prf).toBeUndefined();
    expect(
      await codeOf(service(() => credential({ prf: { enabled: false } })).passkeys.create(salt, id)),
    ).toBe('passkey-not-supported');
    expect(await codeOf(service(() => credential({})).passkeys.create(salt, id))).toBe(
      'passkey-not-supported',
    );
  });

  it('evaluate: the PRF output of the credential asked for; anything else is typed', async () => {
    const good = service(() => credential({ prf: { results: { first: prf.slice() } } }));
    expect([...(await good.passkeys.evaluate(id, salt))]).toEqual([...prf]);
    const request = (good.asked[0] as CredentialRequestOptions).publicKey!;
    expect(request.allowCredentials?.length).toBe(1);
    expect(request.userVerification).toBe('required');

    const cases: [() => Promise<unknown>, string][] = [
      [() => credential({}), 'passkey-not-supported'],
      [() => credential({ prf: {} }), 'passkey-wrong'],
      [() => credential({ prf: { results: { first: prf.slice() } } }, Uint8Array.of(9)), 'passkey-wrong'],
      [() => credential({ prf: { results: { first: new Uint8Array(16) } } }), 'passkey-wrong'],
      [() => Promise.reject(new DOMException('no', 'NotAllowedError')), 'passkey-cancelled'],
      [() => Promise.reject(new DOMException('no', 'AbortError')), 'passkey-cancelled'],
      [() => Promise.reject(new DOMException('bad rp', 'SecurityError')), 'passkey-not-supported'],
      [() => Promise.resolve(null), 'passkey-cancelled'],
    ];
    for (const [answer, code] of cases)
      expect(await codeOf(service(answer).passkeys.evaluate(id, salt))).toBe(code);
  });

  it('no WebAuthn, or a browser that reports no PRF: not offered, and not tried', async () => {
    const none = service(() => credential({}), { withWebAuthn: false });
    expect(await none.passkeys.mayHavePrf()).toBe(false);
    expect(await codeOf(none.passkeys.evaluate(id, salt))).toBe('passkey-not-supported');
    expect(none.asked).toEqual([]);
    const noPrf = service(() => credential({}), { capabilities: { 'extension:prf': false } });
    expect(await noPrf.passkeys.mayHavePrf()).toBe(false);
    // Without getClientCapabilities, or when it says nothing of PRF, the only way to know is to try.
    expect(await service(() => credential({})).passkeys.mayHavePrf()).toBe(true);
    expect(await service(() => credential({}), { capabilities: {} }).passkeys.mayHavePrf()).toBe(true);
  });
});
