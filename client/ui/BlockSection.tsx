/** The contact screen's block / unblock section. */
import type { StoredContact } from '../state/profile-data.ts';
import type { SessionModel } from '../state/session.ts';

export function BlockSection({ session, contact }: { session: SessionModel; contact: StoredContact }) {
  return (
    <section class="section" aria-labelledby="block-heading">
      <h3 id="block-heading">{contact.blocked ? `${contact.name} is blocked` : `Block ${contact.name}`}</h3>
      <p class="hint">
        {contact.blocked
          ? 'Their messages, calls and requests do not reach you, and nothing of yours goes to them. They are not told.'
          : 'Their messages, calls and requests stop reaching you, and nothing of yours goes to them. They are not told; to them you look offline.'}
      </p>
      {contact.blocked ? (
        <button type="button" class="button" onClick={() => void session.contacts.unblock(contact.key)}>
          Unblock {contact.name}
        </button>
      ) : (
        <button
          type="button"
          class="button danger"
          onClick={() => {
            // A call with them ends too: blocking is nothing either way.
            if (session.calls.view.value?.call?.peer === contact.key) session.calls.hangup();
            void session.contacts.block(contact.key);
          }}
        >
          Block {contact.name}
        </button>
      )}
    </section>
  );
}

/** Settings: every blocked key, including requests blocked before they were answered. */
export function BlockedList({ session }: { session: SessionModel }) {
  const blocked = session.contacts.contacts.value.filter((c) => c.blocked);
  if (blocked.length === 0) return null;
  return (
    <section class="section" aria-labelledby="blocked-heading">
      <h3 id="blocked-heading">Blocked</h3>
      <ul class="plain-list">
        {blocked.map((contact) => (
          <li key={contact.key} class="row">
            <span>{contact.name}</span>
            <button
              type="button"
              class="button small"
              onClick={() => void session.contacts.unblock(contact.key)}
            >
              Unblock {contact.name}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
