import type { Navigation } from '../state/navigation.ts';
import type { SessionModel } from '../state/session.ts';
import { Avatar } from './Avatar.tsx';

/** The groups, in the contact list beside people: name, member count, last line, unread count. */
export function GroupList({ session, navigation }: { session: SessionModel; navigation: Navigation }) {
  const { groups } = session;
  const list = groups.groups.value;
  if (list.length === 0) return null;
  const view = navigation.view.value;
  const current = view.name === 'group' ? view.group : undefined;
  const threads = groups.threads.value;
  const lastAt = (id: string) => threads.get(id)?.at(-1)?.at ?? 0;
  const sorted = [...list].sort((a, b) => lastAt(b.id) - lastAt(a.id) || a.name.localeCompare(b.name));
  return (
    <section aria-labelledby="groups-heading">
      <h2 class="list-heading" id="groups-heading">
        Groups
      </h2>
      <ul class="plain">
        {sorted.map((group) => {
          const unread = groups.unreadCounts.value.get(group.id) ?? 0;
          const last = threads.get(group.id)?.at(-1);
          const active = groups.isActive(group.id);
          const preview = !active
            ? 'You are no longer in this group'
            : last
              ? last.kind === 'message'
                ? `${groups.nameOf(group.id, last.author)}: ${last.text}`
                : last.text
              : `${group.members.length} members`;
          return (
            <li key={group.id}>
              <button
                type="button"
                class="contact"
                aria-current={current === group.id}
                aria-label={[group.name, `${group.members.length} members`, unread ? `${unread} unread` : '']
                  .filter(Boolean)
                  .join(', ')}
                data-group={group.name}
                onClick={() => navigation.go({ name: 'group', group: group.id })}
              >
                <Avatar name={group.name} />
                <span class="contact-body">
                  <span class="contact-name">
                    <span class="name">{group.name}</span>
                    <span class="badge pending">Group · {group.members.length}</span>
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
        })}
      </ul>
    </section>
  );
}
