/**
 * Crypto benchmark (goals: spec/performance.md): envelope seal+open and full handshakes per second on every Ed25519 path,
 * beside libsodium-wrappers doing the same sign + box work, and the safety number beside node:crypto SHA-512.
 *
 * The machine is shared and noisy, so the verdict is a ratio: contenders of one figure run in alternating
 * rounds, and the ratio is the median of per-round ratios. Absolute rates are printed for context only.
 */
import { createHash, hkdfSync } from 'node:crypto';
import sodium from 'libsodium-wrappers';
import { concatBytes, equalBytes, type RandomSource, u32be, utf8 } from '../../crypto/bytes.ts';
import { type Ed25519Backend, nobleEd25519, webCryptoEd25519 } from '../../crypto/ed25519.ts';
import { MESSAGE_KIND, newSessionState, openEnvelope, sealEnvelope } from '../../crypto/envelope.ts';
import { type Identity, identityFromSeed } from '../../crypto/identity.ts';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import { nodeX25519 } from '../../crypto/node/node-x25519.ts';
import {
  SAFETY_NUMBER_ITERATIONS,
  SAFETY_NUMBER_STABLE_ID,
  safetyNumber,
} from '../../crypto/safety-number.ts';
import { tweetnaclX25519, webCryptoX25519, type X25519Backend } from '../../crypto/x25519.ts';
import { deterministicRandom } from '../support/deterministic-random.ts';
import { runBrowserHandshakes } from './crypto-browser.ts';
import { fullHandshake } from './support/full-handshake.ts';
import { ACCEPT_SIGNED_BYTES, INIT_SIGNED_BYTES, libsodiumHandshake } from './support/libsodium-handshake.ts';
import { median, pairedRatio, spread } from './support/stats.ts';
import {
  atLeast,
  type BenchTable,
  type Column,
  formatMs,
  formatNumber,
  formatRatio,
  type Goal,
  type GoalVerdict,
  NO_GOAL,
  verdictMark,
} from './support/table.ts';
import { type Contender, type RoundLimits, type RoundSamples, runAlternating } from './support/timing.ts';

/** "1.5 KB message": a chat body of this size, a typical large text message or an SDP. */
export const MESSAGE_BYTES = 1536;
/** The default path must reach half of libsodium-wrappers' rate. */
export const DEFAULT_PATH_GOAL: Goal = atLeast(0.5);

const ENVELOPE_LIMITS: RoundLimits = { rounds: 9, roundMs: 300, maxOpsPerRound: 50_000, warmupMs: 300 };
const HANDSHAKE_LIMITS: RoundLimits = { rounds: 9, roundMs: 400, maxOpsPerRound: 10_000, warmupMs: 300 };
const BROWSER_HANDSHAKE_LIMITS: RoundLimits = {
  rounds: 9,
  roundMs: 400,
  maxOpsPerRound: 10_000,
  warmupMs: 500,
};
/** The browser's WebCrypto path, measured in Chromium by crypto-browser.ts. */
const CHROMIUM_PATH = { name: 'WebCrypto (Chromium)', defaultIn: 'browsers' } as const;
const SAFETY_LIMITS: RoundLimits = { rounds: 9, roundMs: 400, maxOpsPerRound: 1_000, warmupMs: 300 };

interface Ed25519Path {
  readonly name: string;
  readonly backend: Ed25519Backend;
  readonly x25519: X25519Backend;
  /** Where this path is the one Tincan uses by default; such paths carry the goal. */
  readonly defaultIn?: string;
}

const ed25519Paths = (): Ed25519Path[] => [
  { name: 'node:crypto', backend: nodeEd25519(), x25519: nodeX25519(), defaultIn: 'Node' },
  // The browsers' backends on Node's WebCrypto, which no Tincan client runs (the CLI and the relay use
  // node:crypto): shown for comparison, without a goal. The browsers' default path carries its goal in the
  // Chromium table, measured where it runs.
  {
    name: 'WebCrypto (Node)',
    backend: webCryptoEd25519(globalThis.crypto.subtle),
    x25519: webCryptoX25519(globalThis.crypto.subtle),
  },
  { name: 'noble + tweetnacl (fallback)', backend: nobleEd25519, x25519: tweetnaclX25519 },
];

