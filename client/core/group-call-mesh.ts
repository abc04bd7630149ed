/**
 * A group call's mesh as a pure state machine: `stepMesh(state, event, context) -> { state, effects }`. A group
 * call is a group call id and a set of pairwise legs, one per pair of participants; each leg is an ordinary
 * one-to-one call (its own peer connection, its own certificate check and media gate) whose call id is
 * `legCallId(call id, offerer, answerer)`. This machine decides only who is in, who offers to whom, and when a
 * leg is opened, answered, refused or closed; the group call service performs the effects with the call
 * machine and a CallConnection per leg. No WebRTC, no clock, no socket here.
 *
 *   starter  start ─▶ joined (invites every member)
 *   member   invite ─▶ ringing ─(dismiss, 45 s)─▶ available ─┐
 *                        └────────────── join ◀──────────────┘ ─▶ joined: offers a leg to everyone already in
 *   joined   join from P ─▶ a leg answered when P's offer comes, and our roster to P
 *            leave / leg lost ─▶ that leg closed; nobody left ─▶ ended
 *
 * Rules (spec/calls.md, Group calls):
 * - Only members of the group (its signed membership) count: bodies and legs from anyone else are ignored.
 * - The later joiner offers to everyone already in (it knows them from the invite, joins and rosters it saw).
 *   Two joining at once may offer to each other: both keep the leg with the lower leg call id, as a one-to-one
 *   call's glare keeps the lower call id.
 * - At most GROUP_CALL_CAP people: a join that would make more is not made, a leg beyond it is refused.
 * - A leg whose certificate check fails (ours or theirs) drops that participant from our call, with the
 *   one-to-one call's warning; the others go on. The call ends when nobody else is left.
 */
import { compareBytes, fromHex, toHex } from '../../crypto/bytes.ts';
import {
  GROUP_CALL_CAP,
  type GroupCallBody,
  type GroupCallMedia,
  type LeaveReason,
  legCallId,
} from '../../crypto/group-call-body.ts';

export type MeshPhase = 'ringing' | 'available' | 'joined' | 'ended';
export type LegRole = 'offer' | 'answer';
/**
 * prepared: made while it rings, before anyone's address is given to ICE (ours held until we join, theirs kept
 * out of our ICE agent); connecting: given to ICE; connected: the certificate checked out and the gate opened.
 */
export type LegStatus = 'prepared' | 'connecting' | 'connected';
export type DropReason = 'security' | 'failed';
export type MeshEndReason = 'left' | 'alone' | 'missed' | 'removed';

export interface Leg {
  readonly role: LegRole;
  readonly status: LegStatus;
}

export interface MeshState {
  /** Hex. */
  readonly groupId: string;
  readonly callId: string;
  readonly media: GroupCallMedia;
  /** Our key, hex. */
  readonly me: string;
  /** Who started the call (rang us), hex. */
  readonly startedBy: string;
  readonly phase: MeshPhase;
  /** The group's signed membership, us included. */
  readonly members: readonly string[];
  /** Who we know is in the call, us left out, sorted. */
  readonly inCall: readonly string[];
  /** Joined: our leg with each participant. */
  readonly legs: Readonly<Record<string, Leg>>;
  /** Participants dropped from our call, and why (shown with the warning). */
  readonly dropped: Readonly<Record<string, DropReason>>;
  /** Ringing: when it stops ringing (ms). */
  readonly ringUntil: number | null;
  /** The user tried to join a call that already had GROUP_CALL_CAP people. */
  readonly full: boolean;
  readonly joinedAt: number | null;
  readonly endReason: MeshEndReason | null;
}

export interface MeshTimeouts {
  /** How long an invite rings. */
  readonly ringMs: number;
  /** An invite older than this (the sender's clock) no longer rings: a relay held it back. */
  readonly inviteMaxAgeMs: number;
}

export const MESH_TIMEOUTS: MeshTimeouts = { ringMs: 45_000, inviteMaxAgeMs: 60_000 };

export interface MeshContext {
  readonly now: number;
  readonly timeouts?: Partial<MeshTimeouts>;
}

