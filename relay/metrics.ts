/**
 * Prometheus metrics, one registry per relay instance. Counts only: no label ever carries a key, an
 * address, an IP or a per-user size. Hot-path counters are plain integers that the registry reads at
 * scrape time, so forwarding a frame costs an increment, not a prom-client call.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { RELAY_CLOSE_CODES, type RelayCloseReason } from '../crypto/relay-close-codes.ts';
import type { RelayHealth } from './health.ts';

/** Why a socket ended: a relay close reason, or one of the ends the relay did not choose. */
export type CloseLabel =
  | RelayCloseReason
  | 'heartbeat-timeout'
  | 'ws-protocol-error'
  | 'client-closed'
  | 'connection-lost';

const CLOSE_LABELS: readonly CloseLabel[] = [
  ...(Object.keys(RELAY_CLOSE_CODES) as RelayCloseReason[]),
  'heartbeat-timeout',
  'ws-protocol-error',
  'client-closed',
  'connection-lost',
];

export interface RelayCounts {
  open: number;
  authenticated: number;
  accepted: number;
  forwarded: number;
  undeliverable: number;
  turnCredentials: number;
}

export interface RelayMetrics {
  readonly counts: RelayCounts;
  closed(label: CloseLabel): void;
  /** An error class (never a message, which might quote user input). */
  error(kind: string): void;
  readonly contentType: string;
  render(): Promise<string>;
}

const SINGLE_PROCESS: RelayHealth = { draining: false, redis: 'none' };

export function createRelayMetrics(health: () => RelayHealth = () => SINGLE_PROCESS): RelayMetrics {
  const registry = new Registry();
  const counts: RelayCounts = {
    open: 0,
    authenticated: 0,
    accepted: 0,
    forwarded: 0,
    undeliverable: 0,
    turnCredentials: 0,
  };
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  gauge('tincan_relay_connections', 'Open WebSocket connections.', () => counts.open);
  gauge(
    'tincan_relay_authenticated_connections',
    'Open, authenticated connections.',
    () => counts.authenticated,
  );
  counter(
    'tincan_relay_connections_accepted_total',
    'WebSocket connections accepted.',
    () => counts.accepted,
  );
  counter(
    'tincan_relay_frames_forwarded_total',
    'Frames handed to a connected recipient.',
    () => counts.forwarded,
  );
  counter(
    'tincan_relay_frames_undeliverable_total',
    'Frames answered with UNDELIVERABLE.',
    () => counts.undeliverable,
  );
  gauge('tincan_relay_draining', '1 while the relay drains: it takes no new connection.', () =>
    Number(health().draining),
  );
  gauge(
    'tincan_relay_redis_up',
    '1 while the other relay nodes are reachable through Redis, 0 while not; -1 without Redis.',
    () => ({ none: -1, up: 1, down: 0 })[health().redis],
  );
  counter('tincan_relay_turn_credentials_total', 'TURN credentials minted.', () => counts.turnCredentials);
  const closes = new Counter({
    name: 'tincan_relay_closes_total',
    help: 'Connections ended, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const reason of CLOSE_LABELS) closes.inc({ reason }, 0);
  const errors = new Counter({
    name: 'tincan_relay_errors_total',
    help: 'Internal errors, by class.',
    labelNames: ['kind'],
    registers: [registry],
  });
  return {
    counts,
    closed: (reason) => closes.inc({ reason }),
    error: (kind) => errors.inc({ kind }),
    contentType: registry.contentType,
    render: () => registry.metrics(),
  };
}
