/**
 * `npm start`: runs the relay. Flags win over environment variables, which win over defaults.
 *
 *   --host HOST          HOST            default 127.0.0.1
 *   --port PORT          PORT            default 8080 (0: any free port)
 *   --origin ORIGIN      TINCAN_ORIGIN   public origin(s) clients sign, comma-separated; default the listen address
 *   --relays URLS        TINCAN_RELAYS   public ws(s):// URLs of every relay node of the deployment, comma-separated
 *                                        (repeatable): served at /relays.json for failover; their origins are accepted
 *   --tls-cert FILE      TLS_CERT        with --tls-key: serve HTTPS and WSS
 *   --tls-key FILE       TLS_KEY
 *   --limit NAME=VALUE   TINCAN_LIMITS   any limit of relay/limits.ts, repeatable (env: comma-separated)
 *   --trust-proxy ADDR   TRUST_PROXY     reverse proxies whose X-Forwarded-For names the client (default none)
 *   --client-dir DIR     TINCAN_CLIENT_DIR  the built web client to serve (default dist/client); e.g. a signed release
 *                        TURN_SECRET, TURN_URLS (comma-separated), TURN_TTL (seconds): TURN credentials
 *                        TURN_DENY: TURN labels (comma-separated) that get no credentials
 *                        REDIS_URL: route through Redis pub/sub (several relay processes)
 *                        REDIS_CLUSTER: instead, the seed URLs (comma-separated) of a Redis Cluster
 *                        REDIS_CHANNEL_KEY: hex secret (>= 16 bytes) shared by those processes; hides keys in channel names
 *                        METRICS_TOKEN: /metrics for `Authorization: Bearer <token>` (default: loopback only)
 *
 * Logs hold the listen address, counts and error classes; never keys, addresses, IPs or sizes.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS, type RelayLimits } from './limits.ts';
import { configureRelayHeap } from './platform/v8-heap.ts';
import type { RedisTarget } from './redis-router.ts';
import type { Router } from './router.ts';
import { createRelay, type RelayOptions } from './server.ts';

configureRelayHeap();

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    origin: { type: 'string', multiple: true },
    relays: { type: 'string', multiple: true },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    limit: { type: 'string', multiple: true },
    'trust-proxy': { type: 'string', multiple: true },
    'client-dir': { type: 'string' },
  },
  strict: true,
});
const env = process.env;
const list = (text: string | undefined): string[] | undefined =>
  text
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

function fail(message: string): never {
  console.error(`tincan relay: ${message}`);
  process.exit(2);
}

const port = Number(values.port ?? env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--port must be an integer in 0..65535');
const options: RelayOptions = { host: values.host ?? env.HOST ?? '127.0.0.1', port };
const origins = values.origin?.flatMap((o) => list(o) ?? []) ?? list(env.TINCAN_ORIGIN);
if (origins !== undefined) options.origins = origins;
const relays = values.relays?.flatMap((r) => list(r) ?? []) ?? list(env.TINCAN_RELAYS);
if (relays !== undefined) options.relays = relays;

const clientDir = values['client-dir'] ?? env.TINCAN_CLIENT_DIR;
if (clientDir !== undefined) options.staticDir = clientDir;

const trustProxy = values['trust-proxy']?.flatMap((p) => list(p) ?? []) ?? list(env.TRUST_PROXY);
if (trustProxy !== undefined) options.trustProxy = trustProxy;
const limitSettings = values.limit?.flatMap((l) => list(l) ?? []) ?? list(env.TINCAN_LIMITS);
if (limitSettings !== undefined) options.limits = parseLimits(limitSettings);

/** "name=value" pairs naming limits of relay/limits.ts; createRelay checks the values. */
function parseLimits(settings: readonly string[]): Partial<RelayLimits> {
  const limits: Record<string, number> = {};
  for (const setting of settings) {
    const [name = '', value = ''] = setting.split('=', 2);
    if (!Object.hasOwn(DEFAULT_LIMITS, name)) fail(`--limit: unknown limit ${JSON.stringify(name)}`);
    if (!/^\d+$/.test(value)) fail(`--limit ${name}: not a whole number`);
    limits[name] = Number(value);
  }
  return limits;
}