export type MeshEvent =
  /** We start a call in a group we are a member of. */
  | {
      type: 'start';
      groupId: string;
      callId: string;
      media: GroupCallMedia;
      me: string;
      members: readonly string[];
    }
  /** A group call body from `peer`, decoded and signed by them; `members` is the group's signed membership. */
  | { type: 'body'; peer: string; body: GroupCallBody; me: string; members: readonly string[] }
  /** The user joins the call that rings or runs. */
  | { type: 'join' }
  /** The user stops the ringing without joining (the call stays joinable while it runs). */
  | { type: 'dismiss' }
  | { type: 'leave' }
  /** `peer` offered the leg `legCallId(call id, peer, me)`. */
  | { type: 'leg-offered'; peer: string }
  /** The leg's certificate was verified and its media gate opened. */
  | { type: 'leg-connected'; peer: string }
  /** The leg ended: a certificate check failed (ours or theirs), it could not connect, or they hung it up. */
  | { type: 'leg-ended'; peer: string; reason: DropReason | 'hung-up' }
  /** The group's membership changed (a signed statement). */
  | { type: 'members'; members: readonly string[] }
  | { type: 'tick' };

export type MeshEffect =
  | { type: 'send'; peer: string; body: GroupCallBody }
  /** Make the leg's peer connection and offer it (we are the later joiner). */
  | { type: 'open-leg'; peer: string }
  /**
   * While it rings: make the leg and offer it without any address of ours, and keep the answerer's candidates
   * out of our ICE agent, so that nothing reaches anyone until we join ('release-leg').
   */
  | { type: 'prepare-leg'; peer: string }
  /** We joined: a prepared leg's candidates go out and the answerer's go to ICE. */
  | { type: 'release-leg'; peer: string }
  /** Answer the leg `peer` offered; accept it at once when `accept` (they are in the call), else on 'accept-leg'. */
  | { type: 'answer-leg'; peer: string; accept: boolean }
  /** The peer of a prepared leg we answered joined: the leg is accepted (its gate may open). */
  | { type: 'accept-leg'; peer: string }
  /** Hang up a leg offer that is not ours to answer. */
  | { type: 'refuse-leg'; peer: string }
  /** Close our leg with `peer` (hang it up if it is live). */
  | { type: 'close-leg'; peer: string }
  | { type: 'ring'; on: boolean };

export interface MeshStep {
  readonly state: MeshState | null;
  readonly effects: MeshEffect[];
}

/** A step that keeps a call (helpers that never end it). */
interface Settled {
  readonly state: MeshState;
  readonly effects: MeshEffect[];
}

export const isMeshLive = (state: MeshState | null): state is MeshState =>
  state !== null && state.phase !== 'ended';

/** The leg call id `offerer` uses to call `answerer` in this group call, hex. */
export const legIdOf = (callId: string, offerer: string, answerer: string): string =>
  toHex(legCallId(fromHex(callId), fromHex(offerer), fromHex(answerer)));

export function stepMesh(state: MeshState | null, event: MeshEvent, context: MeshContext): MeshStep {
  const timeouts = { ...MESH_TIMEOUTS, ...context.timeouts };
  const { now } = context;
  switch (event.type) {
    case 'start': {
      if (isMeshLive(state) || !event.members.includes(event.me)) return { state, effects: [] };
      const next: MeshState = {
        groupId: event.groupId,
        callId: event.callId,
        media: event.media,
        me: event.me,
        startedBy: event.me,
        phase: 'joined',
        members: [...event.members],
        inCall: [],
        legs: {},
        dropped: {},
        ringUntil: null,
        full: false,
        joinedAt: now,
        endReason: null,
      };
      return { state: next, effects: others(next).map((peer) => send(next, peer, 'invite', now, [])) };
    }
    case 'body':
      return received(state, event.peer, event.body, event.me, event.members, now, timeouts);
    case 'join':
      return join(state, now);
    case 'dismiss':
      if (!isMeshLive(state) || state.phase !== 'ringing') return { state, effects: [] };
      return stopRinging(state);
    case 'leave': {
      if (!isMeshLive(state)) return { state, effects: [] };
      if (state.phase !== 'joined') return end(state, 'left');
      return end(state, 'left', ...others(state).map((peer) => send(state, peer, 'leave', now, [])));
    }
    case 'leg-offered':
      return legOffered(state, event.peer);
    case 'leg-connected': {
      const leg = isMeshLive(state) ? state.legs[event.peer] : undefined;
      if (!isMeshLive(state) || !leg || leg.status === 'connected') return { state, effects: [] };
      return {
        state: { ...state, legs: { ...state.legs, [event.peer]: { ...leg, status: 'connected' } } },
        effects: [],
      };
    }
    case 'leg-ended': {
      if (!isMeshLive(state) || !state.legs[event.peer]) return { state, effects: [] };
      // A leg made while it rang (ours, or one a ringing member made to us): only that leg goes; at the join a
      // fresh one is made.
      // (A failed certificate check needs ICE, which such a leg starts only at its join: it always counts.)
      if (state.phase !== 'joined' || (!state.inCall.includes(event.peer) && event.reason !== 'security')) {
        const { [event.peer]: _gone, ...legs } = state.legs;
        return { state: { ...state, legs }, effects: [] };
      }
      const dropped =
        event.reason === 'hung-up' ? state.dropped : { ...state.dropped, [event.peer]: event.reason };
      return withoutParticipant({ ...state, dropped }, event.peer, []);
    }
    case 'members':
      return membersChanged(state, event.members);
    case 'tick':
      if (
        isMeshLive(state) &&
        state.phase === 'ringing' &&
        state.ringUntil !== null &&
        now >= state.ringUntil
      )
        return stopRinging(state);
      return { state, effects: [] };
  }
}

