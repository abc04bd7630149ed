import { useSignal } from '@preact/signals';
import { MAX_GROUP_MEMBERS } from '../../crypto/group-statement.ts';
import { PaneHeader } from './PaneHeader.tsx';
import type { ScreenProps } from './screen-props.ts';

/** Name a group and pick its members from the contacts; we are its first admin. */
export function NewGroupView({ session, navigation }: ScreenProps) {
  const name = useSignal('');
  const picked = useSignal<ReadonlySet<string>>(new Set());
  const busy = useSignal(false);
  const error = useSignal('');
  const contacts = session.contacts.accepted.value.filter((c) => c.state === 'accepted' && !c.blocked);
  const toggle = (key: string) => {
    const next = new Set(picked.value);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    picked.value = next;
  };
  const tooMany = picked.value.size + 1 > MAX_GROUP_MEMBERS;
  const create = async () => {
    if (!name.value.trim() || picked.value.size === 0 || tooMany) return;
    busy.value = true;
    error.value = '';
    try {
      const id = await session.groups.create(name.value, [...picked.value]);
      navigation.go({ name: 'group', group: id });
    } catch {
      error.value = 'That name has characters that are not allowed, or is too long.';
    } finally {
      busy.value = false;
    }
  };
  return (
    <>
      <PaneHeader navigation={navigation} title={<h2>New group</h2>} />
      <div class="pane">
        <form
          class="pane-inner"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <div class="field">
            <label for="group-name">Group name</label>
            <input
              id="group-name"
              class="input"
              maxLength={64}
              value={name.value}
              onInput={(e) => {
                name.value = e.currentTarget.value;
              }}
            />
          </div>
          <fieldset class="field">
            <legend>Members (up to {MAX_GROUP_MEMBERS - 1} of your contacts)</legend>
            {contacts.length === 0 && (
              <p class="muted">Add contacts first: a group is made of your contacts.</p>
            )}
            <ul class="plain">
              {contacts.map((contact) => (
                <li key={contact.key}>
                  <label class="row">
                    <input
                      type="checkbox"
                      data-member={contact.name}
                      checked={picked.value.has(contact.key)}
                      onChange={() => toggle(contact.key)}
                    />
                    {contact.name}
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>
          {tooMany && <p class="error">A group has at most {MAX_GROUP_MEMBERS} members.</p>}
          {error.value && <p class="error">{error.value}</p>}
          <button
            type="submit"
            class="button primary"
            disabled={busy.value || !name.value.trim() || picked.value.size === 0 || tooMany}
          >
            Create group
          </button>
        </form>
      </div>
    </>
  );
}
