/**
 * Which release of the app this page runs, and what the release worker says about the server's offers:
 * a refused offer (a warning), a checked release the user may switch to (an update), or nothing.
 */
import { computed, type ReadonlySignal, signal } from '@preact/signals';
import type { ReleaseWorker } from '../services/release-worker.ts';
import type { ReleaseInfo, ReleaseStatus } from '../sw/messages.ts';

export interface ReleaseModel {
  /** null until the worker answers; then what it said last. */
  readonly status: ReadonlySignal<ReleaseStatus | null>;
  /** True when no worker pins this page (no support, or its first release was refused). */
  readonly unpinned: ReadonlySignal<boolean>;
  /** The offer to show, unless the user said "later" to it in this page. */
  readonly offer: ReadonlySignal<ReleaseInfo | null>;
  readonly accepting: ReadonlySignal<boolean>;
  start(): Promise<void>;
  check(): Promise<void>;
  accept(): Promise<void>;
  later(): void;
}

export interface ReleaseDeps {
  readonly startWorker: () => Promise<ReleaseWorker>;
  /** Reloads the page, which the worker then serves from the release just accepted. */
  readonly reload: () => void;
}

export function createReleaseModel(deps: ReleaseDeps): ReleaseModel {
  const status = signal<ReleaseStatus | null>(null);
  const unpinned = signal(false);
  const dismissed = signal<string | null>(null);
  const accepting = signal(false);
  let worker: ReleaseWorker | undefined;

  const offer = computed(() => {
    const offered = status.value?.offer ?? null;
    return offered && offered.hash !== dismissed.value ? offered : null;
  });

  async function check(): Promise<void> {
    if (worker) status.value = await worker.ask({ type: 'check' });
  }

  return {
    status,
    unpinned,
    offer,
    accepting,
    async start() {
      try {
        worker = await deps.startWorker();
      } catch {
        unpinned.value = true;
        return;
      }
      status.value = await worker.ask({ type: 'status' });
      await check();
    },
    check,
    async accept() {
      const offered = offer.value;
      if (!worker || !offered) return;
      accepting.value = true;
      const next = await worker.ask({ type: 'accept', hash: offered.hash });
      status.value = next;
      if (next.running?.hash === offered.hash) deps.reload();
      else accepting.value = false;
    },
    later() {
      dismissed.value = offer.value?.hash ?? null;
    },
  };
}
