/**
 * Calls as signals for the UI: the call service's view, the "hide my IP address" setting, the in-call
 * verification, and the actions of the call buttons and screens. Components read these signals and call these
 * actions; the service does the work.
 */
import { batch, computed, type ReadonlySignal, signal } from '@preact/signals';
import type { RandomSource } from '../../crypto/bytes.ts';
import type { CallMedia } from '../../crypto/call-signaling.ts';
import type { MessageKind } from '../../crypto/envelope.ts';
import type { TurnCredentialsBody } from '../../crypto/relay-turn-credentials.ts';
import type { CallState, EndReason } from '../services/rtc/call-machine.ts';
import { CallService, type CallServiceDeps, type CallView } from '../services/rtc/call-service.ts';
import type { FileSource } from '../services/rtc/file-transfer.ts';
import {
  DEFAULT_HIDE_IP,
  type HideIpSetting,
  type IpPolicy,
  ipPolicy,
  isHideIpSetting,
} from '../services/rtc/ice-policy.ts';
import {
  browserNotificationPermission,
  browserNotifier,
  type NotificationPermissionSource,
  noNotificationPermission,
} from '../services/rtc/notifier.ts';
import { webAudioRinger } from '../services/rtc/ringtone.ts';
import { createCallNotifications } from './call-notifications.ts';

/** What the model uses of the service: the real CallService, or a fake in tests. */
export type CallServiceLike = Pick<
  CallService,
  | 'start'
  | 'accept'
  | 'decline'
  | 'hangup'
  | 'sasMismatch'
  | 'dismiss'
  | 'setMuted'
  | 'setCameraOff'
  | 'shareScreen'
  | 'selectDevice'
  | 'sendFile'
  | 'cancelTransfer'
  | 'sendDirect'
  | 'receive'
  | 'refreshDevices'
  | 'dispose'
  | 'current'
  | 'peerConnection'
  | 'gateRecord'
>;

export interface CallModelDeps {
  readonly myKey: Uint8Array;
  readonly random: RandomSource;
  readonly now?: () => number;
  readonly sendEnvelope: (peer: string, kind: MessageKind, body: Uint8Array) => Promise<unknown>;
  readonly receiveEnvelope: (bytes: Uint8Array) => void;
  readonly requestTurn: () => Promise<TurnCredentialsBody | null>;
  readonly turnAvailable: () => boolean;
  readonly contact: (peer: string) => { readonly name: string; readonly verified: boolean } | undefined;
  /** The contacts model's verify action. */
  readonly markVerified: (peer: string) => Promise<void>;
  /** Where the hide-my-IP choice is kept (localStorage in the app; it names no contact). */
  readonly storage?: Pick<Storage, 'getItem' | 'setItem'>;
  readonly createService?: (deps: CallServiceDeps) => CallServiceLike;
  /** The browser's notification permission (the browser's own where there is a document, else none). */
  readonly notificationPermission?: NotificationPermissionSource;
  /** Once per call, when it is over (the chat adds its line). */
  readonly onEnded?: (call: CallState) => void;
}

export const HIDE_IP_STORAGE_KEY = 'tincan.hide-ip';

const END_TEXT: Record<EndReason, string> = {
  'hung-up': 'Call ended',
  'remote-hung-up': 'They hung up',
  rejected: 'They declined the call',
  declined: 'Call declined',
  busy: 'They are in another call',
  'no-answer': 'No answer',
  missed: 'Missed call',
  failed: 'The connection was lost or could not be made',
  security: 'This call may be intercepted',
  'remote-security': 'This call may be intercepted',
  'media-error': 'The camera or microphone could not be opened',
};

export const describeEnd = (reason: EndReason): string => END_TEXT[reason];

const isSecurity = (reason: EndReason | null) => reason === 'security' || reason === 'remote-security';

