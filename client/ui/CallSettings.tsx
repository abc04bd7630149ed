/** The call section of the settings screen: "Hide my IP address" and call notifications. */
import { useEffect } from 'preact/hooks';
import type { HideIpSetting } from '../services/rtc/ice-policy.ts';
import type { CallModel } from '../state/call.ts';

const CHOICES: { value: HideIpSetting; label: string; hint: string }[] = [
  {
    value: 'unverified',
    label: 'For contacts I have not verified',
    hint: 'The default. Verified contacts connect directly (better quality); others see only the address of the relay’s TURN server.',
  },
  { value: 'always', label: 'Always', hint: 'Every call goes through the relay’s TURN server.' },
  {
    value: 'never',
    label: 'Never',
    hint: 'Calls connect directly where the network allows: the contact sees your IP address.',
  },
];

export function CallSettings({ calls, turnAvailable }: { calls: CallModel; turnAvailable: boolean }) {
  const notifications = calls.notifications;
  // The permission may have changed in the browser's site settings since the model last read it.
  useEffect(() => notifications.refresh(), []);
  const notify = notifications.view.value;
  return (
    <section class="section" aria-labelledby="calls-heading">
      <h3 id="calls-heading">Calls</h3>
      <fieldset class="call-setting">
        <legend class="label">Hide my IP address</legend>
        {CHOICES.map((choice) => (
          <label key={choice.value} class="choice">
            <input
              type="radio"
              name="hide-ip"
              value={choice.value}
              checked={calls.hideIp.value === choice.value}
              onChange={() => calls.setHideIp(choice.value)}
            />
            <span>
              {choice.label}
              <span class="hint"> — {choice.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <p class={turnAvailable ? 'hint' : 'notice warning'} data-testid="turn-availability">
        {turnAvailable
          ? 'This relay offers a TURN server, so hiding your IP address works.'
          : 'This relay offers no TURN server: hiding your IP address cannot apply, and calls connect directly.'}
      </p>
      <div class="call-setting" data-testid="call-notifications" data-state={notify.state}>
        <h4 class="label">Call notifications</h4>
        <p class="hint">{notify.text}</p>
        {notify.canAsk && (
          <button type="button" class="button small" onClick={() => void notifications.ask()}>
            Notify me of calls while Tincan is in the background
          </button>
        )}
      </div>
    </section>
  );
}
