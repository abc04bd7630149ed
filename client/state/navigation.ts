/**
 * Which screen is showing. Kept out of the URL on purpose: contact keys in the address bar would end up in
 * browser history. The one exception is an incoming `#add=CODE` link, read once and removed at once.
 */
import { signal } from '@preact/signals';

export type View =
  | { readonly name: 'home' }
  | { readonly name: 'chat'; readonly contact: string }
  | { readonly name: 'safety'; readonly contact: string }
  | { readonly name: 'request'; readonly contact: string }
  | { readonly name: 'add'; readonly input?: string }
  | { readonly name: 'group'; readonly group: string }
  | { readonly name: 'new-group' }
  | { readonly name: 'my-code' }
  | { readonly name: 'settings' };

export interface NavigationWindow {
  readonly location: { readonly hash: string; readonly pathname: string; readonly search: string };
  readonly history: { replaceState(data: unknown, unused: string, url?: string): void };
  addEventListener(type: 'hashchange', listener: () => void): void;
}

export function createNavigation(win?: NavigationWindow) {
  const view = signal<View>({ name: 'home' });
  /** A contact link opened before unlocking waits here until there is a session to add it to. */
  const pendingAdd = signal<string | null>(null);

  const takeHash = () => {
    if (!win) return;
    const hash = win.location.hash;
    if (!hash.startsWith('#add=')) return;
    pendingAdd.value = hash.slice('#add='.length);
    win.history.replaceState(null, '', win.location.pathname + win.location.search);
  };
  takeHash();
  win?.addEventListener('hashchange', takeHash);

  return {
    view,
    pendingAdd,
    go(next: View): void {
      view.value = next;
    },
    home(): void {
      view.value = { name: 'home' };
    },
    /** The link's code, once; the caller opens the add screen with it. */
    takePendingAdd(): string | null {
      const code = pendingAdd.value;
      pendingAdd.value = null;
      return code;
    },
  };
}

export type Navigation = ReturnType<typeof createNavigation>;
