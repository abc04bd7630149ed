/** "Notify me of calls" in Settings: every state of the browser's permission, over an injected source. */
import { describe, expect, it } from 'vitest';
import type { NotificationPermissionSource, NotificationState } from '../../client/services/rtc/notifier.ts';
import { createCallNotifications } from '../../client/state/call-notifications.ts';

function fakePermission(initial: NotificationState, answer: NotificationState) {
  let state = initial;
  let listener: ((state: NotificationState) => void) | undefined;
  const source: NotificationPermissionSource = {
    current: () => state,
    request: async () => {
      if (state === 'default') state = answer;
      return state;
    },
    watch: (onChange) => {
      listener = onChange;
      return () => {
        listener = undefined;
      };
    },
  };
  return {
    source,
    /** The user changes it in the browser's site settings. */
    change(next: NotificationState) {
      state = next;
      listener?.(next);
    },
    watching: () => listener !== undefined,
  };
}

describe('call notifications setting', () => {
  it('not asked yet: off, with the button; asking turns it on', async () => {
    const browser = fakePermission('default', 'granted');
    const model = createCallNotifications(browser.source);
    expect(model.view.value).toMatchObject({ state: 'default', canAsk: true });
    expect(model.view.value.text).toMatch(/off/);
    await model.ask();
    expect(model.view.value).toMatchObject({ state: 'granted', canAsk: false });
    expect(model.view.value.text).toMatch(/^Call notifications are on/);
  });

  it('granted: says they are on, and offers nothing to click', () => {
    const model = createCallNotifications(fakePermission('granted', 'granted').source);
    expect(model.view.value).toMatchObject({ state: 'granted', canAsk: false });
    expect(model.view.value.text).toMatch(/are on/);
  });

  it('denied: says they are blocked and how to allow them in the site settings', async () => {
    const browser = fakePermission('default', 'denied');
    const model = createCallNotifications(browser.source);
    await model.ask();
    expect(model.view.value).toMatchObject({ state: 'denied', canAsk: false });
    expect(model.view.value.text).toMatch(/blocked/);
    expect(model.view.value.text).toMatch(/site settings/);
  });

  it('follows a change made in the browser, and stops following on dispose', () => {
    const browser = fakePermission('denied', 'denied');
    const model = createCallNotifications(browser.source);
    browser.change('granted');
    expect(model.view.value.state).toBe('granted');
    model.dispose();
    expect(browser.watching()).toBe(false);
  });

  it('a browser without notifications says calls ring only in the open tab', () => {
    const model = createCallNotifications(fakePermission('unsupported', 'unsupported').source);
    expect(model.view.value).toMatchObject({ state: 'unsupported', canAsk: false });
    expect(model.view.value.text).toMatch(/only while this tab is open/);
  });
});
