/**
 * The relay's HTTP side: the built client as static files, /healthz, /metrics, and strict headers on every
 * response (spec/relay.md, HTTP). There is deliberately no HTTP route that returns anything about
 * users, and none that hands out TURN credentials: those go to authenticated sockets only.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { equalBytes, utf8 } from '../crypto/bytes.ts';
import { type ClientAddressing, canonicalIp, createClientAddressing } from './client-address.ts';
import { type HealthAnswer, liveness, type RelayHealth, readiness } from './health.ts';
import type { RelayMetrics } from './metrics.ts';
import { pageImportMapSources } from './page-script-hashes.ts';

export interface HttpAppOptions {
  /** Directory of the built client; when it is missing a minimal page says so. */
  readonly staticDir: string;
  readonly metrics: RelayMetrics;
  /**
   * Without a token /metrics answers loopback clients only, never through a proxy: even bare counts,
   * polled from outside, tell when the few users of a small relay are talking. With a token it answers
   * `Authorization: Bearer <token>`.
   */
  readonly metricsToken: string | undefined;
  readonly addressing: ClientAddressing;
  readonly secure: boolean;
  /** The relay's public origins, read per request (they are known only once the server listens). */
  readonly origins: () => readonly string[];
  readonly health: () => RelayHealth;
  /** Every relay node of the deployment (ws(s):// URLs), for clients to fail over to. */
  readonly relays: readonly string[];
}

/** Only features browsers know: an unknown one costs a console warning on every page load, and does nothing. */
const PERMISSIONS_POLICY =
  'camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=(), ' +
  'serial=(), interest-cohort=()';

/**
 * The one Trusted Types policy the page may create: it turns the page's own service worker path, and no
 * other string, into a script URL (client/services/service-worker-url.ts). No policy turns a string into
 * HTML or script, and there is no default policy.
 */
export const TRUSTED_TYPES_POLICY = 'tincan-service-worker';

/**
 * Scripts fetched without integrity metadata are refused: the page's own carry `integrity`, the chunks it
 * imports later get theirs from its import map (client/build/page-integrity.ts).
 */
const INTEGRITY_POLICY = 'blocked-destinations=(script)';

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tincan relay</title></head>
<body><h1>Tincan relay</h1><p>The relay is running. The web client is not built yet.</p></body></html>
`;

export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const webSocketSources = (): string =>
    options
      .origins()
      .map((o) => o.replace(/^http/, 'ws'))
      .join(' ');
  const importMapSources = pageImportMapSources(join(options.staticDir, 'index.html'));
  const scriptSources = (): string => ["'self'", ...importMapSources()].join(' ');
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: [scriptSources],
          scriptSrcAttr: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          mediaSrc: ["'self'", 'blob:'],
          fontSrc: ["'self'"],
          // 'self' covers same-origin ws(s) in CSP Level 3 browsers; the explicit origins cover older ones.
          connectSrc: ["'self'", webSocketSources],
          workerSrc: ["'self'"],
          manifestSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          requireTrustedTypesFor: ["'script'"],
          trustedTypes: [TRUSTED_TYPES_POLICY],
          upgradeInsecureRequests: options.secure ? [] : null,
        },
      },
      strictTransportSecurity: options.secure ? { maxAge: 63072000, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
    }),
  );
  app.use((_req, res, next) => {
    res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
    res.setHeader('Integrity-Policy', INTEGRITY_POLICY);
    next();
  });

  const answer = (res: Response, { status, body }: HealthAnswer) => {
    res.status(status).set('Cache-Control', 'no-store').type('text/plain').send(body);
  };
  app.get('/healthz', (_req, res) => answer(res, liveness(options.health())));
  app.get('/readyz', (_req, res) => answer(res, readiness(options.health())));
  // The deployment's relay nodes, for a client to fail over to when its node goes: the page's own CSP
  // (connect-src) already names their origins.
  app.get('/relays.json', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ relays: options.relays });
  });
  app.get('/metrics', async (req, res) => {
    if (!metricsAllowed(req, options.metricsToken, options.addressing)) {
      res
        .status(options.metricsToken === undefined ? 403 : 401)
        .type('text/plain')
        .send('forbidden\n');
      return;
    }
    res
      .set('Cache-Control', 'no-store')
      .type(options.metrics.contentType)
      .send(await options.metrics.render());
  });

  if (existsSync(options.staticDir)) {
    app.use(express.static(options.staticDir, { dotfiles: 'ignore', index: 'index.html', redirect: false }));
  } else {
    app.get('/', (_req, res) => {
      res.type('html').send(NOT_BUILT_PAGE);
    });
  }
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found\n');
  });
  // Express's default handler prints stacks that may quote the request; count the class instead.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown }).status;
    if (typeof status !== 'number' || status >= 500) options.metrics.error('http');
    res
      .status(typeof status === 'number' && status >= 400 && status < 600 ? status : 500)
      .type('text/plain')
      .send('error\n');
  });
  return app;
}

const LOOPBACK = new Set(['127.0.0.1', '::1']);

/**
 * A loopback peer is this host, but a reverse proxy on this host is a loopback peer too: a request that
 * came through one (a trusted proxy's, or any carrying a forwarding header) is never taken for local.
 */
export function metricsAllowed(
  req: IncomingMessage,
  token: string | undefined,
  addressing: ClientAddressing = createClientAddressing(),
): boolean {
  if (token === undefined)
    return LOOPBACK.has(canonicalIp(req.socket.remoteAddress ?? '')) && !addressing.proxied(req);
  const header = req.headers.authorization ?? '';
  return equalBytes(utf8(header), utf8(`Bearer ${token}`));
}
