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
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
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

export async function createRedisRouter(url: string, options: RedisRouterOptions = {}): Promise<Router> {
  if (typeof url !== 'string') throw new TypeError(`url must be a string, got ${typeof url}`);
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
  };
  const pub = new Redis(url, connectionOptions);
  const sub = new Redis(url, connectionOptions);
  for (const connection of [pub, sub]) connection.on('error', () => onError('connection'));
  try {
    await Promise.all([pub.connect(), sub.connect()]);
    const sharded = options.sharded ?? (await serverMajorVersion(pub)) >= 7;
    return _wireRouter(pub, sub, sharded, options.channelKey ?? PUBLIC_CHANNEL_KEY, onError);
  } catch (error) {
    pub.disconnect();
    sub.disconnect();
    throw error;
  }
}

async function serverMajorVersion(redis: Redis): Promise<number> {
  const match = /redis_version:(\d+)/.exec(await redis.info('server'));
  return match ? Number(match[1]) : 0;
}

function _wireRouter(
  pub: Redis,
  sub: Redis,
  sharded: boolean,
  channelKey: Uint8Array,
  onError: (kind: RedisRouterErrorKind) => void,
): Router {
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
  const publish = (channel: string, message: Buffer): Promise<number> =>
    (sharded ? pub.spublish(channel, message) : pub.publish(channel, message)) as Promise<number>;
  const subscribe = (channel: string) => (sharded ? sub.ssubscribe(channel) : sub.subscribe(channel));
  const unsubscribe = (channel: string): void => {
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
  sub.on(sharded ? 'smessageBuffer' : 'messageBuffer', onMessage);

  // After a reconnect the server has forgotten our subscriptions; kicks that could not be sent go out now.
  const onReady = (resubscribe: boolean): void => {
    if (closed) return;
    for (const [channel, holder] of holders) {
      if (!holder.sequenced) void announce(channel, holder);
      else if (resubscribe) subscribe(channel).catch(() => onError('subscribe'));
    }
  };
  sub.on('ready', () => onReady(true));
  pub.on('ready', () => onReady(false));

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
