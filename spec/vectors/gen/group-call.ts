/**
 * Group call bodies and leg call ids, laid out byte by byte here from the spec (spec/calls.md, Group calls),
 * not with crypto/group-call-body.ts, and leg ids hashed with node:crypto: the checker proves the module
 * decodes these bytes to the recorded body, encodes it back to the same bytes, and derives the same leg ids.
 */
import { createHash } from 'node:crypto';
import { concatBytes, toHex, u64be, utf8 } from '../../../crypto/bytes.ts';
import { deterministicRandom, type VectorCase, type VectorFile } from '../format.ts';

const KIND = 20;
const ACTIONS = { invite: 1, join: 2, leave: 3, roster: 4 } as const;
const MEDIA = { audio: 1, video: 2 } as const;
const REASONS = { left: 0, full: 1, security: 2 } as const;

const byBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export default async function generate(): Promise<VectorFile> {
  const random = deterministicRandom('tincan/spec/vectors/group-call');
  const groupId = random(16);
  const callId = random(16);
  const keys = [1, 2, 3, 4, 5, 6].map(() => random(32));
  const sentAt = 1_781_000_000_000;
  const cases: VectorCase[] = [];

  const layout = (
    action: keyof typeof ACTIONS,
    media: keyof typeof MEDIA,
    reason: keyof typeof REASONS,
    participants: Uint8Array[],
  ) =>
    concatBytes(
      Uint8Array.of(1, ACTIONS[action]),
      groupId,
      callId,
      Uint8Array.of(MEDIA[media], REASONS[reason]),
      u64be(sentAt),
      Uint8Array.of(participants.length),
      ...participants,
    );
  const valid = (
    comment: string,
    action: keyof typeof ACTIONS,
    media: keyof typeof MEDIA,
    reason: keyof typeof REASONS,
    participants: Uint8Array[],
  ) => {
    const sorted = [...participants].sort(byBytes);
    cases.push({
      label: 'valid',
      comment,
      kind: KIND,
      payload: toHex(layout(action, media, reason, sorted)),
      body: {
        action,
        groupId: toHex(groupId),
        callId: toHex(callId),
        media,
        reason,
        sentAt,
        participants: sorted.map(toHex),
      },
    });
  };
  const invalid = (comment: string, payload: Uint8Array, error: string, kind = KIND) =>
    cases.push({ label: 'invalid', comment, kind, payload: toHex(payload), error });

  valid('an invite to a video call nobody else is in yet', 'invite', 'video', 'left', []);
  valid('a join naming the two people already in', 'join', 'video', 'left', keys.slice(1, 3));
  valid('an audio roster of five others (the cap)', 'roster', 'audio', 'left', keys.slice(1, 6));
  valid('a leave', 'leave', 'video', 'left', []);
  valid('a leave because the call was full', 'leave', 'video', 'full', keys.slice(1, 6));
  valid('a leave because the certificate check failed', 'leave', 'audio', 'security', []);

  const good = layout('join', 'video', 'left', keys.slice(1, 3).sort(byBytes));
  invalid('not the group call kind (a chat body)', good, 'bad-type', 1);
  invalid('version 2', concatBytes(Uint8Array.of(2), good.slice(1)), 'bad-version');
  invalid('action 0', concatBytes(Uint8Array.of(1, 0), good.slice(2)), 'bad-encoding');
  invalid('action 5', concatBytes(Uint8Array.of(1, 5), good.slice(2)), 'bad-encoding');
  invalid('media 3 (data is not a group call)', Uint8Array.from(good).fill(3, 34, 35), 'bad-encoding');
  invalid('reason full on a join', Uint8Array.from(good).fill(1, 35, 36), 'bad-encoding');
  invalid('truncated in the head', good.slice(0, 40), 'bad-length');
  invalid('a key cut short', good.slice(0, good.length - 1), 'bad-length');
  invalid('a byte after the last key', concatBytes(good, Uint8Array.of(0)), 'bad-length');
  invalid(
    'keys out of order',
    layout('join', 'video', 'left', keys.slice(1, 3).sort(byBytes).reverse()),
    'bad-encoding',
  );
  invalid('the same key twice', layout('join', 'video', 'left', [keys[1]!, keys[1]!]), 'bad-encoding');
  invalid(
    'six others (over the cap of six people)',
    layout('roster', 'video', 'left', keys.slice(0, 6).sort(byBytes)),
    'too-large',
  );
  const late = Uint8Array.from(good);
  late.set(u64be(2 ** 53 - 1), 36);
  late[36] = 0xff;
  invalid('sentAt over 2^53 - 1', late, 'bad-encoding');

  const leg = (offerer: Uint8Array, answerer: Uint8Array) =>
    createHash('sha256')
      .update(utf8('tincan-group-call-leg-v1\0'))
      .update(callId)
      .update(offerer)
      .update(answerer)
      .digest()
      .subarray(0, 16);
  for (const [comment, a, b] of [
    ['the leg call id of the second key offering to the first', keys[1]!, keys[0]!],
    ['the same pair the other way round: another id', keys[0]!, keys[1]!],
  ] as const) {
    cases.push({
      label: 'valid',
      comment,
      kind: 'leg',
      callId: toHex(callId),
      offerer: toHex(a),
      answerer: toHex(b),
      legCallId: toHex(leg(a, b)),
    });
  }
  return {
    about:
      'Group call bodies (envelope kind 20) and the leg call id of each pair (spec/calls.md, Group calls)',
    source: 'spec/vectors/gen/group-call.ts, seed tincan/spec/vectors/group-call',
    cases,
  };
}
