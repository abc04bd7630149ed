import { describe, expect, it } from 'vitest';
import { liveness, readiness } from '../../relay/health.ts';

describe('relay health answers', () => {
  it('is live and ready with nothing wrong, with or without Redis', () => {
    for (const redis of ['none', 'up'] as const) {
      expect(liveness({ draining: false, redis })).toEqual({ status: 200, body: 'ok\n' });
      expect(readiness({ draining: false, redis })).toEqual({ status: 200, body: 'ready\n' });
    }
  });

  it('stays live but not ready while Redis is unreachable: it still routes its own clients', () => {
    expect(liveness({ draining: false, redis: 'down' })).toEqual({
      status: 200,
      body: 'degraded: redis unreachable, routing locally\n',
    });
    expect(readiness({ draining: false, redis: 'down' })).toEqual({
      status: 503,
      body: 'redis unreachable\n',
    });
  });

  it('is neither live nor ready while draining, whatever Redis does', () => {
    for (const redis of ['none', 'up', 'down'] as const) {
      expect(liveness({ draining: true, redis }).status).toBe(503);
      expect(readiness({ draining: true, redis })).toEqual({ status: 503, body: 'draining\n' });
    }
  });
});
