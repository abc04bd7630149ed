/**
 * A group call: the ringing card (join, or not now), the tile grid with our own controls while we are in it,
 * and what ended it. A participant dropped because its certificate was not the one it signed is named with the
 * same warning a one-to-one call shows; the call goes on with the others.
 */
import type { GroupCallModel } from '../state/group-calls.ts';
import { StreamVideo } from './CallMediaView.tsx';
import { GroupCallTile } from './GroupCallTile.tsx';
import { Icon } from './Icon.tsx';
import './group-call.css';

const END_TEXT = {
  left: 'You left the call.',
  alone: 'Everyone else left: the call is over.',
  missed: 'The call ended before you joined.',
  removed: 'You are no longer a member of this group.',
} as const;

export function GroupCallScreen({ groupCalls }: { groupCalls: GroupCallModel }) {
  const view = groupCalls.view.value;
  const mesh = view?.mesh;
  if (!view || !mesh || mesh.phase === 'available') return null;
  const group = groupCalls.groupName(mesh.groupId);
  const video = mesh.media === 'video';
  const warnings = Object.entries(mesh.dropped)
    .filter(([, reason]) => reason === 'security')
    .map(([key]) => key);

  if (mesh.phase === 'ringing') {
    return (
      <div class="call-overlay">
        <div
          class="call-card"
          role="dialog"
          aria-labelledby="group-call-title"
          data-testid="group-call-ringing"
        >
          <div class="call-avatar" aria-hidden="true">
            <Icon name={video ? 'video' : 'phone'} size={36} />
          </div>
          <h2 id="group-call-title">{group}</h2>
          <p>
            {groupCalls.nameOf(mesh.startedBy)} started a group {video ? 'video' : 'audio'} call ·{' '}
            {mesh.inCall.length} in the call
          </p>
          {mesh.full && <p class="notice warning">The call is full (six people at most).</p>}
          <div class="call-actions">
            <button type="button" class="button" onClick={() => groupCalls.dismiss()}>
              Not now
            </button>
            <button type="button" class="button primary" onClick={() => void groupCalls.join()}>
              Join
            </button>
          </div>
        </div>
      </div>
    );
  }

  if (mesh.phase === 'ended') {
    // A call that ended before we joined it is not news (it was missed, as the group's chat shows).
    if (mesh.joinedAt === null) return null;
    return (
      <div class={`call-overlay ${warnings.length ? 'warning' : ''}`}>
        <div
          class="call-card"
          role="alertdialog"
          aria-labelledby="group-call-title"
          data-testid="group-call-ended"
        >
          <h2 id="group-call-title">{group}</h2>
          <p data-testid="group-call-end">{END_TEXT[mesh.endReason ?? 'left']}</p>
          <DroppedWarnings keys={warnings} groupCalls={groupCalls} />
          <div class="call-actions">
            <button type="button" class="button" onClick={() => groupCalls.clear()}>
              Close
            </button>
          </div>
        </div>
      </div>
    );
  }

  return (
    <div class="call-overlay in-call">
      <div
        class="call-stage group-call"
        role="dialog"
        aria-modal="true"
        aria-labelledby="group-call-title"
        data-testid="group-call-screen"
      >
        <header class="call-header">
          <h2 id="group-call-title">{group}</h2>
          <span class="call-status">
            {view.participants.filter((p) => p.phase !== 'dropped').length + 1} in the call
          </span>
        </header>
        <ul class="group-tiles" aria-label="Participants">
          <li class="group-tile me" data-testid="group-tile-me">
            {video && (
              <StreamVideo
                stream={view.local}
                muted
                class={`group-tile-video ${view.cameraOff && !view.sharing ? 'off' : ''}`}
                label="Your video"
                testId="group-local-video"
              />
            )}
            <div class="group-tile-info">
              <strong>You</strong>
              {view.muted && <span class="badge pending">muted</span>}
            </div>
          </li>
          {view.participants.map((p) => (
            <GroupCallTile
              key={p.key}
              participant={p}
              name={groupCalls.nameOf(p.key)}
              verified={groupCalls.isVerified(p.key)}
              video={video}
            />
          ))}
        </ul>
        <DroppedWarnings keys={warnings} groupCalls={groupCalls} />
        {view.notice && (
          <p class="notice warning" role="alert">
            {view.notice}
          </p>
        )}
        <div class="call-controls">
          <button
            type="button"
            class="button"
            aria-pressed={view.muted}
            onClick={() => groupCalls.setMuted(!view.muted)}
          >
            {view.muted ? 'Unmute' : 'Mute'}
          </button>
          {video && (
            <button
              type="button"
              class="button"
              aria-pressed={view.cameraOff}
              onClick={() => void groupCalls.setCameraOff(!view.cameraOff)}
            >
              {view.cameraOff ? 'Camera on' : 'Camera off'}
            </button>
          )}
          {video && (
            <button
              type="button"
              class="button"
              aria-pressed={view.sharing}
              onClick={() => void groupCalls.shareScreen(!view.sharing)}
            >
              {view.sharing ? 'Stop sharing' : 'Share screen'}
            </button>
          )}
          <button type="button" class="button danger" onClick={() => groupCalls.leave()}>
            Leave
          </button>
        </div>
      </div>
    </div>
  );
}

function DroppedWarnings({ keys, groupCalls }: { keys: readonly string[]; groupCalls: GroupCallModel }) {
  if (keys.length === 0) return null;
  return (
    <div role="alert" data-testid="group-call-warning">
      {keys.map((key) => {
        const name = groupCalls.nameOf(key);
        return (
          <div class="notice warning" key={key} data-peer={key}>
            <strong>The connection with {name} may be intercepted.</strong> It did not use the certificate{' '}
            {name}’s identity signed for this call, so {name} was dropped from the call and no camera or
            microphone data was sent to them. Compare safety numbers with {name} before calling again.
          </div>
        );
      })}
    </div>
  );
}
