/**
 * Routes relay frames between relay processes through Redis pub/sub. Redis stores nothing: no key is ever
 * written. Each connected address has one channel, subscribed by the node that holds the address; PUBLISH
 * answers how many subscribers took the message, so 0 is `undeliverable` across nodes with no extra state.
 *
 * Channel name (ASCII, so it survives ioredis's string-keyed resubscribe):
 *
 *   "tc:a:" || hex( HMAC-SHA-256(channelKey, address)[0..16] )
 *
 * Channel message, first byte the type:
 *
 *   0        1
 *   +--------+------------------------------------ ...
 *   |  0x01  | frame, exactly as given to route()
 *   +--------+------------------------------------ ...
 *
 *   0        1                                 17                21
 *   +--------+---------------------------------+-----------------+
 *   |  0x02  | node id (16, random per process) | attach nonce u32be |   "kick"
 *   +--------+---------------------------------+-----------------+
 *
 * Newest wins across nodes: a node subscribes first, then publishes a kick. Redis delivers the messages of a
 * channel in one order to every subscriber, so a holder whose own kick has come back ("sequenced") and then
 * sees another node's kick was superseded and is kicked; a kick seen before its own came back was ordered
 * earlier and is ignored. Exactly one holder survives concurrent attaches: the one whose kick came last.
 *
 * Redis may be away: at start, or for a while later. The router is usable at once and routes locally all the
 * time; while Redis is unreachable, a frame for another node is answered undeliverable at once (no offline
 * queue), the clients' outboxes resend, and the router rejoins on its own when Redis returns (subscribing
 * and kicking again for every address it holds). `connected()` says which it is, for health and metrics.
 *
 * A Redis Cluster is named by seed URLs. The channels then live in slots spread across the masters; sharded
 * pub/sub (SSUBSCRIBE/SPUBLISH, Redis 7) keeps a channel's traffic on the shard that owns its slot, with one
 * subscriber connection per shard, and ioredis follows a failover to the promoted replica.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { assertBytes, equalBytes, readU32be, u32be } from '../crypto/bytes.ts';
import { type AddressKey, addressKey, type Endpoint, type Router } from './router.ts';

const CHANNEL_PREFIX = 'tc:a:';
const CHANNEL_HASH_BYTES = 16;
const MIN_CHANNEL_KEY_BYTES = 16;
/** Used when no deployment key is given: channel names are then pseudonyms anyone knowing the key can compute. */
const PUBLIC_CHANNEL_KEY = Buffer.from('tincan relay channel v1');
const MESSAGE_FRAME = 0x01;
const MESSAGE_KICK = 0x02;
const NODE_ID_BYTES = 16;
const KICK_BYTES = 1 + NODE_ID_BYTES + 4;

export type RedisRouterErrorKind = 'connection' | 'publish' | 'subscribe' | 'endpoint';

/** One Redis server's URL, or the seed URLs of a Redis Cluster. */
export type RedisTarget = string | { readonly cluster: readonly string[] };

/** Retry delays while Redis is away: quick to rejoin, bounded so a long outage costs little. */
const RECONNECT_MS = { step: 100, max: 2000 };
const retryDelay = (attempt: number): number => Math.min(RECONNECT_MS.step * attempt, RECONNECT_MS.max);

export interface RedisRouterOptions {
  /** Secret shared by the relay nodes of one deployment; keeps identity keys out of Redis's channel list. */
  channelKey?: Uint8Array;
  /** SPUBLISH/SSUBSCRIBE (Redis 7+). Default: on when the server is Redis 7 or newer. */
  sharded?: boolean;
  /** Counts failures by class only; never receives user data. */
  onError?: (kind: RedisRouterErrorKind) => void;
}

interface Holder {
  readonly address: AddressKey;
  readonly channel: string;
  readonly endpoint: Endpoint;
  /** Nonce of this holder's latest kick; 0 before the first is sent. */
  nonce: number;
  /** Our own latest kick came back on the channel: later foreign kicks are newer than us. */
  sequenced: boolean;
}

