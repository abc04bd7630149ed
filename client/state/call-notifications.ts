/**
 * "Notify me of calls": the browser's notification permission as the settings screen shows it, in every
 * state, with what the user can do about it. The browser owns the permission; this model reads it, asks for
 * it, and follows changes made in the browser's site settings.
 */
import { computed, type ReadonlySignal, signal } from '@preact/signals';
import type { NotificationPermissionSource, NotificationState } from '../services/rtc/notifier.ts';

export interface CallNotificationsView {
  readonly state: NotificationState;
  /** One line that says whether calls notify, and how to change it where the app cannot. */
  readonly text: string;
  /** Whether the app can ask the browser (only while the user has not answered). */
  readonly canAsk: boolean;
}

const TEXT: Record<NotificationState, string> = {
  granted:
    'Call notifications are on: an incoming call shows a notification while Tincan is in the background.',
  default:
    'Call notifications are off. Turn them on to see an incoming call while Tincan is in the background.',
  denied:
    "Call notifications are blocked for this site. To turn them on, open the browser's site settings for this page (the icon left of the address) and allow Notifications.",
  unsupported: 'This browser cannot show notifications: a call rings only while this tab is open.',
};

export const describeCallNotifications = (state: NotificationState): CallNotificationsView => ({
  state,
  text: TEXT[state],
  canAsk: state === 'default',
});

export function createCallNotifications(source: NotificationPermissionSource) {
  const state = signal<NotificationState>(source.current());
  const stop = source.watch((next) => {
    state.value = next;
  });
  return {
    view: computed(() => describeCallNotifications(state.value)) as ReadonlySignal<CallNotificationsView>,
    /** Reads the permission again (the settings screen opened: it may have changed meanwhile). */
    refresh(): void {
      state.value = source.current();
    },
    async ask(): Promise<void> {
      state.value = await source.request();
    },
    dispose(): void {
      stop();
    },
  };
}

export type CallNotificationsModel = ReturnType<typeof createCallNotifications>;
