import type { AppModel } from '../state/app.ts';
import type { SessionModel } from '../state/session.ts';

/** The slow key derivation takes about a second on purpose; show that something is happening. */
export function KdfProgress({ app, label }: { app: AppModel<SessionModel>; label: string }) {
  return (
    <div class="field" aria-live="polite">
      <span class="hint">{label}: deriving the key from your passphrase…</span>
      <progress max={1} value={app.progress.value} aria-label={label} />
    </div>
  );
}
