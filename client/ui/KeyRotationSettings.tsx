/** Settings: change our identity key, and how many contacts have been told so far. */
import { useSignal } from '@preact/signals';
import { Notice } from './Notice.tsx';
import type { ScreenProps } from './screen-props.ts';

export function KeyRotationSettings({ app, session }: Pick<ScreenProps, 'app' | 'session'>) {
  const confirming = useSignal(false);
  const rotation = session.contacts.rotation.value;
  const list = session.contacts.contacts.value;
  const contacts = list.filter((c) => c.state === 'accepted' && !c.blocked).length;
  const busy = app.busy.value === 'rotating';
  // A blocked contact is told only if it is unblocked: until then it is not counted as waiting.
  const blocked = new Set(list.filter((c) => c.blocked).map((c) => c.key));
  const pending = rotation?.pending.filter((key) => !blocked.has(key)).length ?? 0;
  return (
    <section class="section" aria-labelledby="key-heading">
      <h3 id="key-heading">Identity key</h3>
      <p class="hint">
        Change your key if you think someone else may have a copy of it (a lost device, an old backup). Your
        old key signs the change and each contact is told; they keep your conversation, but see that your key
        changed and have to compare safety numbers with you again.
      </p>
      {rotation && (
        <p role="status" data-testid="rotation-status">
          {pending === 0
            ? 'All your contacts know your new key.'
            : `${pending} of your contacts ${pending === 1 ? 'has' : 'have'} not received your new key yet. It goes out when they are online, while Tincan is open.`}
        </p>
      )}
      {confirming.value ? (
        <>
          <Notice kind="warning">
            Your old key stops working once you change it: contacts that do not hear of the change (for
            example, one who deleted Tincan) have to add your new code.
            {pending > 0 &&
              ` ${pending} ${pending === 1 ? 'contact has' : 'contacts have'} not received your last change yet and will not hear of this one.`}
          </Notice>
          {app.error.value && <Notice kind="error">{app.error.value}</Notice>}
          <div class="row">
            <button
              type="button"
              class="button primary"
              disabled={busy}
              onClick={() =>
                void app.rotateIdentity().then(() => {
                  confirming.value = false;
                })
              }
            >
              {busy
                ? 'Changing…'
                : `Change my key and tell ${contacts} ${contacts === 1 ? 'contact' : 'contacts'}`}
            </button>
            <button type="button" class="button" disabled={busy} onClick={() => (confirming.value = false)}>
              Cancel
            </button>
          </div>
        </>
      ) : (
        <button type="button" class="button" onClick={() => (confirming.value = true)}>
          Change my identity key…
        </button>
      )}
    </section>
  );
}
