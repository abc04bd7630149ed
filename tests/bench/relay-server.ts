/**
 * Our relay as the benchmark runs it: createRelay with the limits a load test needs raised (one client
 * machine sends far more than one user may), everything else as in production (relay/main.ts), including
 * its process-wide heap setting.
 * Env: PORT, BENCH_HEARTBEAT_MS (default: the production value), REDIS_URL and REDIS_CHANNEL_KEY (hex) to
 * route through Redis like `npm start` does.
 */
import { configureRelayHeap } from '../../relay/platform/v8-heap.ts';
import { createRedisRouter } from '../../relay/redis-router.ts';
import { createRelay } from '../../relay/server.ts';

configureRelayHeap(); // as relay/main.ts does

const { REDIS_URL, REDIS_CHANNEL_KEY, BENCH_HEARTBEAT_MS, PORT } = process.env;
const router =
  REDIS_URL === undefined
    ? undefined
    : await createRedisRouter(REDIS_URL, {
        ...(REDIS_CHANNEL_KEY === undefined ? {} : { channelKey: Buffer.from(REDIS_CHANNEL_KEY, 'hex') }),
        onError: (kind) => console.error(`redis ${kind} error`),
      });
const relay = await createRelay({
  host: '127.0.0.1',
  port: Number(PORT ?? 0),
  ...(router === undefined ? {} : { router }),
  limits: {
    messagesPerSecond: 10_000_000,
    // A million tokens absorbs any burst the load sends, and keeps the bucket in small integers.
    messageBurst: 1_000_000,
    maxConnectionsPerIp: 1_000_000,
    maxConnections: 1_000_000,
    // Every benchmark client comes from 127.0.0.1: no per-address budget, and no byte budget, may act.
    maxPendingPerIp: 1_000_000,
    maxPendingConnections: 1_000_000,
    messagesPerSecondPerIp: 10_000_000,
    messageBurstPerIp: 1_000_000,
    bytesPerSecond: 2 ** 30,
    byteBurst: 2 ** 30,
    ...(BENCH_HEARTBEAT_MS ? { heartbeatIntervalMs: Number(BENCH_HEARTBEAT_MS) } : {}),
  },
});
console.log(`relay listening on ${relay.url}`);
process.on('SIGTERM', () => void relay.close().then(() => process.exit(0)));
