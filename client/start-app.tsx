/**
 * Starts the app in this page: the vault, the first screen, and the unlocked part loaded behind it. main.tsx
 * starts it with the product's own dependencies; `options` lets another entry give the call service others.
 */
import { render } from 'preact';
import { webPasskeys } from './services/passkey.ts';
import { webRandom } from './services/random.ts';
import { relayUrlsForPage } from './services/relay-list.ts';
import { createVaultStore } from './services/storage.ts';
import { createApp, type SessionFactory } from './state/app.ts';
import { createNavigation } from './state/navigation.ts';
import type { SessionEnvironment, SessionModel } from './state/session.ts';
import { App } from './ui/App.tsx';
import './styles.css';

type Unlocked = typeof import('./unlocked.ts');

export type StartOptions = Pick<SessionEnvironment, 'createCallService'>;

export function startApp(options: StartOptions = {}) {
  const random = webRandom(crypto);
  let unlocked: Unlocked | undefined;
  let factory: Promise<SessionFactory<SessionModel>> | undefined;

  /** The unlocked part of the app; fetched once, right after the first screen is up. */
  function loadSessions(): Promise<SessionFactory<SessionModel>> {
    factory ??= Promise.all([import('./unlocked.ts'), relayUrlsForPage(location)]).then(
      ([module, relays]) => {
        unlocked = module;
        const [relayUrl, ...otherRelayUrls] = relays;
        return module.createSessionFactory({
          random,
          backend: () => module.ed25519Backend(crypto.subtle),
          x25519: () => module.x25519Backend(crypto.subtle),
          relayUrl: relayUrl!,
          otherRelayUrls,
          origin: location.origin,
          events: window,
          ...options,
        });
      },
    );
    factory.catch(() => {
      factory = undefined;
    });
    return factory;
  }

  const navigation = createNavigation(window);
  const app = createApp({
    store: createVaultStore(),
    subtle: crypto.subtle,
    random,
    loadSessions,
    passkeys: webPasskeys(window, random),
    // After lock or delete the page reloads: the old heap, keys and messages included, is discarded.
    afterLock: () => location.reload(),
  });

  // One unlocked tab at a time: two would overwrite each other's vault and take turns on the relay.
  const tabs = typeof BroadcastChannel === 'function' ? new BroadcastChannel('tincan-tabs') : undefined;
  tabs?.addEventListener('message', (event) => {
    if (event.data === 'unlocked' && app.phase.value === 'unlocked') void app.lock();
  });
  app.phase.subscribe((phase) => {
    if (phase === 'unlocked') tabs?.postMessage('unlocked');
  });

  void app.init();
  render(
    <App app={app} navigation={navigation} shell={() => unlocked?.Shell} />,
    document.getElementById('app')!,
  );
  // Fetch the rest while the user types a passphrase.
  setTimeout(() => void loadSessions().catch(() => {}), 0);
  return app;
}
