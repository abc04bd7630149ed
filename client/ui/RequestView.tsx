import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { StoredContact } from '../state/profile-data.ts';
import { Notice } from './Notice.tsx';
import { PaneHeader } from './PaneHeader.tsx';
import { SafetyDigits } from './SafetyDigits.tsx';
import type { ScreenProps } from './screen-props.ts';

export function RequestView({ session, navigation, contact }: ScreenProps & { contact: StoredContact }) {
  const busy = useSignal(false);
  const answered = contact.state !== 'incoming';
  useEffect(() => {
    if (answered) navigation.go({ name: 'chat', contact: contact.key });
  }, [answered]);
  if (answered) return null;
  const safety = session.contacts.safetyNumber(contact.key);
  const previous = contact.keyChange ? session.contacts.byKey(contact.keyChange.previousKey) : undefined;
  const act = async (answer: 'accept' | 'decline' | 'block') => {
    busy.value = true;
    try {
      if (answer === 'accept') {
        await session.contacts.acceptRequest(contact.key);
        navigation.go({ name: 'chat', contact: contact.key });
      } else {
        if (answer === 'block') await session.contacts.block(contact.key);
        else await session.contacts.declineRequest(contact.key);
        navigation.home();
      }
    } finally {
      busy.value = false;
    }
  };
  return (
    <>
      <PaneHeader navigation={navigation} title={<h2>Contact request</h2>} />
      <div class="pane">
        <div class="pane-inner">
          <section class="section" aria-labelledby="request-heading" data-testid="contact-request">
            <h3 id="request-heading">{contact.name} wants to add you</h3>
            <p class="muted small">
              The name is chosen by whoever sent this. If you know them, compare the safety number with them
              before you trust it.
            </p>
            {previous && (
              <Notice kind="warning" title={`You already have a contact named ${previous.name}`}>
                This request comes from a different key. If {previous.name} reset Tincan or moved to a new
                browser, that is expected; otherwise it may be someone pretending. Accepting replaces the old
                key, and the contact stays unverified until you compare safety numbers again.
              </Notice>
            )}
            <h4 class="label">Safety number</h4>
            <SafetyDigits groups={safety.groups} />
            <div class="row">
              <button
                type="button"
                class="button primary"
                disabled={busy.value}
                onClick={() => act('accept')}
              >
                Accept
              </button>
              <button type="button" class="button" disabled={busy.value} onClick={() => act('decline')}>
                Decline
              </button>
              <button type="button" class="button danger" disabled={busy.value} onClick={() => act('block')}>
                Block
              </button>
            </div>
            <p class="hint">
              Declining and blocking send nothing back. A declined key can ask again; a blocked one cannot
              reach you at all until you unblock it in Settings.
            </p>
          </section>
        </div>
      </div>
    </>
  );
}
