/** The relay benchmark's tables: medians per server, the relay/bare ratios and the goals of spec/performance.md. */
import type { ServerKind } from './relay-bench-clients.ts';
import type { HoldResult } from './relay-hold.ts';
import {
  type BenchTable,
  FAIL_MARK,
  formatNumber,
  formatRatio,
  type GoalVerdict,
  NO_GOAL,
  PASS_MARK,
} from './support/table.ts';

export interface Figures {
  cpuMicrosPerMessage: number;
  messagesPerSecond: number;
  serverCpuShare: number;
  p50Ms: number;
  p99Ms: number;
  rssPerConnectionKiB: number;
  heapPerConnectionKiB: number;
  acceptsPerSecond: number;
  cpuMicrosPerAccept: number;
  lost: number;
  faults: number;
  loadCpuShareAccepting: number;
  loadCpuShareForwarding: number;
}

export const KINDS: readonly ServerKind[] = ['relay', 'bare', 'bare-auth', 'peerjs'];
export const LABEL: Record<ServerKind, string> = {
  relay: 'our relay',
  bare: 'bare ws',
  'bare-auth': 'bare ws + signature',
  peerjs: 'PeerJS',
};

interface RatioGoal {
  readonly ratio: number;
  readonly atMost: boolean;
}
/** The relay's figure over `against`'s (the bare forwarder unless a row says otherwise). */
type Row = readonly [label: string, key: keyof Figures, goal?: RatioGoal | 'zero', against?: ServerKind];

export interface TableSettings {
  readonly rounds: number;
  readonly payloadBytes: number;
  readonly connections: number;
  readonly latencyRate: number;
  readonly latencyPairs: number;
  /** Message runs per server and round, and the length of each. */
  readonly slices: number;
  readonly sliceMs: number;
}

function rows(settings: TableSettings): readonly Row[] {
  return [
    ['relay CPU per forwarded message (µs)', 'cpuMicrosPerMessage', { ratio: 1.1, atMost: true }],
    ['forwarded messages/s (closed loop)', 'messagesPerSecond'],
    ['  server CPU share during that run', 'serverCpuShare'],
    ['  load generator CPU share', 'loadCpuShareForwarding'],
    [`round trip p50 at ${settings.latencyRate}/s (ms)`, 'p50Ms'],
    [`round trip p99 at ${settings.latencyRate}/s (ms)`, 'p99Ms', { ratio: 1.2, atMost: true }],
    [
      `RSS per idle conn at ${settings.connections} (KiB)`,
      'rssPerConnectionKiB',
      { ratio: 1.3, atMost: true },
    ],
    ['  of it JS heap, after a full GC (KiB)', 'heapPerConnectionKiB'],
    ['connections accepted/s, incl. auth', 'acceptsPerSecond', { ratio: 0.5, atMost: false }],
    [
      '  ratio to bare ws + one signature check',
      'acceptsPerSecond',
      { ratio: 0.8, atMost: false },
      'bare-auth',
    ],
    ['  server CPU per accepted conn (µs)', 'cpuMicrosPerAccept'],
    ['  load generator CPU share', 'loadCpuShareAccepting'],
    ['messages lost', 'lost', 'zero'],
    ['client errors and unexpected closes', 'faults', 'zero'],
  ];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function comparisonTable(results: Record<ServerKind, Figures[]>, settings: TableSettings): BenchTable {
  const goals: GoalVerdict[] = [];
  const tableRows = rows(settings).map(([label, key, goal, against = 'bare']) => {
    const values = KINDS.map((kind) => median(results[kind].map((figures) => figures[key])));
    const relay = values[0]!;
    const ratio = relay / values[KINDS.indexOf(against)]!;
    let goalText = NO_GOAL;
    let mark = NO_GOAL;
    if (goal !== undefined) {
      const met = goal === 'zero' ? relay === 0 : goal.atMost ? ratio <= goal.ratio : ratio >= goal.ratio;
      goalText = goal === 'zero' ? 'relay 0' : `${goal.atMost ? '≤' : '≥'} ${goal.ratio}×`;
      mark = met ? PASS_MARK : FAIL_MARK;
      goals.push({ subject: `relay: ${label.trim()}`, goal: goalText, met });
    }
    const ratioText = goal === 'zero' || !Number.isFinite(ratio) ? '' : formatRatio(ratio);
    return [label, ...values.map(formatNumber), ratioText, goalText, mark];
  });
  return {
    title: `Relay vs a bare ws forwarder (with and without a signature check per login) and PeerJS: medians of ${settings.rounds} round(s) of alternating slices, ${settings.payloadBytes}-byte envelopes, loopback`,
    columns: [
      { header: 'figure' },
      ...KINDS.map((kind) => ({ header: LABEL[kind], align: 'right' as const })),
      { header: 'relay/bare', align: 'right' },
      { header: 'goal' },
      { header: '' },
    ],
    rows: tableRows,
    notes: [
      'Each server runs in its own process, measured from /proc; the load generators are other processes.',
      'bare ws + signature: the bare forwarder that checks one Ed25519 signature per login over the bytes our',
      "  relay's clients sign, on the same backend and thread pool: the floor of any relay that proves keys.",
      `Per round: ${KINDS.length} fresh servers measured in turn, the order rotating: connects in 4 slices, then ${settings.slices} × (${settings.sliceMs / 1000} s`,
      '  closed-loop run + 1 s at the fixed rate) each; throughput and round trips pooled over the slices.',
      'RSS per connection: (RSS after N idle connections - RSS before) / N, after a warm-up and a full GC. It also',
      '  counts how far V8 grew its young generation meanwhile (up to 32 MiB, sized by recent allocation, not by',
      '  what the process holds), hence its noise; the JS heap row below it does not.',
      'Connections come from 2 load processes for every server; the message runs from the first of them.',
      `Round trip: A -> server -> B -> server -> A, ${settings.latencyRate} round trips/s spread over ${settings.latencyPairs} pairs.`,
      'A server CPU share well below 1 means the run was not server-bound (2 cores shared with the load).',
    ],
    goals,
  };
}

export function holdTable(hold: HoldResult): BenchTable {
  const met =
    hold.failed === 0 &&
    hold.faults === 0 &&
    hold.probesDelivered === hold.probes &&
    hold.held === hold.target;
  return {
    title: `Idle authenticated connections held by our relay: ${hold.relayProcesses} processes + Redis (bounded run)`,
    columns: [
      { header: 'target' },
      { header: 'held (per relay)', align: 'right' },
      { header: 'per-process max', align: 'right' },
      { header: 'connects/s', align: 'right' },
      { header: 'failed', align: 'right' },
      { header: 'errors', align: 'right' },
      { header: 'cross-node probes' },
      { header: 'RSS/conn', align: 'right' },
      { header: '' },
    ],
    rows: [
      [
        String(hold.target),
        `${hold.held} (${hold.heldPerRelay.join(' + ')})`,
        String(hold.perProcessMaximum),
        formatNumber(hold.connectsPerSecond),
        String(hold.failed),
        String(hold.faults),
        `${hold.probesDelivered}/${hold.probes} delivered`,
        `${formatNumber(hold.rssPerConnectionKiB)} KiB`,
        met ? PASS_MARK : FAIL_MARK,
      ],
    ],
    notes: hold.notes,
    goals: [
      {
        subject: `relay: ${hold.target} idle authenticated connections without an error (${hold.relayProcesses} processes + Redis)`,
        goal: 'held',
        met,
      },
    ],
  };
}
