/**
 * The call overlay: ringing (incoming or outgoing), the call itself, and how it ended, including the warning
 * that a call may be intercepted. A modal dialog over whatever screen was open; it works on phones and desktops.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { CallModel } from '../state/call.ts';
import { describeEnd } from '../state/call.ts';
import { CallBar, CallInProgress } from './CallInProgress.tsx';
import { StreamAudio } from './CallMediaView.tsx';
import { PrivacyNote } from './CallPanels.tsx';
import { CallWarning } from './CallWarning.tsx';
import { formatDuration } from './format.ts';
import { Icon } from './Icon.tsx';
import './call.css';

export function CallScreen({ calls }: { calls: CallModel }) {
  const view = calls.view.value;
  const call = view?.call ?? null;
  if (!view || (!call && !view.preparing && !view.notice)) return null;
  if (!call && !view.preparing) return <CallProblem calls={calls} text={view.notice ?? ''} />;
  if (calls.intercepted.value) return <CallWarning calls={calls} />;
  const phase = call?.phase ?? 'outgoing';
  if (phase === 'incoming') return <Ringing calls={calls} />;
  if (phase === 'outgoing') return <Dialing calls={calls} />;
  if (phase === 'ended') return <Ended calls={calls} />;
  return (
    <>
      {/* Audio plays here in every layout, so folding the call screen never cuts the sound. */}
      <StreamAudio stream={view.remote} />
      {calls.minimized.value ? <CallBar calls={calls} /> : <CallInProgress calls={calls} />}
    </>
  );
}

function Dialog({
  label,
  children,
  tone,
}: {
  label: string;
  children: preact.ComponentChildren;
  tone?: 'warning';
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Focus the first action so keyboard and screen-reader users land in the dialog.
    ref.current?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  }, [label]);
  return (
    <div class={`call-overlay ${tone ?? ''}`}>
      <div
        class="call-card"
        role="dialog"
        aria-modal="true"
        aria-labelledby="call-title"
        ref={ref}
        data-testid="call-screen"
      >
        {children}
      </div>
    </div>
  );
}

/** Their call rings; once accepted, the same card says so if our camera and microphone are slow to open. */
function Ringing({ calls }: { calls: CallModel }) {
  const call = calls.call.value!;
  const name = calls.peerName.value;
  const opening = calls.view.value?.opening === true;
  return (
    <Dialog label={opening ? 'opening' : 'incoming'}>
      <div class={`call-avatar ${opening ? '' : 'ringing'}`} aria-hidden="true">
        <Icon name={call.media === 'video' ? 'video' : 'phone'} size={36} />
      </div>
      <h2 id="call-title">{name}</h2>
      <p class="call-status" role="status" data-testid="call-status">
        {opening
          ? `Connecting… opening your ${call.media === 'video' ? 'camera' : 'microphone'}`
          : `Incoming ${call.media} call`}
      </p>
      <PrivacyNote policy={calls.policyFor(call.peer)} name={name} incoming={!opening} />
      <div class="call-actions">
        {opening ? (
          <button
            type="button"
            class="button danger solid round"
            data-autofocus
            onClick={() => calls.hangup()}
          >
            <Icon size={22} name="hangup" /> Hang up
          </button>
        ) : (
          <>
            <button type="button" class="button danger solid round" onClick={() => calls.decline()}>
              <Icon size={22} name="hangup" /> Decline
            </button>
            <button
              type="button"
              class="button primary round accept"
              data-autofocus
              onClick={() => void calls.accept()}
            >
              <Icon name={call.media === 'video' ? 'video' : 'phone'} size={22} /> Accept
            </button>
          </>
        )}
      </div>
    </Dialog>
  );
}

function Dialing({ calls }: { calls: CallModel }) {
  const view = calls.view.value!;
  const call = view.call;
  const name = calls.peerName.value;
  const media = call?.media ?? view.preparing?.media ?? 'audio';
  const status = !call ? 'Starting…' : call.remoteRinging ? 'Ringing…' : 'Calling…';
  return (
    <Dialog label="outgoing">
      <div class="call-avatar ringing" aria-hidden="true">
        <Icon name={media === 'video' ? 'video' : 'phone'} size={36} />
      </div>
      <h2 id="call-title">{name}</h2>
      <p class="call-status" role="status" data-testid="call-status">
        {status}
      </p>
      <PrivacyNote
        policy={view.policy ?? calls.policyFor(view.preparing?.peer ?? call?.peer ?? '')}
        name={name}
      />
      <div class="call-actions">
        <button type="button" class="button danger solid round" data-autofocus onClick={() => calls.hangup()}>
          <Icon size={22} name="hangup" /> Cancel
        </button>
      </div>
    </Dialog>
  );
}

function Ended({ calls }: { calls: CallModel }) {
  const call = calls.call.value!;
  const seconds =
    call.connectedAt && call.endedAt ? Math.round((call.endedAt - call.connectedAt) / 1000) : null;
  const notice = calls.view.value?.notice;
  return (
    <Dialog label="ended">
      <h2 id="call-title">{calls.peerName.value}</h2>
      <p class="call-status" role="status" data-testid="call-status">
        {describeEnd(call.endReason ?? 'hung-up')}
        {seconds !== null && ` · ${formatDuration(seconds)}`}
      </p>
      {notice && <p class="hint">{notice}</p>}
      <div class="call-actions">
        <button type="button" class="button" data-autofocus onClick={() => calls.dismiss()}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

function CallProblem({ calls, text }: { calls: CallModel; text: string }) {
  return (
    <Dialog label="problem">
      <h2 id="call-title">The call did not start</h2>
      <p class="call-status" role="alert" data-testid="call-status">
        {text}
      </p>
      <div class="call-actions">
        <button type="button" class="button" data-autofocus onClick={() => calls.dismiss()}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
