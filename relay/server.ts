/**
 * createRelay: one HTTP(S) server carrying the static client, /healthz, /metrics and the WebSocket relay at
 * /relay. Holds sockets and the router's in-memory map; writes nothing anywhere.
 */
import { randomFillSync } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type ServerOptions, type WebSocket, WebSocketServer } from 'ws';
import type { RandomSource } from '../crypto/bytes.ts';
import type { Ed25519Backend } from '../crypto/ed25519.ts';
import { nodeEd25519 } from '../crypto/node/node-ed25519.ts';
import { isRelayOrigin, originOfRelayUrl } from '../crypto/relay-auth.ts';
import { RELAY_CLOSE_CODES, type RelayCloseReason } from '../crypto/relay-close-codes.ts';
import { canonicalIp, createClientAddressing } from './client-address.ts';
import { startCoarseClock } from './coarse-clock.ts';
import { RelayConnection } from './connection.ts';
import type { RelayHealth } from './health.ts';
import { createHttpApp } from './http-app.ts';
import { type RelayLimits, resolveLimits } from './limits.ts';
import { createLocalRouter } from './local-router.ts';
import { createRelayMetrics, type RelayMetrics } from './metrics.ts';
import { pooledRandom } from './pooled-random.ts';
import type { Router } from './router.ts';
import { TokenBucket } from './token-bucket.ts';
import { resolveTurnConfig, type TurnConfig } from './turn.ts';
import { createTurnQuota } from './turn-quota.ts';
import { createWriteBatch } from './write-batch.ts';

export const RELAY_PATH = '/relay';
const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../dist/client', import.meta.url));
/** Resolution of the clock behind the rate limits: a bucket refills at most this late. */
const RATE_CLOCK_MS = 10;
/** Kept on every raw socket until ws owns it; one function for all, not a closure per socket. */
const ignoreError = (): void => {};

/** What the relay holds per remote address, while it has connections. */
interface IpCount {
  readonly ip: string;
  /** WebSockets whose client address this is. */
  open: number;
  /** TCP connections whose peer address this is, WebSockets included. */
  tcp: number;
  /** The frame budget its WebSockets share. */
  readonly frames: TokenBucket;
}

const PEER_RECORD = Symbol('tincan relay peer record');
type CountedSocket = Socket & { [PEER_RECORD]?: IpCount | undefined };

export interface RelayOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Public origins clients bind into their AUTH signature; default: the listening address's own origin. */
  origins?: readonly string[];
  /**
   * The public ws(s):// URLs of every relay node of this deployment (this one included), served to clients
   * at /relays.json so that they fail over to another node at once. Their origins are accepted like this
   * relay's own (a client signs the origin of the node it connects to; a page loaded from one node connects
   * to another).
   */
  relays?: readonly string[];
  tls?: { cert: string | Buffer; key: string | Buffer };
  limits?: Partial<RelayLimits>;
  /** Default: the in-memory single-process router. The relay owns it and closes it on close(). */
  router?: Router;
  turn?: { secret: string; urls: readonly string[]; ttlSeconds?: number; deniedLabels?: readonly string[] };
  staticDir?: string;
  metricsToken?: string;
  /**
   * Addresses of reverse proxies whose X-Forwarded-For names the client (default none: every forwarding
   * header is ignored). Requests from them count against the client's address, and never as loopback.
   */
  trustProxy?: readonly string[];
  random?: RandomSource;
  backend?: Ed25519Backend;
}

export interface Relay {
  /** ws:// or wss:// URL of the relay endpoint. */
  readonly url: string;
  readonly httpUrl: string;
  /** The first accepted origin: what a client connecting to `url` signs. */
  readonly origin: string;
  readonly origins: readonly string[];
  readonly port: number;
  readonly limits: RelayLimits;
  readonly metrics: RelayMetrics;
  health(): RelayHealth;
  /**
   * Drains: from the first moment the relay takes no new connection (the listener closes, an upgrade on a
   * kept-alive connection is refused with 503, /healthz and /readyz say draining), then closes every socket
   * with going-away, waits up to `closeTimeoutMs` for their close handshakes, ends the rest, and closes the
   * router.
   */
  close(): Promise<void>;
}

