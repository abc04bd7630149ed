/**
 * Bounded timing loops for benchmarks on a shared, noisy machine. Contenders run in alternating rounds
 * (A B C A B C ...) so that slow spells hit all of them alike; callers compare medians and per-round ratios,
 * never single runs. Every loop is bounded both in count and in time.
 */
import { performance } from 'node:perf_hooks';

/** One unit of work; may be synchronous or return a promise. */
export type Operation = () => unknown;

export interface Contender {
  readonly name: string;
  readonly run: Operation;
}

export interface RoundLimits {
  /** Measured rounds per contender. */
  readonly rounds: number;
  /** Time budget of one contender's turn in one round. */
  readonly roundMs: number;
  /** Upper bound on operations in one turn, whatever the clock says. */
  readonly maxOpsPerRound: number;
  /** Unmeasured warm-up per contender before the first round (JIT, key caches, WASM instantiation). */
  readonly warmupMs: number;
}

/** ops/s of each contender, one sample per round, in round order (so sample i of A and B share a round). */
export type RoundSamples = ReadonlyMap<string, readonly number[]>;

/**
 * Runs `op` until `budgetMs` has passed or `maxOps` operations are done (at least one), and returns the
 * rate in operations per second.
 */
export async function timeTurn(op: Operation, budgetMs: number, maxOps: number): Promise<number> {
  if (!(budgetMs > 0) || !Number.isInteger(maxOps) || maxOps < 1) {
    throw new RangeError(`need budgetMs > 0 and an integer maxOps >= 1, got ${budgetMs} and ${maxOps}`);
  }
  const start = performance.now();
  const deadline = start + budgetMs;
  let ops = 0;
  let now = start;
  do {
    await op();
    ops++;
    now = performance.now();
  } while (ops < maxOps && now < deadline);
  return ops / ((now - start) / 1000);
}

export async function runAlternating(
  contenders: readonly Contender[],
  limits: RoundLimits,
): Promise<RoundSamples> {
  if (!Number.isInteger(limits.rounds) || limits.rounds < 1) {
    throw new RangeError(`rounds must be a positive integer, got ${limits.rounds}`);
  }
  const names = new Set(contenders.map((c) => c.name));
  if (names.size !== contenders.length) throw new RangeError('contender names must be unique');
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  if (limits.warmupMs > 0) {
    for (const contender of contenders) await timeTurn(contender.run, limits.warmupMs, limits.maxOpsPerRound);
  }
  for (let round = 0; round < limits.rounds; round++) {
    for (const contender of contenders) {
      samples.get(contender.name)!.push(await timeTurn(contender.run, limits.roundMs, limits.maxOpsPerRound));
    }
  }
  return samples;
}
