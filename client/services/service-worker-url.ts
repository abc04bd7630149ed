/**
 * The page's service worker URL as a Trusted Types script URL. The relay's CSP requires Trusted Types for
 * every script sink (`require-trusted-types-for 'script'`), and `navigator.serviceWorker.register` is one:
 * it takes no plain string. This policy is the only one the CSP allows (`trusted-types
 * tincan-service-worker`), and it turns exactly one string, the service worker's own path, into a script
 * URL; anything else is a TypeError. In a browser without Trusted Types the path is returned as it is.
 */

export const SERVICE_WORKER_PATH = '/sw.js';
export const SERVICE_WORKER_POLICY = 'tincan-service-worker';

/** The part of the browser's `trustedTypes` factory this module uses. */
export interface ScriptUrlPolicyFactory {
  createPolicy(name: string, rules: { createScriptURL(input: string): string }): ScriptUrlPolicy;
}
export interface ScriptUrlPolicy {
  createScriptURL(input: string): unknown;
}

/** What `navigator.serviceWorker.register` accepts: a TrustedScriptURL where Trusted Types exist. */
export type ServiceWorkerScriptUrl = string & { readonly __trustedScriptUrl?: never };

/** A policy name can be created once per page (the CSP has no 'allow-duplicates'): keep the first. */
const policies = new WeakMap<ScriptUrlPolicyFactory, ScriptUrlPolicy>();

function onlyTheServiceWorker(input: string): string {
  if (input !== SERVICE_WORKER_PATH) throw new TypeError(`not the service worker's path: ${input}`);
  return input;
}

/**
 * The service worker's script URL, for `navigator.serviceWorker.register`. `factory` is the browser's
 * `trustedTypes` (absent where the browser has none).
 */
export function serviceWorkerScriptUrl(
  factory: ScriptUrlPolicyFactory | undefined = (globalThis as { trustedTypes?: ScriptUrlPolicyFactory })
    .trustedTypes,
): ServiceWorkerScriptUrl {
  if (factory === undefined) return SERVICE_WORKER_PATH;
  let policy = policies.get(factory);
  if (policy === undefined) {
    policy = factory.createPolicy(SERVICE_WORKER_POLICY, { createScriptURL: onlyTheServiceWorker });
    policies.set(factory, policy);
  }
  // A TrustedScriptURL stringifies to its URL; the DOM typings know no Trusted Types yet.
  return policy.createScriptURL(SERVICE_WORKER_PATH) as ServiceWorkerScriptUrl;
}