export async function createRelay(options: RelayOptions = {}): Promise<Relay> {
  const limits = resolveLimits(options.limits);
  const turn: TurnConfig | undefined = options.turn && resolveTurnConfig(options.turn);
  const configuredOrigins = options.origins?.map(canonicalOrigin);
  const relays = (options.relays ?? []).map(canonicalRelayUrl);
  const router = options.router ?? createLocalRouter();
  let draining = false;
  const health = (): RelayHealth => ({
    draining,
    redis: router.connected === undefined ? 'none' : router.connected() ? 'up' : 'down',
  });
  const metrics = createRelayMetrics(health);
  const secure = options.tls !== undefined;
  const origins: string[] = [];
  const addressing = createClientAddressing(options.trustProxy);
  const app = createHttpApp({
    addressing,
    staticDir: options.staticDir ?? DEFAULT_STATIC_DIR,
    metrics,
    metricsToken: options.metricsToken,
    secure,
    origins: () => origins,
    health,
    relays,
  });
  // Node's defaults let a socket that never finishes its headers live 60-90 s; these close it in seconds.
  const httpTimeouts = {
    connectionsCheckingInterval: Math.min(1_000, limits.httpTimeoutMs),
    headersTimeout: limits.httpTimeoutMs,
    requestTimeout: limits.httpTimeoutMs,
  };
  const server: Server = secure
    ? createHttpsServer({ ...options.tls, ...httpTimeouts, handshakeTimeout: limits.httpTimeoutMs }, app)
    : createHttpServer(httpTimeouts, app);
  server.keepAliveTimeout = limits.httpTimeoutMs;
  // Inactivity before the upgrade; ws clears it on the sockets it takes over (heartbeats take it from there).
  server.timeout = limits.httpTimeoutMs;
  const clock = startCoarseClock(RATE_CLOCK_MS);
  const context = {
    limits,
    origins: new Set<string>(),
    router,
    // No key cache: nearly every login brings a key not seen lately, and a JWK import costs ~10 µs. The
    // signature check, a login's largest cost, runs off the event loop that every socket shares.
    backend: options.backend ?? nodeEd25519(0, 'thread-pool'),
    // Challenges and TURN labels are public once sent: one CSPRNG call serves 256 of them.
    random: options.random ?? pooledRandom((target) => randomFillSync(target)),
    turn,
    ...(turn === undefined ? {} : { turnQuota: createTurnQuota(limits) }),
    metrics,
    monotonicNow: clock.now,
    wallNow: () => Date.now(),
    writes: createWriteBatch(),
  };
  /** Open connections, each with the count of its remote address (one shared record per address). */
  const connections = new Map<RelayConnection, IpCount>();
  const perIp = new Map<string, IpCount>();
  const recordFor = (ip: string): IpCount => {
    let record = perIp.get(ip);
    if (record === undefined) {
      const frames = TokenBucket.perSecond(
        limits.messagesPerSecondPerIp,
        limits.messageBurstPerIp,
        context.monotonicNow(),
      );
      record = { ip, open: 0, tcp: 0, frames };
      perIp.set(ip, record);
    }
    return record;
  };
  const release = (record: IpCount): void => {
    if (record.open === 0 && record.tcp === 0) perIp.delete(record.ip);
  };
  function onTcpClosed(this: CountedSocket): void {
    const record = this[PEER_RECORD];
    if (record === undefined) return;
    this[PEER_RECORD] = undefined;
    metrics.counts.tcp--;
    record.tcp--;
    release(record);
  }
  // Every accepted TCP connection counts from its first moment, before it has said anything: connections
  // that are not (yet) WebSockets are capped per peer address and in total, and beyond that destroyed at once.
  server.on('connection', (socket: CountedSocket) => {
    socket.on('error', ignoreError);
    const ip = canonicalIp(socket.remoteAddress ?? 'unknown');
    const record = recordFor(ip);
    if (
      metrics.counts.tcp - metrics.counts.open >= limits.maxPendingConnections ||
      // A trusted proxy carries everyone's requests: only the total applies to it.
      (record.tcp - record.open >= limits.maxPendingPerIp && !addressing.isTrustedProxy(ip))
    ) {
      metrics.counts.tcpRefused++;
      release(record);
      socket.destroy();
      return;
    }
    record.tcp++;
    metrics.counts.tcp++;
    socket[PEER_RECORD] = record;
    socket.once('close', onTcpClosed);
  });
  // closeTimeout (ws >= 8.19) is missing from @types/ws.
  const serverOptions: ServerOptions & { closeTimeout: number } = {
    noServer: true,
    clientTracking: false,
    maxPayload: limits.maxFrameBytes,
    perMessageDeflate: false,
    skipUTF8Validation: true,
    closeTimeout: limits.closeTimeoutMs,
  };
  const wss = new WebSocketServer(serverOptions);
  wss.on('error', () => metrics.error('wss'));

  const refuse = (socket: WebSocket, reason: RelayCloseReason) => {
    socket.on('error', ignoreError);
    socket.close(RELAY_CLOSE_CODES[reason], reason);
    metrics.closed(reason);
  };
  const accept = (socket: WebSocket, stream: Duplex, ip: string) => {
    if (connections.size >= limits.maxConnections) return refuse(socket, 'server-full');
    const fromIp = recordFor(ip);
    if (fromIp.open >= limits.maxConnectionsPerIp) {
      release(fromIp);
      return refuse(socket, 'too-many-connections');
    }
    fromIp.open++;
    metrics.counts.accepted++;
    metrics.counts.open++;
    const connection = new RelayConnection(socket, context, onConnectionClosed, stream, fromIp);
    connections.set(connection, fromIp);
  };
  const onConnectionClosed = (connection: RelayConnection) => {
    const fromIp = connections.get(connection);
    if (fromIp === undefined) return;
    connections.delete(connection);
    metrics.counts.open--;
    fromIp.open--;
    release(fromIp);
  };
  const onUpgraded = (ws: WebSocket, req: IncomingMessage) => {
    // ws has put its own error listener on the raw socket: ours would only cost a listener array per socket.
    req.socket.off('error', ignoreError);
    accept(ws, req.socket, addressing.of(req));
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A plain TCP socket has had one since it was accepted; a TLS socket gets its own here.
    if ((socket as CountedSocket)[PEER_RECORD] === undefined) socket.on('error', ignoreError);
    const status = draining ? '503 Service Unavailable' : upgradeRefusal(req, origins);
    if (status !== undefined) {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    // ws answers 101 and the connection sends CHALLENGE synchronously: corked, both leave in one write.
    socket.cork();
    try {
      wss.handleUpgrade(req, socket, head, onUpgraded);
    } finally {
      socket.uncork();
    }
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => {
      clock.stop();
      reject(error);
    };
    server.once('error', failed);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', failed);
      resolve();
    });
  });
  server.on('error', () => metrics.error('http-server'));
  // One timer for every socket: a socket costs no timer of its own once authenticated.
  const heartbeat = setInterval(() => {
    for (const connection of connections.keys()) connection.heartbeat();
    context.turnQuota?.sweep(context.monotonicNow());
  }, limits.heartbeatIntervalMs);
  heartbeat.unref();
  const { port } = server.address() as AddressInfo;
  const scheme = secure ? 'https' : 'http';
  const urlHost = hostForUrl(options.host ?? '127.0.0.1');
  const httpUrl = `${scheme}://${urlHost}:${port}`;
  const ownOrigins = configuredOrigins ?? defaultOrigins(scheme, options.host ?? '127.0.0.1', port);
  for (const origin of new Set([...ownOrigins, ...relays.map(originOfRelayUrl)])) {
    origins.push(origin);
    context.origins.add(origin);
  }

  let closing: Promise<void> | undefined;
  const close = async () => {
    draining = true;
    clearInterval(heartbeat);
    const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of connections.keys()) connection.close('going-away');
    const deadline = performance.now() + limits.closeTimeoutMs;
    while (connections.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const connection of connections.keys()) connection.terminate();
    wss.close();
    server.closeAllConnections();
    await listenerClosed;
    await router.close();
    clock.stop();
  };
  return {
    url: `${secure ? 'wss' : 'ws'}://${urlHost}:${port}${RELAY_PATH}`,
    httpUrl,
    origin: origins[0]!,
    origins,
    port,
    limits,
    metrics,
    health,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}

/** An HTTP status line for an upgrade the relay will not take, or undefined to take it. */
function upgradeRefusal(req: IncomingMessage, origins: readonly string[]): string | undefined {
  const path = (req.url ?? '').split('?')[0];
  if (path !== RELAY_PATH) return '404 Not Found';
  // Browsers always send Origin: a page elsewhere cannot even open a socket (it could not sign anyway).
  const origin = req.headers.origin;
  if (origin !== undefined && !origins.includes(origin)) return '403 Forbidden';
  return undefined;
}

function canonicalRelayUrl(url: string): string {
  originOfRelayUrl(url); // a ws(s):// URL with an http(s) origin, or a RangeError
  return new URL(url).href;
}

function canonicalOrigin(origin: string): string {
  let canonical: string | undefined;
  try {
    canonical = new URL(origin).origin;
  } catch {}
  if (canonical === undefined || !isRelayOrigin(canonical))
    throw new RangeError(`not an http(s) origin: ${origin}`);
  return canonical;
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function defaultOrigins(scheme: string, host: string, port: number): string[] {
  const origin = `${scheme}://${hostForUrl(host)}:${port}`;
  return host === '127.0.0.1' ? [origin, `${scheme}://localhost:${port}`] : [origin];
}
