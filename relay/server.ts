/**
 * createRelay: one HTTP(S) server carrying the static client, /healthz, /metrics and the WebSocket relay at
 * /relay. Holds sockets and the router's in-memory map; writes nothing anywhere.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type ServerOptions, type WebSocket, WebSocketServer } from 'ws';
import type { RandomSource } from '../crypto/bytes.ts';
import type { Ed25519Backend } from '../crypto/ed25519.ts';
import { isRelayOrigin } from '../crypto/relay-auth.ts';
import { RELAY_CLOSE_CODES, type RelayCloseReason } from '../crypto/relay-close-codes.ts';
import { RelayConnection } from './connection.ts';
import { createHttpApp } from './http-app.ts';
import { type RelayLimits, resolveLimits } from './limits.ts';
import { createLocalRouter } from './local-router.ts';
import { createRelayMetrics, type RelayMetrics } from './metrics.ts';
import { nodeEd25519 } from './platform/node-ed25519.ts';
import type { Router } from './router.ts';
import { resolveTurnConfig, type TurnConfig } from './turn.ts';

export const RELAY_PATH = '/relay';
const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../dist/client', import.meta.url));

export interface RelayOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Public origins clients bind into their AUTH signature; default: the listening address's own origin. */
  origins?: readonly string[];
  tls?: { cert: string | Buffer; key: string | Buffer };
  limits?: Partial<RelayLimits>;
  /** Default: the in-memory single-process router. The relay owns it and closes it on close(). */
  router?: Router;
  turn?: { secret: string; urls: readonly string[]; ttlSeconds?: number };
  staticDir?: string;
  metricsToken?: string;
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
  /** Closes every socket with going-away, then the listener and the router. */
  close(): Promise<void>;
}

export async function createRelay(options: RelayOptions = {}): Promise<Relay> {
  const limits = resolveLimits(options.limits);
  const turn: TurnConfig | undefined = options.turn && resolveTurnConfig(options.turn);
  const configuredOrigins = options.origins?.map(canonicalOrigin);
  const metrics = createRelayMetrics();
  const secure = options.tls !== undefined;
  const origins: string[] = [];
  const app = createHttpApp({
    staticDir: options.staticDir ?? DEFAULT_STATIC_DIR,
    metrics,
    metricsToken: options.metricsToken,
    secure,
    origins: () => origins,
  });
  const server: Server = secure ? createHttpsServer({ ...options.tls }, app) : createHttpServer(app);
  const context = {
    limits,
    origins: new Set<string>(),
    router: options.router ?? createLocalRouter(),
    backend: options.backend ?? nodeEd25519(),
    random: options.random ?? ((n: number) => new Uint8Array(randomBytes(n))),
    turn,
    metrics,
    monotonicNow: () => performance.now(),
    wallNow: () => Date.now(),
  };
  const connections = new Set<RelayConnection>();
  const perIp = new Map<string, number>();
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
    socket.on('error', () => {});
    socket.close(RELAY_CLOSE_CODES[reason], reason);
    metrics.closed(reason);
  };
  const accept = (socket: WebSocket, ip: string) => {
    if (connections.size >= limits.maxConnections) return refuse(socket, 'server-full');
    const fromIp = perIp.get(ip) ?? 0;
    if (fromIp >= limits.maxConnectionsPerIp) return refuse(socket, 'too-many-connections');
    perIp.set(ip, fromIp + 1);
    metrics.counts.accepted++;
    metrics.counts.open++;
    const connection = new RelayConnection(socket, context, () => {
      connections.delete(connection);
      metrics.counts.open--;
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left > 0) perIp.set(ip, left);
      else perIp.delete(ip);
    });
    connections.add(connection);
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const status = upgradeRefusal(req, origins);
    if (status !== undefined) {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const ip = req.socket.remoteAddress ?? 'unknown';
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, ip));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => metrics.error('http-server'));
  const heartbeat = setInterval(() => {
    for (const connection of connections) connection.heartbeat();
  }, limits.heartbeatIntervalMs);
  heartbeat.unref();
  const { port } = server.address() as AddressInfo;
  const scheme = secure ? 'https' : 'http';
  const urlHost = hostForUrl(options.host ?? '127.0.0.1');
  const httpUrl = `${scheme}://${urlHost}:${port}`;
  for (const origin of configuredOrigins ?? defaultOrigins(scheme, options.host ?? '127.0.0.1', port)) {
    origins.push(origin);
    context.origins.add(origin);
  }

  let closing: Promise<void> | undefined;
  const close = async () => {
    clearInterval(heartbeat);
    for (const connection of connections) connection.close('going-away');
    const deadline = performance.now() + limits.closeTimeoutMs;
    while (connections.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const connection of connections) connection.terminate();
    wss.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await context.router.close();
  };
  return {
    url: `${secure ? 'wss' : 'ws'}://${urlHost}:${port}${RELAY_PATH}`,
    httpUrl,
    origin: origins[0]!,
    origins,
    port,
    limits,
    metrics,
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
