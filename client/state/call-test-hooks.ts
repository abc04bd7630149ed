/**
 * Test builds only. When the client is built with VITE_TINCAN_TEST_HOOKS=1 in the environment (the call e2e
 * suite and the benchmark do), a page may set `globalThis.tincanCallHooks` before it loads (Playwright's
 * addInitScript) and reads the call model back from `globalThis.tincanCalls`. Any other build replaces the
 * flag with `undefined` at build time, and both functions do nothing.
 */
import type { CallTestHooks } from '../services/rtc/call-service.ts';

const enabled = (): boolean => import.meta.env?.VITE_TINCAN_TEST_HOOKS === '1';

export function callTestHooks(): { hooks: CallTestHooks } | Record<string, never> {
  if (!enabled()) return {};
  const hooks = (globalThis as { tincanCallHooks?: CallTestHooks }).tincanCallHooks;
  return { hooks: hooks ?? {} };
}

export function exposeCallsForTests(calls: unknown): void {
  if (enabled()) (globalThis as { tincanCalls?: unknown }).tincanCalls = calls;
}
