/**
 * The relay started exactly as the README says, `npm start` (npm, then the built dist/main.js), in a child
 * process, optionally under `strace -f` recording every file-changing system call of npm, the relay and all
 * their children. `buildRelay()` first bundles the current sources, as `npm install` does.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '../..');

/** Bundles relay/main.ts into dist/main.js (the script `npm install` runs through `prepare`). */
export function buildRelay(): void {
  execFileSync('npm', ['run', '--silent', 'build:node'], { cwd: REPO, stdio: 'pipe' });
}

export const STRACE_MISSING =
  'strace is not installed; install it with: apt-get update && apt-get install -y strace';

/** System calls that create, change or remove a file or directory. */
export const FILE_CHANGING_CALLS =
  'openat,open,creat,truncate,ftruncate,rename,renameat,renameat2,unlink,unlinkat,rmdir,mkdir,mkdirat,link,linkat,symlink,symlinkat';

export interface RelayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly httpUrl: string;
  readonly origin: string;
  /** Everything the process printed, stdout and stderr. */
  output(): string;
  /** The PID of the start command, npm (under strace, the tracee, not strace): what a supervisor signals. */
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  args?: string[];
  env?: Record<string, string>;
  cwd: string;
  /**
   * HOME for npm (default: a fresh directory removed when the relay exits). It holds an npm folder already,
   * as the home of anyone who ran `npm install` does (npm creates one at its first run).
   */
  home?: string;
  /** Record file-changing system calls into this file (which must lie outside `cwd`). */
  straceLog?: string;
  /** RLIMIT_NOFILE for the relay (`ulimit -n`): how many sockets and files it may hold open. */
  maxOpenFiles?: number;
}

function requireStrace(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v strace'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(STRACE_MISSING);
  }
}

export async function spawnRelay(options: SpawnOptions): Promise<RelayProcess> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'tincan-npm-home-'));
  mkdirSync(join(home, '.npm'), { recursive: true });
  const start = ['npm', '--prefix', REPO, 'start', '--', '--port', '0', ...(options.args ?? [])];
  const traced = options.straceLog
    ? [requireStrace(), '-f', '-qq', '-e', `trace=${FILE_CHANGING_CALLS}`, '-o', options.straceLog, ...start]
    : start;
  // exec keeps the PID: the start command is the shell's own process, with the lowered limit.
  const command =
    options.maxOpenFiles === undefined
      ? traced
      : ['/bin/sh', '-c', `ulimit -n ${options.maxOpenFiles} && exec "$@"`, 'sh', ...traced];
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    TMPDIR: options.cwd,
    ...options.env,
  };
  const child = spawn(command[0]!, command.slice(1), {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      if (options.home === undefined) rmSync(home, { recursive: true, force: true });
      resolve({ code, signal });
    }),
  );
  const deadline = Date.now() + 20_000;
  const listening = () => output.match(/listening on (\S+) \(relay (\S+);/);
  let match = listening();
  while (match === null) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`relay did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
    match = listening();
  }
  const pid = options.straceLog ? tracee(child.pid!) : child.pid!;
  return { child, httpUrl: match[1]!, url: match[2]!, origin: match[1]!, output: () => output, pid, exited };
}

/** The single child of strace: the traced start command. */
function tracee(stracePid: number): number {
  const children = readFileSync(`/proc/${stracePid}/task/${stracePid}/children`, 'utf8').trim().split(/\s+/);
  if (children.length !== 1) throw new Error(`strace has ${children.length} children`);
  return Number(children[0]);
}

/** Successful file-changing calls in a strace log (read-only opens and failed calls left out). */
export function fileChanges(straceLog: string): string[] {
  return readFileSync(straceLog, 'utf8')
    .split('\n')
    .filter((line) =>
      /\b(open|openat|creat|truncate|ftruncate|rename\w*|unlink\w*|rmdir|mkdir\w*|link\w*|symlink\w*)\(/.test(
        line,
      ),
    )
    .filter((line) => !/= -1 E/.test(line))
    .filter((line) => !/\bopen(at)?\(/.test(line) || /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/.test(line));
}

/**
 * The relays one test file starts, each in a fresh working directory; `stop()` (for afterAll) signals every
 * start command with SIGTERM, which npm hands to the relay, so no relay outlives its test file.
 */
export function relayProcesses(label: string) {
  const dirs: string[] = [];
  const started: RelayProcess[] = [];
  return {
    async start(options: Omit<SpawnOptions, 'cwd'> = {}): Promise<RelayProcess> {
      const cwd = mkdtempSync(join(tmpdir(), `tincan-${label}-`));
      dirs.push(cwd);
      const relay = await spawnRelay({ cwd, ...options });
      started.push(relay);
      return relay;
    },
    async stop(): Promise<void> {
      for (const relay of started) relay.child.kill('SIGTERM');
      await Promise.all(started.map((relay) => relay.exited));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