function received(
  state: MeshState | null,
  peer: string,
  body: GroupCallBody,
  me: string,
  members: readonly string[],
  now: number,
  timeouts: MeshTimeouts,
): MeshStep {
  if (peer === me || !members.includes(peer) || !members.includes(me)) return { state, effects: [] };
  const groupId = toHex(body.groupId);
  const callId = toHex(body.callId);
  // What the sender says is in the call: itself (unless it leaves) and those it names, members only.
  const named = body.participants.map(toHex).filter((key) => key !== me && members.includes(key));
  const ours = isMeshLive(state) && state.callId === callId && state.groupId === groupId;
  if (!ours) {
    // A roster answers our own join: for a call we are not in (any more), it is news of nothing.
    if (isMeshLive(state) || body.action === 'leave' || body.action === 'roster')
      return { state, effects: [] };
    // A call we are not in yet: an invite rings, a join or roster shows it as running (joinable).
    const fresh = body.action !== 'invite' || now - body.sentAt <= timeouts.inviteMaxAgeMs;
    const ringing = body.action === 'invite' && fresh;
    const next: MeshState = {
      groupId,
      callId,
      media: body.media,
      me,
      startedBy: peer,
      phase: ringing ? 'ringing' : 'available',
      members: [...members],
      inCall: sorted([...named, peer]),
      legs: {},
      dropped: {},
      ringUntil: ringing ? now + timeouts.ringMs : null,
      full: false,
      joinedAt: null,
      endReason: null,
    };
    if (!fresh) return { state, effects: [] };
    if (!ringing) return { state: next, effects: [] };
    const prepared = prepare(next);
    return { state: prepared.state, effects: [ring(true), ...prepared.effects] };
  }
  const current: MeshState = { ...state, members: [...members] };
  switch (body.action) {
    case 'invite':
    case 'roster':
    case 'join': {
      // Someone dropped from our call (its certificate failed a check, or its leg was lost) stays out of it:
      // another's view, a moment old, does not bring it back, nor does its own word after a failed check.
      if (current.dropped[peer] === 'security') return { state: current, effects: [] };
      const fresh = named.filter((key) => current.dropped[key] === undefined);
      const learned = sorted([...current.inCall, peer, ...fresh]);
      let next: MeshState = { ...current, inCall: learned };
      const effects: MeshEffect[] = [];
      if (next.phase !== 'joined') return prepare(next);
      if (body.action === 'join' && !next.legs[peer]) {
        // A join names those its sender offers to. Named, we answer their offer when it comes; not named (they
        // joined before hearing of us), we offer. Both offering at once is glare, settled by the leg ids.
        const theyOffer = body.participants.some((key) => toHex(key) === me);
        const room = makeRoom(next);
        next = room.state;
        effects.push(...room.effects);
        if (Object.keys(next.legs).length < GROUP_CALL_CAP - 1) {
          const role: LegRole = theyOffer ? 'answer' : 'offer';
          next = { ...next, legs: { ...next.legs, [peer]: { role, status: 'connecting' } } };
          if (!theyOffer) effects.push({ type: 'open-leg', peer });
        }
      } else if (body.action === 'join' && next.legs[peer]?.status === 'prepared') {
        // They made this leg while it rang and have joined now.
        next = { ...next, legs: { ...next.legs, [peer]: { role: 'answer', status: 'connecting' } } };
        effects.push({ type: 'accept-leg', peer });
      }
      if (body.action === 'join') {
        // Our view goes back to them, so that they offer to anyone they had not heard of.
        const view = next.inCall.filter((key) => key !== peer);
        return { state: next, effects: [send(next, peer, 'roster', now, view), ...effects] };
      }
      // Invite or roster while joined: anyone in the call we have no leg with, we offer to.
      for (const key of fresh) {
        if (next.legs[key] || Object.keys(next.legs).length >= GROUP_CALL_CAP - 1) continue;
        next = { ...next, legs: { ...next.legs, [key]: { role: 'offer', status: 'connecting' } } };
        effects.push(send(next, key, 'join', now, next.inCall), { type: 'open-leg', peer: key });
      }
      return { state: next, effects };
    }
    case 'leave':
      if (current.phase !== 'joined') {
        const inCall = current.inCall.filter((key) => key !== peer);
        const { [peer]: prepared, ...legs } = current.legs;
        const closing: MeshEffect[] = prepared ? [{ type: 'close-leg', peer }] : [];
        if (inCall.length > 0) return { state: { ...current, inCall, legs }, effects: closing };
        return current.phase === 'ringing'
          ? end({ ...current, inCall }, 'missed')
          : { state: { ...current, phase: 'ended', endReason: 'missed', inCall }, effects: [] };
      }
      return withoutParticipant(
        body.reason === 'security'
          ? { ...current, dropped: { ...current.dropped, [peer]: 'security' } }
          : current,
        peer,
        [],
      );
  }
}

