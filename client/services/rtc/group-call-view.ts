/**
 * The group call's view for the UI model: the mesh, each participant's leg (phase, stream, flags, quality, IP
 * policy) and our own media.
 */
import type { MediaFlags } from '../../../crypto/call-signaling.ts';
import type { MeshState } from '../../core/group-call-mesh.ts';
import type { Leg } from './group-call-leg.ts';
import type { GroupCallView, ParticipantView } from './group-call-types.ts';
import type { GroupMedia } from './group-media.ts';

const NO_FLAGS: MediaFlags = { audioMuted: false, videoOff: false, screenSharing: false };

export function groupCallView(
  mesh: MeshState | null,
  legOf: (peer: string) => Leg | undefined,
  media: GroupMedia,
  notice: string | null,
): GroupCallView {
  const local = media.state;
  const keys = mesh ? [...new Set([...mesh.inCall, ...Object.keys(mesh.dropped)])] : [];
  return {
    mesh,
    participants:
      mesh?.phase === 'joined' || mesh?.phase === 'ended'
        ? keys.map((key) => participantView(mesh, key, legOf(key)))
        : [],
    local: local.preview,
    muted: local.muted,
    cameraOff: local.cameraOff,
    sharing: local.sharing,
    notice,
  };
}

function participantView(mesh: MeshState, key: string, leg: Leg | undefined): ParticipantView {
  const dropped = mesh.dropped[key] ?? null;
  const connected = mesh.legs[key]?.status === 'connected';
  return {
    key,
    phase: dropped && !leg ? 'dropped' : connected ? 'connected' : 'connecting',
    dropped: leg ? null : dropped,
    stream: leg?.stream ?? null,
    remoteMedia: leg?.state?.remoteMedia ?? NO_FLAGS,
    quality: leg?.quality ?? null,
    policy: leg?.policy ?? null,
  };
}
