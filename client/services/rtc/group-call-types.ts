/**
 * What a group call service is given and what it shows: its dependencies and its view for the UI model
 * (client/state/group-calls.ts). The service is group-call-service.ts.
 */
import type { MediaFlags } from '../../../crypto/call-signaling.ts';
import type { MessageKind } from '../../../crypto/envelope.ts';
import type { DropReason, MeshState } from '../../core/group-call-mesh.ts';
import type { CallConnectDeps } from './call-types.ts';
import type { IpPolicy } from './ice-policy.ts';
import type { CallNotifier } from './notifier.ts';
import type { Quality } from './quality.ts';

export interface ParticipantView {
  readonly key: string;
  readonly phase: 'connecting' | 'connected' | 'dropped';
  /** Why a participant was dropped from our call: its certificate was not the one it signed, or it failed. */
  readonly dropped: DropReason | null;
  readonly stream: MediaStream | null;
  readonly remoteMedia: MediaFlags;
  readonly quality: Quality | null;
  readonly policy: IpPolicy | null;
}

export interface GroupCallView {
  readonly mesh: MeshState | null;
  readonly participants: readonly ParticipantView[];
  readonly local: MediaStream | null;
  readonly muted: boolean;
  readonly cameraOff: boolean;
  readonly sharing: boolean;
  readonly notice: string | null;
}

export interface GroupCallDeps extends CallConnectDeps {
  readonly myKey: Uint8Array;
  readonly random: (length: number) => Uint8Array;
  readonly now?: () => number;
  readonly sendEnvelope: (peer: string, kind: MessageKind, body: Uint8Array) => Promise<unknown>;
  /** The group's signed membership (hex keys, ours included), or null for a group we are not in. */
  readonly membersOf: (groupId: string) => readonly string[] | null;
  /** A system notification while a call rings and the tab is hidden, as for a one-to-one call. */
  readonly notifier?: CallNotifier;
  /** Who rings us, as the notification names them ("Alice in Friends"). */
  readonly callerName?: (groupId: string, startedBy: string) => string;
  readonly onChange: (view: GroupCallView) => void;
}
