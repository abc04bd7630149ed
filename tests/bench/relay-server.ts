/**
 * Our relay as the benchmark runs it: createRelay with the limits a load test needs raised (one client
 * machine sends far more than one user may), everything else as in production.
 * Env: PORT, BENCH_HEARTBEAT_MS (default: the production value).
 */
import { createRelay } from '../../relay/server.ts';

const relay = await createRelay({
  host: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  limits: {
    messagesPerSecond: 10_000_000,
    messageBurst: 10_000_000,
    maxConnectionsPerIp: 1_000_000,
    maxConnections: 1_000_000,
    ...(process.env.BENCH_HEARTBEAT_MS
      ? { heartbeatIntervalMs: Number(process.env.BENCH_HEARTBEAT_MS) }
      : {}),
  },
});
console.log(`relay listening on ${relay.url}`);
process.on('SIGTERM', () => void relay.close().then(() => process.exit(0)));
