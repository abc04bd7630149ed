import { useSignal } from '@preact/signals';
import { safetyNumberQrText, scannableFromQrText } from '../services/qr.ts';
import type { StoredContact } from '../state/profile-data.ts';
import { TrustBadge } from './Badges.tsx';
import { BlockSection } from './BlockSection.tsx';
import { Notice } from './Notice.tsx';
import { PaneHeader } from './PaneHeader.tsx';
import { QrCode } from './QrCode.tsx';
import { SafetyDigits } from './SafetyDigits.tsx';
import { Scanner } from './Scanner.tsx';
import type { ScreenProps } from './screen-props.ts';

const VERDICT_TEXT = {
  match: { kind: 'ok', text: 'The codes match. This contact is now verified.' },
  mismatch: {
    kind: 'error',
    text: 'The codes do NOT match. You are not talking to the key you think, or they are not looking at your conversation.',
  },
  'not-a-safety-code': { kind: 'warning', text: 'That QR code is not a Tincan safety number.' },
  'other-version': {
    kind: 'warning',
    text: 'That safety number comes from another version of Tincan. Both of you should update.',
  },
} as const;

export function SafetyView({ session, navigation, contact }: ScreenProps & { contact: StoredContact }) {
  const safety = session.contacts.safetyNumber(contact.key);
  const scanning = useSignal(false);
  const verdict = useSignal<keyof typeof VERDICT_TEXT | null>(null);

  const confirmRemove = useSignal(false);

  const onScan = (text: string) => {
    // Another kind of QR code (a contact code, a URL): say so and keep the camera scanning.
    if (!scannableFromQrText(text)) {
      verdict.value = 'not-a-safety-code';
      return false;
    }
    void session.contacts.verifyScan(contact.key, text).then((result) => {
      verdict.value = result;
      if (result === 'match') scanning.value = false;
    });
    return true;
  };

  return (
    <>
      <PaneHeader
        navigation={navigation}
        title={
          <>
            <h2>Safety number</h2>
            <span class="muted small">with {contact.name}</span>
          </>
        }
      >
        <button
          type="button"
          class="button small"
          onClick={() => navigation.go({ name: 'chat', contact: contact.key })}
        >
          Back to chat
        </button>
      </PaneHeader>
      <div class="pane">
        <div class="pane-inner">
          <p>
            {contact.name}: <TrustBadge contact={contact} />
          </p>
          {contact.keyChange && !contact.verified && (
            <Notice kind="warning" title="The key changed">
              {contact.name} now uses a different key than before
              {contact.keyChange.signed ? ' (a change signed by their old key)' : ''}. Compare the new safety
              number before you trust this conversation.
            </Notice>
          )}
          <section class="section" aria-labelledby="digits-heading">
            <h3 id="digits-heading">Compare these digits</h3>
            <p class="hint">
              {contact.name} sees the same 60 digits for your conversation. Read them to each other, in person
              or on a call where you recognise the voice.
            </p>
            <SafetyDigits groups={safety.groups} />
            <div class="row">
              {contact.verified ? (
                <button
                  type="button"
                  class="button"
                  onClick={() => void session.contacts.setVerified(contact.key, false)}
                >
                  Mark as not verified
                </button>
              ) : (
                <button
                  type="button"
                  class="button primary"
                  onClick={() => void session.contacts.setVerified(contact.key, true)}
                >
                  The digits match: mark as verified
                </button>
              )}
            </div>
          </section>
          <section class="section" aria-labelledby="scan-heading">
            <h3 id="scan-heading">Or scan each other's code</h3>
            <QrCode
              text={safetyNumberQrText(safety.scannable)}
              label="QR code of your safety number with this contact"
            />
            <div class="row">
              <button
                type="button"
                class="button"
                aria-expanded={scanning.value}
                onClick={() => {
                  scanning.value = !scanning.value;
                  verdict.value = null;
                }}
              >
                {scanning.value ? 'Close scanner' : `Scan ${contact.name}'s code`}
              </button>
            </div>
            {scanning.value && <Scanner label="Safety number QR code" onText={onScan} />}
            {verdict.value && (
              <Notice kind={VERDICT_TEXT[verdict.value].kind}>{VERDICT_TEXT[verdict.value].text}</Notice>
            )}
          </section>
          <BlockSection session={session} contact={contact} />
          <section class="section" aria-labelledby="remove-heading">
            <h3 id="remove-heading">Remove {contact.name}</h3>
            {confirmRemove.value ? (
              <div class="row">
                <button
                  type="button"
                  class="button danger solid"
                  onClick={() =>
                    void session.contacts.remove(contact.key).then(() => {
                      session.chats.forget(contact.key);
                      navigation.home();
                    })
                  }
                >
                  Remove from contacts
                </button>
                <button type="button" class="button" onClick={() => (confirmRemove.value = false)}>
                  Cancel
                </button>
              </div>
            ) : (
              <>
                <p class="hint">
                  Removes the contact, its verification and the conversation from this browser. They are not
                  told.
                </p>
                <button type="button" class="button danger" onClick={() => (confirmRemove.value = true)}>
                  Remove contact…
                </button>
              </>
            )}
          </section>
        </div>
      </div>
    </>
  );
}
