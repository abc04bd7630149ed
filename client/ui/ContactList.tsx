import type { Navigation } from '../state/navigation.ts';
import type { StoredContact } from '../state/profile-data.ts';
import type { SessionModel } from '../state/session.ts';
import { Avatar } from './Avatar.tsx';
import { StateBadge, TrustBadge } from './Badges.tsx';
import { GroupList } from './GroupList.tsx';

export function ContactList({ session, navigation }: { session: SessionModel; navigation: Navigation }) {
  const { contacts, chats } = session;
  const view = navigation.view.value;
  const current = 'contact' in view ? view.contact : undefined;
  const requests = contacts.requests.value;
  const threads = chats.threads.value;
  const lastAt = (key: string) => threads.get(key)?.at(-1)?.at ?? 0;
  const list = [...contacts.accepted.value].sort(
    (a, b) => lastAt(b.key) - lastAt(a.key) || a.name.localeCompare(b.name),
  );

  if (requests.length === 0 && list.length === 0 && session.groups.groups.value.length === 0) {
    return (
      <div class="empty">
        <h3>No contacts yet</h3>
        <p>Add someone with their code, or show them yours.</p>
      </div>
    );
  }

  return (
    <div class="list" data-testid="contact-list">
      {requests.length > 0 && (
        <section aria-labelledby="requests-heading">
          <h2 class="list-heading" id="requests-heading">
            Requests
          </h2>
          <ul class="plain">
            {requests.map((contact) => (
              <li key={contact.key}>
                <button
                  type="button"
                  class="contact"
                  aria-current={current === contact.key}
                  onClick={() => navigation.go({ name: 'request', contact: contact.key })}
                >
                  <Avatar name={contact.name} />
                  <span class="contact-body">
                    <span class="contact-name">
                      <span class="name">{contact.name}</span>
                    </span>
                    <span class="contact-preview">
                      Wants to add you{contact.keyChange ? ' · ⚠ name already in use' : ''}
                    </span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <GroupList session={session} navigation={navigation} />
      {list.length > 0 && (
        <section aria-labelledby="contacts-heading">
          <h2 class="list-heading" id="contacts-heading">
            Contacts
          </h2>
          <ul class="plain">
            {list.map((contact) => (
              <ContactItem
                key={contact.key}
                contact={contact}
                session={session}
                navigation={navigation}
                current={current}
              />
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function ContactItem({
  contact,
  session,
  navigation,
  current,
}: {
  contact: StoredContact;
  session: SessionModel;
  navigation: Navigation;
  current: string | undefined;
}) {
  const online = session.contacts.presence.value.has(contact.key);
  const unread = session.chats.unreadCounts.value.get(contact.key) ?? 0;
  const last = session.chats.threads.value.get(contact.key)?.at(-1);
  const preview =
    contact.state === 'outgoing'
      ? 'Waiting for them to accept'
      : last
        ? last.kind === 'message'
          ? `${last.mine ? 'You: ' : ''}${last.text}`
          : last.text
        : online
          ? 'Online'
          : 'No messages';
  const description = [
    contact.name,
    online ? 'online' : 'offline',
    contact.verified ? 'verified' : 'not verified',
    contact.keyChange && !contact.verified ? 'key changed' : '',
    contact.blocked ? 'blocked' : '',
    unread ? `${unread} unread` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <li>
      <button
        type="button"
        class="contact"
        aria-current={current === contact.key}
        aria-label={description}
        data-contact={contact.name}
        onClick={() => navigation.go({ name: 'chat', contact: contact.key })}
      >
        <Avatar name={contact.name} online={online} />
        <span class="contact-body">
          <span class="contact-name">
            <span class="name">{contact.name}</span>
            <TrustBadge contact={contact} />
            <StateBadge contact={contact} />
          </span>
          <span class="contact-preview">{preview}</span>
        </span>
        {unread > 0 && (
          <span class="unread" aria-hidden="true">
            {unread}
          </span>
        )}
      </button>
    </li>
  );
}
