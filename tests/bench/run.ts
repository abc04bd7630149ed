/**
 * `npm run bench`: runs the benchmark suites one after another and prints their tables.
 *
 *   npm run bench                    every suite
 *   npm run bench -- --only crypto   one suite (repeat --only, or separate with commas, for several)
 *
 * A suite is a function that returns its tables (printed here) or prints its own and returns nothing.
 * The exit status is 1 only if a suite fails to run; missed goals are listed at the end, because one
 * noisy run on a shared machine is not a verdict CI should act on.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BenchTable, type GoalVerdict, printTable } from './support/table.ts';

interface Suite {
  readonly name: string;
  readonly about: string;
  /** Resolves to a BenchTable, an array of them, or nothing when the suite printed its own output. */
  readonly run: () => Promise<unknown>;
}

/** A suite whose module may not exist yet in this checkout: say so instead of failing the whole run. */
class MissingSuite extends Error {}

/** Imports a suite by path at run time, so that a checkout without it still type-checks and runs. */
async function importSuite<T>(specifier: string, exportName: string): Promise<T> {
  if (!existsSync(fileURLToPath(new URL(specifier, import.meta.url)))) {
    throw new MissingSuite(`${specifier} does not exist in this checkout`);
  }
  const module: Record<string, unknown> = await import(specifier);
  if (typeof module[exportName] !== 'function') throw new MissingSuite(`${specifier} has no ${exportName}()`);
  return module[exportName] as T;
}

const SUITES: readonly Suite[] = [
  {
    name: 'crypto',
    about: 'envelope and handshake rates per Ed25519 path vs libsodium-wrappers; safety number time',
    run: async () => (await import('./crypto.ts')).runCryptoBench(),
  },
  {
    name: 'relay',
    about: 'our relay beside a bare ws forwarder and PeerJS; idle connections held',
    run: async () => (await importSuite<() => Promise<unknown>>('./relay.ts', 'runRelayBench'))(),
  },
  {
    name: 'start',
    about: 'relay cold start (`npm start`) and RSS at rest vs a bare ws forwarder',
    run: async () => (await import('./relay-start.ts')).runRelayStartBench(),
  },
  {
    name: 'client',
    about: 'client first-load JS (gzip) and safety-number time in Chromium',
    run: async () => (await import('./client.ts')).runClientBench(),
  },
  {
    name: 'offline',
    about:
      'bytes on the wire before the unlock screen: repeat visit with the release worker vs first visit and HTTP cache',
    run: async () => (await import('./client-offline.ts')).runClientOfflineBench(),
  },
  {
    name: 'calls',
    about: 'call setup and accept → first frame vs plain WebRTC in Chromium; the media gate’s cost',
    run: async () => (await importSuite<() => Promise<unknown>>('./calls.ts', 'runCallsBench'))(),
  },
  {
    name: 'groups',
    about: 'one message to a group of 8 and of 32 (sealing, fan-out, bytes) vs one one-to-one message',
    run: async () => (await import('./groups.ts')).runGroupsBench(),
  },
  {
    name: 'group-calls',
    about:
      'a third person’s join → first frame from each other participant vs a one-to-one call’s accept → first frame',
    run: async () => (await importSuite<() => Promise<unknown>>('./group-calls.ts', 'runGroupCallsBench'))(),
  },
  // Later suites go here, in the order they should run.
];

type Selection = { readonly suites: readonly Suite[] } | { readonly exit: number; readonly text: string };

/** The suites to run, or the text to print instead (help, or why the arguments are wrong). */
function selectedSuites(argv: readonly string[]): Selection {
  const usage = [
    'usage: npm run bench [-- --only <suite>[,<suite>...]]',
    'suites:',
    ...SUITES.map((suite) => `  ${suite.name.padEnd(8)} ${suite.about}`),
  ].join('\n');
  let values: { only?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { only: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    return { exit: 2, text: `${(error as Error).message}\n${usage}` };
  }
  if (values.help) return { exit: 0, text: usage };
  if (!values.only) return { suites: SUITES };
  const wanted = values.only.flatMap((names) => names.split(',')).map((name) => name.trim());
  const unknown = wanted.filter((name) => !SUITES.some((suite) => suite.name === name));
  if (unknown.length > 0) return { exit: 2, text: `unknown suite: ${unknown.join(', ')}\n${usage}` };
  return { suites: SUITES.filter((suite) => wanted.includes(suite.name)) };
}

const isTable = (value: unknown): value is BenchTable =>
  typeof value === 'object' && value !== null && 'title' in value && 'columns' in value && 'rows' in value;

function asTables(result: unknown): readonly BenchTable[] {
  const candidates = Array.isArray(result) ? result : [result];
  return candidates.filter(isTable);
}

async function main(): Promise<number> {
  const selection = selectedSuites(process.argv.slice(2));
  if (!('suites' in selection)) {
    (selection.exit === 0 ? console.log : console.error)(selection.text);
    return selection.exit;
  }
  const { suites } = selection;
  console.log(`Tincan benchmarks — node ${process.version}, ${process.platform}/${process.arch}`);
  const verdicts: GoalVerdict[] = [];
  const failed: string[] = [];
  for (const suite of suites) {
    console.log(`\n== ${suite.name}: ${suite.about}`);
    const start = performance.now();
    try {
      for (const table of asTables(await suite.run())) {
        printTable(table);
        verdicts.push(...(table.goals ?? []));
      }
      console.log(`\n(${suite.name}: ${((performance.now() - start) / 1000).toFixed(1)} s)`);
    } catch (error) {
      if (error instanceof MissingSuite) {
        console.log(`skipped: ${error.message}`);
        continue;
      }
      failed.push(suite.name);
      console.error(`${suite.name} failed:`, error);
    }
  }
  const missed = verdicts.filter((verdict) => !verdict.met);
  if (verdicts.length > 0)
    console.log(`\n== goals: ${verdicts.length - missed.length} of ${verdicts.length} met`);
  for (const verdict of missed) console.log(`  missed: ${verdict.subject} (goal ${verdict.goal})`);
  if (failed.length > 0) console.log(`== suites that failed to run: ${failed.join(', ')}`);
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