export async function createRedisRouter(
  target: RedisTarget,
  options: RedisRouterOptions = {},
): Promise<Router> {
  const seeds = typeof target === 'string' ? undefined : target.cluster;
  if (seeds === undefined && typeof target !== 'string')
    throw new TypeError(`target must be a URL or { cluster: URLs }, got ${typeof target}`);
  if (
    seeds !== undefined &&
    (!Array.isArray(seeds) || seeds.length === 0 || seeds.some((u) => typeof u !== 'string'))
  )
    throw new TypeError('cluster must be a non-empty list of URLs');
  if (options.channelKey !== undefined) {
    assertBytes(options.channelKey, 'channelKey');
    if (options.channelKey.length < MIN_CHANNEL_KEY_BYTES) {
      throw new RangeError(
        `channelKey must be at least ${MIN_CHANNEL_KEY_BYTES} bytes, got ${options.channelKey.length}`,
      );
    }
  }
  const onError = options.onError ?? (() => {});
  // No offline queue: while Redis is down a route fails at once (undeliverable) instead of piling up.
  const connectionOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResubscribe: false,
    maxRetriesPerRequest: 1,
    retryStrategy: retryDelay,
  };
  const [pub, sub] =
    seeds === undefined
      ? [new Redis(target as string, connectionOptions), new Redis(target as string, connectionOptions)]
      : [false, true].map(
          (shardedSubscribers) =>
            new Cluster(seeds.map(clusterNode), {
              lazyConnect: true,
              enableOfflineQueue: false,
              shardedSubscribers,
              clusterRetryStrategy: retryDelay,
              redisOptions: { maxRetriesPerRequest: 1 },
            }),
        );
  for (const connection of [pub!, sub!]) connection.on('error', () => onError('connection'));
  const router = _wireRouter(
    pub as RedisConnection,
    sub as RedisConnection,
    seeds === undefined ? options.sharded : true,
    options.channelKey ?? PUBLIC_CHANNEL_KEY,
    onError,
  );
  // Settles at once when Redis refuses: the relay starts and serves without it, and joins when it answers.
  await Promise.allSettled([pub!.connect(), sub!.connect()]);
  return router;
}

function clusterNode(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:') throw new RangeError(`not a redis:// URL: ${url}`);
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
}