const BASELINE = 'libsodium-wrappers';
const secureRandom: RandomSource = (length) => globalThis.crypto.getRandomValues(new Uint8Array(length));
const seed = (label: string): Uint8Array => deterministicRandom(`bench:${label}`)(32);

// Byte count of what crypto/envelope.ts signs before the body, so that libsodium signs exactly as many bytes.
// `checkSignedLengths` fails the suite if this or the handshake layouts change.
const ENVELOPE_SIGNED_PREFIX = 19 + 1 + 16 + 1 + 4 + 32 + 32 + 1; // label ver sid dir ctr from to kind

const handshake = (initiator: Identity, responder: Identity, backend: Ed25519Backend) =>
  fullHandshake(initiator, responder, backend, secureRandom);

async function identities(path: Ed25519Path): Promise<[Identity, Identity]> {
  return [
    await identityFromSeed(path.backend, seed('alice'), path.x25519),
    await identityFromSeed(path.backend, seed('bob'), path.x25519),
  ];
}

/** A copy of the identity whose signer records the length of every message it signs. */
function recordingSigner(identity: Identity, lengths: number[]): Identity {
  const { signer } = identity;
  return {
    ...identity,
    signer: {
      publicKey: signer.publicKey,
      sign: (message) => {
        lengths.push(message.length);
        return signer.sign(message);
      },
    },
  };
}

async function checkSignedLengths(path: Ed25519Path): Promise<void> {
  const { backend } = path;
  const [alice, bob] = await identities(path);
  const lengths: number[] = [];
  const { initiatorKeys } = await handshake(
    recordingSigner(alice, lengths),
    recordingSigner(bob, lengths),
    backend,
  );
  const sealed = await sealEnvelope(
    newSessionState(initiatorKeys),
    recordingSigner(alice, lengths).signer,
    MESSAGE_KIND.chat,
    new Uint8Array(MESSAGE_BYTES),
  );
  const expected = [INIT_SIGNED_BYTES, ACCEPT_SIGNED_BYTES, ENVELOPE_SIGNED_PREFIX + MESSAGE_BYTES];
  if (sealed.bytes.length === 0 || lengths.join() !== expected.join()) {
    throw new Error(
      `signed lengths ${lengths.join()} differ from the baselines' ${expected.join()}: update them`,
    );
  }
}

/** One op: Alice seals a 1.5 KB chat message, Bob opens it (sign + secretbox, secretbox open + verify). */
async function envelopeContender(path: Ed25519Path): Promise<Contender> {
  const [alice, bob] = await identities(path);
  const { initiatorKeys, responderKeys } = await handshake(alice, bob, path.backend);
  let sender = newSessionState(initiatorKeys);
  let receiver = newSessionState(responderKeys);
  const body = secureRandom(MESSAGE_BYTES);
  const run = async () => {
    const sealed = await sealEnvelope(sender, alice.signer, MESSAGE_KIND.chat, body);
    const opened = await openEnvelope(receiver, sealed.bytes, path.backend);
    sender = sealed.state;
    receiver = opened.state;
    return opened.opened.body;
  };
  const echoed = await run();
  if (!equalBytes(echoed, body)) throw new Error(`${path.name}: envelope round trip changed the body`);
  return { name: path.name, run };
}

function envelopeBaseline(): Contender {
  const signing = sodium.crypto_sign_seed_keypair(seed('alice'));
  const key = sodium.crypto_secretbox_keygen();
  const header = secureRandom(ENVELOPE_SIGNED_PREFIX);
  const body = secureRandom(MESSAGE_BYTES);
  let counter = 0;
  const run = () => {
    const nonce = concatBytes(new Uint8Array(20), u32be(counter++));
    const signature = sodium.crypto_sign_detached(concatBytes(header, body), signing.privateKey);
    const sealed = sodium.crypto_secretbox_easy(concatBytes(Uint8Array.of(1), body, signature), nonce, key);
    const plain = sodium.crypto_secretbox_open_easy(sealed, nonce, key);
    const signed = concatBytes(header, plain.subarray(1, plain.length - 64));
    if (!sodium.crypto_sign_verify_detached(plain.subarray(plain.length - 64), signed, signing.publicKey)) {
      throw new Error('libsodium baseline failed to verify its own envelope');
    }
  };
  run();
  return { name: BASELINE, run };
}

