/**
 * The browser's WebAuthn calls for passkey unlock: create a credential asking for the PRF extension, and
 * evaluate a credential's PRF at a salt. No server checks the assertion: what unlocks is the PRF output, which
 * only the authenticator holding the credential can compute (spec/storage.md, Passkey unlock).
 */
import type { RandomSource } from '../../crypto/bytes.ts';
import { PRF_OUTPUT_LENGTH } from '../../crypto/passkey-wrap.ts';

export const PASSKEY_ERROR_CODES = [
  /** No WebAuthn, no PRF extension in this browser, or a credential created without PRF. */
  'passkey-not-supported',
  /** The person dismissed the prompt, it timed out, or this device holds no matching passkey. */
  'passkey-cancelled',
  /** A credential answered, but it is not the one the vault's key was sealed for. */
  'passkey-wrong',
  /** The passkey record belongs to an earlier key of the vault (the passphrase changed, a backup came in). */
  'passkey-stale',
] as const;
export type PasskeyErrorCode = (typeof PASSKEY_ERROR_CODES)[number];

export class PasskeyError extends Error {
  readonly code: PasskeyErrorCode;
  constructor(code: PasskeyErrorCode, detail?: string) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'PasskeyError';
    this.code = code;
  }
}

export const isPasskeyError = (value: unknown, code?: PasskeyErrorCode): value is PasskeyError =>
  value instanceof PasskeyError && (code === undefined || value.code === code);

export interface CreatedPasskey {
  readonly credentialId: Uint8Array;
  /** The PRF output at the salt asked for, when the browser gives it at creation already. */
  readonly prf: Uint8Array | undefined;
}

/** What the app needs from WebAuthn; tests of the state model pass their own. */
export interface PasskeyCredentials {
  /** False when this browser certainly cannot (no WebAuthn, or it reports no PRF); true means "try it". */
  mayHavePrf(): Promise<boolean>;
  /** A new passkey for this site that supports PRF; throws PasskeyError. */
  create(prfSalt: Uint8Array, userId: Uint8Array): Promise<CreatedPasskey>;
  /** This credential's PRF output at `prfSalt` (32 bytes); throws PasskeyError. */
  evaluate(credentialId: Uint8Array, prfSalt: Uint8Array): Promise<Uint8Array>;
}

/** The user's verification (biometric or PIN) is required: the PRF is then the authenticator's UV secret. */
const USER_VERIFICATION = 'required';
const TIMEOUT_MS = 120_000;

interface PrfResults {
  prf?: { enabled?: boolean; results?: { first?: BufferSource } };
}

function failure(error: unknown): unknown {
  if (!(error instanceof DOMException)) return error;
  switch (error.name) {
    case 'NotAllowedError':
    case 'AbortError':
      return new PasskeyError('passkey-cancelled', error.message);
    case 'SecurityError':
    case 'NotSupportedError':
      return new PasskeyError('passkey-not-supported', error.message);
    default:
      return error;
  }
}

const bytesOf = (source: BufferSource): Uint8Array =>
  source instanceof ArrayBuffer
    ? new Uint8Array(source.slice(0))
    : new Uint8Array(source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength));

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

export function webPasskeys(
  scope: { readonly navigator: Navigator; readonly PublicKeyCredential?: typeof PublicKeyCredential },
  random: RandomSource,
): PasskeyCredentials {
  const credentials = scope.navigator.credentials;
  const available = () => typeof scope.PublicKeyCredential === 'function' && credentials !== undefined;
  const require = () => {
    if (!available()) throw new PasskeyError('passkey-not-supported', 'no WebAuthn');
  };
  return {
    async mayHavePrf() {
      if (!available()) return false;
      const capabilities = (
        scope.PublicKeyCredential as unknown as {
          getClientCapabilities?: () => Promise<Record<string, boolean>>;
        }
      ).getClientCapabilities;
      if (typeof capabilities !== 'function') return true;
      try {
        return (await capabilities.call(scope.PublicKeyCredential))['extension:prf'] !== false;
      } catch {
        return true;
      }
    },

    async create(prfSalt, userId) {
      require();
      let credential: Credential | null;
      try {
        credential = await credentials.create({
          publicKey: {
            // The site's own domain is the relying party; the names are what a password manager lists,
            // kept neutral so the list does not say whose identity this is.
            rp: { name: 'Tincan' },
            user: { id: userId.slice(), name: 'Tincan', displayName: 'Tincan' },
            challenge: random(32).slice(),
            pubKeyCredParams: [
              { type: 'public-key', alg: -7 },
              { type: 'public-key', alg: -257 },
            ],
            authenticatorSelection: { residentKey: 'preferred', userVerification: USER_VERIFICATION },
            timeout: TIMEOUT_MS,
            extensions: { prf: { eval: { first: prfSalt.slice() } } } as AuthenticationExtensionsClientInputs,
          },
        });
      } catch (error) {
        throw failure(error);
      }
      if (!(credential instanceof scope.PublicKeyCredential!)) throw new PasskeyError('passkey-cancelled');
      const results = credential.getClientExtensionResults() as PrfResults;
      if (results.prf?.enabled !== true)
        throw new PasskeyError('passkey-not-supported', 'the passkey has no PRF');
      const first = results.prf.results?.first;
      const prf = first ? bytesOf(first) : undefined;
      return {
        credentialId: new Uint8Array(credential.rawId.slice(0)),
        prf: prf?.length === PRF_OUTPUT_LENGTH ? prf : undefined,
      };
    },

    async evaluate(credentialId, prfSalt) {
      require();
      let credential: Credential | null;
      try {
        credential = await credentials.get({
          publicKey: {
            challenge: random(32).slice(),
            allowCredentials: [{ type: 'public-key', id: credentialId.slice() }],
            userVerification: USER_VERIFICATION,
            timeout: TIMEOUT_MS,
            extensions: { prf: { eval: { first: prfSalt.slice() } } } as AuthenticationExtensionsClientInputs,
          },
        });
      } catch (error) {
        throw failure(error);
      }
      if (!(credential instanceof scope.PublicKeyCredential!)) throw new PasskeyError('passkey-cancelled');
      const results = credential.getClientExtensionResults() as PrfResults;
      // A browser without PRF leaves the extension out altogether; one with it but a credential without
      // (another credential under the same id, say) answers with no result.
      if (!results.prf) throw new PasskeyError('passkey-not-supported', 'the browser has no PRF');
      const first = results.prf.results?.first;
      if (!sameBytes(new Uint8Array(credential.rawId), credentialId) || !first)
        throw new PasskeyError('passkey-wrong', 'no PRF output from this credential');
      const prf = bytesOf(first);
      if (prf.length !== PRF_OUTPUT_LENGTH) throw new PasskeyError('passkey-wrong', 'PRF output length');
      return prf;
    },
  };
}
