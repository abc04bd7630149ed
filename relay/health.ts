/**
 * What the relay says about itself to a load balancer and a monitor. Liveness (/healthz) answers 200 while the
 * process serves, saying in its body what is degraded; readiness (/readyz) answers 503 while a node should get
 * no new clients: it is draining, or it cannot reach the other nodes through Redis (a client there could reach
 * only the clients of this one node).
 */

/** `none`: a single process, no Redis configured. */
export type RedisState = 'none' | 'up' | 'down';

export interface RelayHealth {
  readonly draining: boolean;
  readonly redis: RedisState;
}

export interface HealthAnswer {
  readonly status: 200 | 503;
  readonly body: string;
}

export function liveness(health: RelayHealth): HealthAnswer {
  if (health.draining) return { status: 503, body: 'draining\n' };
  if (health.redis === 'down') return { status: 200, body: 'degraded: redis unreachable, routing locally\n' };
  return { status: 200, body: 'ok\n' };
}

export function readiness(health: RelayHealth): HealthAnswer {
  if (health.draining) return { status: 503, body: 'draining\n' };
  if (health.redis === 'down') return { status: 503, body: 'redis unreachable\n' };
  return { status: 200, body: 'ready\n' };
}
