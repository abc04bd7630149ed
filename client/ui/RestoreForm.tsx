import { useSignal } from '@preact/signals';
import type { AppModel } from '../state/app.ts';
import type { SessionModel } from '../state/session.ts';
import { KdfProgress } from './KdfProgress.tsx';
import { Notice } from './Notice.tsx';
import { PassphraseField } from './PassphraseField.tsx';

/** Import of an encrypted backup file made with "Export backup" on another browser. */
export function RestoreForm({ app, replaces = false }: { app: AppModel<SessionModel>; replaces?: boolean }) {
  const text = useSignal<string | null>(null);
  const fileName = useSignal('');
  const passphrase = useSignal('');
  const problem = useSignal<string | null>(null);
  const busy = app.busy.value === 'importing';
  const error = problem.value ?? app.error.value;

  const pick = async (event: Event) => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    problem.value = null;
    if (!file) return;
    if (file.size > 4 * 1024 * 1024) {
      problem.value = 'That file is far too large to be a Tincan backup.';
      return;
    }
    fileName.value = file.name;
    text.value = await file.text();
  };

  const submit = (event: Event) => {
    event.preventDefault();
    if (text.value === null) {
      problem.value = 'Choose the backup file first.';
      return;
    }
    problem.value = null;
    void app.importBackup(text.value, passphrase.value);
  };

  return (
    <form onSubmit={submit} noValidate>
      {replaces && (
        <Notice kind="warning">Restoring replaces the identity and contacts stored in this browser.</Notice>
      )}
      <div class="field">
        <label for="backup-file">Backup file</label>
        <input id="backup-file" class="input" type="file" accept=".tincan,application/json" onChange={pick} />
        {fileName.value && <span class="hint">{fileName.value}</span>}
      </div>
      <PassphraseField
        id="backup-passphrase"
        label="Passphrase of the backup"
        value={passphrase}
        autoComplete="current-password"
      />
      {error && <Notice kind="error">{error}</Notice>}
      {busy && <KdfProgress app={app} label="Restoring" />}
      <button type="submit" class="button primary" disabled={busy}>
        {busy ? 'Restoring…' : 'Restore'}
      </button>
    </form>
  );
}
