import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { describeTimer } from '../state/conversations.ts';
import { type GroupLine, receiptSummary } from '../state/groups.ts';
import { Avatar } from './Avatar.tsx';
import { Composer } from './Composer.tsx';
import { GroupCallButtons } from './GroupCallButtons.tsx';
import { GroupMembers } from './GroupMembers.tsx';
import { Icon } from './Icon.tsx';
import { MessageTime } from './MessageTime.tsx';
import { Notice } from './Notice.tsx';
import { PaneHeader } from './PaneHeader.tsx';
import type { ScreenProps } from './screen-props.ts';

/** A group's chat: its lines, who is typing, the composer; the member list on demand. */
export function GroupView({ session, navigation, groupId }: ScreenProps & { groupId: string }) {
  const { groups } = session;
  const group = groups.get(groupId)!;
  const lines = groups.threads.value.get(groupId) ?? [];
  const active = groups.isActive(groupId);
  const typing = [...(groups.typingUntil.value.get(groupId)?.keys() ?? [])].map((k) =>
    groups.nameOf(groupId, k),
  );
  const draft = useSignal('');
  const showMembers = useSignal(false);
  const now = useSignal(Date.now());
  const thread = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const markIfVisible = () => {
      if (document.visibilityState === 'visible') groups.markSeen(groupId);
    };
    markIfVisible();
    document.addEventListener('visibilitychange', markIfVisible);
    return () => document.removeEventListener('visibilitychange', markIfVisible);
  }, [lines.length, groupId]);

  useEffect(() => {
    const list = thread.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [lines.length, typing.length]);

  const counting = lines.some((l) => l.kind === 'message' && l.expiresAt !== undefined);
  useEffect(() => {
    if (!counting) return;
    const timer = setInterval(() => {
      now.value = Date.now();
    }, 1000);
    return () => clearInterval(timer);
  }, [counting]);

  const send = () => {
    if (!draft.value.trim() || !active) return;
    groups.send(groupId, draft.value);
    draft.value = '';
  };
  const online = group.members.filter((m) => session.contacts.presence.value.has(m.key)).length;

  return (
    <>
      <PaneHeader
        navigation={navigation}
        title={
          <div class="chat-head">
            <Avatar name={group.name} />
            <div class="chat-head-text">
              <h2 data-testid="group-title">{group.name}</h2>
              <span class="status">
                <span data-testid="group-summary">
                  {group.members.length} members · {online} online
                  {group.expiresInSeconds ? ` · disappearing: ${describeTimer(group.expiresInSeconds)}` : ''}
                </span>
              </span>
            </div>
          </div>
        }
      >
        {active && <GroupCallButtons groupCalls={session.groupCalls} groupId={groupId} />}
        <button
          type="button"
          class="button small"
          aria-expanded={showMembers.value}
          onClick={() => {
            showMembers.value = !showMembers.value;
          }}
        >
          <Icon name="shield" size={18} /> Members
        </button>
      </PaneHeader>
      {!active && (
        <Notice kind="info" title="You are no longer in this group">
          Nothing more reaches you from it, and you cannot write in it.{' '}
          <button
            type="button"
            class="button small"
            onClick={() => {
              void groups.forget(groupId);
              navigation.home();
            }}
          >
            Delete group
          </button>
        </Notice>
      )}
      {showMembers.value && <GroupMembers session={session} navigation={navigation} groupId={groupId} />}
      <ol class="thread" ref={thread} aria-live="polite" aria-label={`Messages in ${group.name}`}>
        {lines.map((line) => (
          <Line
            key={line.id}
            line={line}
            now={now.value}
            author={groups.nameOf(groupId, line.kind === 'message' ? line.author : '')}
          />
        ))}
      </ol>
      <div class="typing" aria-live="polite">
        {typing.length ? `${typing.join(', ')} ${typing.length === 1 ? 'is' : 'are'} typing…` : ''}
      </div>
      <Composer
        id="group-composer"
        label={`Message to ${group.name}`}
        placeholder={active ? `Message ${group.name}` : 'You are not in this group'}
        enabled={active}
        draft={draft}
        onTyping={() => groups.iAmTyping(groupId)}
        onSend={send}
      />
    </>
  );
}

function Line({ line, now, author }: { line: GroupLine; now: number; author: string }) {
  if (line.kind === 'system') return <li class="system-line">{line.text}</li>;
  return (
    <li class={`bubble-row ${line.mine ? 'mine' : 'theirs'}`} data-message-id={line.id}>
      <div class="bubble">
        {!line.mine && <span class="small muted author">{author}</span>}
        <span class="visually-hidden">{line.mine ? 'You' : author}: </span>
        <span class="text">{line.text}</span>
        <span class="meta">
          <MessageTime at={line.at} expiresAt={line.expiresAt} now={now} />
          {line.mine && (
            <span class="receipt" data-testid="group-receipt">
              {receiptSummary(line)}
            </span>
          )}
        </span>
      </div>
    </li>
  );
}
