import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isMeshLive,
  legIdOf,
  type MeshEffect,
  type MeshEvent,
  type MeshState,
  stepMesh,
} from '../../client/core/group-call-mesh.ts';
import { compareBytes, fromHex, toHex } from '../../crypto/bytes.ts';
import { decodeGroupCallBody, encodeGroupCallBody, GROUP_CALL_CAP } from '../../crypto/group-call-body.ts';

const key = (n: number) => toHex(new Uint8Array(32).fill(n));
const GROUP = toHex(new Uint8Array(16).fill(0xaa));
const CALL = toHex(new Uint8Array(16).fill(0xcc));
const ctx = { now: 1_000_000 };

/** A page: its mesh state, the effects it performed. */
interface Page {
  readonly me: string;
  state: MeshState | null;
  readonly effects: MeshEffect[];
}

type Wire =
  | { to: string; from: string; kind: 'body'; bytes: Uint8Array }
  | { to: string; from: string; kind: 'leg-offer' }
  /** A leg hung up (or refused) by `from`: the leg `offerer` offered. */
  | { to: string; from: string; kind: 'leg-closed'; offerer: string };

/** N pages of one group; what each sends goes onto a wire the test delivers in whatever order it likes. */
function world(n: number) {
  const members = Array.from({ length: n }, (_, i) => key(i + 1));
  const pages = new Map(members.map((me) => [me, { me, state: null, effects: [] } as Page]));
  const wire: Wire[] = [];
  const run = (page: Page, event: MeshEvent) => {
    const before = page.state;
    const { state, effects } = stepMesh(page.state, event, ctx);
    page.state = state;
    page.effects.push(...effects);
    for (const effect of effects) {
      // The body goes through its encoding, as on the wire.
      if (effect.type === 'send')
        wire.push({
          to: effect.peer,
          from: page.me,
          kind: 'body',
          bytes: encodeGroupCallBody(effect.body).payload,
        });
      if (effect.type === 'open-leg' || effect.type === 'prepare-leg')
        wire.push({ to: effect.peer, from: page.me, kind: 'leg-offer' });
      if (effect.type === 'close-leg') {
        const role = before?.legs[effect.peer]?.role;
        if (role) {
          const offerer = role === 'offer' ? page.me : effect.peer;
          wire.push({ to: effect.peer, from: page.me, kind: 'leg-closed', offerer });
        }
      }
      if (effect.type === 'refuse-leg')
        wire.push({ to: effect.peer, from: page.me, kind: 'leg-closed', offerer: effect.peer });
    }
  };
  const deliver = (item: Wire) => {
    const page = pages.get(item.to)!;
    if (item.kind === 'leg-offer') run(page, { type: 'leg-offered', peer: item.from });
    else if (item.kind === 'leg-closed') {
      // Only the leg it names ends (a glare loser's offer names a leg the other side never kept).
      const role = page.state?.legs[item.from]?.role;
      if (role === (item.offerer === page.me ? 'offer' : 'answer'))
        run(page, { type: 'leg-ended', peer: item.from, reason: 'hung-up' });
    } else
      run(page, {
        type: 'body',
        peer: item.from,
        me: page.me,
        members,
        body: decodeGroupCallBody(20, item.bytes),
      });
  };
  return { members, pages, wire, run, deliver };
}

function start(w: ReturnType<typeof world>, by = 0) {
  const page = w.pages.get(w.members[by]!)!;
  w.run(page, {
    type: 'start',
    groupId: GROUP,
    callId: CALL,
    media: 'video',
    me: page.me,
    members: w.members,
  });
}

const drain = (w: ReturnType<typeof world>) => {
  while (w.wire.length > 0) w.deliver(w.wire.shift()!);
};

/** Every pair of joined pages has exactly one live leg: one side offers, the other answers. */
function expectFullMesh(w: ReturnType<typeof world>) {
  const joined = [...w.pages.values()].filter((p) => p.state?.phase === 'joined');
  for (const a of joined)
    for (const b of joined) {
      if (a === b) continue;
      const ab = a.state!.legs[b.me];
      const ba = b.state!.legs[a.me];
      expect(ab, `${a.me.slice(0, 2)} has a leg with ${b.me.slice(0, 2)}`).toBeDefined();
      expect(ba).toBeDefined();
      expect(new Set([ab!.role, ba!.role])).toEqual(new Set(['offer', 'answer']));
    }
  for (const page of joined)
    expect(Object.keys(page.state!.legs).length).toBeLessThanOrEqual(GROUP_CALL_CAP - 1);
}

