import type { ScreenProps } from './screen-props.ts';

export function Home({ session, navigation }: ScreenProps) {
  const hasContacts = session.contacts.contacts.value.length > 0;
  return (
    <div class="pane">
      <div class="pane-inner empty">
        {hasContacts ? (
          <>
            <h2>Pick a conversation</h2>
            <p>Messages are end-to-end encrypted and kept only in this tab's memory.</p>
          </>
        ) : (
          <>
            <h2>Start by exchanging codes</h2>
            <p>
              Tincan has no phone numbers and no directory. To talk to someone, one of you adds the other's
              code: paste it, open their link, or scan their QR code.
            </p>
            <div class="row">
              <button type="button" class="button primary" onClick={() => navigation.go({ name: 'add' })}>
                Add a contact
              </button>
              <button type="button" class="button" onClick={() => navigation.go({ name: 'my-code' })}>
                Show my code
              </button>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
