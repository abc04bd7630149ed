/** Settings: a passkey that unlocks this browser's vault, beside the passphrase, and what each protects against. */
import { useSignal } from '@preact/signals';
import { Notice } from './Notice.tsx';
import { PassphraseField } from './PassphraseField.tsx';
import type { ScreenProps } from './screen-props.ts';

export function PasskeySettings({ app }: Pick<ScreenProps, 'app'>) {
  const passphrase = useSignal('');
  const attempted = useSignal(false);
  const done = useSignal<'added' | 'removed' | null>(null);
  const busy = app.busy.value === 'adding-passkey';
  const state = app.passkey.value;
  // app.error is shared by every action: show it here only after this form's own attempt.
  const error = attempted.value && !done.value ? app.error.value : null;

  const add = async (event: Event) => {
    event.preventDefault();
    done.value = null;
    attempted.value = true;
    if (await app.addPasskey(passphrase.value)) {
      done.value = 'added';
      passphrase.value = '';
    }
  };
  const remove = async () => {
    done.value = null;
    attempted.value = true;
    if (await app.removePasskey()) done.value = 'removed';
  };

  return (
    <section class="section" aria-labelledby="passkey-heading">
      <h3 id="passkey-heading">Passkey</h3>
      <p class="hint">
        A passkey unlocks Tincan in this browser with your device's fingerprint, face or PIN. It stays in this
        device's authenticator (or your password manager), works only on this site, so a look-alike site
        cannot use it, and there is nothing to type that could be guessed or watched over your shoulder.
        Anyone who can unlock your device can use it.
      </p>
      <p class="hint">
        Your passphrase keeps working: it unlocks anywhere, and it is the only key to your backup files.
        Neither protects you from the page's own code: a server that sent you altered code could use your
        passkey or read your passphrase while you unlock.
      </p>
      {state === 'unsupported' && (
        <Notice kind="info">
          This browser cannot unlock with a passkey: it lacks WebAuthn or its PRF extension. Use your
          passphrase.
        </Notice>
      )}
      {state === 'registered' && (
        <>
          <p>A passkey can unlock Tincan in this browser.</p>
          <button type="button" class="button" onClick={() => void remove()}>
            Remove passkey
          </button>
        </>
      )}
      {state === 'none' && (
        <form onSubmit={add} noValidate>
          <PassphraseField
            id="passkey-passphrase"
            label="Passphrase to add a passkey"
            value={passphrase}
            autoComplete="current-password"
          />
          <button type="submit" class="button" disabled={busy || passphrase.value.length === 0}>
            {busy ? 'Adding…' : 'Add a passkey'}
          </button>
        </form>
      )}
      {error && (
        <Notice kind="error" code={app.errorCode.value}>
          {error}
        </Notice>
      )}
      {done.value === 'added' && (
        <Notice kind="ok">Passkey added. "Unlock with passkey" is on the unlock screen from now on.</Notice>
      )}
      {done.value === 'removed' && (
        <Notice kind="ok">
          Passkey removed: only your passphrase unlocks now. The passkey itself stays in your authenticator or
          password manager until you delete it there; it opens nothing any more.
        </Notice>
      )}
    </section>
  );
}
