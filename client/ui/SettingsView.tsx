import { useSignal } from '@preact/signals';
import { BlockedList } from './BlockSection.tsx';
import { CallSettings } from './CallSettings.tsx';
import { KeyRotationSettings } from './KeyRotationSettings.tsx';
import { LockButton } from './LockButton.tsx';
import { Notice } from './Notice.tsx';
import { PaneHeader } from './PaneHeader.tsx';
import { PasskeySettings } from './PasskeySettings.tsx';
import { PassphraseSettings } from './PassphraseSettings.tsx';
import type { ScreenProps } from './screen-props.ts';

export function SettingsView({ app, session, navigation }: ScreenProps) {
  const confirmDelete = useSignal(false);
  const exported = useSignal<string | null>(null);

  const exportBackup = async () => {
    const text = await app.exportBackup();
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `tincan-${session.me.displayName.replace(/[^\p{L}\p{N}_-]+/gu, '-')}.tincan`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    exported.value = link.download;
  };

  return (
    <>
      <PaneHeader navigation={navigation} title={<h2>Settings</h2>} />
      <div class="pane">
        <div class="pane-inner">
          <section class="section" aria-labelledby="identity-heading">
            <h3 id="identity-heading">Your identity</h3>
            <p>
              <strong>{session.me.displayName}</strong>
            </p>
            <p class="hint">
              Stored in this browser, encrypted with your passphrase. Contacts are stored the same way;
              messages are never stored.
            </p>
          </section>
          <PassphraseSettings app={app} />
          <PasskeySettings app={app} />
          <KeyRotationSettings app={app} session={session} />
          <section class="section" aria-labelledby="backup-heading">
            <h3 id="backup-heading">Backup</h3>
            <p class="hint">
              A file with your identity and contacts, encrypted with your current passphrase. Restore it on
              another browser to keep the same identity. Keep it private anyway: its only protection is the
              passphrase.
            </p>
            <button type="button" class="button" onClick={exportBackup}>
              Export backup
            </button>
            {exported.value && <Notice kind="ok">Saved as {exported.value}.</Notice>}
          </section>
          <BlockedList session={session} />
          <CallSettings calls={session.calls} turnAvailable={session.connection.state.value.turnAvailable} />
          <section class="section" aria-labelledby="lock-heading">
            <h3 id="lock-heading">Lock</h3>
            <p class="hint">
              Locking closes the connection and clears keys and all messages from memory. Messages still
              waiting for delivery are kept, encrypted, and sent after you unlock. You need the passphrase to
              come back.
            </p>
            <LockButton app={app} session={session} class="button">
              Lock now
            </LockButton>
          </section>
          <section class="section" aria-labelledby="delete-heading">
            <h3 id="delete-heading">Delete identity</h3>
            {confirmDelete.value ? (
              <>
                <Notice kind="warning">
                  This erases your identity and contacts from this browser for good. Without a backup, nobody
                  can bring them back.
                </Notice>
                <div class="row">
                  <button type="button" class="button danger solid" onClick={() => void app.deleteIdentity()}>
                    Delete everything
                  </button>
                  <button type="button" class="button" onClick={() => (confirmDelete.value = false)}>
                    Cancel
                  </button>
                </div>
              </>
            ) : (
              <button type="button" class="button danger" onClick={() => (confirmDelete.value = true)}>
                Delete identity…
              </button>
            )}
          </section>
        </div>
      </div>
    </>
  );
}
