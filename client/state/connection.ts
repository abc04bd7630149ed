/**
 * The relay connection as signals for the UI: status, when the next attempt is, and why it stopped.
 * Reconnects at once when the browser says the network is back or the page becomes visible again.
 */
import { computed, type ReadonlySignal, signal } from '@preact/signals';
import type { Ed25519Signer } from '../../crypto/ed25519.ts';
import {
  createRelayConnection,
  type RelayConnection,
  type RelayConnectionOptions,
  type RelayConnectionState,
} from '../services/relay-connection.ts';

export interface ConnectionModel {
  readonly state: ReadonlySignal<RelayConnectionState>;
  readonly online: ReadonlySignal<boolean>;
  /** Short text for the status line. */
  readonly label: ReadonlySignal<string>;
  readonly relay: RelayConnection;
  start(): void;
  retryNow(): void;
  dispose(): void;
}

export interface ConnectionDeps {
  readonly url: string;
  /** The deployment's other relay nodes, tried in turn when one fails. */
  readonly otherUrls?: readonly string[];
  readonly identity: { readonly publicKey: Uint8Array; readonly signer: Ed25519Signer };
  readonly onEnvelope: (envelope: Uint8Array) => void;
  /** Where 'online', 'offline' and 'visibilitychange' events come from, and whether the browser has a network. */
  readonly events?: Pick<Window, 'addEventListener' | 'removeEventListener'> & {
    document?: Document;
    navigator?: { readonly onLine: boolean };
  };
  readonly relayOptions?: Partial<RelayConnectionOptions>;
}

const STOP_TEXT: Record<string, string> = {
  replaced: 'Tincan is open in another tab or browser',
  'auth-failed': 'The relay refused this identity',
  'bad-frame': 'The relay and this app do not understand each other',
  'frame-too-large': 'A message was too large for the relay',
};

/** `networkUp`: false while the browser itself says it has no network (then no relay can be reached). */
export function describeConnection(state: RelayConnectionState, now: number, networkUp = true): string {
  if (!networkUp && (state.status === 'retrying' || state.status === 'connecting')) {
    return 'Offline: connects when the network returns';
  }
  switch (state.status) {
    case 'idle':
      return 'Offline';
    case 'connecting':
      return state.attempt > 0 ? 'Reconnecting…' : 'Connecting…';
    case 'online':
      return 'Connected';
    case 'retrying': {
      const seconds = Math.max(1, Math.ceil(((state.retryAt ?? now) - now) / 1000));
      return `No connection, retrying in ${seconds} s`;
    }
    case 'stopped':
      return STOP_TEXT[state.stopReason ?? ''] ?? 'Disconnected';
  }
}

export function createConnectionModel(deps: ConnectionDeps): ConnectionModel {
  const state = signal<RelayConnectionState>({ status: 'idle', attempt: 0, turnAvailable: false });
  const now = signal(Date.now());
  const relay = createRelayConnection({
    url: deps.url,
    ...(deps.otherUrls ? { otherUrls: deps.otherUrls } : {}),
    identity: deps.identity,
    onEnvelope: deps.onEnvelope,
    onStateChange: (next) => {
      now.value = Date.now();
      state.value = next;
    },
    ...deps.relayOptions,
  });
  // The countdown in the label needs a tick only while waiting to retry.
  const ticker = setInterval(() => {
    if (state.value.status === 'retrying') now.value = Date.now();
  }, 1000);
  const wake = () => {
    if (state.value.status === 'retrying') relay.reconnectNow();
  };
  const onVisible = () => {
    if (deps.events?.document?.visibilityState === 'visible') wake();
  };
  const networkUp = signal(deps.events?.navigator?.onLine ?? true);
  const onNetwork = () => {
    networkUp.value = deps.events?.navigator?.onLine ?? true;
    if (networkUp.value) wake();
  };
  deps.events?.addEventListener('online', onNetwork);
  deps.events?.addEventListener('offline', onNetwork);
  deps.events?.document?.addEventListener('visibilitychange', onVisible);

  return {
    state,
    online: computed(() => state.value.status === 'online'),
    label: computed(() => describeConnection(state.value, now.value, networkUp.value)),
    relay,
    start: () => relay.start(),
    retryNow: () => relay.reconnectNow(),
    dispose() {
      clearInterval(ticker);
      deps.events?.removeEventListener('online', onNetwork);
      deps.events?.removeEventListener('offline', onNetwork);
      deps.events?.document?.removeEventListener('visibilitychange', onVisible);
      relay.stop();
    },
  };
}
