import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import type { AppModel } from '../state/app.ts';
import type { SessionModel } from '../state/session.ts';
import { Brand } from './Brand.tsx';
import { KdfProgress } from './KdfProgress.tsx';
import { Notice } from './Notice.tsx';
import { RestoreForm } from './RestoreForm.tsx';

export function Unlock({ app, linkWaiting }: { app: AppModel<SessionModel>; linkWaiting: boolean }) {
  const passphrase = useSignal('');
  const mode = useSignal<'unlock' | 'restore' | 'delete'>('unlock');
  const viaPasskey = useSignal(false);
  const busy = app.busy.value === 'unlocking';
  const error = app.error.value;
  const field = useRef<HTMLInputElement>(null);
  // The one thing to do on this screen: the passphrase field has the focus from the start, and again after an error.
  useEffect(() => {
    if (mode.value !== 'unlock' || busy) return;
    field.current?.focus();
    // After a wrong passphrase, typing again replaces it; the arrow keys still allow fixing a typo.
    if (error) field.current?.select();
  }, [mode.value, error, busy]);

  const submit = (event: Event) => {
    event.preventDefault();
    viaPasskey.value = false;
    void app.unlock(passphrase.value);
  };

  return (
    <main class="gate">
      <div class="card">
        <Brand />
        {mode.value === 'unlock' && (
          <form onSubmit={submit} noValidate>
            <h1>Unlock</h1>
            <p class="muted">
              Your identity and contacts are encrypted in this browser. Messages are never stored.
            </p>
            {linkWaiting && <Notice kind="info">Unlock to add the contact from the link you opened.</Notice>}
            <div class="field">
              <label for="passphrase">Passphrase</label>
              <input
                id="passphrase"
                class="input"
                type="password"
                autoComplete="current-password"
                ref={field}
                value={passphrase.value}
                aria-invalid={error ? 'true' : 'false'}
                aria-describedby={error ? 'unlock-error' : undefined}
                onInput={(e) => {
                  passphrase.value = e.currentTarget.value;
                }}
              />
            </div>
            {error && (
              <Notice kind="error" id="unlock-error" code={app.errorCode.value}>
                {error}
              </Notice>
            )}
            {busy && !viaPasskey.value && <KdfProgress app={app} label="Unlocking" />}
            {busy && viaPasskey.value && (
              <p class="hint" aria-live="polite">
                Waiting for your passkey…
              </p>
            )}
            <div class="row">
              <button type="submit" class="button primary" disabled={busy || passphrase.value.length === 0}>
                {busy ? 'Unlocking…' : 'Unlock'}
              </button>
              {app.passkey.value === 'registered' && (
                <button
                  type="button"
                  class="button"
                  disabled={busy}
                  onClick={() => {
                    viaPasskey.value = true;
                    void app.unlockWithPasskey();
                  }}
                >
                  Unlock with passkey
                </button>
              )}
              <button
                type="button"
                class="button ghost"
                onClick={() => {
                  app.clearError();
                  mode.value = 'restore';
                }}
              >
                Restore a backup
              </button>
            </div>
            <p class="small muted">
              Forgot the passphrase? Nobody can recover it.{' '}
              <button type="button" class="link-button" onClick={() => (mode.value = 'delete')}>
                Delete this identity
              </button>
            </p>
          </form>
        )}
        {mode.value === 'restore' && (
          <div>
            <h1>Restore a backup</h1>
            <RestoreForm app={app} replaces />
            <button type="button" class="button ghost" onClick={() => (mode.value = 'unlock')}>
              Back
            </button>
          </div>
        )}
        {mode.value === 'delete' && (
          <div>
            <h1>Delete this identity?</h1>
            <Notice kind="warning">
              This wipes the identity and every contact from this browser. Contacts will have to add your new
              code, and you will have to verify each other again.
            </Notice>
            <div class="row">
              <button type="button" class="button danger solid" onClick={() => void app.deleteIdentity()}>
                Delete everything
              </button>
              <button type="button" class="button" onClick={() => (mode.value = 'unlock')}>
                Keep it
              </button>
            </div>
          </div>
        )}
      </div>
    </main>
  );
}
