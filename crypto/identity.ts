/**
 * A Tincan identity: one Ed25519 key pair. The 32-byte public key is the user's address. The same key,
 * mapped to Curve25519 (as libsodium's crypto_sign_ed25519_*_to_curve25519), lets a peer box the first
 * handshake message to an identity without any extra published key.
 */
import * as noble from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import nacl from 'tweetnacl';
import { assertBytes, type RandomSource } from './bytes.ts';
import { type Ed25519Backend, type Ed25519Signer, isIdentityKey, SEED_LENGTH } from './ed25519.ts';
import { ProtocolError } from './errors.ts';
import { tweetnaclX25519, type X25519Backend } from './x25519.ts';

export interface Identity {
  /** Ed25519 public key: the address. */
  readonly publicKey: Uint8Array;
  /** 32-byte secret seed (RFC 8032 private key). Kept so the identity can be stored and exported. */
  readonly seed: Uint8Array;
  readonly signer: Ed25519Signer;
  /** X25519 key pair derived from the same seed, for the boxed handshake opening message. */
  readonly box: { readonly publicKey: Uint8Array; readonly secretKey: Uint8Array };
  /** The X25519 implementation this identity's handshakes run on (native where the platform has one). */
  readonly x25519: X25519Backend;
}

export async function identityFromSeed(
  backend: Ed25519Backend,
  seed: Uint8Array,
  x25519: X25519Backend = tweetnaclX25519,
): Promise<Identity> {
  assertBytes(seed, 'seed', SEED_LENGTH);
  const signer = await backend.importSigner(seed);
  const boxSecretKey = ed25519SeedToX25519(seed);
  return {
    publicKey: signer.publicKey,
    seed: seed.slice(),
    signer,
    box: { publicKey: nacl.scalarMult.base(boxSecretKey), secretKey: boxSecretKey },
    x25519,
  };
}

export async function createIdentity(
  backend: Ed25519Backend,
  random: RandomSource,
  x25519: X25519Backend = tweetnaclX25519,
): Promise<Identity> {
  const seed = random(SEED_LENGTH);
  assertBytes(seed, 'random(32)', SEED_LENGTH);
  return identityFromSeed(backend, seed, x25519);
}

/** Clamped first half of SHA-512(seed): the scalar Ed25519 itself signs with. */
export function ed25519SeedToX25519(seed: Uint8Array): Uint8Array {
  assertBytes(seed, 'seed', SEED_LENGTH);
  const scalar = sha512(seed).slice(0, 32);
  scalar[0]! &= 248;
  scalar[31]! &= 127;
  scalar[31]! |= 64;
  return scalar;
}

const P = 2n ** 255n - 19n;

/**
 * Montgomery u = (1 + y) / (1 - y) of an Edwards point. Rejects keys that are not acceptable identities
 * (non-canonical or small order), so a hostile contact code cannot force a weak shared secret.
 */
export function ed25519PublicToX25519(publicKey: Uint8Array): Uint8Array {
  assertBytes(publicKey, 'publicKey', 32);
  if (!isIdentityKey(publicKey)) throw new ProtocolError('bad-key', 'not a usable Ed25519 public key');
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? publicKey[i]! & 0x7f : publicKey[i]!);
  // y = 1 is the identity point, refused above: 1 - y is never zero. Extended Euclid, not Fermat's p - 2 power:
  // the inversion is of a public value, and a power by p - 2 costs 250 squarings in bigints.
  const u = noble.etc.mod((1n + y) * noble.etc.invert(P + 1n - y, P), P);
  const out = new Uint8Array(32);
  let value = u;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}
