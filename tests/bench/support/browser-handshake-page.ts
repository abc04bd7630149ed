/**
 * The script of the Chromium page behind the crypto suite's browser table: the full handshake on the backends
 * the web client picks (client/services/platform.ts), and libsodium-wrappers doing the same work in the same
 * page. The bench drives it turn by turn through `globalThis.handshakeBench` (contenders 'tincan' and
 * 'libsodium-wrappers'); every turn is timed in the page. Node imports only its types: importing it runs it.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import sodium from 'libsodium-wrappers';
import { ed25519Backend, x25519Backend } from '../../../client/services/platform.ts';
import { equalBytes, type RandomSource, utf8 } from '../../../crypto/bytes.ts';
import { identityFromSeed } from '../../../crypto/identity.ts';
import { deterministicRandom } from '../../support/deterministic-random.ts';
import { fullHandshake } from './full-handshake.ts';
import { libsodiumHandshake } from './libsodium-handshake.ts';

const TINCAN = 'tincan';
const LIBSODIUM = 'libsodium-wrappers';

export interface HandshakeBenchPage {
  /** Resolves with the names of the backends the client picked once both contenders have run once. */
  readonly ready: Promise<{ readonly ed25519: string; readonly x25519: string }>;
  /** Runs one contender until `budgetMs` passes or `maxOps` handshakes are done; returns handshakes/s. */
  turn(contender: string, budgetMs: number, maxOps: number): Promise<number>;
}

const random: RandomSource = (length) => crypto.getRandomValues(new Uint8Array(length));
const seed = (label: string): Uint8Array => deterministicRandom(`bench:${label}`)(32);
const KEYS_INFO = utf8('tincan-session-keys-v1');

async function contenders(): Promise<{
  names: { ed25519: string; x25519: string };
  runs: Map<string, () => unknown>;
}> {
  await sodium.ready;
  const [backend, x25519] = [await ed25519Backend(), await x25519Backend()];
  const alice = await identityFromSeed(backend, seed('alice'), x25519);
  const bob = await identityFromSeed(backend, seed('bob'), x25519);
  const tincan = async () => {
    const { initiatorKeys, responderKeys } = await fullHandshake(alice, bob, backend, random);
    if (!equalBytes(initiatorKeys.sendKey, responderKeys.receiveKey)) throw new Error('keys differ');
  };
  // The non-sumo libsodium has no SHA-256: the baseline derives its keys with the code Tincan uses for it.
  const baseline = libsodiumHandshake(
    sodium,
    { initiator: seed('alice'), responder: seed('bob') },
    random,
    (shared, transcript) => hkdf(sha256, shared, sha256(transcript), KEYS_INFO, 64),
  );
  await tincan();
  baseline();
  return {
    names: { ed25519: backend.name, x25519: x25519.name },
    runs: new Map<string, () => unknown>([
      [TINCAN, tincan],
      [LIBSODIUM, baseline],
    ]),
  };
}

const prepared = contenders();

const page: HandshakeBenchPage = {
  ready: prepared.then(({ names }) => names),
  async turn(contender, budgetMs, maxOps) {
    const run = (await prepared).runs.get(contender);
    if (!run) throw new Error(`no contender ${contender}`);
    const start = performance.now();
    const deadline = start + budgetMs;
    let ops = 0;
    let now = start;
    do {
      await run();
      ops++;
      now = performance.now();
    } while (ops < maxOps && now < deadline);
    return ops / ((now - start) / 1000);
  },
};

(globalThis as { handshakeBench?: HandshakeBenchPage }).handshakeBench = page;
