/**
 * The group call model: the group call service's view as a signal, names for its participants, and the
 * actions the group call screen and the group view call (start, join, not now, leave, mute, camera, screen).
 */
import { computed, signal } from '@preact/signals';
import type { RandomSource } from '../../crypto/bytes.ts';
import type { MessageKind } from '../../crypto/envelope.ts';
import type { GroupCallMedia } from '../../crypto/group-call-body.ts';
import type { TurnCredentialsBody } from '../../crypto/relay-turn-credentials.ts';
import {
  type GroupCallDeps,
  GroupCallService,
  type GroupCallView,
} from '../services/rtc/group-call-service.ts';
import type { HideIpSetting } from '../services/rtc/ice-policy.ts';
import { browserNotifier, type CallNotifier } from '../services/rtc/notifier.ts';
import { webAudioRinger } from '../services/rtc/ringtone.ts';

export interface GroupCallModelDeps {
  readonly myKey: Uint8Array;
  readonly random: RandomSource;
  readonly now?: () => number;
  readonly sendEnvelope: (peer: string, kind: MessageKind, body: Uint8Array) => Promise<unknown>;
  readonly requestTurn: () => Promise<TurnCredentialsBody | null>;
  readonly turnAvailable: () => boolean;
  readonly hideIp: () => HideIpSetting;
  /** The group's signed membership (hex keys, ours included), or null for a group we are not in. */
  readonly membersOf: (groupId: string) => readonly string[] | null;
  readonly groupName: (groupId: string) => string;
  /** The name the group gives a member. */
  readonly memberName: (groupId: string, key: string) => string;
  /** Whether we compared safety numbers with this person (a verified contact). */
  readonly isVerified: (key: string) => boolean;
  readonly createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  /** The system notification of a ringing call; the browser's where there is a document. */
  readonly notifier?: CallNotifier;
}

export function createGroupCallModel(deps: GroupCallModelDeps) {
  const view = signal<GroupCallView | null>(null);
  /** Who rings us, named as a one-to-one caller is in the tab title and the notification. */
  const callerName = (groupId: string, startedBy: string) =>
    `${deps.memberName(groupId, startedBy)} in ${deps.groupName(groupId)}`;
  const notifier = deps.notifier ?? (typeof document === 'undefined' ? null : browserNotifier(document));
  const serviceDeps: GroupCallDeps = {
    myKey: deps.myKey,
    random: deps.random,
    ...(deps.now ? { now: deps.now } : {}),
    sendEnvelope: deps.sendEnvelope,
    membersOf: deps.membersOf,
    requestTurn: deps.requestTurn,
    turnAvailable: deps.turnAvailable,
    isVerified: deps.isVerified,
    hideIp: deps.hideIp,
    ...(deps.createPeerConnection ? { createPeerConnection: deps.createPeerConnection } : {}),
    ...(typeof AudioContext === 'undefined' ? {} : { ringer: webAudioRinger() }),
    ...(notifier ? { notifier } : {}),
    callerName,
    onChange: (next) => {
      view.value = next;
    },
  };
  const service = new GroupCallService(serviceDeps);
  const mesh = computed(() => view.value?.mesh ?? null);

  return {
    view,
    mesh,
    service,
    /** The group whose call is ringing, running or joined, or null. */
    activeGroup: computed(() => {
      const m = mesh.value;
      return m && m.phase !== 'ended' ? m.groupId : null;
    }),
    /** Who is calling us while a group call rings (for the tab title), else null. */
    ringingFrom: computed(() => {
      const m = mesh.value;
      return m?.phase === 'ringing' ? callerName(m.groupId, m.startedBy) : null;
    }),
    groupName: deps.groupName,
    nameOf: (key: string): string => {
      const m = mesh.value;
      return m ? deps.memberName(m.groupId, key) : 'A member';
    },
    isVerified: deps.isVerified,
    start: (groupId: string, media: GroupCallMedia) => service.start(groupId, media),
    join: () => service.join(),
    dismiss: () => service.dismiss(),
    leave: () => service.leave(),
    clear: () => service.clear(),
    setMuted: (muted: boolean) => service.setMuted(muted),
    setCameraOff: (off: boolean) => service.setCameraOff(off),
    shareScreen: (on: boolean) => service.shareScreen(on),
    claims: (peer: string, kind: number, body: Uint8Array) => service.claims(peer, kind, body),
    receive: (peer: string, kind: number, body: Uint8Array) => service.receive(peer, kind, body),
    membersChanged: (groupId: string) => service.membersChanged(groupId),
    dispose: () => service.dispose(),
  };
}

export type GroupCallModel = ReturnType<typeof createGroupCallModel>;
