/**
 * Registers the release worker (/sw.js) and asks it questions (client/sw/messages.ts). The worker pins the
 * release; this page only shows what it says.
 */
import type { ReleaseRequest, ReleaseStatus } from '../sw/messages.ts';
import { serviceWorkerScriptUrl } from './service-worker-url.ts';

export interface ReleaseWorker {
  ask(request: ReleaseRequest): Promise<ReleaseStatus>;
}

/** A check fetches a whole release when one is offered: give it time on a slow line. */
const ANSWER_TIMEOUT_MS = 120_000;

/**
 * Resolves once a worker is active; rejects if the browser has none or the worker refused to install (a
 * first visit whose release did not pass its checks: the page then runs unpinned).
 */
export async function startReleaseWorker(
  container: ServiceWorkerContainer | undefined,
): Promise<ReleaseWorker> {
  if (container === undefined) throw new Error('no service workers in this browser');
  // updateViaCache 'none': the browser asks the server for sw.js itself each time it checks for a new one.
  const registration = await container.register(serviceWorkerScriptUrl(), {
    scope: '/',
    updateViaCache: 'none',
  });
  const active = registration.active ?? (await activation(registration.installing ?? registration.waiting));
  return {
    ask: (request) =>
      new Promise<ReleaseStatus>((resolve, reject) => {
        const channel = new MessageChannel();
        const timer = setTimeout(
          () => reject(new Error('the release worker did not answer')),
          ANSWER_TIMEOUT_MS,
        );
        channel.port1.onmessage = (event: MessageEvent<ReleaseStatus>) => {
          clearTimeout(timer);
          channel.port1.close();
          resolve(event.data);
        };
        (registration.active ?? active).postMessage(request, [channel.port2]);
      }),
  };
}

function activation(worker: ServiceWorker | null): Promise<ServiceWorker> {
  return new Promise((resolve, reject) => {
    if (worker === null) return reject(new Error('no release worker'));
    const settle = () => {
      if (worker.state === 'activated') resolve(worker);
      else if (worker.state === 'redundant') reject(new Error('the release worker did not install'));
    };
    worker.addEventListener('statechange', settle);
    settle();
  });
}
