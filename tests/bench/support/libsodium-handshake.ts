/**
 * The libsodium-wrappers baseline of a full handshake, shared by the Node table and the Chromium page so both
 * measure the same work: 2 ephemeral key pairs, Ed25519 -> X25519 of the responder's key, 2 signs + 2 verifies,
 * 2 box + 2 box_open, 2 X25519 for the session secret, 4 SHA-512 nonces, and 2 session-key derivations
 * (SHA-256 transcript + HKDF-SHA-256, which the non-sumo build lacks: the caller brings them).
 */
import type sodiumModule from 'libsodium-wrappers';
import { concatBytes, equalBytes, type RandomSource } from '../../../crypto/bytes.ts';

type Sodium = typeof sodiumModule;

// Byte counts of what crypto/ signs, from the layouts in crypto/handshake.ts, so that libsodium signs exactly
// as many bytes. The Node suite's `checkSignedLengths` fails if the layouts change.
export const INIT_SIGNED_BYTES = 25 + 1 + 32 + 32 + 32 + 16 + 8;
export const ACCEPT_SIGNED_BYTES = 27 + 1 + 32 + 32 + 32 + 32 + 16 + 8;

/** 64 bytes of session keys from the X25519 secret and the transcript (SHA-256, then HKDF-SHA-256). */
export type SessionKeyDerivation = (shared: Uint8Array, transcript: Uint8Array) => Uint8Array;

export interface LibsodiumHandshakeSeeds {
  readonly initiator: Uint8Array;
  readonly responder: Uint8Array;
}

/** One call is one full handshake, both sides; it throws if a signature fails or the two sides' keys differ. */
export function libsodiumHandshake(
  sodium: Sodium,
  seeds: LibsodiumHandshakeSeeds,
  random: RandomSource,
  sessionKeys: SessionKeyDerivation,
): () => void {
  const initiator = sodium.crypto_sign_seed_keypair(seeds.initiator);
  const responder = sodium.crypto_sign_seed_keypair(seeds.responder);
  const responderBoxSecret = sodium.crypto_sign_ed25519_sk_to_curve25519(responder.privateKey);
  const initPrefix = random(INIT_SIGNED_BYTES - 32);
  const acceptPrefix = random(ACCEPT_SIGNED_BYTES - 64);
  const nonce = (a: Uint8Array, b: Uint8Array) => sodium.crypto_hash(concatBytes(a, b)).subarray(0, 24);
  return () => {
    // Initiator: INIT.
    const ei = sodium.crypto_box_keypair();
    const responderBox = sodium.crypto_sign_ed25519_pk_to_curve25519(responder.publicKey);
    const initSigned = concatBytes(initPrefix, ei.publicKey);
    const initSignature = sodium.crypto_sign_detached(initSigned, initiator.privateKey);
    const initNonce = nonce(ei.publicKey, responderBox);
    const initPlain = concatBytes(initiator.publicKey, initPrefix.subarray(0, 24), initSignature);
    const initBox = sodium.crypto_box_easy(initPlain, initNonce, responderBox, ei.privateKey);
    // Responder: open INIT, ACCEPT, keys.
    const opened = sodium.crypto_box_open_easy(
      initBox,
      nonce(ei.publicKey, responderBox),
      ei.publicKey,
      responderBoxSecret,
    );
    if (!sodium.crypto_sign_verify_detached(opened.subarray(56), initSigned, opened.subarray(0, 32))) {
      throw new Error('libsodium baseline: INIT signature');
    }
    const er = sodium.crypto_box_keypair();
    const acceptSigned = concatBytes(acceptPrefix, ei.publicKey, er.publicKey);
    const acceptSignature = sodium.crypto_sign_detached(acceptSigned, responder.privateKey);
    const acceptNonce = nonce(er.publicKey, ei.publicKey);
    const acceptBox = sodium.crypto_box_easy(
      concatBytes(responder.publicKey, acceptSignature),
      acceptNonce,
      ei.publicKey,
      er.privateKey,
    );
    const responderKeys = sessionKeys(sodium.crypto_scalarmult(er.privateKey, ei.publicKey), acceptSigned);
    // Initiator: open ACCEPT, keys.
    const accepted = sodium.crypto_box_open_easy(
      acceptBox,
      nonce(er.publicKey, ei.publicKey),
      er.publicKey,
      ei.privateKey,
    );
    if (!sodium.crypto_sign_verify_detached(accepted.subarray(32), acceptSigned, responder.publicKey)) {
      throw new Error('libsodium baseline: ACCEPT signature');
    }
    const initiatorKeys = sessionKeys(sodium.crypto_scalarmult(ei.privateKey, er.publicKey), acceptSigned);
    if (!equalBytes(initiatorKeys, responderKeys)) throw new Error('libsodium baseline: keys differ');
  };
}