const certFile = values['tls-cert'] ?? env.TLS_CERT;
const keyFile = values['tls-key'] ?? env.TLS_KEY;
if ((certFile === undefined) !== (keyFile === undefined)) fail('--tls-cert and --tls-key go together');
if (certFile !== undefined && keyFile !== undefined) {
  options.tls = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

if (env.TURN_SECRET !== undefined || env.TURN_URLS !== undefined) {
  const urls = list(env.TURN_URLS);
  if (env.TURN_SECRET === undefined || urls === undefined) fail('TURN_SECRET and TURN_URLS go together');
  options.turn = { secret: env.TURN_SECRET, urls };
  if (env.TURN_TTL !== undefined) options.turn.ttlSeconds = Number(env.TURN_TTL);
  const denied = list(env.TURN_DENY);
  if (denied !== undefined) options.turn.deniedLabels = denied;
}
if (env.METRICS_TOKEN !== undefined) options.metricsToken = env.METRICS_TOKEN;
if (env.REDIS_URL !== undefined && env.REDIS_CLUSTER !== undefined)
  fail('REDIS_URL and REDIS_CLUSTER exclude each other');
const clusterSeeds = list(env.REDIS_CLUSTER);
const redisTarget = clusterSeeds === undefined ? env.REDIS_URL : { cluster: clusterSeeds };
/** Redis errors by class, counted in the relay's metrics once it exists. */
let countRedisError: (kind: string) => void = () => {};
if (redisTarget !== undefined) {
  try {
    options.router = await redisRouter(redisTarget);
  } catch (error) {
    fail(
      `cannot use ${clusterSeeds === undefined ? 'REDIS_URL' : 'REDIS_CLUSTER'}: ${(error as Error).message}`,
    );
  }
}

async function redisRouter(target: RedisTarget): Promise<Router> {
  const lastLogged = new Map<string, number>();
  const { createRedisRouter } = await import('./redis-router.ts');
  const channelKey = env.REDIS_CHANNEL_KEY;
  if (channelKey !== undefined && !/^(?:[0-9a-fA-F]{2}){16,}$/.test(channelKey)) {
    fail('REDIS_CHANNEL_KEY must be at least 16 bytes in hex');
  }
  return createRedisRouter(target, {
    ...(channelKey === undefined ? {} : { channelKey: Buffer.from(channelKey, 'hex') }),
    onError(kind) {
      countRedisError(`redis-${kind}`);
      // One line per error class per minute: enough to notice, never a flood.
      const now = Date.now();
      if (now - (lastLogged.get(kind) ?? 0) < 60_000) return;
      lastLogged.set(kind, now);
      console.error(`tincan relay: redis ${kind} error`);
    },
  });
}

let relay: Awaited<ReturnType<typeof createRelay>>;
try {
  relay = await createRelay(options);
} catch (error) {
  fail(`cannot start: ${(error as Error).message}`);
}
console.log(
  `tincan relay listening on ${relay.httpUrl} (relay ${relay.url}; origins ${relay.origins.join(', ')})`,
);
countRedisError = (kind) => relay.metrics.error(kind);
if (options.router !== undefined) watchRedis(relay);

/** Says when cross-node routing goes away and comes back: the one thing an operator must see at once. */
function watchRedis(running: typeof relay): void {
  let last = running.health().redis;
  if (last === 'down') console.error('tincan relay: redis unreachable, routing locally until it answers');
  setInterval(() => {
    const now = running.health().redis;
    if (now === last) return;
    last = now;
    console.error(
      now === 'up'
        ? 'tincan relay: redis reachable, routing across nodes'
        : 'tincan relay: redis unreachable, routing locally until it answers',
    );
  }, 1000).unref();
}

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) process.exit(1);
  stopping = true;
  console.log(`tincan relay: ${signal}, closing sockets with going-away`);
  await relay.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
