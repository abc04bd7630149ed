import { useSignal } from '@preact/signals';
import { createContext } from 'preact';
import { useContext, useEffect, useRef } from 'preact/hooks';
import type { MessageId } from '../core/chat-protocol.ts';
import { type ChatLine, describeTimer, TIMER_CHOICES } from '../state/conversations.ts';
import type { StoredContact } from '../state/profile-data.ts';
import { Avatar } from './Avatar.tsx';
import { TrustBadge } from './Badges.tsx';
import { CallButtons } from './CallButtons.tsx';
import { Composer } from './Composer.tsx';
import { FileLines, SendFileButton } from './FileLines.tsx';
import { formatDuration, formatTime } from './format.ts';
import { Icon } from './Icon.tsx';
import { MessageTime } from './MessageTime.tsx';
import { Notice } from './Notice.tsx';
import { PaneHeader } from './PaneHeader.tsx';
import type { ScreenProps } from './screen-props.ts';

const STATUS_TEXT = {
  waiting: 'Waiting',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not delivered',
} as const;
const STATUS_MARK = { waiting: '', delivered: '✓✓', read: '✓✓ Read', failed: '⚠ Not delivered' } as const;

export function ChatView({ session, navigation, contact }: ScreenProps & { contact: StoredContact }) {
  const { chats, contacts } = session;
  const lines = chats.threads.value.get(contact.key) ?? [];
  const online = contacts.presence.value.has(contact.key);
  const typing = chats.typingUntil.value.has(contact.key);
  const draft = useSignal('');
  const now = useSignal(Date.now());
  const thread = useRef<HTMLOListElement>(null);
  const composer = useRef<HTMLTextAreaElement>(null);
  const accepted = contact.state === 'accepted' && !contact.blocked;

  // Messages on screen in a visible tab count as read: mark them and send the receipt.
  useEffect(() => {
    const markIfVisible = () => {
      if (document.visibilityState === 'visible') chats.markSeen(contact.key);
    };
    markIfVisible();
    document.addEventListener('visibilitychange', markIfVisible);
    return () => document.removeEventListener('visibilitychange', markIfVisible);
  }, [lines.length, contact.key]);

  useEffect(() => {
    const list = thread.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [lines.length, typing]);

  const counting = lines.some((l) => l.kind === 'message' && l.expiresAt !== undefined);
  useEffect(() => {
    if (!counting) return;
    const timer = setInterval(() => {
      now.value = Date.now();
    }, 1000);
    return () => clearInterval(timer);
  }, [counting]);

  useEffect(() => {
    composer.current?.focus();
  }, [contact.key]);

  const send = () => {
    if (!draft.value.trim() || !accepted) return;
    chats.send(contact.key, draft.value);
    draft.value = '';
  };

  return (
    <>
      <PaneHeader
        navigation={navigation}
        title={
          <div class="chat-head">
            <Avatar name={contact.name} online={online} />
            <div class="chat-head-text">
              <h2 data-testid="chat-title">{contact.name}</h2>
              <span class="status">
                <TrustBadge contact={contact} />
                <span>{typing ? 'typing…' : online ? 'online' : 'offline'}</span>
              </span>
            </div>
          </div>
        }
      >
        <CallButtons calls={session.calls} contact={contact} />
        <button
          type="button"
          class="button small safety-button"
          title="Safety number"
          onClick={() => navigation.go({ name: 'safety', contact: contact.key })}
        >
          <Icon name="shield" size={18} />
          <span class="safety-label">Safety number</span>
        </button>
      </PaneHeader>

      {contact.keyChange && !contact.verified && (
        <Notice kind="warning" title={`${contact.name}'s key changed`}>
          {contact.keyChange.signed
            ? `${contact.name} changed their identity key, and their old key signed the change. Whoever had the old key could have done that too.`
            : 'Messages now go to a different key than before.'}{' '}
          <button
            type="button"
            class="button small"
            onClick={() => navigation.go({ name: 'safety', contact: contact.key })}
          >
            Compare safety numbers
          </button>
        </Notice>
      )}
      {contact.blocked && (
        <Notice kind="info" title={`You blocked ${contact.name}`}>
          Nothing from them reaches you and nothing goes to them; they are not told.{' '}
          <button type="button" class="button small" onClick={() => void contacts.unblock(contact.key)}>
            Unblock
          </button>
        </Notice>
      )}
      {contact.state === 'outgoing' && !contact.blocked && (
        <Notice kind="info" title="Request sent">
          You can write once {contact.name} accepts. If they are offline, the request goes out when they are
          back (keep this tab open).
        </Notice>
      )}

      <div class="row pane-toolbar">
        <label for="timer" class="small muted">
          Disappearing messages
        </label>
        <select
          id="timer"
          class="timer-select"
          value={String(contact.disappearSeconds)}
          disabled={!accepted}
          onChange={(e) => void chats.setTimer(contact.key, Number(e.currentTarget.value))}
        >
          {TIMER_CHOICES.some((c) => c.seconds === contact.disappearSeconds) ? null : (
            <option value={String(contact.disappearSeconds)}>
              {describeTimer(contact.disappearSeconds)}
            </option>
          )}
          {TIMER_CHOICES.map((choice) => (
            <option key={choice.seconds} value={String(choice.seconds)}>
              {choice.label}
            </option>
          ))}
        </select>
      </div>

      <ol class="thread" ref={thread} aria-live="polite" aria-label={`Messages with ${contact.name}`}>
        {lines.length === 0 && !session.files.byPeer.value.has(contact.key) && (
          <li class="empty">
            {accepted
              ? `No messages yet. Messages are end-to-end encrypted and kept only in this tab's memory.`
              : 'No messages yet.'}
          </li>
        )}
        <WithdrawMessage.Provider value={(id) => chats.withdraw(contact.key, id)}>
          {lines.map((line) => (
            <Line key={line.id} line={line} now={now.value} name={contact.name} />
          ))}
        </WithdrawMessage.Provider>
        <FileLines files={session.files} peer={contact.key} name={contact.name} />
      </ol>
      <div class="typing" aria-live="polite">
        {typing ? `${contact.name} is typing…` : ''}
      </div>

      <Composer
        id="composer"
        label={`Message to ${contact.name}`}
        placeholder={
          accepted
            ? `Message ${contact.name}`
            : contact.blocked
              ? 'Unblock them to write'
              : 'Waiting for them to accept'
        }
        enabled={accepted}
        draft={draft}
        onTyping={() => chats.iAmTyping(contact.key)}
        onSend={send}
        field={composer}
      >
        <SendFileButton files={session.files} peer={contact.key} name={contact.name} disabled={!accepted} />
      </Composer>
    </>
  );
}

function Line({ line, now, name }: { line: ChatLine; now: number; name: string }) {
  if (line.kind === 'system' && line.call) {
    const { durationSeconds } = line.call;
    return (
      <li class="system-line call-line">
        {line.text} · {durationSeconds === null ? formatTime(line.at) : formatDuration(durationSeconds)}
      </li>
    );
  }
  if (line.kind === 'system') {
    return <li class="system-line">{line.text}</li>;
  }
  const who = line.mine ? 'You' : name;
  return (
    <li class={`bubble-row ${line.mine ? 'mine' : 'theirs'}`} data-message-id={line.id}>
      <div class="bubble">
        <span class="visually-hidden">{who}: </span>
        <span class="text">{line.text}</span>
        <span class="meta">
          <MessageTime at={line.at} expiresAt={line.expiresAt} now={now} />
          {line.mine && (
            <span class="receipt" data-status={line.status} title={STATUS_TEXT[line.status]}>
              <span aria-hidden="true">
                {line.status === 'waiting' ? <Icon name="clock" size={12} /> : STATUS_MARK[line.status]}
              </span>
              <span class="visually-hidden">{STATUS_TEXT[line.status]}</span>
            </span>
          )}
          {line.mine && (line.status === 'waiting' || line.status === 'failed') && (
            <WithdrawButton id={line.id} />
          )}
        </span>
      </div>
    </li>
  );
}

/** Deletes one of our messages that is waiting or failed, in the thread on screen. */
const WithdrawMessage = createContext<(id: MessageId) => void>(() => {});

function WithdrawButton({ id }: { id: MessageId }) {
  const withdraw = useContext(WithdrawMessage);
  return (
    <button
      type="button"
      class="withdraw"
      aria-label="Delete this message"
      title="Delete this message (it will not be sent)"
      onClick={() => withdraw(id)}
    >
      <Icon name="close" size={12} />
    </button>
  );
}
