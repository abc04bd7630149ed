import { describe, expect, test } from 'vitest';
import { describeConnection } from '../../client/state/connection.ts';
import { createNavigation, type NavigationWindow } from '../../client/state/navigation.ts';

function fakeWindow(hash: string) {
  const listeners: (() => void)[] = [];
  const replaced: string[] = [];
  const win: NavigationWindow & { location: { hash: string; pathname: string; search: string } } = {
    location: { hash, pathname: '/', search: '' },
    history: {
      replaceState: (_data, _unused, url) => {
        replaced.push(url ?? '');
        win.location.hash = '';
      },
    },
    addEventListener: (_type, listener) => listeners.push(listener),
  };
  return {
    win,
    replaced,
    fire: () => {
      for (const listener of listeners) listener();
    },
  };
}

describe('navigation', () => {
  test('a #add= link is taken once and removed from the address bar at once', () => {
    const { win, replaced } = fakeWindow('#add=TC1ABC');
    const navigation = createNavigation(win);
    expect(replaced).toEqual(['/']);
    expect(navigation.pendingAdd.value).toBe('TC1ABC');
    expect(navigation.takePendingAdd()).toBe('TC1ABC');
    expect(navigation.takePendingAdd()).toBeNull();
  });

  test('a link opened while the app runs (hashchange) is taken too; other hashes are left alone', () => {
    const { win, fire, replaced } = fakeWindow('#something');
    const navigation = createNavigation(win);
    expect(navigation.pendingAdd.value).toBeNull();
    expect(replaced).toEqual([]);
    win.location.hash = '#add=TC1XYZ';
    fire();
    expect(navigation.pendingAdd.value).toBe('TC1XYZ');
  });

  test('views', () => {
    const navigation = createNavigation();
    navigation.go({ name: 'chat', contact: 'a'.repeat(64) });
    expect(navigation.view.value).toEqual({ name: 'chat', contact: 'a'.repeat(64) });
    navigation.home();
    expect(navigation.view.value).toEqual({ name: 'home' });
  });
});

describe('connection status text', () => {
  test('says what is happening, with the retry countdown and the reason for a stop', () => {
    const base = { attempt: 0, turnAvailable: false };
    expect(describeConnection({ ...base, status: 'online' }, 0)).toBe('Connected');
    expect(describeConnection({ ...base, status: 'connecting' }, 0)).toBe('Connecting…');
    expect(describeConnection({ ...base, attempt: 2, status: 'connecting' }, 0)).toBe('Reconnecting…');
    expect(describeConnection({ ...base, status: 'retrying', retryAt: 4_200 }, 1_000)).toBe(
      'No connection, retrying in 4 s',
    );
    expect(describeConnection({ ...base, status: 'stopped', stopReason: 'replaced' }, 0)).toBe(
      'Tincan is open in another tab or browser',
    );
    expect(describeConnection({ ...base, status: 'stopped', stopReason: 'whatever' }, 0)).toBe(
      'Disconnected',
    );
    expect(describeConnection({ ...base, status: 'idle' }, 0)).toBe('Offline');
  });

  test('says the browser is offline while it is, instead of counting down retries', () => {
    const base = { attempt: 1, turnAvailable: false };
    const offline = 'Offline: connects when the network returns';
    expect(describeConnection({ ...base, status: 'retrying', retryAt: 4_200 }, 1_000, false)).toBe(offline);
    expect(describeConnection({ ...base, status: 'connecting' }, 0, false)).toBe(offline);
    expect(describeConnection({ ...base, status: 'online' }, 0, false)).toBe('Connected');
  });
});
