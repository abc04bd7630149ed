/**
 * A system notification for an incoming call while the tab is hidden, if the user allowed notifications.
 * The text names the contact as stored in the address book; nothing else (no key, no message content).
 */
export interface CallNotifier {
  incoming(name: string, media: 'audio' | 'video'): void;
  clear(): void;
  /** Ask for permission (call from a user gesture). */
  request(): Promise<NotificationPermission | 'unsupported'>;
}

export function browserNotifier(doc: Pick<Document, 'visibilityState'> = document): CallNotifier {
  let current: Notification | undefined;
  const supported = typeof Notification !== 'undefined';
  return {
    incoming(name, media) {
      if (!supported || Notification.permission !== 'granted' || doc.visibilityState !== 'hidden') return;
      current?.close();
      try {
        current = new Notification(`${name} is calling`, {
          body: media === 'video' ? 'Video call on Tincan' : 'Audio call on Tincan',
          tag: 'tincan-call',
          requireInteraction: true,
        });
        current.onclick = () => {
          window.focus();
          current?.close();
        };
      } catch {
        // Some platforms only allow notifications from a service worker; the ringing screen still shows.
      }
    },
    clear() {
      current?.close();
      current = undefined;
    },
    async request() {
      if (!supported) return 'unsupported';
      return Notification.permission === 'default'
        ? Notification.requestPermission()
        : Notification.permission;
    },
  };
}

export const silentNotifier: CallNotifier = {
  incoming() {},
  clear() {},
  request: async () => 'unsupported',
};

export type NotificationState = NotificationPermission | 'unsupported';

/** Where the browser's notification permission is read, asked for and watched. */
export interface NotificationPermissionSource {
  current(): NotificationState;
  /** Asks the user (call from a user gesture); resolves to the state after. */
  request(): Promise<NotificationState>;
  /** Calls back when the permission changes (the user changed it in the site settings); returns the stop. */
  watch(onChange: (state: NotificationState) => void): () => void;
}

export function browserNotificationPermission(): NotificationPermissionSource {
  const supported = typeof Notification !== 'undefined';
  const current = (): NotificationState => (supported ? Notification.permission : 'unsupported');
  return {
    current,
    async request() {
      if (!supported) return 'unsupported';
      return Notification.permission === 'default'
        ? Notification.requestPermission()
        : Notification.permission;
    },
    watch(onChange) {
      let stopped = false;
      let status: PermissionStatus | undefined;
      const changed = () => onChange(current());
      navigator.permissions
        ?.query({ name: 'notifications' })
        .then((found) => {
          if (stopped) return;
          status = found;
          status.addEventListener('change', changed);
        })
        .catch(() => {
          // No Permissions API for notifications here: the state is read again when settings open.
        });
      return () => {
        stopped = true;
        status?.removeEventListener('change', changed);
      };
    },
  };
}

/** Where there is no browser (tests, the CLI): no notifications. */
export const noNotificationPermission: NotificationPermissionSource = {
  current: () => 'unsupported',
  request: async () => 'unsupported',
  watch: () => () => {},
};
