import { useSignal } from '@preact/signals';
import { MAX_GROUP_MEMBERS } from '../../crypto/group-statement.ts';
import { TIMER_CHOICES } from '../state/conversations.ts';
import type { Navigation } from '../state/navigation.ts';
import type { SessionModel } from '../state/session.ts';
import { SafetyDigits } from './SafetyDigits.tsx';

/**
 * A group's members: name, role, verification and presence. A member who is not our contact shows by the
 * name the group gives them, with their key, as not verified, and we can compare safety numbers with them
 * here. Admins add, remove, rename and set the timer; anyone can leave.
 */
export function GroupMembers({
  session,
  navigation,
  groupId,
}: {
  session: SessionModel;
  navigation: Navigation;
  groupId: string;
}) {
  const { groups, contacts } = session;
  const group = groups.get(groupId)!;
  const me = session.me.key;
  const amAdmin = group.members.some((m) => m.key === me && m.admin);
  const active = groups.isActive(groupId);
  const comparing = useSignal<string | null>(null);
  const adding = useSignal('');
  const rename = useSignal(group.name);
  const error = useSignal('');
  const run = (action: () => Promise<void>) => {
    error.value = '';
    action().catch(() => {
      error.value = 'That change was refused.';
    });
  };
  const candidates = contacts.accepted.value.filter(
    (c) => c.state === 'accepted' && !c.blocked && !group.members.some((m) => m.key === c.key),
  );

  return (
    <section class="group-members pane-toolbar" aria-label="Members" data-testid="group-members">
      <ul class="plain">
        {group.members.map((member) => {
          const contact = contacts.byKey(member.key);
          const isContact = contact !== undefined && contact.state !== 'incoming';
          const name = member.key === me ? 'You' : groups.nameOf(groupId, member.key);
          const verified = isContact && contact.verified;
          const online = contacts.presence.value.has(member.key);
          return (
            <li key={member.key} data-member-row={name}>
              <span class="name">{name}</span>
              {member.admin && <span class="badge pending">admin</span>}
              {member.key !== me && (
                <>
                  <span class={`badge ${verified ? 'verified' : 'unverified'}`}>
                    {verified ? '✓ Verified' : 'Not verified'}
                  </span>
                  {!isContact && <span class="badge pending">not a contact</span>}
                  <span class="small muted">{online ? 'online' : 'offline'}</span>
                  {!isContact && <code class="small muted">{member.key.slice(0, 16)}…</code>}
                  <button
                    type="button"
                    class="button small"
                    onClick={() => {
                      if (isContact) navigation.go({ name: 'safety', contact: member.key });
                      else comparing.value = comparing.value === member.key ? null : member.key;
                    }}
                  >
                    Compare safety numbers
                  </button>
                  {amAdmin && active && (
                    <button
                      type="button"
                      class="button small"
                      onClick={() => run(() => groups.removeMember(groupId, member.key))}
                    >
                      Remove
                    </button>
                  )}
                </>
              )}
              {comparing.value === member.key && (
                <div class="safety-inline">
                  <p class="small">
                    Compare these digits with {name}, in person or on a call. They are the same on both sides
                    only if no one is in the middle.
                  </p>
                  <SafetyDigits groups={contacts.safetyNumber(member.key).groups} />
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {amAdmin && active && (
        <div class="row">
          <label for="group-add" class="small muted">
            Add
          </label>
          <select
            id="group-add"
            value={adding.value}
            onChange={(e) => {
              adding.value = e.currentTarget.value;
            }}
          >
            <option value="">Choose a contact</option>
            {candidates.map((c) => (
              <option key={c.key} value={c.key}>
                {c.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            class="button small"
            disabled={!adding.value || group.members.length >= MAX_GROUP_MEMBERS}
            onClick={() => {
              const key = adding.value;
              adding.value = '';
              run(() => groups.addMembers(groupId, [key]));
            }}
          >
            Add member
          </button>
        </div>
      )}
      {amAdmin && active && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            run(() => groups.rename(groupId, rename.value));
          }}
        >
          <label for="group-rename" class="small muted">
            Name
          </label>
          <input
            id="group-rename"
            class="input"
            maxLength={64}
            value={rename.value}
            onInput={(e) => {
              rename.value = e.currentTarget.value;
            }}
          />
          <button
            type="submit"
            class="button small"
            disabled={!rename.value.trim() || rename.value === group.name}
          >
            Rename
          </button>
        </form>
      )}
      <div class="row">
        <label for="group-timer" class="small muted">
          Disappearing messages
        </label>
        <select
          id="group-timer"
          class="timer-select"
          value={String(group.expiresInSeconds)}
          disabled={!amAdmin || !active}
          onChange={(e) => {
            const seconds = Number(e.currentTarget.value);
            run(() => groups.setTimer(groupId, seconds));
          }}
        >
          {TIMER_CHOICES.map((choice) => (
            <option key={choice.seconds} value={String(choice.seconds)}>
              {choice.label}
            </option>
          ))}
        </select>
        {active && group.members.length > 1 && (
          <button type="button" class="button small" onClick={() => run(() => groups.leave(groupId))}>
            Leave group
          </button>
        )}
      </div>
      {error.value && <p class="error">{error.value}</p>}
    </section>
  );
}
