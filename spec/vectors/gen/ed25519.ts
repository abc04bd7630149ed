/**
 * Ed25519 vectors for Tincan's verification rule (crypto/ed25519.ts). RFC 8032's published vectors, then edge
 * cases built with @noble/ed25519's point arithmetic, chosen so that each one is accepted by at least one raw
 * library (OpenSSL's cofactorless check, or noble's default cofactored ZIP-215 check) or tests one step of the
 * rule in isolation. tests/vectors/ed25519.ts replays every case through all three backends.
 */
import * as noble from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, fromHex, toHex, utf8 } from '../../../crypto/bytes.ts';
import { deterministicRandom, type VectorCase, type VectorFile } from '../format.ts';

// noble's synchronous API needs a SHA-512 (the same wiring crypto/ed25519.ts does).
noble.hashes.sha512 = sha512;

const { Point } = noble;
const { n: L, p: P } = Point.CURVE();

export interface Ed25519Case extends VectorCase {
  /** RFC 8032 32-byte private key (seed); present when the checker can re-derive publicKey and signature. */
  secretKey?: string;
  publicKey: string;
  message: string;
  signature: string;
}

const numberToLE = (value: bigint): Uint8Array => {
  const out = new Uint8Array(32);
  let rest = value;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
};

const numberFromLE = (bytes: Uint8Array): bigint => {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
};

/** k = SHA-512(R || A || M) mod L: every implementation (OpenSSL, noble, ours) reduces before multiplying. */
const challenge = (r: Uint8Array, a: Uint8Array, message: Uint8Array): bigint =>
  numberFromLE(sha512(concatBytes(r, a, message))) % L;

/** [L]P, computed as noble's isTorsionFree does ([L] itself is outside multiply's range): P's torsion part. */
const torsionPart = (point: noble.Point): noble.Point =>
  point
    .multiply(L / 2n, false)
    .double()
    .add(point);

/** The 8 points of order dividing 8, as [i]T for a point T of order 8, found from the curve equation alone. */
export function smallOrderPoints(): noble.Point[] {
  for (let y = 2n; ; y++) {
    let candidate: noble.Point;
    try {
      candidate = Point.fromBytes(numberToLE(y));
    } catch {
      continue; // y is not the y-coordinate of a curve point
    }
    const torsion = torsionPart(candidate);
    if (torsion.double().double().is0()) continue; // order < 8: try the next y
    const points = [Point.ZERO];
    for (let i = 1; i < 8; i++) points.push(points[i - 1]!.add(torsion));
    return points;
  }
}

const ORDER_NAMES = ['1 (the identity)', '8', '4', '8', '2', '8', '4', '8'];

/** Finds a message (label || counter) whose challenge k satisfies `accept`. */
function grindMessage(
  label: string,
  r: Uint8Array,
  a: Uint8Array,
  accept: (k: bigint) => boolean,
): Uint8Array {
  for (let i = 0; ; i++) {
    const message = utf8(`${label} #${i}`);
    if (accept(challenge(r, a, message))) return message;
  }
}

const signature = (r: Uint8Array, s: bigint): Uint8Array => concatBytes(r, numberToLE(s));

function caseOf(
  label: 'valid' | 'invalid',
  comment: string,
  fields: Record<string, Uint8Array>,
): Ed25519Case {
  const out: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(fields)) out[name] = toHex(bytes);
  return { label, comment, ...out } as Ed25519Case;
}

