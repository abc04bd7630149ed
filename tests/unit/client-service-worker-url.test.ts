/**
 * client/services/service-worker-url.ts: the one Trusted Types policy the page makes turns the service
 * worker's own path, and nothing else, into a script URL.
 */
import { describe, expect, it } from 'vitest';
import {
  type ScriptUrlPolicyFactory,
  SERVICE_WORKER_PATH,
  SERVICE_WORKER_POLICY,
  serviceWorkerScriptUrl,
} from '../../client/services/service-worker-url.ts';

/** A trustedTypes factory that records the policies made, as the browser's would hold them. */
function recordingFactory() {
  const made: { name: string; createScriptURL: (input: string) => string }[] = [];
  const factory: ScriptUrlPolicyFactory = {
    createPolicy(name, rules) {
      made.push({ name, createScriptURL: rules.createScriptURL });
      return { createScriptURL: (input) => ({ trusted: rules.createScriptURL(input) }) };
    },
  };
  return { factory, made };
}

describe('the service worker script URL', () => {
  it('is made by the one named policy, once per page', () => {
    const { factory, made } = recordingFactory();
    expect(serviceWorkerScriptUrl(factory)).toEqual({ trusted: SERVICE_WORKER_PATH });
    expect(serviceWorkerScriptUrl(factory)).toEqual({ trusted: SERVICE_WORKER_PATH });
    expect(made.map((policy) => policy.name)).toEqual([SERVICE_WORKER_POLICY]);
  });

  it('turns no other string into a script URL', () => {
    const { factory, made } = recordingFactory();
    serviceWorkerScriptUrl(factory);
    const rule = made[0]!.createScriptURL;
    for (const other of [
      '/sw.js?x',
      '/evil.js',
      'https://evil.example/sw.js',
      'data:text/javascript,1',
      '',
    ]) {
      expect(() => rule(other), other).toThrow(TypeError);
    }
  });

  it('is the plain path where the browser has no Trusted Types', () => {
    expect(serviceWorkerScriptUrl(undefined)).toBe(SERVICE_WORKER_PATH);
  });
});
