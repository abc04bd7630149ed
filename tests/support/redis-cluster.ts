/**
 * A real Redis Cluster on loopback for tests: six redis-server processes (three masters, three replicas,
 * `cluster-enabled yes`, no persistence, each in its own empty directory), joined by
 * `redis-cli --cluster create --cluster-replicas 1`. A short node timeout makes a failover take seconds.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForPort } from './redis-server.ts';

const run = promisify(execFile);
const NODES = 6;
const NODE_TIMEOUT_MS = 1500;

export interface RedisCluster {
  /** redis:// URLs of every node, masters and replicas: seeds for a client. */
  readonly urls: readonly string[];
  /** The port of the master that serves `channel`'s slot now. */
  masterFor(channel: string): Promise<number>;
  /** Kills the node on `port` at once (SIGKILL), as a crash would. */
  kill(port: number): void;
  /** Resolves once every slot is served again (`cluster_state:ok` as seen from `viaPort`). */
  waitUntilOk(viaPort: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

const cli = async (port: number, ...args: string[]): Promise<string> =>
  (await run('redis-cli', ['-p', String(port), ...args])).stdout;

/** Waits until half the nodes are replicas whose link to their master is up: only then can one fail over. */
async function replicasInSync(ports: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const replication = await Promise.all(ports.map((port) => cli(port, 'INFO', 'replication')));
    const synced = replication.filter(
      (info) => info.includes('role:slave') && info.includes('master_link_status:up'),
    );
    if (synced.length === ports.length / 2) return;
    if (Date.now() > deadline) throw new Error(`replicas not in sync within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'tincan-redis-cluster-'));
  const ports: number[] = [];
  const children = new Map<number, ChildProcess>();
  try {
    for (let i = 0; i < NODES; i++) {
      const port = await freePort();
      const nodeDir = join(dir, String(port));
      await run('mkdir', ['-p', nodeDir]);
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(nodeDir, 'nodes.conf'),
          '--cluster-node-timeout',
          String(NODE_TIMEOUT_MS),
          '--dir',
          nodeDir,
        ],
        { stdio: 'ignore' },
      );
      ports.push(port);
      children.set(port, child);
    }
    await Promise.all(ports.map((port) => waitForPort(port, 5000)));
    await run('sh', [
      '-c',
      `yes yes | redis-cli --cluster create ${ports.map((p) => `127.0.0.1:${p}`).join(' ')} --cluster-replicas 1`,
    ]);
  } catch (error) {
    for (const child of children.values()) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const cluster: RedisCluster = {
    urls: ports.map((port) => `redis://127.0.0.1:${port}`),
    async masterFor(channel) {
      const alive = ports.find((port) => children.get(port)?.exitCode === null && !killed.has(port))!;
      const slot = Number((await cli(alive, 'CLUSTER', 'KEYSLOT', channel)).trim());
      for (const line of (await cli(alive, 'CLUSTER', 'NODES')).split('\n')) {
        const [, address, flags, , , , , state, ...ranges] = line.split(' ');
        if (!flags?.includes('master') || flags.includes('fail') || state !== 'connected') continue;
        for (const range of ranges) {
          const [from, to = from] = range.split('-').map(Number);
          if (slot >= from! && slot <= to!) return Number(address!.split('@')[0]!.split(':')[1]);
        }
      }
      throw new Error(`no master serves slot ${slot}`);
    },
    kill(port) {
      killed.add(port);
      children.get(port)?.kill('SIGKILL');
    },
    async waitUntilOk(viaPort, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!(await cli(viaPort, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) {
        if (Date.now() > deadline) throw new Error(`cluster not ok within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      await Promise.all(
        [...children.values()].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
  const killed = new Set<number>();
  await cluster.waitUntilOk(ports[0]!, 15_000);
  await replicasInSync(ports, 15_000);
  return cluster;
}
