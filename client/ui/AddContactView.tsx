import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { MAX_CONTACT_INPUT_LENGTH } from '../../crypto/contact-code.ts';
import type { AddPreview } from '../state/contacts.ts';
import { TrustBadge } from './Badges.tsx';
import { Notice } from './Notice.tsx';
import { PaneHeader } from './PaneHeader.tsx';
import { SafetyDigits } from './SafetyDigits.tsx';
import { Scanner } from './Scanner.tsx';
import type { ScreenProps } from './screen-props.ts';

type Source = 'paste' | 'link' | 'camera' | 'image';

export function AddContactView({
  session,
  navigation,
  initialInput,
}: ScreenProps & { initialInput?: string | undefined }) {
  const input = useSignal(initialInput ?? '');
  const preview = useSignal<AddPreview | null>(null);
  const source = useSignal<Source>(initialInput ? 'link' : 'paste');
  const scanning = useSignal(false);
  const busy = useSignal(false);

  const check = (text: string, from: Source) => {
    source.value = from;
    preview.value = session.contacts.preview(text);
    return preview.value.ok;
  };

  useEffect(() => {
    if (initialInput) check(initialInput, 'link');
  }, []);

  const submit = (event: Event) => {
    event.preventDefault();
    check(input.value, 'paste');
  };

  const add = async () => {
    const found = preview.value;
    if (!found?.ok) return;
    busy.value = true;
    try {
      await session.contacts.add(found.key, found.name, { scannedInPerson: source.value === 'camera' });
      navigation.go({ name: 'chat', contact: found.key });
    } finally {
      busy.value = false;
    }
  };

  const found = preview.value;
  return (
    <>
      <PaneHeader navigation={navigation} title={<h2>Add a contact</h2>} />
      <div class="pane">
        <div class="pane-inner">
          <form class="section" onSubmit={submit} noValidate>
            <div class="field">
              <label for="contact-input">Their code or link</label>
              <textarea
                id="contact-input"
                class="input"
                rows={3}
                spellcheck={false}
                autoComplete="off"
                placeholder="TC1… or https://…/#add=TC1…"
                value={input.value}
                aria-invalid={found && !found.ok ? 'true' : 'false'}
                aria-describedby={found && !found.ok ? 'add-error' : 'contact-input-hint'}
                maxLength={MAX_CONTACT_INPUT_LENGTH}
                onPaste={(e) => {
                  // Far more than any code or link (a whole document, say): refused before it reaches the
                  // field, whose layout of a megabyte would freeze the tab.
                  const pasted = e.clipboardData?.getData('text') ?? '';
                  if (pasted.length <= MAX_CONTACT_INPUT_LENGTH) return;
                  e.preventDefault();
                  preview.value = session.contacts.preview(pasted);
                }}
                onInput={(e) => {
                  input.value = e.currentTarget.value;
                  preview.value = null;
                }}
              />
              <span id="contact-input-hint" class="hint">
                Ask them for it through a channel you trust, or better, scan it when you meet.
              </span>
            </div>
            <div class="row">
              <button type="submit" class="button primary">
                Check code
              </button>
              <button
                type="button"
                class="button"
                aria-expanded={scanning.value}
                onClick={() => {
                  scanning.value = !scanning.value;
                }}
              >
                {scanning.value ? 'Close scanner' : 'Scan QR code'}
              </button>
            </div>
          </form>

          {scanning.value && (
            <section class="section" aria-label="QR scanner">
              <Scanner
                label="Contact QR code"
                onText={(text, from) => {
                  const ok = check(text, from);
                  if (ok) {
                    input.value = text;
                    scanning.value = false;
                  }
                  return ok;
                }}
              />
            </section>
          )}

          {found && !found.ok && (
            <Notice kind="error" id="add-error" title="This code cannot be added">
              {found.error}
            </Notice>
          )}

          {found?.ok && (
            <section class="section" aria-labelledby="preview-heading" data-testid="add-preview">
              <h3 id="preview-heading">{found.name}</h3>
              {source.value === 'camera' ? (
                <Notice kind="ok">Scanned in person: this contact starts as verified.</Notice>
              ) : (
                <p class="muted small">
                  The name comes from the code and is chosen by its owner. Compare the safety number below
                  with them (in person or on a call) to be sure the key is theirs.
                </p>
              )}
              {found.clash && (
                <Notice kind="warning" title={`You already have a contact named ${found.clash.name}`}>
                  This code has a different key. If {found.clash.name} reset Tincan or moved to a new browser,
                  that is expected; otherwise it may be someone else. Adding it replaces the old key, and the
                  contact stays unverified until you compare safety numbers again.
                </Notice>
              )}
              {found.existing ? (
                <>
                  <p>
                    Already in your contacts <TrustBadge contact={found.existing} />
                  </p>
                  <button
                    type="button"
                    class="button primary"
                    onClick={() =>
                      found.existing?.state === 'incoming'
                        ? void add()
                        : navigation.go({ name: 'chat', contact: found.key })
                    }
                  >
                    {found.existing.state === 'incoming' ? 'Accept their request' : 'Open chat'}
                  </button>
                </>
              ) : (
                <>
                  <h4 class="label">Safety number</h4>
                  <SafetyDigits groups={found.safety.groups} />
                  <button type="button" class="button primary" disabled={busy.value} onClick={add}>
                    Send contact request
                  </button>
                </>
              )}
            </section>
          )}
        </div>
      </div>
    </>
  );
}
