/**
 * The short authentication string (SAS) of a call: four words both people read aloud. Equal words mean both
 * pages hold the same two identity keys and the same two DTLS certificates, so nobody sits in the middle of
 * this call, and the contact can be marked verified.
 *
 * Hash commitment (as ZRTP, RFC 6189 section 4.4.1.1), so that a man in the middle cannot search for
 * certificates whose words collide: the caller's ringing offer carries commit = H(label | call id | nonceA);
 * the callee's answer carries nonceB in the clear; only after the answer has arrived does the caller reveal
 * nonceA (control action sas-reveal), which the callee checks against the commitment. Each side's words then
 * depend on a 32-byte secret value the other side (or anyone between them) had to fix before seeing it.
 *
 *   commitment = SHA-256("tincan-sas-commit-v1" 0x00 | call id 16 | nonceA 32)
 *   ikm        = u16-length-prefixed( call id, caller key 32, caller fingerprint bytes, nonceA,
 *                                     callee key 32, callee fingerprint bytes, nonceB )
 *   okm        = HKDF-SHA-256(salt = "tincan-sas-v1", ikm, info = "words", L = 4)
 *   words      = SAS_WORDS[okm[0]], SAS_WORDS[okm[1]], SAS_WORDS[okm[2]], SAS_WORDS[okm[3]]   (32 bits)
 *
 * Canonical order: by role (caller first), which both sides know; the fingerprints are the byte form of
 * crypto/dtls-fingerprint.ts (hash code, digest).
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, concatBytes, equalBytes, lengthPrefixed, utf8 } from './bytes.ts';
import { type DtlsFingerprint, fingerprintBytes } from './dtls-fingerprint.ts';
import { PUBLIC_KEY_LENGTH } from './ed25519.ts';
import { ProtocolError } from './errors.ts';

export const SAS_NONCE_BYTES = 32;
export const SAS_COMMITMENT_BYTES = 32;
export const SAS_WORD_COUNT = 4;
const CALL_ID_BYTES = 16;
const COMMIT_LABEL = utf8('tincan-sas-commit-v1\0');
const SALT = utf8('tincan-sas-v1');
const INFO = utf8('words');

/**
 * 256 short, concrete English words: all distinct, lower-case a-z, 4..8 letters, and every two of them at
 * least two edits apart (no rhyming pairs such as pocket/rocket), so that a word misheard is not another word.
 */
