import { useEffect } from 'preact/hooks';
import { pageTitle } from '../state/page-title.ts';
import { AddContactView } from './AddContactView.tsx';
import { CallScreen } from './CallScreen.tsx';
import { ChatView } from './ChatView.tsx';
import { ConnectionStatus } from './ConnectionStatus.tsx';
import { ContactList } from './ContactList.tsx';
import { GroupCallScreen } from './GroupCallScreen.tsx';
import { GroupView } from './GroupView.tsx';
import { Home } from './Home.tsx';
import { Icon } from './Icon.tsx';
import { LockButton } from './LockButton.tsx';
import { MyCodeView } from './MyCodeView.tsx';
import { NewGroupView } from './NewGroupView.tsx';
import { RequestView } from './RequestView.tsx';
import { SafetyView } from './SafetyView.tsx';
import { SettingsView } from './SettingsView.tsx';
import type { ScreenProps } from './screen-props.ts';

export function Shell(props: ScreenProps) {
  const { session, navigation } = props;
  const view = navigation.view.value;

  // A contact link opened before unlocking (or while unlocked) opens the add screen with its code.
  const pending = navigation.pendingAdd.value;
  useEffect(() => {
    const code = navigation.takePendingAdd();
    if (code) navigation.go({ name: 'add', input: code });
  }, [pending]);

  // A new screen takes the focus (a screen reader announces it; on a phone the list it came from is hidden).
  // The chat focuses its composer itself.
  const viewKey =
    'contact' in view ? `${view.name}:${view.contact}` : 'group' in view ? `group:${view.group}` : view.name;
  useEffect(() => {
    if (view.name === 'home' || view.name === 'chat' || view.name === 'group') return;
    document.querySelector<HTMLElement>('#main h2')?.setAttribute('tabindex', '-1');
    document.querySelector<HTMLElement>('#main h2')?.focus();
  }, [viewKey]);

  const title = pageTitle(
    session.chats.totalUnread.value + session.groups.totalUnread.value,
    session.calls.ringingFrom.value ?? session.groupCalls.ringingFrom.value,
  );
  useEffect(() => {
    document.title = title;
  }, [title]);

  // Closing or reloading the tab while messages wait for their ack: the browser asks first. They are kept
  // (encrypted) either way, but they cannot arrive until the next unlock.
  const waiting = session.pending.warning.value;
  useEffect(() => {
    if (!waiting) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = waiting;
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [waiting]);

  // Escape goes back to the list, except from a field holding text the user is still editing.
  const onHome = view.name === 'home';
  useEffect(() => {
    if (onHome) return;
    const onKeyDown = (event: KeyboardEvent) => {
      const target = event.target;
      const editing =
        (target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement) && target.value !== '';
      if (event.key === 'Escape' && !editing && !event.defaultPrevented) navigation.home();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [onHome]);

  return (
    <div class={`shell ${view.name === 'home' ? '' : 'detail'}`}>
      <a class="skip-link" href="#main">
        Skip to main content
      </a>
      <nav class="sidebar" aria-label="Contacts">
        <header class="sidebar-header">
          <div class="me">
            <div class="me-name">{session.me.displayName}</div>
            <ConnectionStatus session={session} />
          </div>
          <button
            type="button"
            class="icon-button"
            aria-label="Settings and backup"
            title="Settings and backup"
            onClick={() => navigation.go({ name: 'settings' })}
          >
            <Icon name="gear" />
          </button>
          <LockButton
            app={props.app}
            session={session}
            class="icon-button"
            label="Lock Tincan"
            title="Lock (log out)"
          >
            <Icon name="lock" />
          </LockButton>
        </header>
        <div class="sidebar-actions">
          <button type="button" class="button primary" onClick={() => navigation.go({ name: 'add' })}>
            Add contact
          </button>
          <button type="button" class="button" onClick={() => navigation.go({ name: 'my-code' })}>
            My code
          </button>
          <button type="button" class="button" onClick={() => navigation.go({ name: 'new-group' })}>
            New group
          </button>
        </div>
        <ContactList session={session} navigation={navigation} />
      </nav>
      <main class="main" id="main" tabIndex={-1}>
        <MainView {...props} />
      </main>
      <CallScreen calls={session.calls} />
      <GroupCallScreen groupCalls={session.groupCalls} />
    </div>
  );
}

function MainView(props: ScreenProps) {
  const view = props.navigation.view.value;
  // current(): a screen opened for a key that has since changed shows the contact under its new key.
  const contact = 'contact' in view ? props.session.contacts.current(view.contact) : undefined;
  switch (view.name) {
    case 'home':
      return <Home {...props} />;
    case 'add':
      return <AddContactView {...props} key={view.input ?? ''} initialInput={view.input} />;
    case 'my-code':
      return <MyCodeView {...props} />;
    case 'settings':
      return <SettingsView {...props} />;
    case 'new-group':
      return <NewGroupView {...props} />;
    case 'group':
      return props.session.groups.get(view.group) ? (
        <GroupView {...props} groupId={view.group} key={view.group} />
      ) : (
        <Home {...props} />
      );
    case 'chat':
      return contact ? <ChatView {...props} contact={contact} key={contact.key} /> : <Home {...props} />;
    case 'safety':
      return contact ? <SafetyView {...props} contact={contact} key={contact.key} /> : <Home {...props} />;
    case 'request':
      return contact ? <RequestView {...props} contact={contact} key={contact.key} /> : <Home {...props} />;
  }
}
