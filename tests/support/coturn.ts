/**
 * A real coturn on loopback for tests, in the foreground, with a throw-away config and state directory.
 * Missing `turnserver` is a failure, not a skip: the TURN tests are part of the suite.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stunAnswers } from './stun-client.ts';

export interface Coturn {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly relayPorts: readonly [number, number];
  /** SIGSTOP: the server stops answering (a TURN path that dies for real), until resume(). */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export const COTURN_MISSING =
  'turnserver (coturn) is not installed; install it with: apt-get update && apt-get install -y coturn';

function requireTurnserver(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v turnserver'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(COTURN_MISSING);
  }
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** The hardened configuration the repository ships for operators (relay/coturn/turnserver.conf). */
export const SHIPPED_COTURN_CONFIG = join(import.meta.dirname, '../../relay/coturn/turnserver.conf');

/**
 * Without `configFile`, a throw-away config that allows loopback peers, so that calls between two pages on
 * this host can relay. With it, that file as it is, plus only what a loopback test host must fill in
 * (addresses, ports, the secret, files), given on the command line.
 */
export async function startCoturn(secret: string, configFile?: string): Promise<Coturn> {
  const binary = requireTurnserver();
  const dir = mkdtempSync(join(tmpdir(), 'tincan-coturn-'));
  const port = await freeUdpPort();
  const low = 40_000 + Math.floor(Math.random() * 200) * 100;
  const relayPorts = [low, low + 99] as const;
  const host = [
    'listening-ip=127.0.0.1',
    'relay-ip=127.0.0.1',
    `listening-port=${port}`,
    `min-port=${relayPorts[0]}`,
    `max-port=${relayPorts[1]}`,
    'no-tls',
    'no-dtls',
    'no-tcp',
    `static-auth-secret=${secret}`,
    'simple-log',
    `log-file=${join(dir, 'turn.log')}`,
    `pidfile=${join(dir, 'turn.pid')}`,
    `userdb=${join(dir, 'turndb')}`,
  ];
  const testing = [
    'no-tcp-relay',
    'use-auth-secret',
    'realm=tincan.test',
    'allow-loopback-peers',
    'no-cli',
    'no-multicast-peers',
    'fingerprint',
  ];
  let args: string[];
  if (configFile === undefined) {
    writeFileSync(join(dir, 'turnserver.conf'), `${[...host, ...testing].join('\n')}\n`);
    args = ['-c', join(dir, 'turnserver.conf')];
  } else {
    args = ['-c', configFile, ...host.map((line) => `--${line}`)];
  }
  const child: ChildProcess = spawn(binary, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pause = () => void child.kill('SIGSTOP');
  const resume = () => void child.kill('SIGCONT');
  const close = async () => {
    resume();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  // Bounded wait for the listener: 50 Binding probes of 300 ms at most.
  for (let attempt = 0; attempt < 50; attempt++) {
    if (child.exitCode !== null) break;
    if (await stunAnswers('127.0.0.1', port))
      return { host: '127.0.0.1', port, relayPorts, pause, resume, close };
  }
  await close();
  throw new Error(`coturn did not answer on 127.0.0.1:${port}`);
}
