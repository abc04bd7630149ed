/** The screen shown when a call may be intercepted. It stays until dismissed: this is not a notice to miss. */
import { useEffect, useRef } from 'preact/hooks';
import type { CallModel } from '../state/call.ts';
import { Icon } from './Icon.tsx';

export function CallWarning({ calls }: { calls: CallModel }) {
  const call = calls.call.value!;
  const name = calls.peerName.value;
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => close.current?.focus(), []);
  const reason =
    call.callId === ''
      ? `A call from ${name} was refused: its signed call data did not check out (the offer names another certificate than it commits to).`
      : call.endReason === 'remote-security'
        ? `${name}’s app ended the call: on their side, the connection’s certificate was not the one your identity signed.`
        : `The connection did not use the certificate ${name}’s identity signed for this call, or the verification failed.`;
  return (
    <div class="call-overlay warning">
      <div
        class="call-card"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="call-title"
        aria-describedby="call-warning-text"
        data-testid="call-warning"
      >
        <div class="call-avatar danger" aria-hidden="true">
          <Icon name="warning" size={36} />
        </div>
        <h2 id="call-title">This call may be intercepted</h2>
        <div id="call-warning-text">
          <p>{reason}</p>
          <p>
            <strong>The call was ended. No camera or microphone data was sent.</strong>
          </p>
          <p class="hint">
            Someone between you — the relay, or the network — may be trying to listen in. Before calling
            again, compare safety numbers with {name} in person or over another channel you trust.
          </p>
        </div>
        <div class="call-actions">
          <button type="button" class="button" ref={close} onClick={() => calls.dismiss()}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