function join(state: MeshState | null, now: number): MeshStep {
  if (!isMeshLive(state) || state.phase === 'joined') return { state, effects: [] };
  if (state.inCall.length + 1 > GROUP_CALL_CAP) return { state: { ...state, full: true }, effects: [] };
  let legs: Record<string, Leg> = {};
  const legEffects: MeshEffect[] = [];
  for (const key of state.inCall) {
    legs = { ...legs, [key]: { role: 'offer', status: 'connecting' } };
    // A leg prepared while it rang only has to be let go: its offer and answer have crossed already.
    legEffects.push({ type: state.legs[key]?.status === 'prepared' ? 'release-leg' : 'open-leg', peer: key });
  }
  for (const key of Object.keys(state.legs))
    if (!state.inCall.includes(key)) legEffects.push({ type: 'close-leg', peer: key });
  const next: MeshState = { ...state, phase: 'joined', legs, ringUntil: null, joinedAt: now };
  // Everyone in the group hears of the join (those ringing count us in); those in the call get our offer. The
  // legs go first: a prepared one connects without waiting for the join to be sealed and sent.
  return {
    state: next,
    effects: [
      ...(state.phase === 'ringing' ? [ring(false)] : []),
      ...legEffects,
      ...others(next).map((peer) => send(next, peer, 'join', now, next.inCall)),
    ],
  };
}

function legOffered(state: MeshState | null, peer: string): MeshStep {
  const refuse: MeshStep = { state, effects: [{ type: 'refuse-leg', peer }] };
  if (!isMeshLive(state) || state.phase !== 'joined' || !state.members.includes(peer)) return refuse;
  if (state.dropped[peer] === 'security') return refuse;
  const leg = state.legs[peer];
  if (leg?.role === 'offer') {
    // Both offered at once: the leg with the lower id goes on, on both pages.
    const theirs = legIdOf(state.callId, peer, state.me);
    const mine = legIdOf(state.callId, state.me, peer);
    if (compareBytes(fromHex(theirs), fromHex(mine)) > 0) return { state, effects: [] };
    return {
      state: { ...state, legs: { ...state.legs, [peer]: { role: 'answer', status: 'connecting' } } },
      effects: [
        { type: 'close-leg', peer },
        { type: 'answer-leg', peer, accept: true },
      ],
    };
  }
  // Not in the call (yet): a member whose phone rings prepared this leg; it is accepted when they join.
  const inCall = state.inCall.includes(peer);
  const room: Settled = inCall && !leg ? makeRoom(state) : { state, effects: [] };
  if (!leg && Object.keys(room.state.legs).length >= GROUP_CALL_CAP - 1) return refuse;
  const status: LegStatus = inCall ? 'connecting' : 'prepared';
  return {
    state: { ...room.state, legs: { ...room.state.legs, [peer]: { role: 'answer', status } } },
    effects: [...room.effects, { type: 'answer-leg', peer, accept: inCall }],
  };
}