/** One op: a full handshake, both sides (createInit, openInit, createAccept, openAccept). */
async function handshakeContender(path: Ed25519Path): Promise<Contender> {
  const [alice, bob] = await identities(path);
  const run = async () => {
    const { initiatorKeys, responderKeys } = await handshake(alice, bob, path.backend);
    if (!equalBytes(initiatorKeys.sendKey, responderKeys.receiveKey)) throw new Error('keys differ');
  };
  await run();
  return { name: path.name, run };
}

/** The same primitive work as our handshake on libsodium, with SHA-256 and HKDF from node:crypto. */
function handshakeBaseline(): Contender {
  const info = utf8('tincan-session-keys-v1');
  const run = libsodiumHandshake(
    sodium,
    { initiator: seed('alice'), responder: seed('bob') },
    secureRandom,
    (shared, transcript) =>
      new Uint8Array(hkdfSync('sha256', shared, createHash('sha256').update(transcript).digest(), info, 64)),
  );
  run();
  return { name: BASELINE, run };
}

function safetyNumberContender(): Contender {
  const alice = sodium.crypto_sign_seed_keypair(seed('alice')).publicKey;
  const bob = sodium.crypto_sign_seed_keypair(seed('bob')).publicKey;
  return { name: 'safetyNumber (noble SHA-512)', run: () => safetyNumber(alice, bob) };
}

/** The same SHA-512 calls on the same input sizes, through node:crypto (OpenSSL). */
function safetyNumberBaseline(): Contender {
  const stableId = utf8(SAFETY_NUMBER_STABLE_ID);
  const keys = [seed('alice'), seed('bob')];
  const fingerprint = (key: Uint8Array): Uint8Array => {
    let hash: Uint8Array = createHash('sha512')
      .update(concatBytes(Uint8Array.of(0, 0), key, stableId, key))
      .digest();
    for (let i = 1; i < SAFETY_NUMBER_ITERATIONS; i++)
      hash = createHash('sha512').update(hash).update(key).digest();
    return hash;
  };
  return { name: 'node:crypto SHA-512', run: () => keys.map(fingerprint) };
}

const RATE_COLUMNS: readonly Column[] = [
  { header: 'path' },
  { header: 'ops/s (median)', align: 'right' },
  { header: 'min – max', align: 'right' },
  { header: 'ratio vs baseline', align: 'right' },
  { header: 'goal' },
  { header: 'pass' },
];

function rateTable(
  title: string,
  unit: string,
  paths: readonly Pick<Ed25519Path, 'name' | 'defaultIn'>[],
  samples: RoundSamples,
  baselineNote: string,
): BenchTable {
  const baseline = samples.get(BASELINE)!;
  const goals: GoalVerdict[] = [];
  const row = (name: string, goal: Goal | undefined, label: string): string[] => {
    const rates = samples.get(name)!;
    const ratio = pairedRatio(rates, baseline);
    const { min, max } = spread(rates);
    if (goal) goals.push({ subject: `${title}: ${label}`, goal: goal.text, met: goal.met(ratio) });
    return [
      label,
      formatNumber(median(rates)),
      `${formatNumber(min)} – ${formatNumber(max)}`,
      formatRatio(ratio),
      goal?.text ?? NO_GOAL,
      verdictMark(goal, ratio),
    ];
  };
  return {
    title: `${title} (${unit})`,
    columns: RATE_COLUMNS,
    rows: [
      ...paths.map((path) =>
        row(
          path.name,
          path.defaultIn ? DEFAULT_PATH_GOAL : undefined,
          path.defaultIn ? `${path.name}, default in ${path.defaultIn}` : path.name,
        ),
      ),
      row(BASELINE, undefined, `${BASELINE} (baseline)`),
    ],
    notes: [baselineNote, 'ratio = median over rounds of (path ops/s ÷ baseline ops/s in the same round)'],
    goals,
  };
}