describe('group call mesh', () => {
  it('starting invites every other member; they ring; the later joiner offers to everyone already in', () => {
    const w = world(3);
    start(w);
    const [a, b, c] = w.members.map((m) => w.pages.get(m)!);
    expect(
      a!.effects.filter((e) => e.type === 'send').map((e) => e.type === 'send' && e.body.action),
    ).toEqual(['invite', 'invite']);
    drain(w);
    expect(b!.state!.phase).toBe('ringing');
    expect(b!.effects).toContainEqual({ type: 'ring', on: true });
    // While it rings, the leg to everyone in the call is made, without anything that reaches them.
    expect(b!.effects).toContainEqual({ type: 'prepare-leg', peer: a!.me });
    w.run(b!, { type: 'join' });
    expect(b!.effects).toContainEqual({ type: 'release-leg', peer: a!.me });
    drain(w);
    expect(c!.state!.inCall).toEqual([a!.me, b!.me].sort());
    w.run(c!, { type: 'join' });
    expect(
      c!.effects
        .filter((e) => e.type === 'release-leg')
        .map((e) => e.type === 'release-leg' && e.peer)
        .sort(),
    ).toEqual([a!.me, b!.me].sort());
    drain(w);
    expectFullMesh(w);
    expect(a!.state!.legs[c!.me]).toEqual({ role: 'answer', status: 'connecting' });
  });

  it('property: whatever order the bodies and offers arrive in, every pair ends with one leg, one offerer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: GROUP_CALL_CAP }),
        fc.array(fc.nat(), { minLength: 80, maxLength: 80 }),
        (n, choices) => {
          const w = world(n);
          start(w);
          // Each step either delivers a random item from the wire or makes a random member join.
          let i = 0;
          const pick = () => choices[i++ % choices.length]!;
          for (let steps = 0; steps < 400 && (w.wire.length > 0 || i < choices.length); steps++) {
            const choice = pick();
            const waiting = [...w.pages.values()].filter(
              (p) => isMeshLive(p.state) && p.state.phase !== 'joined',
            );
            if (choice % 3 === 0 && waiting.length > 0)
              w.run(waiting[choice % waiting.length]!, { type: 'join' });
            else if (w.wire.length > 0) w.deliver(w.wire.splice(choice % w.wire.length, 1)[0]!);
          }
          for (const page of w.pages.values())
            if (isMeshLive(page.state) && page.state.phase !== 'joined') w.run(page, { type: 'join' });
          drain(w);
          expect([...w.pages.values()].every((p) => p.state?.phase === 'joined')).toBe(true);
          expectFullMesh(w);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('two offering to each other at once keep the leg with the lower id, on both pages', () => {
    const w = world(3);
    start(w);
    drain(w);
    const [, b, c] = w.members.map((m) => w.pages.get(m)!);
    // b and c join at once, each before hearing of the other's join: both answer a, then both offer each other.
    w.run(b!, { type: 'join' });
    w.run(c!, { type: 'join' });
    drain(w);
    expectFullMesh(w);
    const bOffers =
      compareBytes(fromHex(legIdOf(CALL, b!.me, c!.me)), fromHex(legIdOf(CALL, c!.me, b!.me))) < 0;
    expect(b!.state!.legs[c!.me]!.role).toBe(bOffers ? 'offer' : 'answer');
  });

  it('ignores bodies and leg offers from anyone who is not a member', () => {
    const w = world(3);
    start(w);
    drain(w);
    const b = w.pages.get(w.members[1]!)!;
    const stranger = key(99);
    const before = b.state;
    const invite = decodeGroupCallBody(
      20,
      encodeGroupCallBody({
        action: 'roster',
        groupId: fromHex(GROUP),
        callId: fromHex(CALL),
        media: 'video',
        reason: 'left',
        sentAt: ctx.now,
        participants: [fromHex(stranger)],
      }).payload,
    );
    w.run(b, { type: 'body', peer: stranger, me: b.me, members: w.members, body: invite });
    expect(b.state).toBe(before);
    w.run(b, { type: 'join' });
    w.run(b, { type: 'body', peer: w.members[0]!, me: b.me, members: w.members, body: invite });
    expect(b.state!.inCall).not.toContain(stranger);
    w.run(b, { type: 'leg-offered', peer: stranger });
    expect(b.effects.at(-1)).toEqual({ type: 'refuse-leg', peer: stranger });
    expect(b.state!.legs[stranger]).toBeUndefined();
  });

  it('holds the cap: a seventh person cannot join, and a leg beyond it is refused', () => {
    const w = world(7);
    start(w);
    drain(w);
    const pages = w.members.map((m) => w.pages.get(m)!);
    for (const page of pages.slice(1, 6)) {
      w.run(page, { type: 'join' });
      drain(w);
    }
    expectFullMesh(w);
    const seventh = pages[6]!;
    expect(seventh.state!.inCall).toHaveLength(6);
    w.run(seventh, { type: 'join' });
    expect(seventh.state!.phase).not.toBe('joined');
    expect(seventh.state!.full).toBe(true);
    w.run(pages[0]!, { type: 'leg-offered', peer: seventh.me });
    expect(pages[0]!.effects.at(-1)).toEqual({ type: 'refuse-leg', peer: seventh.me });
  });

  it('goes on when one of three leaves, and ends when the last other leaves', () => {
    const w = world(3);
    start(w);
    drain(w);
    const [a, b, c] = w.members.map((m) => w.pages.get(m)!);
    w.run(b!, { type: 'join' });
    w.run(c!, { type: 'join' });
    drain(w);
    const before = c!.effects.length;
    w.run(c!, { type: 'leave' });
    expect(c!.state!.phase).toBe('ended');
    expect(c!.effects.slice(before).filter((e) => e.type === 'close-leg')).toHaveLength(2);
    drain(w);
    expect(a!.state!.phase).toBe('joined');
    expect(Object.keys(a!.state!.legs)).toEqual([b!.me]);
    expect(a!.effects).toContainEqual({ type: 'close-leg', peer: c!.me });
    w.run(b!, { type: 'leave' });
    drain(w);
    expect(a!.state!.phase).toBe('ended');
    expect(a!.state!.endReason).toBe('alone');
  });

  it('drops a participant whose certificate check failed, with the reason, and goes on with the others', () => {
    const w = world(3);
    start(w);
    drain(w);
    const [a, b, c] = w.members.map((m) => w.pages.get(m)!);
    w.run(b!, { type: 'join' });
    w.run(c!, { type: 'join' });
    drain(w);
    w.run(a!, { type: 'leg-ended', peer: c!.me, reason: 'security' });
    expect(a!.state!.dropped).toEqual({ [c!.me]: 'security' });
    expect(a!.state!.legs[c!.me]).toBeUndefined();
    expect(a!.effects.at(-1)).toEqual({ type: 'close-leg', peer: c!.me });
    expect(a!.state!.phase).toBe('joined');
    // The one whose certificate failed everyone's check is left alone: its call ends.
    w.run(c!, { type: 'leg-ended', peer: a!.me, reason: 'security' });
    w.run(c!, { type: 'leg-ended', peer: b!.me, reason: 'security' });
    expect(c!.state!.phase).toBe('ended');
    expect(c!.state!.dropped).toEqual({ [a!.me]: 'security', [b!.me]: 'security' });
  });

  it('stops ringing after 45 s (still joinable), and a stale invite does not ring', () => {
    const w = world(3);
    start(w);
    const b = w.pages.get(w.members[1]!)!;
    drain(w);
    const { state } = stepMesh(b.state, { type: 'tick' }, { now: ctx.now + 45_000 });
    expect(state!.phase).toBe('available');
    const stale = stepMesh(
      null,
      {
        type: 'body',
        peer: w.members[0]!,
        me: b.me,
        members: w.members,
        body: {
          action: 'invite',
          groupId: fromHex(GROUP),
          callId: fromHex(CALL),
          media: 'audio',
          reason: 'left',
          sentAt: ctx.now - 61_000,
          participants: [],
        },
      },
      ctx,
    );
    expect(stale.state).toBeNull();
  });

  it('ends a call we were removed from, and closes the legs of members removed', () => {
    const w = world(3);
    start(w);
    drain(w);
    const [a, b, c] = w.members.map((m) => w.pages.get(m)!);
    w.run(b!, { type: 'join' });
    w.run(c!, { type: 'join' });
    drain(w);
    w.run(a!, { type: 'members', members: [a!.me, b!.me] });
    expect(a!.effects.at(-1)).toEqual({ type: 'close-leg', peer: c!.me });
    w.run(c!, { type: 'members', members: [a!.me, b!.me] });
    expect(c!.state!.endReason).toBe('removed');
  });
  it('a leg prepared while it rings is answered, not accepted, and not counted in, until its peer joins', () => {
    const w = world(3);
    start(w);
    drain(w);
    const [a, b] = w.members.map((m) => w.pages.get(m)!);
    expect(b!.state!.legs[a!.me]).toEqual({ role: 'offer', status: 'prepared' });
    drain(w);
    expect(a!.effects).toContainEqual({ type: 'answer-leg', peer: b!.me, accept: false });
    expect(a!.state!.inCall).toEqual([]);
    expect(a!.state!.legs[b!.me]).toEqual({ role: 'answer', status: 'prepared' });
    w.run(b!, { type: 'join' });
    drain(w);
    expect(a!.effects).toContainEqual({ type: 'accept-leg', peer: b!.me });
    expect(a!.state!.inCall).toEqual([b!.me]);
    expect(a!.state!.legs[b!.me]).toEqual({ role: 'answer', status: 'connecting' });
  });

  it('“not now” closes the legs prepared while it rang; joining later offers afresh', () => {
    const w = world(3);
    start(w);
    drain(w);
    const [a, b] = w.members.map((m) => w.pages.get(m)!);
    drain(w);
    w.run(b!, { type: 'dismiss' });
    expect(b!.effects).toContainEqual({ type: 'close-leg', peer: a!.me });
    expect(b!.state!.legs).toEqual({});
    drain(w);
    expect(a!.state!.legs[b!.me]).toBeUndefined();
    const before = b!.effects.length;
    w.run(b!, { type: 'join' });
    expect(b!.effects.slice(before)).toContainEqual({ type: 'open-leg', peer: a!.me });
    expect(b!.effects.slice(before).some((e) => e.type === 'release-leg')).toBe(false);
    drain(w);
    expectFullMesh(w);
  });
  it('a roster that comes after our call ended does not bring the call back', () => {
    const w = world(3);
    start(w);
    drain(w);
    const [a, b] = w.members.map((m) => w.pages.get(m)!);
    w.run(b!, { type: 'join' });
    w.run(b!, { type: 'leave' });
    expect(b!.state!.phase).toBe('ended');
    const roster = {
      action: 'roster' as const,
      groupId: fromHex(GROUP),
      callId: fromHex(CALL),
      media: 'video' as const,
      reason: 'left' as const,
      sentAt: ctx.now,
      participants: [],
    };
    w.run(b!, { type: 'body', peer: a!.me, me: b!.me, members: w.members, body: roster });
    expect(b!.state!.phase).toBe('ended');
    expect(
      stepMesh(null, { type: 'body', peer: a!.me, me: b!.me, members: w.members, body: roster }, ctx).state,
    ).toBeNull();
  });
  it('a participant dropped for its certificate is not offered again on a stale view, nor let back in', () => {
    const w = world(3);
    start(w);
    drain(w);
    const [a, b, c] = w.members.map((m) => w.pages.get(m)!);
    w.run(b!, { type: 'join' });
    w.run(c!, { type: 'join' });
    drain(w);
    w.run(c!, { type: 'leg-ended', peer: b!.me, reason: 'security' });
    const roster = {
      action: 'roster' as const,
      groupId: fromHex(GROUP),
      callId: fromHex(CALL),
      media: 'video' as const,
      reason: 'left' as const,
      sentAt: ctx.now,
      participants: [fromHex(b!.me)],
    };
    const before = c!.effects.length;
    w.run(c!, { type: 'body', peer: a!.me, me: c!.me, members: w.members, body: roster });
    expect(c!.effects.slice(before)).toEqual([]);
    expect(c!.state!.inCall).toEqual([a!.me]);
    w.run(c!, { type: 'leg-offered', peer: b!.me });
    expect(c!.effects.at(-1)).toEqual({ type: 'refuse-leg', peer: b!.me });
  });
});