/** RFC 8032 section 7.1, transcribed; the checker re-derives public key and signature from the secret key. */
const RFC8032: { name: string; secretKey: string; publicKey: string; message: string; signature: string }[] =
  [
    {
      name: 'TEST 1 (empty message)',
      secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      message: '',
      signature:
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    },
    {
      name: 'TEST 2 (one-byte message)',
      secretKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      message: '72',
      signature:
        '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    },
    {
      name: 'TEST 3 (two-byte message)',
      secretKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
      publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
      message: 'af82',
      signature:
        '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
    },
    {
      name: 'TEST SHA(abc) (the message is SHA-512("abc"))',
      secretKey: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
      publicKey: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
      message:
        'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
      signature:
        'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
    },
  ];

export default async function generate(): Promise<VectorFile> {
  const random = deterministicRandom('tincan/spec/vectors/ed25519');
  const cases: Ed25519Case[] = RFC8032.map((v) => ({
    label: 'valid',
    comment: `RFC 8032 section 7.1 ${v.name}`,
    secretKey: v.secretKey,
    publicKey: v.publicKey,
    message: v.message,
    signature: v.signature,
  }));

  const secretKey = random(32);
  const { scalar: a, pointBytes: publicKey } = noble.utils.getExtendedPublicKey(secretKey);
  const message = utf8('Tincan: sign me');
  const good = noble.sign(message, secretKey);
  cases.push(
    caseOf('valid', 'Tincan key from the generator seed, signed by noble', {
      secretKey,
      publicKey,
      message,
      signature: good,
    }),
  );
  const nonce = (): bigint => numberFromLE(random(64)) % L;
  const goodS = numberFromLE(good.subarray(32));
  const goodR = good.slice(0, 32);

  // --- Tampering.
  cases.push(
    caseOf('invalid', 'wrong message (last byte changed)', {
      publicKey,
      message: concatBytes(message.subarray(0, -1), utf8('E')),
      signature: good,
    }),
  );
  const flippedR = good.slice();
  flippedR[0]! ^= 0x01;
  cases.push(caseOf('invalid', 'bit 0 of R flipped', { publicKey, message, signature: flippedR }));
  const flippedS = good.slice();
  flippedS[32]! ^= 0x01;
  cases.push(
    caseOf('invalid', 'bit 0 of S flipped (S stays below L)', { publicKey, message, signature: flippedS }),
  );

  // --- Step 1: lengths.
  cases.push(
    caseOf('invalid', 'signature with one extra trailing byte (65 bytes)', {
      publicKey,
      message,
      signature: concatBytes(good, new Uint8Array(1)),
    }),
  );
  cases.push(
    caseOf('invalid', 'signature truncated to 63 bytes', {
      publicKey,
      message,
      signature: good.subarray(0, 63),
    }),
  );
  cases.push(
    caseOf('invalid', 'public key with one extra trailing byte (33 bytes)', {
      publicKey: concatBytes(publicKey, new Uint8Array(1)),
      message,
      signature: good,
    }),
  );
  cases.push(
    caseOf('invalid', 'empty signature and empty public key', {
      publicKey: new Uint8Array(0),
      message,
      signature: new Uint8Array(0),
    }),
  );

  // --- Step 2: S < L.
  cases.push(
    caseOf(
      'invalid',
      'non-canonical S: S + L. [S + L]B = [S]B, so the equation holds; RFC 8032 requires S < L (malleability)',
      {
        publicKey,
        message,
        signature: signature(goodR, goodS + L),
      },
    ),
  );
  cases.push(
    caseOf('invalid', 'S = L exactly (the smallest non-canonical S)', {
      publicKey,
      message,
      signature: signature(goodR, L),
    }),
  );

  // --- Step 4: small-order A and R. Built so that a raw library accepts them.
  const torsion = smallOrderPoints();
  const identity = torsion[0]!.toBytes();
  cases.push(
    caseOf(
      'invalid',
      'small-order public key: A = R = identity, S = 0. [0]B = R + [k]A for every message, so OpenSSL (cofactorless, no small-order check) accepts any message',
      { publicKey: identity, message, signature: signature(identity, 0n) },
    ),
  );
  torsion.forEach((t, i) => {
    const r = nonce();
    const rBytes = Point.BASE.multiply(r).toBytes();
    const A = t.toBytes();
    const m = grindMessage(`small-order A ${i}`, rBytes, A, (k) => k % 8n === 0n);
    cases.push(
      caseOf(
        'invalid',
        `small-order public key #${i} (order ${ORDER_NAMES[i]}); R = [r]B, S = r and k ≡ 0 mod 8, so [k]A = identity and even the cofactorless equation holds: OpenSSL accepts, our step 4 rejects`,
        { publicKey: A, message: m, signature: signature(rBytes, r) },
      ),
    );
  });
  torsion.forEach((t, i) => {
    const R = t.toBytes();
    const s = (challenge(R, publicKey, message) * a) % L;
    cases.push(
      caseOf(
        'invalid',
        `small-order R #${i} (order ${ORDER_NAMES[i]}) with S = k·a: [8]([S]B - R - [k]A) = identity, so cofactored verifiers (noble's default) accept${i === 0 ? '; with R = identity the cofactorless equation holds too, so OpenSSL accepts' : ''}`,
        { publicKey, message, signature: signature(R, s) },
      ),
    );
  });

  // --- Step 3: canonical encodings. y = p + 1 encodes the identity (y = 1); y = p encodes a point of order 4 (y = 0).
  const nonCanonicalIdentity = numberToLE(P + 1n);
  cases.push(
    caseOf(
      'invalid',
      'non-canonical A: y = p + 1 (reduces to the identity), R = identity, S = 0; OpenSSL reduces y mod p and accepts',
      {
        publicKey: nonCanonicalIdentity,
        message,
        signature: signature(identity, 0n),
      },
    ),
  );
  {
    const A = numberToLE(P);
    const r = nonce();
    const rBytes = Point.BASE.multiply(r).toBytes();
    const m = grindMessage('non-canonical A order 4', rBytes, A, (k) => k % 4n === 0n);
    cases.push(
      caseOf(
        'invalid',
        'non-canonical A: y = p (reduces to y = 0, a point of order 4); R = [r]B, S = r and k ≡ 0 mod 4',
        {
          publicKey: A,
          message: m,
          signature: signature(rBytes, r),
        },
      ),
    );
  }
  cases.push(
    caseOf(
      'invalid',
      'non-canonical R: y = p + 1 (the identity) with S = k·a; ZIP-215 decoding accepts it, strict decoding does not',
      {
        publicKey,
        message,
        signature: signature(
          nonCanonicalIdentity,
          (challenge(nonCanonicalIdentity, publicKey, message) * a) % L,
        ),
      },
    ),
  );
  const negativeZero = fromHex('0100000000000000000000000000000000000000000000000000000000000080');
  cases.push(
    caseOf(
      'invalid',
      '"negative zero" A: x = 0 with the sign bit set (a second encoding of the identity); R = identity, S = 0',
      {
        publicKey: negativeZero,
        message,
        signature: signature(identity, 0n),
      },
    ),
  );
  cases.push(
    caseOf(
      'invalid',
      '"negative zero" R: the identity with the sign bit set, S = k·a; accepted by ZIP-215 decoding',
      {
        publicKey,
        message,
        signature: signature(negativeZero, (challenge(negativeZero, publicKey, message) * a) % L),
      },
    ),
  );
  {
    let y = 2n;
    for (; ; y++) {
      try {
        Point.fromBytes(numberToLE(y));
      } catch {
        break;
      }
    }
    cases.push(
      caseOf('invalid', `public key not on the curve: y = ${y} has no x`, {
        publicKey: numberToLE(y),
        message,
        signature: good,
      }),
    );
  }

  // --- Step 5: mixed-order A = [a]B + T, T of order 8. An honest-looking signature R = [r]B, S = r + k·a gives
  // [S]B - [k]A = R - [k]T: the cofactorless equation holds exactly when [k]T is the identity, i.e. k ≡ 0 mod 8.
  const T8 = torsion[1]!;
  const mixedA = Point.BASE.multiply(a).add(T8).toBytes();
  for (const [label, accept, why] of [
    [
      'invalid',
      (k: bigint) => k % 8n !== 0n,
      'k mod 8 ≠ 0: only the cofactored equation holds; cofactored verifiers accept, ours rejects',
    ],
    [
      'valid',
      (k: bigint) => k % 8n === 0n,
      'k ≡ 0 mod 8: [k]T = identity, so cofactorless and cofactored equations agree and every backend accepts; A is canonical and not of small order, so the rule has no ground to refuse it',
    ],
  ] as const) {
    const r = nonce();
    const rBytes = Point.BASE.multiply(r).toBytes();
    const m = grindMessage(`mixed-order A ${label}`, rBytes, mixedA, accept);
    const s = (r + challenge(rBytes, mixedA, m) * a) % L;
    cases.push(
      caseOf(label, `mixed-order public key A = [a]B + T (T of order 8); ${why}`, {
        publicKey: mixedA,
        message: m,
        signature: signature(rBytes, s),
      }),
    );
  }
  {
    const r = nonce();
    const R = Point.BASE.multiply(r).add(T8).toBytes();
    const s = (r + challenge(R, publicKey, message) * a) % L;
    cases.push(
      caseOf(
        'invalid',
        'mixed-order R = [r]B + T (T of order 8), S = r + k·a: off by T, so only the cofactored equation holds',
        {
          publicKey,
          message,
          signature: signature(R, s),
        },
      ),
    );
  }

  return {
    about:
      "Ed25519 (RFC 8032, pure) under Tincan's verification rule: 64-byte signature and 32-byte key, S < L, canonical A and R, neither of small order, cofactorless equation. Fields are hex; `label` is the verdict every backend must give.",
    source:
      'RFC 8032 section 7.1 (TEST 1, TEST 2, TEST 3, TEST SHA(abc)), transcribed; all other cases from spec/vectors/gen/ed25519.ts with @noble/ed25519 point arithmetic and deterministicRandom("tincan/spec/vectors/ed25519")',
    cases,
  };
}
