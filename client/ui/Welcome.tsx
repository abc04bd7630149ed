import { useSignal } from '@preact/signals';
import type { AppModel } from '../state/app.ts';
import { displayNameProblem, MIN_PASSPHRASE_LENGTH, passphraseProblem } from '../state/app.ts';
import type { SessionModel } from '../state/session.ts';
import { Brand } from './Brand.tsx';
import { KdfProgress } from './KdfProgress.tsx';
import { Notice } from './Notice.tsx';
import { PassphraseField } from './PassphraseField.tsx';
import { RestoreForm } from './RestoreForm.tsx';

export function Welcome({ app, linkWaiting }: { app: AppModel<SessionModel>; linkWaiting: boolean }) {
  const tab = useSignal<'create' | 'restore'>('create');
  return (
    <main class="gate">
      <div class="card">
        <Brand />
        <h1>Private messages, no account</h1>
        <p class="muted">
          Your identity is a key made in this browser. Nobody else holds it: not the relay, not us. Share your
          code with the people you talk to.
        </p>
        {linkWaiting && (
          <Notice kind="info">
            Create your identity (or restore one) first; then the contact you opened is added.
          </Notice>
        )}
        <div class="tabs" role="tablist" aria-label="Start">
          <button
            type="button"
            role="tab"
            id="tab-create"
            aria-selected={tab.value === 'create'}
            aria-controls="panel-create"
            onClick={() => {
              tab.value = 'create';
              app.clearError();
            }}
          >
            New identity
          </button>
          <button
            type="button"
            role="tab"
            id="tab-restore"
            aria-selected={tab.value === 'restore'}
            aria-controls="panel-restore"
            onClick={() => {
              tab.value = 'restore';
              app.clearError();
            }}
          >
            Restore a backup
          </button>
        </div>
        {tab.value === 'create' ? (
          <div role="tabpanel" id="panel-create" aria-labelledby="tab-create">
            <CreateForm app={app} />
          </div>
        ) : (
          <div role="tabpanel" id="panel-restore" aria-labelledby="tab-restore">
            <RestoreForm app={app} />
          </div>
        )}
      </div>
    </main>
  );
}

function CreateForm({ app }: { app: AppModel<SessionModel> }) {
  const name = useSignal('');
  const passphrase = useSignal('');
  const confirmation = useSignal('');
  const problem = useSignal<string | null>(null);
  const busy = app.busy.value === 'creating';
  const error = problem.value ?? app.error.value;

  const submit = (event: Event) => {
    event.preventDefault();
    const found = displayNameProblem(name.value) ?? passphraseProblem(passphrase.value, confirmation.value);
    problem.value = found ?? null;
    if (!found) void app.create(name.value, passphrase.value);
  };

  return (
    <form onSubmit={submit} noValidate aria-describedby={error ? 'create-error' : undefined}>
      <div class="field">
        <label for="display-name">Your name</label>
        <input
          id="display-name"
          class="input"
          autoComplete="nickname"
          maxLength={64}
          value={name.value}
          onInput={(e) => {
            name.value = e.currentTarget.value;
          }}
          aria-describedby="display-name-hint"
          required
        />
        <span id="display-name-hint" class="hint">
          Shown to people you add. It is a hint, not a proof: safety numbers are the proof.
        </span>
      </div>
      <PassphraseField
        id="new-passphrase"
        label="Passphrase"
        value={passphrase}
        autoComplete="new-password"
        hint={`At least ${MIN_PASSPHRASE_LENGTH} characters. It encrypts your identity in this browser and cannot be recovered if you forget it.`}
      />
      <PassphraseField
        id="confirm-passphrase"
        label="Passphrase again"
        value={confirmation}
        autoComplete="new-password"
      />
      {error && (
        <Notice kind="error" id="create-error">
          {error}
        </Notice>
      )}
      {busy && <KdfProgress app={app} label="Creating your identity" />}
      <button type="submit" class="button primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create my identity'}
      </button>
    </form>
  );
}