export const SAS_WORDS: readonly string[] = Object.freeze([
  'acorn',
  'almond',
  'anchor',
  'anvil',
  'apple',
  'apricot',
  'arrow',
  'autumn',
  'badger',
  'bagel',
  'bamboo',
  'banana',
  'banjo',
  'barrel',
  'basket',
  'beach',
  'beaver',
  'beetle',
  'bell',
  'birch',
  'bison',
  'blanket',
  'blossom',
  'bottle',
  'bridge',
  'bronze',
  'bucket',
  'buffalo',
  'butter',
  'button',
  'cabbage',
  'cabin',
  'cactus',
  'camel',
  'camera',
  'candle',
  'canoe',
  'canvas',
  'canyon',
  'carpet',
  'carrot',
  'castle',
  'cedar',
  'celery',
  'chair',
  'cheese',
  'cherry',
  'chimney',
  'circus',
  'clock',
  'cloud',
  'clover',
  'cobra',
  'cocoa',
  'coffee',
  'comet',
  'compass',
  'cookie',
  'copper',
  'coral',
  'cotton',
  'crane',
  'crayon',
  'cricket',
  'crown',
  'cymbal',
  'daisy',
  'desert',
  'diamond',
  'dolphin',
  'donkey',
  'dragon',
  'drum',
  'eagle',
  'ember',
  'emerald',
  'engine',
  'falcon',
  'feather',
  'ferret',
  'fiddle',
  'flamingo',
  'flute',
  'forest',
  'fork',
  'funnel',
  'galaxy',
  'garlic',
  'gecko',
  'giant',
  'ginger',
  'glacier',
  'glove',
  'goose',
  'gorilla',
  'grape',
  'guitar',
  'hammer',
  'hammock',
  'harbor',
  'harness',
  'helmet',
  'heron',
  'hippo',
  'hockey',
  'honey',
  'husky',
  'igloo',
  'iguana',
  'island',
  'jacket',
  'jaguar',
  'jelly',
  'jigsaw',
  'juggler',
  'jungle',
  'kayak',
  'kettle',
  'kitten',
  'kiwi',
  'koala',
  'ladder',
  'lagoon',
  'lamp',
  'lantern',
  'lasso',
  'lava',
  'lemon',
  'lemur',
  'lily',
  'lizard',
  'llama',
  'lobster',
  'magnet',
  'magpie',
  'mango',
  'maple',
  'marble',
  'meadow',
  'medal',
  'melon',
  'meteor',
  'mirror',
  'mustard',
  'napkin',
  'needle',
  'nickel',
  'noodle',
  'nutmeg',
  'oatmeal',
  'ocean',
  'olive',
  'onion',
  'opal',
  'orbit',
  'orchid',
  'otter',
  'oyster',
  'paddle',
  'panda',
  'papaya',
  'parsley',
  'pasta',
  'pebble',
  'pelican',
  'pencil',
  'penguin',
  'pepper',
  'piano',
  'pigeon',
  'pillow',
  'pirate',
  'pizza',
  'planet',
  'plum',
  'potato',
  'pretzel',
  'puffin',
  'pumpkin',
  'puzzle',
  'quartz',
  'rabbit',
  'radar',
  'radish',
  'rainbow',
  'raisin',
  'raven',
  'ribbon',
  'river',
  'robot',
  'rocket',
  'rodeo',
  'safari',
  'salad',
  'salmon',
  'samba',
  'scarf',
  'sesame',
  'shark',
  'sheep',
  'shovel',
  'skunk',
  'sloth',
  'snail',
  'soccer',
  'spider',
  'spinach',
  'spoon',
  'squid',
  'statue',
  'storm',
  'sugar',
  'summit',
  'sunset',
  'swan',
  'sweater',
  'sword',
  'taco',
  'teapot',
  'tennis',
  'thistle',
  'thunder',
  'ticket',
  'tiger',
  'tomato',
  'toucan',
  'tractor',
  'tripod',
  'trolley',
  'trout',
  'trumpet',
  'tulip',
  'tundra',
  'turnip',
  'turtle',
  'umbrella',
  'unicorn',
  'valley',
  'vanilla',
  'velvet',
  'violin',
  'volcano',
  'vortex',
  'waffle',
  'wagon',
  'wallet',
  'walnut',
  'walrus',
  'whale',
  'window',
  'wombat',
  'yacht',
  'yogurt',
  'zebra',
  'zigzag',
  'zipper',
]);

export interface SasParty {
  readonly identityKey: Uint8Array;
  readonly fingerprint: DtlsFingerprint;
  readonly nonce: Uint8Array;
}

export interface Sas {
  readonly words: readonly string[];
  /** The HKDF output the words encode. */
  readonly bytes: Uint8Array;
}

export function sasCommitment(callId: Uint8Array, nonce: Uint8Array): Uint8Array {
  assertBytes(callId, 'callId', CALL_ID_BYTES);
  assertBytes(nonce, 'nonce', SAS_NONCE_BYTES);
  return sha256(concatBytes(COMMIT_LABEL, callId, nonce));
}

/** ProtocolError('bad-commitment') when the revealed nonce is not the one the caller's offer committed to. */
export function checkSasReveal(callId: Uint8Array, commitment: Uint8Array, nonce: Uint8Array): void {
  assertBytes(commitment, 'commitment', SAS_COMMITMENT_BYTES);
  if (!equalBytes(sasCommitment(callId, nonce), commitment)) {
    throw new ProtocolError('bad-commitment', 'the revealed SAS nonce does not match the offer');
  }
}

export function deriveSas(callId: Uint8Array, caller: SasParty, callee: SasParty): Sas {
  assertBytes(callId, 'callId', CALL_ID_BYTES);
  const ikm = lengthPrefixed(callId, ...partyBytes(caller, 'caller'), ...partyBytes(callee, 'callee'));
  const bytes = hkdf(sha256, ikm, SALT, INFO, SAS_WORD_COUNT);
  return { words: Array.from(bytes, (byte) => SAS_WORDS[byte]!), bytes };
}

function partyBytes(party: SasParty, name: string): Uint8Array[] {
  if (typeof party !== 'object' || party === null) throw new TypeError(`${name} must be an object`);
  assertBytes(party.identityKey, `${name}.identityKey`, PUBLIC_KEY_LENGTH);
  assertBytes(party.nonce, `${name}.nonce`, SAS_NONCE_BYTES);
  return [party.identityKey, fingerprintBytes(party.fingerprint), party.nonce];
}
