/** One participant of a group call: their video (or initial), name, verification, mute and connection quality. */
import type { ParticipantView } from '../services/rtc/group-call-service.ts';
import { StreamAudio, StreamVideo } from './CallMediaView.tsx';
import { QualityIndicator } from './CallPanels.tsx';

export function GroupCallTile({
  participant,
  name,
  verified,
  video,
}: {
  participant: ParticipantView;
  name: string;
  verified: boolean;
  video: boolean;
}) {
  const { remoteMedia } = participant;
  const videoOff = remoteMedia.videoOff && !remoteMedia.screenSharing;
  const status =
    participant.phase === 'connected'
      ? 'certificate checked'
      : participant.phase === 'dropped'
        ? 'dropped'
        : 'connecting…';
  return (
    <li
      class={`group-tile ${participant.phase}`}
      data-testid="group-tile"
      data-peer={participant.key}
      data-phase={participant.phase}
    >
      {/* The player is there as soon as the leg's stream is, so that it is ready for the first frame. */}
      {video && participant.stream && participant.phase !== 'dropped' && (
        <StreamVideo
          stream={participant.stream}
          muted
          class={`group-tile-video ${videoOff || participant.phase !== 'connected' ? 'off' : ''}`}
          label={`${name}’s video`}
          testId="group-tile-video"
        />
      )}
      {(!video || participant.phase !== 'connected' || videoOff) && (
        <div class="call-avatar" aria-hidden="true">
          {name.slice(0, 1).toUpperCase()}
        </div>
      )}
      {participant.phase === 'connected' && <StreamAudio stream={participant.stream} />}
      <div class="group-tile-info">
        <strong class="group-tile-name">{name}</strong>
        <span class={`badge ${verified ? 'verified' : 'pending'}`}>
          {verified ? 'verified' : 'not verified'}
        </span>
        <span class="group-tile-status" data-testid="group-tile-status">
          {status}
        </span>
        {participant.policy?.mode === 'cannot-hide' && (
          <span
            class="badge pending"
            title="This relay has no TURN server, so “Hide my IP address” cannot apply"
          >
            address not hidden
          </span>
        )}
        {remoteMedia.audioMuted && <span class="badge pending">muted</span>}
        {videoOff && video && <span class="badge pending">camera off</span>}
        {remoteMedia.screenSharing && <span class="badge pending">sharing screen</span>}
        {participant.phase === 'connected' && <QualityIndicator quality={participant.quality} />}
      </div>
    </li>
  );
}
