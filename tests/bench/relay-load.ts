/**
 * The load generator, a child process of the relay benchmark (so that it never shares a core's event loop
 * with the server it measures). It obeys one IPC command at a time and answers with figures; every loop
 * is bounded by a count and a deadline.
 */
import {
  type BenchClient,
  type ClientIdentity,
  clientFaults,
  makeIdentity,
  openClient,
  type Target,
} from './relay-bench-clients.ts';

export type LoadCommand =
  | { op: 'connect'; target: Target; count: number; concurrency: number; localAddress?: string }
  | { op: 'throughput'; pairs: number; durationMs: number; window: number; payloadBytes: number }
  | { op: 'latency'; pairs: number; ratePerSecond: number; durationMs: number; payloadBytes: number }
  | { op: 'hold'; ms: number }
  | { op: 'expect' }
  | { op: 'send-to'; to: string }
  | { op: 'expected'; timeoutMs: number }
  | { op: 'close' };

export interface LoadReply {
  ok: boolean;
  error?: string;
  faults: typeof clientFaults;
  connected: number;
  [figure: string]: unknown;
}

const DRAIN_MS = 3000;
const clients: BenchClient[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function connect(target: Target, count: number, concurrency: number, localAddress?: string) {
  // Keys are made before the clock starts: the figure is the server's accept rate, not our key generation.
  const identities: ClientIdentity[] = Array.from({ length: count }, () => makeIdentity(target.kind));
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const worker = async () => {
    while (next < identities.length) {
      const identity = identities[next++]!;
      try {
        clients.push(await openClient(target, identity, localAddress));
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  return { ms: performance.now() - started, failed, firstError, loadCpuMs: (cpu.user + cpu.system) / 1000 };
}

function payload(bytes: number, sequence: number): Uint8Array {
  const out = Buffer.alloc(bytes, 0x5a);
  out.writeUInt32BE(sequence, 0);
  out.writeDoubleLE(performance.now(), 8);
  return out;
}

async function throughput(pairs: number, durationMs: number, window: number, payloadBytes: number) {
  let sent = 0;
  let received = 0;
  let lastReceipt = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const stopAt = started + durationMs;
  for (let i = 0; i < pairs; i++) {
    const sender = clients[2 * i]!;
    const receiver = clients[2 * i + 1]!;
    sender.onPayload = () => {};
    receiver.onPayload = () => {
      received++;
      lastReceipt = performance.now();
      if (lastReceipt < stopAt) {
        sender.send(receiver.id, payload(payloadBytes, sent++));
      }
    };
    for (let k = 0; k < window; k++) sender.send(receiver.id, payload(payloadBytes, sent++));
  }
  await sleep(durationMs);
  for (let waited = 0; received < sent && waited < DRAIN_MS; waited += 10) await sleep(10);
  const cpu = process.cpuUsage(cpuBefore);
  return { sent, received, ms: lastReceipt - started, loadCpuMs: (cpu.user + cpu.system) / 1000 };
}

async function latency(pairs: number, ratePerSecond: number, durationMs: number, payloadBytes: number) {
  const samples: number[] = [];
  let sent = 0;
  for (let i = 0; i < pairs; i++) {
    const pinger = clients[2 * i]!;
    const echoer = clients[2 * i + 1]!;
    echoer.onPayload = (data) => echoer.send(pinger.id, data);
    pinger.onPayload = (data) => samples.push(performance.now() - Buffer.from(data).readDoubleLE(8));
  }
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      const due = Math.floor((Math.min(elapsed, durationMs) * ratePerSecond) / 1000);
      for (; sent < due; sent++) {
        const pair = sent % pairs;
        clients[2 * pair]!.send(clients[2 * pair + 1]!.id, payload(payloadBytes, sent));
      }
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  for (let waited = 0; samples.length < sent && waited < DRAIN_MS; waited += 10) await sleep(10);
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
  // Every round trip too, so that runs in several slices can be pooled before taking percentiles.
  return { sent, received: samples.length, p50: at(0.5), p99: at(0.99), samples };
}

/**
 * A probe across processes (and relay nodes): `expect` arms this process's first client and names it,
 * another process's `send-to` sends it one message, and `expected` says whether it arrived.
 */
let armed: Promise<void> | undefined;
function expect() {
  const client = clients[0]!;
  armed = new Promise((resolve) => {
    client.onPayload = () => resolve();
  });
  return { id: Buffer.from(client.id).toString('hex') };
}

async function expected(timeoutMs: number) {
  if (armed === undefined) return { delivered: false };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const delivered = await Promise.race([armed.then(() => true), timedOut]);
  clearTimeout(timer);
  return { delivered };
}

async function run(command: LoadCommand): Promise<Record<string, unknown>> {
  switch (command.op) {
    case 'connect':
      return connect(command.target, command.count, command.concurrency, command.localAddress);
    case 'throughput':
      return throughput(command.pairs, command.durationMs, command.window, command.payloadBytes);
    case 'latency':
      return latency(command.pairs, command.ratePerSecond, command.durationMs, command.payloadBytes);
    case 'hold':
      await sleep(command.ms);
      return {};
    case 'expect':
      return expect();
    case 'send-to':
      clients[0]!.send(new Uint8Array(Buffer.from(command.to, 'hex')), payload(64, 0));
      return {};
    case 'expected':
      return expected(command.timeoutMs);
    case 'close':
      for (const client of clients.splice(0)) client.close();
      return {};
  }
}

process.on('message', (command: LoadCommand) => {
  run(command).then(
    (figures) => process.send?.({ ok: true, faults: clientFaults, connected: clients.length, ...figures }),
    (error: Error) =>
      process.send?.({ ok: false, error: error.message, faults: clientFaults, connected: clients.length }),
  );
});
process.on('disconnect', () => process.exit(0)); // the benchmark is gone: so are we
process.send?.({ ok: true, faults: clientFaults, connected: 0, started: true });