/** What the router uses of a connection: a Redis server's or a Cluster's, which answer alike. */
interface RedisConnection {
  readonly status: string;
  on(event: string, listener: (...args: never[]) => void): unknown;
  info(section: string): Promise<string>;
  publish(channel: string, message: Buffer): Promise<number>;
  spublish(channel: string, message: Buffer): Promise<number>;
  subscribe(channel: string): Promise<unknown>;
  ssubscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  sunsubscribe(channel: string): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

async function serverMajorVersion(redis: RedisConnection): Promise<number> {
  const match = /redis_version:(\d+)/.exec(await redis.info('server'));
  return match ? Number(match[1]) : 0;
}

function _wireRouter(
  pub: RedisConnection,
  sub: RedisConnection,
  shardedOption: boolean | undefined,
  channelKey: Uint8Array,
  onError: (kind: RedisRouterErrorKind) => void,
): Router {
  /** Learnt from the server at its first READY unless given: sharded pub/sub needs Redis 7. */
  let sharded = shardedOption;
  const nodeId = randomBytes(NODE_ID_BYTES);
  /** By channel, for what Redis delivers; by address, for what this node routes (no HMAC per local frame). */
  const holders = new Map<string, Holder>();
  const local = new Map<AddressKey, Holder>();
  let lastNonce = 0;
  let closed = false;

  const channelFor = (address: Uint8Array): string =>
    CHANNEL_PREFIX +
    createHmac('sha256', channelKey).update(address).digest().subarray(0, CHANNEL_HASH_BYTES).toString('hex');
  const forget = (holder: Holder): void => {
    holders.delete(holder.channel);
    if (local.get(holder.address) === holder) local.delete(holder.address);
    unsubscribe(holder.channel);
  };
  const notYet = () => Promise.reject(new Error('redis mode not known yet'));
  const publish = (channel: string, message: Buffer): Promise<number> =>
    sharded === undefined
      ? notYet()
      : sharded
        ? pub.spublish(channel, message)
        : pub.publish(channel, message);
  const subscribe = (channel: string): Promise<unknown> =>
    sharded === undefined ? notYet() : sharded ? sub.ssubscribe(channel) : sub.subscribe(channel);
  const unsubscribe = (channel: string): void => {
    if (sharded === undefined) return;
    (sharded ? sub.sunsubscribe(channel) : sub.unsubscribe(channel)).catch(() => onError('subscribe'));
  };
  const guard = (action: () => void): void => {
    try {
      action();
    } catch {
      onError('endpoint');
    }
  };

  async function announce(channel: string, holder: Holder): Promise<void> {
    try {
      await subscribe(channel);
    } catch {
      onError('subscribe'); // retried when the connection is ready again
      return;
    }
    if (closed || holders.get(channel) !== holder) return;
    lastNonce = lastNonce === 0xffffffff ? 1 : lastNonce + 1;
    holder.nonce = lastNonce;
    holder.sequenced = false;
    const kick = Buffer.concat([Buffer.of(MESSAGE_KICK), nodeId, u32be(holder.nonce)]);
    await publish(channel, kick).catch(() => onError('publish'));
  }

  function onMessage(channelName: Buffer, message: Buffer): void {
    const channel = channelName.toString('latin1');
    const holder = holders.get(channel);
    if (holder === undefined || message.length === 0) return;
    if (message[0] === MESSAGE_FRAME) {
      guard(() => holder.endpoint.deliver(message.subarray(1)));
      return;
    }
    if (message[0] !== MESSAGE_KICK || message.length !== KICK_BYTES) return;
    if (equalBytes(message.subarray(1, 1 + NODE_ID_BYTES), nodeId)) {
      // Our own kicks: local takeovers were settled in attach(); only the echo of the latest one counts.
      if (readU32be(message, 1 + NODE_ID_BYTES) === holder.nonce) holder.sequenced = true;
      return;
    }
    if (!holder.sequenced) return; // ordered before our own kick: ours is the newer one
    forget(holder);
    guard(() => holder.endpoint.kick());
  }
  sub.on('smessageBuffer', onMessage);
  sub.on('messageBuffer', onMessage);

  // After a reconnect the server has forgotten our subscriptions; kicks that could not be sent go out now.
  const onReady = async (resubscribe: boolean): Promise<void> => {
    if (closed) return;
    if (sharded === undefined) {
      try {
        sharded = (await serverMajorVersion(pub)) >= 7;
      } catch {
        return; // the publisher is not ready yet: its own READY runs this again
      }
    }
    for (const [channel, holder] of holders) {
      if (!holder.sequenced) void announce(channel, holder);
      else if (resubscribe) subscribe(channel).catch(() => onError('subscribe'));
    }
  };
  sub.on('ready', () => void onReady(true));
  pub.on('ready', () => void onReady(false));

  return {
    async attach(address, endpoint) {
      const key = addressKey(address);
      const channel = channelFor(address);
      const previous = holders.get(channel);
      const holder: Holder = { address: key, channel, endpoint, nonce: 0, sequenced: false };
      holders.set(channel, holder);
      local.set(key, holder);
      if (previous !== undefined && previous.endpoint !== endpoint) guard(() => previous.endpoint.kick());
      await announce(channel, holder);
    },

    detach(address, endpoint) {
      const holder = local.get(addressKey(address));
      if (holder?.endpoint !== endpoint) return; // already replaced: not ours to remove
      forget(holder);
    },

    route(recipient, frame) {
      assertBytes(recipient, 'recipient', 32);
      assertBytes(frame, 'frame');
      const held = local.get(addressKey(recipient));
      if (held !== undefined) {
        // Held by this node: answered synchronously, like the local router, with no Redis round trip.
        guard(() => held.endpoint.deliver(frame));
        return true;
      }
      const channel = channelFor(recipient);
      // Copied now: the caller's buffer may be reused once route returns.
      const message = Buffer.allocUnsafe(1 + frame.length);
      message[0] = MESSAGE_FRAME;
      message.set(frame, 1);
      return publish(channel, message).then(
        (receivers) => receivers > 0,
        () => {
          onError('publish');
          return false;
        },
      );
    },

    connected: () => sharded !== undefined && pub.status === 'ready' && sub.status === 'ready',

    async close() {
      if (closed) return;
      closed = true;
      holders.clear();
      local.clear();
      await Promise.all(
        [pub, sub].map((connection) => connection.quit().catch(() => connection.disconnect())),
      );
    },
  };
}
