/** Settings: a new passphrase for the identity and contacts stored in this browser. */
import { useSignal } from '@preact/signals';
import { passphraseProblem } from '../state/app.ts';
import { KdfProgress } from './KdfProgress.tsx';
import { Notice } from './Notice.tsx';
import { PassphraseField } from './PassphraseField.tsx';
import type { ScreenProps } from './screen-props.ts';

export function PassphraseSettings({ app }: Pick<ScreenProps, 'app'>) {
  const current = useSignal('');
  const next = useSignal('');
  const confirmation = useSignal('');
  const problem = useSignal<string | null>(null);
  const done = useSignal(false);
  const passkeyDropped = useSignal(false);
  const attempted = useSignal(false);
  const busy = app.busy.value === 'rekeying';
  // app.error is shared by every action: show it here only after this form's own attempt.
  const error = problem.value ?? (attempted.value && !done.value ? app.error.value : null);

  const submit = async (event: Event) => {
    event.preventDefault();
    done.value = false;
    problem.value = passphraseProblem(next.value, confirmation.value) ?? null;
    if (problem.value) return;
    attempted.value = true;
    const hadPasskey = app.passkey.value === 'registered';
    if (await app.changePassphrase(current.value, next.value)) {
      done.value = true;
      passkeyDropped.value = hadPasskey;
      current.value = next.value = confirmation.value = '';
    }
  };

  return (
    <section class="section" aria-labelledby="passphrase-heading">
      <h3 id="passphrase-heading">Passphrase</h3>
      <form onSubmit={submit} noValidate>
        <PassphraseField
          id="current-passphrase"
          label="Current passphrase"
          value={current}
          autoComplete="current-password"
        />
        <PassphraseField
          id="next-passphrase"
          label="New passphrase"
          value={next}
          autoComplete="new-password"
        />
        <PassphraseField
          id="next-passphrase-again"
          label="New passphrase again"
          value={confirmation}
          autoComplete="new-password"
        />
        {error && <Notice kind="error">{error}</Notice>}
        {done.value && (
          <Notice kind="ok">
            Passphrase changed. Unlock with the new one from now on. Backup files you exported earlier still
            open with the old one.
            {passkeyDropped.value && ' The passkey was removed with the old key: add it again below.'}
          </Notice>
        )}
        {busy && <KdfProgress app={app} label="Changing the passphrase" />}
        <button type="submit" class="button" disabled={busy}>
          {busy ? 'Changing…' : 'Change passphrase'}
        </button>
      </form>
    </section>
  );
}