function safetyTable(samples: RoundSamples, contender: Contender, baseline: Contender): BenchTable {
  const ours = samples.get(contender.name)!;
  const theirs = samples.get(baseline.name)!;
  const row = (name: string, rates: readonly number[], ratio: string): string[] => [
    name,
    formatMs(1000 / median(rates)),
    formatNumber(median(rates)),
    ratio,
    NO_GOAL,
    NO_GOAL,
  ];
  return {
    title: `Safety number (${2 * SAFETY_NUMBER_ITERATIONS} SHA-512 calls per computation)`,
    columns: [
      { header: 'path' },
      { header: 'ms per computation (median)', align: 'right' },
      { header: 'ops/s', align: 'right' },
      { header: 'ratio vs baseline', align: 'right' },
      { header: 'goal' },
      { header: 'pass' },
    ],
    rows: [
      row(contender.name, ours, formatRatio(pairedRatio(ours, theirs))),
      row(`${baseline.name} (baseline)`, theirs, formatRatio(1)),
    ],
    notes: ['ratio = median over rounds of (ours ops/s ÷ node:crypto ops/s); no goal is set'],
  };
}

const progress = (line: string): void => {
  process.stderr.write(`  crypto: ${line}\n`);
};

export async function runCryptoBench(): Promise<BenchTable[]> {
  await sodium.ready;
  const paths = ed25519Paths();
  await checkSignedLengths(paths[0]!);

  progress('envelope seal+open');
  const envelopeContenders = [...(await Promise.all(paths.map(envelopeContender))), envelopeBaseline()];
  const envelopeSamples = await runAlternating(envelopeContenders, ENVELOPE_LIMITS);

  progress('handshakes');
  const handshakeContenders = [...(await Promise.all(paths.map(handshakeContender))), handshakeBaseline()];
  const handshakeSamples = await runAlternating(handshakeContenders, HANDSHAKE_LIMITS);

  progress('handshakes in Chromium');
  const inChromium = await runBrowserHandshakes(
    { tincan: CHROMIUM_PATH.name, baseline: BASELINE },
    BROWSER_HANDSHAKE_LIMITS,
  );
  if (inChromium.backends.ed25519 !== 'webcrypto' || inChromium.backends.x25519 !== 'webcrypto') {
    throw new Error(
      `Chromium picked ${JSON.stringify(inChromium.backends)}, not WebCrypto: the row would lie`,
    );
  }

  progress('safety number');
  const ours = safetyNumberContender();
  const baseline = safetyNumberBaseline();
  const safetySamples = await runAlternating([ours, baseline], SAFETY_LIMITS);

  return [
    rateTable(
      `Signed envelope seal+open, ${MESSAGE_BYTES}-byte message`,
      'round trips/s',
      paths,
      envelopeSamples,
      'baseline: crypto_sign_detached + crypto_secretbox_easy, then secretbox_open_easy + sign_verify_detached',
    ),
    rateTable(
      'Full handshake, both sides',
      'handshakes/s',
      paths,
      handshakeSamples,
      'baseline: 2 box keypairs, pk_to_curve25519, 2 sign + 2 verify, 2 box + 2 box_open, 2 scalarmult, 2 HKDF',
    ),
    rateTable(
      'Full handshake, both sides, in headless Chromium',
      'handshakes/s',
      [CHROMIUM_PATH],
      inChromium.samples,
      `Ed25519 ${inChromium.backends.ed25519}, X25519 ${inChromium.backends.x25519} as client/services/platform.ts picks them; baseline as above, in the same page (SHA-256 and HKDF from @noble/hashes)`,
    ),
    safetyTable(safetySamples, ours, baseline),
  ];
}