export function createCallModel(deps: CallModelDeps) {
  const now = deps.now ?? (() => Date.now());
  const view = signal<CallView | null>(null);
  const hideIp = signal<HideIpSetting>(readSetting(deps.storage));
  const clock = signal(now());
  const sasConfirmed = signal<string | null>(null);
  /** The call (by id) whose screen is folded into a small bar so the chat can be used. */
  const minimizedCall = signal<string | null>(null);
  let ticker: ReturnType<typeof setInterval> | undefined;
  let lastEnded: string | null = null;
  const notifications = createCallNotifications(
    deps.notificationPermission ??
      (typeof document === 'undefined' ? noNotificationPermission : browserNotificationPermission()),
  );

  const serviceDeps: CallServiceDeps = {
    myKey: deps.myKey,
    random: deps.random,
    now,
    sendEnvelope: deps.sendEnvelope,
    receiveEnvelope: deps.receiveEnvelope,
    requestTurn: deps.requestTurn,
    turnAvailable: deps.turnAvailable,
    isVerified: (peer) => deps.contact(peer)?.verified ?? false,
    hideIp: () => hideIp.value,
    nameOf: (peer) => deps.contact(peer)?.name ?? 'A contact',
    ...(typeof AudioContext === 'undefined' ? {} : { ringer: webAudioRinger() }),
    ...(typeof document === 'undefined' ? {} : { notifier: browserNotifier(document) }),
    onChange: (next) => {
      view.value = next;
      const ended = next.call?.phase === 'ended' ? next.call : null;
      if (ended && ended.callId !== lastEnded) {
        lastEnded = ended.callId;
        deps.onEnded?.(ended);
      }
      // The call timer needs a clock only while a call is up.
      const live = next.call !== null && next.call.phase !== 'ended';
      if (live && ticker === undefined) ticker = setInterval(() => (clock.value = now()), 1000);
      if (!live && ticker !== undefined) {
        clearInterval(ticker);
        ticker = undefined;
      }
    },
  };
  const service = (deps.createService ?? ((d) => new CallService(d)))(serviceDeps);

  const call = computed(() => view.value?.call ?? null);
  const peer = computed(() => call.value?.peer ?? view.value?.preparing?.peer ?? null);

  return {
    view: view as ReadonlySignal<CallView | null>,
    call,
    /** Who the call is with, as the address book names them. */
    peerName: computed(() => {
      const key = peer.value;
      return key ? (deps.contact(key)?.name ?? 'Unknown contact') : '';
    }),
    /** Who is calling us while it rings (for the tab title), else null. */
    ringingFrom: computed(() => {
      const current = call.value;
      return current?.phase === 'incoming' ? (deps.contact(current.peer)?.name ?? 'A contact') : null;
    }),
    /** "Notify me of calls", in every state of the browser's permission. */
    notifications,
    /** Whether the address book has them as verified (safety number, or these words in an earlier call). */
    peerVerified: computed(() => {
      const key = peer.value;
      return key ? (deps.contact(key)?.verified ?? false) : false;
    }),
    /** Seconds since the gate opened, for the call timer. */
    elapsedSeconds: computed(() => {
      const connectedAt = call.value?.connectedAt;
      return connectedAt == null ? 0 : Math.max(0, Math.floor((clock.value - connectedAt) / 1000));
    }),
    /** A warning that the call may be intercepted (our check failed, or the peer's did). */
    intercepted: computed(() => isSecurity(call.value?.endReason ?? null)),
    sasConfirmed: computed(() => sasConfirmed.value !== null && sasConfirmed.value === call.value?.callId),
    /** The call goes on in a small bar while the chat is shown. */
    minimized: computed(() => {
      const current = call.value;
      return current !== null && current.phase !== 'ended' && minimizedCall.value === current.callId;
    }),
    setMinimized(minimized: boolean): void {
      minimizedCall.value = minimized ? (call.value?.callId ?? null) : null;
    },
    hideIp: hideIp as ReadonlySignal<HideIpSetting>,
    /** Whether a call with `peer` would hide our address (before the service has fixed it for a call). */
    policyFor: (contactKey: string): IpPolicy =>
      ipPolicy(hideIp.value, deps.contact(contactKey)?.verified ?? false, deps.turnAvailable()),
    /** For the data channel route of the messenger's transport. */
    service,

    start(contactKey: string, media: CallMedia): Promise<void> {
      return service.start(contactKey, media);
    },
    accept: () => service.accept(),
    decline: () => service.decline(),
    hangup: () => service.hangup(),
    dismiss: () => service.dismiss(),
    toggleMute: () => service.setMuted(!(view.value?.muted ?? false)),
    toggleCamera: () => service.setCameraOff(!(view.value?.cameraOff ?? false)),
    toggleScreen: () => service.shareScreen(!(view.value?.sharing ?? false)),
    selectDevice: (kind: 'audioinput' | 'videoinput', id: string) => service.selectDevice(kind, id),
    sendFile: (file: FileSource) => service.sendFile(file),
    cancelTransfer: (id: string) => service.cancelTransfer(id),

    /** Both read the same words: the contact is verified (as after comparing safety numbers). */
    async confirmSas(): Promise<void> {
      const current = call.value;
      if (!current || !view.value?.sas) return;
      await deps.markVerified(current.peer);
      sasConfirmed.value = current.callId;
    },
    /** The words differ: someone may be in the middle. The call ends with the warning. */
    sasMismatch(): void {
      batch(() => {
        sasConfirmed.value = null;
        service.sasMismatch();
      });
    },

    setHideIp(setting: HideIpSetting): void {
      if (!isHideIpSetting(setting)) throw new RangeError(`hide-IP setting unknown: ${String(setting)}`);
      hideIp.value = setting;
      try {
        deps.storage?.setItem(HIDE_IP_STORAGE_KEY, setting);
      } catch {
        // Storage full or blocked: the choice holds for this session.
      }
    },

    /** A call-kind envelope body from the messenger. */
    receive: (peer: string, kind: number, body: Uint8Array) => service.receive(peer, kind, body),

    dispose(): void {
      if (ticker !== undefined) clearInterval(ticker);
      ticker = undefined;
      notifications.dispose();
      service.dispose();
    },
  };
}

/** localStorage where the browser allows it (reading it throws where storage is blocked). */
export function settingsStorage(): { storage: Pick<Storage, 'getItem' | 'setItem'> } | Record<string, never> {
  try {
    const storage = globalThis.localStorage;
    return storage ? { storage } : {};
  } catch {
    return {};
  }
}

function readSetting(storage: CallModelDeps['storage']): HideIpSetting {
  try {
    const stored = storage?.getItem(HIDE_IP_STORAGE_KEY);
    return isHideIpSetting(stored) ? stored : DEFAULT_HIDE_IP;
  } catch {
    return DEFAULT_HIDE_IP;
  }
}

export type CallModel = ReturnType<typeof createCallModel>;
