/**
 * Child processes of the relay benchmark: each server under test in its own process, measured from
 * outside through /proc (CPU time and RSS), so the same figures come from our relay, the bare forwarder
 * and the PeerJS CLI alike; and load generators driven over IPC.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from '../support/redis-server.ts';
import type { ServerKind, Target } from './relay-bench-clients.ts';
import type { LoadCommand, LoadReply } from './relay-load.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const START_TIMEOUT_MS = 15_000;
/** What relay-server-hooks.ts prints after a requested GC. */
const MEMORY_LINE = /^bench-memory heapUsed=(\d+)$/;

export interface ServerProcess {
  readonly target: Target;
  readonly pid: number;
  /** User + system CPU time of the server process so far, in milliseconds (resolution 1 / CLK_TCK). */
  cpuMs(): number;
  rssBytes(): number;
  /**
   * Asks the server for a full garbage collection (see relay-server-hooks.ts) and resolves to the JS heap
   * it then uses; settle before reading RSS.
   */
  collectGarbage(): Promise<number>;
  openFiles(): number;
  /** The soft RLIMIT_NOFILE of the server process. */
  maxOpenFiles(): number;
  stop(): Promise<void>;
}

export async function startServer(
  kind: ServerKind,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const preload = ['--expose-gc', '--import', 'tsx', '--import', './tests/bench/relay-server-hooks.ts'];
  const args =
    kind === 'relay'
      ? [...preload, 'tests/bench/relay-server.ts']
      : kind === 'bare'
        ? [...preload, 'tests/bench/bare-forwarder.ts']
        : kind === 'bare-auth'
          ? [...preload, 'tests/bench/bare-auth-forwarder.ts']
          : [
              ...preload,
              'node_modules/peer/dist/bin/peerjs.js',
              '--port',
              String(port),
              '--host',
              '127.0.0.1',
            ];
  if (kind === 'peerjs') args.push('--path', '/p', '--concurrent_limit', '1000000');
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-2000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const memoryReports: ((heapUsed: number) => void)[] = [];
  let partialLine = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partialLine + chunk.toString()).split('\n');
    partialLine = lines.pop() ?? '';
    for (const line of lines) {
      const match = MEMORY_LINE.exec(line);
      if (match) memoryReports.shift()?.(Number(match[1]));
    }
  });
  await waitUntilListening(child, port, () => output);
  const pid = child.pid!;
  return {
    target: { kind, port },
    pid,
    cpuMs: () => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    },
    rssBytes: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024,
    collectGarbage: () =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${kind}: no memory report after GC`)), 10_000);
        memoryReports.push((heapUsed) => {
          clearTimeout(timer);
          resolve(heapUsed);
        });
        process.kill(pid, 'SIGUSR2');
      }),
    openFiles: () =>
      Number(
        execFileSync('ls', [`/proc/${pid}/fd`])
          .toString()
          .split('\n')
          .filter(Boolean).length,
      ),
    maxOpenFiles: () =>
      Number(/Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))![1]),
    stop: () => stopChild(child),
  };
}

async function waitUntilListening(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', () => reject(new Error(`server exited: ${output()}`))),
  );
  exited.catch(() => {});
  try {
    await Promise.race([waitForPort(port, START_TIMEOUT_MS), exited]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL'); // figures are taken; a graceful close of thousands of sockets would only cost time
  await exited;
}

export interface LoadProcess {
  run(command: LoadCommand, timeoutMs?: number): Promise<LoadReply>;
  stop(): Promise<void>;
}

export async function startLoad(): Promise<LoadProcess> {
  const child = fork(fileURLToPath(new URL('./relay-load.ts', import.meta.url)), {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies: ((reply: LoadReply) => void)[] = [];
  child.on('message', (reply: LoadReply) => replies.shift()?.(reply));
  const next = (timeoutMs: number) =>
    new Promise<LoadReply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('load generator timed out')), timeoutMs);
      replies.push((reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  await next(START_TIMEOUT_MS);
  return {
    async run(command, timeoutMs = 60_000) {
      const reply = next(timeoutMs);
      child.send(command);
      const result = await reply;
      if (!result.ok) throw new Error(`load generator: ${result.error}`);
      return result;
    },
    stop: () => stopChild(child),
  };
}
