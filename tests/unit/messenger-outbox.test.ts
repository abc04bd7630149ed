import { describe, expect, it } from 'vitest';
import type { ReliableBody } from '../../client/core/chat-protocol.ts';
import {
  ACK_TIMEOUT_MS,
  MAX_OUTBOX_AGE_MS,
  MAX_OUTBOX_ENTRIES,
  MAX_OUTBOX_PER_PEER,
  Outbox,
  RETRY_BASE_MS,
  RETRY_MAX_MS,
  RETRY_MAX_UNANNOUNCED_MS,
  VIA_HANDSHAKE,
} from '../../client/core/outbox.ts';

const A = 'aa'.repeat(32);
const B = 'bb'.repeat(32);
const T = 1_000_000;
let n = 0;
const chat = (extra: Partial<{ expiresInSeconds: number }> = {}): ReliableBody => ({
  type: 'chat',
  id: (n++).toString(16).padStart(32, '0'),
  sentAt: T,
  text: 'x',
  ...extra,
});

function withEntry(peer = A, body = chat()) {
  const outbox = new Outbox();
  expect(outbox.add(peer, body, T)).toBe(true);
  return { outbox, entry: outbox.get(peer, body.id)!, body };
}

describe('outbox', () => {
  it('starts waiting and due at once; a send puts it in flight until the ack timeout', () => {
    const { outbox, entry } = withEntry();
    expect(entry).toMatchObject({ state: 'waiting', via: null, attempts: 0, dueAt: T });
    outbox.record(entry, { status: 'sent', sessionId: 's1' }, T);
    expect(entry).toMatchObject({ state: 'in-flight', via: 's1', attempts: 1, dueAt: T + ACK_TIMEOUT_MS });
    outbox.record(entry, { status: 'sent', sessionId: 's1' }, T);
    expect(entry).toMatchObject({ via: 's1', attempts: 2, sendsOnVia: 2 });
    outbox.record(entry, { status: 'sent', sessionId: 's2' }, T);
    expect(entry).toMatchObject({ via: 's2', attempts: 3, sendsOnVia: 1 });
    expect(outbox.due(T + ACK_TIMEOUT_MS - 1)).toEqual([]);
    expect(outbox.due(T + ACK_TIMEOUT_MS)).toEqual([entry]);
  });

  it('backs off exponentially while the peer cannot be reached, up to a ceiling', () => {
    const { outbox, entry } = withEntry();
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      outbox.record(entry, { status: 'undeliverable' }, T);
      delays.push(entry.dueAt - T);
    }
    expect(delays.slice(0, 3)).toEqual([2 * RETRY_BASE_MS, 4 * RETRY_BASE_MS, 8 * RETRY_BASE_MS]);
    expect(delays.at(-1)).toBe(RETRY_MAX_MS);
    expect(entry.state).toBe('waiting');
  });

  it('retries a contact request at least every 30 s: its receiver cannot announce itself to a stranger', () => {
    const request: ReliableBody = { type: 'contactRequest', id: 'ff'.repeat(16), displayName: 'Alice' };
    const { outbox, entry } = withEntry(A, request);
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      outbox.record(entry, { status: 'undeliverable' }, T);
      delays.push(entry.dueAt - T);
    }
    expect(delays.slice(0, 2)).toEqual([2 * RETRY_BASE_MS, 4 * RETRY_BASE_MS]);
    expect(Math.max(...delays)).toBe(RETRY_MAX_UNANNOUNCED_MS);
    expect(RETRY_MAX_UNANNOUNCED_MS).toBeLessThan(RETRY_MAX_MS);
  });

  it('is cleared only by an ack from the peer it was sent to', () => {
    const { outbox, body } = withEntry();
    expect(outbox.ack(B, [body.id])).toEqual([]);
    expect(outbox.ack(A, [body.id]).map((e) => e.body)).toEqual([body]);
    expect(outbox.ack(A, [body.id])).toEqual([]);
    expect(outbox.size).toBe(0);
  });

  it('flushes, on a new session, what waits and what went out on another session, but not handshake-queued bodies', () => {
    const outbox = new Outbox();
    const bodies = [chat(), chat(), chat(), chat()];
    for (const body of bodies) outbox.add(A, body, T);
    const [waiting, onOld, onNew, queued] = bodies.map((b) => outbox.get(A, b.id)!);
    outbox.record(onOld!, { status: 'sent', sessionId: 'old' }, T);
    outbox.record(onNew!, { status: 'sent', sessionId: 'new' }, T);
    outbox.record(queued!, { status: 'queued' }, T);
    expect(queued!.via).toBe(VIA_HANDSHAKE);
    expect(outbox.flushable(A, 'new')).toEqual([waiting, onOld]);
    expect(outbox.flushable(A, null)).toEqual([waiting]);
    outbox.peerUnreachable(A, T, VIA_HANDSHAKE);
    expect(queued!.state).toBe('waiting');
    expect(onOld!.state).toBe('in-flight');
    outbox.relayReconnected(T);
    expect(outbox.forPeer(A).every((e) => e.state === 'waiting')).toBe(true);
  });

  it('expires bodies that are too old or whose disappearing timer ran out', () => {
    const outbox = new Outbox();
    const plain = chat();
    const fleeting = chat({ expiresInSeconds: 5 });
    outbox.add(A, plain, T);
    outbox.add(A, fleeting, T);
    expect(outbox.expire(T + 4999)).toEqual([]);
    expect(outbox.due(T + 5000).map((e) => e.body)).toEqual([plain]);
    expect(outbox.expire(T + 5000).map((e) => e.body)).toEqual([fleeting]);
    expect(outbox.expire(T + MAX_OUTBOX_AGE_MS).map((e) => e.body)).toEqual([plain]);
  });

  it('expires a group text whose group timer ran out, as a one-to-one one', () => {
    const outbox = new Outbox();
    const fleeting = {
      type: 'group' as const,
      id: '0123456789abcdef0123456789abcdef',
      groupId: 'fedcba9876543210fedcba9876543210',
      payload: { kind: 'text' as const, sentAt: T, text: 'soon gone', expiresInSeconds: 5 },
    };
    outbox.add(A, fleeting, T);
    expect(outbox.expire(T + 4999)).toEqual([]);
    expect(outbox.expire(T + 5000).map((e) => e.body)).toEqual([fleeting]);
  });

  it('is bounded per peer and overall, and refuses a duplicate id', () => {
    const outbox = new Outbox();
    for (let i = 0; i < MAX_OUTBOX_PER_PEER; i++) expect(outbox.add(A, chat(), T)).toBe(true);
    expect(outbox.add(A, chat(), T)).toBe(false);
    const again = chat();
    outbox.add(B, again, T);
    expect(() => outbox.add(B, again, T)).toThrow(RangeError);
    let peer = 0;
    while (outbox.size < MAX_OUTBOX_ENTRIES) outbox.add((peer++).toString(16).padStart(64, '0'), chat(), T);
    expect(outbox.add(B, chat(), T)).toBe(false);
    expect(outbox.clearPeer(A)).toHaveLength(MAX_OUTBOX_PER_PEER);
  });
});