function membersChanged(state: MeshState | null, members: readonly string[]): MeshStep {
  if (!isMeshLive(state)) return { state, effects: [] };
  if (!members.includes(state.me)) {
    const closing = Object.keys(state.legs).map((peer) => ({ type: 'close-leg', peer }) as const);
    return end({ ...state, members: [...members] }, 'removed', ...closing);
  }
  let step: MeshStep = { state: { ...state, members: [...members] }, effects: [] };
  for (const key of state.inCall) {
    if (members.includes(key) || !isMeshLive(step.state)) continue;
    step = withoutParticipant(step.state, key, step.effects);
  }
  return step;
}

/** `peer` is out of our call (left, dropped, removed): its leg closes, and the call ends if nobody is left. */
function withoutParticipant(state: MeshState, peer: string, effects: MeshEffect[]): MeshStep {
  const { [peer]: gone, ...legs } = state.legs;
  const inCall = state.inCall.filter((key) => key !== peer);
  const closing: MeshEffect[] = gone ? [{ type: 'close-leg', peer }] : [];
  const next: MeshState = { ...state, legs, inCall };
  if (next.phase === 'joined' && inCall.length === 0) return end(next, 'alone', ...effects, ...closing);
  return { state: next, effects: [...effects, ...closing] };
}

function end(state: MeshState, reason: MeshEndReason, ...effects: MeshEffect[]): MeshStep {
  const closing = Object.keys(state.legs)
    .filter((peer) => !effects.some((e) => e.type === 'close-leg' && e.peer === peer))
    .map((peer) => ({ type: 'close-leg', peer }) as const);
  return {
    state: { ...state, phase: 'ended', endReason: reason, legs: {}, ringUntil: null },
    effects: [...(state.phase === 'ringing' ? [ring(false)] : []), ...effects, ...closing],
  };
}

/** Ringing: a prepared leg to each participant we have none with (within the cap). */
function prepare(state: MeshState): Settled {
  if (state.phase !== 'ringing') return { state, effects: [] };
  let legs = state.legs;
  const effects: MeshEffect[] = [];
  for (const key of state.inCall) {
    if (legs[key] || Object.keys(legs).length >= GROUP_CALL_CAP - 1) continue;
    legs = { ...legs, [key]: { role: 'offer', status: 'prepared' } };
    effects.push({ type: 'prepare-leg', peer: key });
  }
  return { state: { ...state, legs }, effects };
}

/** The ringing stops without a join: the legs made while it rang are closed (a join makes fresh ones). */
function stopRinging(state: MeshState): MeshStep {
  const closing = Object.keys(state.legs).map((peer) => ({ type: 'close-leg', peer }) as const);
  return {
    state: { ...state, phase: 'available', ringUntil: null, legs: {} },
    effects: [ring(false), ...closing],
  };
}

/**
 * Joined, at the cap, and someone in the call needs a leg: a leg a ringing member prepared makes room (that
 * member makes a fresh one when it joins).
 */
function makeRoom(state: MeshState): Settled {
  if (Object.keys(state.legs).length < GROUP_CALL_CAP - 1) return { state, effects: [] };
  const spare = Object.keys(state.legs).find((key) => !state.inCall.includes(key));
  if (spare === undefined) return { state, effects: [] };
  const { [spare]: _gone, ...legs } = state.legs;
  return { state: { ...state, legs }, effects: [{ type: 'close-leg', peer: spare }] };
}

const others = (state: MeshState): string[] => state.members.filter((key) => key !== state.me);
const sorted = (keys: readonly string[]): string[] => [...new Set(keys)].sort();
const ring = (on: boolean): MeshEffect => ({ type: 'ring', on });

function send(
  state: MeshState,
  peer: string,
  action: GroupCallBody['action'],
  now: number,
  participants: readonly string[],
  reason: LeaveReason = 'left',
): MeshEffect {
  return {
    type: 'send',
    peer,
    body: {
      action,
      groupId: fromHex(state.groupId),
      callId: fromHex(state.callId),
      media: state.media,
      reason,
      sentAt: now,
      participants: participants.slice(0, GROUP_CALL_CAP - 1).map((key) => fromHex(key)),
    },
  };
}
