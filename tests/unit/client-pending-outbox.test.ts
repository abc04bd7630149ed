import { describe, expect, test } from 'vitest';
import type { ReliableBody } from '../../client/core/chat-protocol.ts';
import { Outbox } from '../../client/core/outbox.ts';
import { outboxFromBytes } from '../../client/core/outbox-record.ts';
import type { OutboxStorage } from '../../client/core/outbox-store.ts';
import { createPendingOutboxModel, describePending } from '../../client/state/pending-outbox.ts';

const ME = 'aa'.repeat(32);
const BOB = 'bb'.repeat(32);
const CAROL = 'cc'.repeat(32);
const T = 1_790_000_000_000;
let n = 0;
const id = () => (++n).toString(16).padStart(32, '0');
const chat = (text: string): ReliableBody => ({ type: 'chat', id: id(), sentAt: T, text });
const names: Record<string, string> = { [BOB]: 'Bob', [CAROL]: 'Carol' };

describe('pending outbox model', () => {
  test('the warning names the counts and the contacts', () => {
    const nameOf = (key: string) => names[key];
    expect(describePending([], nameOf)).toBeNull();
    expect(describePending([{ key: BOB, messages: 1 }], nameOf)).toBe('1 message is still waiting for Bob.');
    expect(describePending([{ key: BOB, messages: 2 }], nameOf)).toBe(
      '2 messages are still waiting for Bob.',
    );
    expect(
      describePending(
        [
          { key: BOB, messages: 2 },
          { key: CAROL, messages: 1 },
          { key: ME, messages: 1 },
        ],
        nameOf,
      ),
    ).toBe('4 messages are still waiting: 2 for Bob, 1 for Carol and 1 for a contact.');
  });

  test('counts our chat messages per contact; keeps every waiting body but requests and rotations', async () => {
    let stored: Uint8Array | undefined;
    const storage: OutboxStorage = {
      load: async () => undefined,
      save: async (plaintext) => {
        stored = plaintext?.slice();
      },
    };
    const outbox = new Outbox(() => model.changed());
    const model = createPendingOutboxModel({
      storage,
      owner: ME,
      entries: () => outbox.saved(),
      nameOf: (key) => names[key],
    });
    await model.restore(() => {});
    const hello = chat('hello');
    outbox.add(BOB, hello, T);
    outbox.add(BOB, chat('there'), T);
    outbox.add(CAROL, { type: 'receipt', id: id(), read: [id()] }, T);
    outbox.add(CAROL, { type: 'contactRequest', id: id(), displayName: 'Me' }, T);
    expect(model.pending.value).toEqual([{ key: BOB, messages: 2 }]);
    expect(model.warning.value).toBe('2 messages are still waiting for Bob.');
    await model.settled();
    expect(outboxFromBytes(stored!, ME).map((e) => e.body.type)).toEqual(['chat', 'chat', 'receipt']);
    outbox.ack(BOB, [hello.id]);
    expect(model.warning.value).toBe('1 message is still waiting for Bob.');
    outbox.clearPeer(BOB);
    expect(model.warning.value).toBeNull();
  });
});
