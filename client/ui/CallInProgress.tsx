/** The call itself: remote and local video, timer, quality, verification words, controls and files. */
import { useSignal } from '@preact/signals';
import { fileSource } from '../services/rtc/file-transfer.ts';
import type { CallModel } from '../state/call.ts';
import { StreamVideo } from './CallMediaView.tsx';
import { PrivacyNote, QualityIndicator, SasPanel, Transfers } from './CallPanels.tsx';
import { formatDuration } from './format.ts';
import { Icon } from './Icon.tsx';

export function CallInProgress({ calls }: { calls: CallModel }) {
  const view = calls.view.value!;
  const call = view.call!;
  const name = calls.peerName.value;
  const video = call.media === 'video';
  const showDevices = useSignal(false);
  const status = statusOf(calls);
  const remote = call.remoteMedia;
  // Their camera is off: the last frame they sent would stay frozen on screen, so the video is hidden.
  const remoteVideoOff = remote.videoOff && !remote.screenSharing;
  return (
    <div class="call-overlay in-call">
      <div
        class="call-stage"
        role="dialog"
        aria-modal="true"
        aria-labelledby="call-title"
        data-testid="call-screen"
        data-phase={call.phase}
      >
        <header class="call-header">
          <div>
            <h2 id="call-title">{name}</h2>
            <span class="call-status" role="timer" aria-live="off" data-testid="call-status">
              {status}
            </span>
            {remote.audioMuted && <span class="badge pending">muted</span>}
            {remote.screenSharing && <span class="badge pending">sharing screen</span>}
          </div>
          <div class="row">
            <QualityIndicator quality={view.quality} />
            <button type="button" class="button small" onClick={() => calls.setMinimized(true)}>
              Show the chat
            </button>
          </div>
        </header>
        <div class="call-videos">
          {video ? (
            <>
              <StreamVideo
                stream={view.remote}
                muted
                class={`remote-video ${remoteVideoOff ? 'off' : ''}`}
                label={`${name}’s video`}
                testId="remote-video"
              />
              {remoteVideoOff && <p class="video-off">{name} turned the camera off</p>}
              <StreamVideo
                stream={view.local}
                muted
                class={`local-video ${view.cameraOff && !view.sharing ? 'off' : ''}`}
                label="Your video"
                testId="local-video"
              />
            </>
          ) : (
            <div class="call-avatar big" aria-hidden="true">
              <Icon name="phone" size={48} />
            </div>
          )}
        </div>
        <div class="call-side">
          <PrivacyNote policy={view.policy ?? calls.policyFor(call.peer)} name={name} />
          <SasPanel calls={calls} verified={calls.peerVerified.value} />
          {view.notice && (
            <p class="notice warning" role="alert">
              {view.notice}
            </p>
          )}
          {view.cameraSilent && (
            <p class="notice warning" role="alert" data-testid="camera-silent">
              {name} sees nothing: your camera gives a picture this call cannot send (a depth or infrared
              camera does this). Choose another camera.
            </p>
          )}
          <Transfers calls={calls} />
          {showDevices.value && <Devices calls={calls} video={video} />}
        </div>
        <div class="call-controls" role="toolbar" aria-label="Call controls">
          <button
            type="button"
            class="control"
            aria-pressed={view.muted}
            aria-label={view.muted ? 'Unmute microphone' : 'Mute microphone'}
            onClick={() => calls.toggleMute()}
          >
            <Icon name={view.muted ? 'mic-off' : 'mic'} size={22} />
          </button>
          {video && (
            <button
              type="button"
              class="control"
              aria-pressed={view.cameraOff}
              aria-label={view.cameraOff ? 'Turn camera on' : 'Turn camera off'}
              onClick={() => void calls.toggleCamera()}
            >
              <Icon name={view.cameraOff ? 'video-off' : 'video'} size={22} />
            </button>
          )}
          {video &&
            typeof navigator !== 'undefined' &&
            'getDisplayMedia' in (navigator.mediaDevices ?? {}) && (
              <button
                type="button"
                class="control"
                aria-pressed={view.sharing}
                aria-label={view.sharing ? 'Stop sharing the screen' : 'Share the screen'}
                onClick={() => void calls.toggleScreen()}
              >
                <Icon size={22} name="screen" />
              </button>
            )}
          <button
            type="button"
            class="control"
            aria-expanded={showDevices.value}
            aria-label="Choose camera and microphone"
            onClick={() => (showDevices.value = !showDevices.value)}
          >
            <span aria-hidden="true">⚙</span>
          </button>
          <label class={`control file ${call.phase !== 'active' ? 'disabled' : ''}`} title="Send a file">
            <Icon size={22} name="file" />
            <span class="visually-hidden">Send a file</span>
            <input
              type="file"
              disabled={call.phase !== 'active'}
              onChange={(event) => {
                const input = event.currentTarget;
                for (const file of input.files ?? []) calls.sendFile(fileSource(file));
                input.value = '';
              }}
            />
          </label>
          <button type="button" class="control hangup" aria-label="Hang up" onClick={() => calls.hangup()}>
            <Icon size={22} name="hangup" />
          </button>
        </div>
      </div>
    </div>
  );
}

function Devices({ calls, video }: { calls: CallModel; video: boolean }) {
  const devices = calls.view.value?.devices ?? [];
  const inUse = calls.view.value?.devicesInUse;
  const select = (kind: 'audioinput' | 'videoinput', label: string) => {
    const options = devices.filter((d) => d.kind === kind);
    if (options.length === 0) return null;
    return (
      <label class="field">
        <span class="label">{label}</span>
        <select
          class="input"
          value={inUse?.[kind] ?? undefined}
          onChange={(e) => void calls.selectDevice(kind, e.currentTarget.value)}
        >
          {options.map((d) => (
            <option key={d.id} value={d.id}>
              {d.label}
            </option>
          ))}
        </select>
      </label>
    );
  };
  return (
    <div class="call-devices">
      {select('audioinput', 'Microphone')}
      {video && select('videoinput', 'Camera')}
    </div>
  );
}

function statusOf(calls: CallModel): string {
  const phase = calls.call.value?.phase;
  if (phase === 'connecting') return 'Connecting… checking the certificate';
  if (phase === 'reconnecting') return 'Reconnecting…';
  return formatDuration(calls.elapsedSeconds.value);
}

/** The call folded into a small bar over the chat. */
export function CallBar({ calls }: { calls: CallModel }) {
  return (
    <section class="call-bar" aria-label={`Call with ${calls.peerName.value}`} data-testid="call-bar">
      <span class="call-bar-text">
        <strong>{calls.peerName.value}</strong>
        <span class="muted small" role="timer" aria-live="off">
          {statusOf(calls)}
        </span>
      </span>
      <button type="button" class="button small" onClick={() => calls.setMinimized(false)}>
        Return to the call
      </button>
      <button type="button" class="control hangup" aria-label="Hang up" onClick={() => calls.hangup()}>
        <Icon name="hangup" size={18} />
      </button>
    </section>
  );
}
