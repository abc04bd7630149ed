/**
 * Group calls: the mesh machine (client/core/group-call-mesh.ts) decides who is in and who offers to whom; each
 * pair of participants is a leg, an ordinary call run by the call machine (call-machine.ts) over a
 * CallConnection of its own, with the leg call id the mesh derives. So every leg has the one-to-one call's
 * signed offer and answer, its certificate check and media gate, and its "hide my IP address" policy, chosen
 * for that pair. Our camera and microphone are opened once and go to each leg's gate (group-media.ts): no track
 * reaches a participant before that participant's certificate has matched its signed fingerprint.
 *
 * This file takes the user's actions, routes the bodies that come in, and performs the mesh's effects. Its
 * parts: the legs (group-call-legs.ts, each leg and its connection in group-call-leg.ts), the view
 * (group-call-view.ts), the bodies' wire form (group-call-wire.ts) and the types (group-call-types.ts).
 */
import { toHex } from '../../../crypto/bytes.ts';
import { type CallBody, decodeCallBody, isCallKind } from '../../../crypto/call-signaling.ts';
import { MESSAGE_KIND } from '../../../crypto/envelope.ts';
import { isProtocolError } from '../../../crypto/errors.ts';
import { GROUP_CALL_ID_BYTES, type GroupCallMedia } from '../../../crypto/group-call-body.ts';
import { unpadBody } from '../../core/body-frame.ts';
import {
  isMeshLive,
  legIdOf,
  type MeshEffect,
  type MeshEvent,
  type MeshState,
  stepMesh,
} from '../../core/group-call-mesh.ts';
import type { MediaDevicesLike } from './devices.ts';
import { GroupCallLegs } from './group-call-legs.ts';
import type { GroupCallDeps, GroupCallView } from './group-call-types.ts';
import { groupCallView } from './group-call-view.ts';
import { callIdIn, groupCallBodyIn, sealedGroupCallBody } from './group-call-wire.ts';
import { GroupMedia } from './group-media.ts';

export type { GroupCallDeps, GroupCallView, ParticipantView } from './group-call-types.ts';

const TICK_MS = 500;
const RECENT_CALLS = 8;

export class GroupCallService {
  private mesh: MeshState | null = null;
  private readonly legs: GroupCallLegs;
  private readonly media: GroupMedia;
  private readonly me: string;
  private readonly now: () => number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private notice: string | null = null;
  private inbound: Promise<void> = Promise.resolve();
  /** The ids of the last few group calls we heard of, newest first. */
  private recentCalls: string[] = [];

  constructor(private readonly deps: GroupCallDeps) {
    this.me = toHex(deps.myKey);
    this.now = deps.now ?? (() => Date.now());
    this.media = new GroupMedia(() => this.devices());
    this.legs = new GroupCallLegs(deps, this.me, () => this.now(), this.media, {
      mesh: () => this.mesh,
      dispatch: (event) => this.dispatch(event),
      changed: () => this.changed(),
      setNotice: (text) => {
        this.notice = text;
      },
      clearNotice: (text) => {
        if (this.notice === text) this.notice = null;
      },
    });
  }

  get view(): GroupCallView {
    return groupCallView(this.mesh, (peer) => this.legs.of(peer), this.media, this.notice);
  }

  /** Starts a call in `groupId` (we must be a member): every other member's page rings. */
  async start(groupId: string, media: GroupCallMedia): Promise<void> {
    if (isMeshLive(this.mesh)) return;
    const members = this.deps.membersOf(groupId);
    if (!members) return;
    this.notice = null;
    this.dispatch({
      type: 'start',
      groupId,
      callId: toHex(this.deps.random(GROUP_CALL_ID_BYTES)),
      media,
      me: this.me,
      members,
    });
    await this.openMedia();
  }

  /** Joins the call that rings or runs: a leg to everyone already in. */
  async join(): Promise<void> {
    if (!isMeshLive(this.mesh) || this.mesh.phase === 'joined') return;
    this.notice = null;
    this.dispatch({ type: 'join' });
    if (this.joined()) await this.openMedia();
  }

  private joined(): boolean {
    return this.mesh?.phase === 'joined';
  }

  dismiss(): void {
    this.dispatch({ type: 'dismiss' });
  }

  leave(): void {
    this.dispatch({ type: 'leave' });
  }

  /** Forgets an ended call (its warnings included). */
  clear(): void {
    if (isMeshLive(this.mesh)) return;
    this.mesh = null;
    this.changed();
  }

  setMuted(muted: boolean): void {
    this.media.setMuted(muted);
    this.flagsChanged();
  }

  async setCameraOff(off: boolean): Promise<void> {
    await this.media.setCameraOff(off);
    this.flagsChanged();
  }

  async shareScreen(on: boolean): Promise<void> {
    try {
      await this.media.shareScreen(on, () => void this.shareScreen(false));
    } catch (error) {
      this.notice = error instanceof Error ? error.message : 'Screen sharing failed.';
    }
    this.flagsChanged();
  }

  /**
   * Whether an envelope body is ours: a group call body, or a call body naming one of this group call's legs
   * (so that it never rings as a one-to-one call).
   */
  claims(peer: string, kind: number, padded: Uint8Array): boolean {
    if (kind === MESSAGE_KIND.groupCall) return true;
    if (!isCallKind(kind)) return false;
    const id = callIdIn(padded);
    // Recent calls too: a leg body that comes late (a hang-up, a candidate) is not a one-to-one call either.
    return (
      id !== null &&
      this.recentCalls.some(
        (callId) => id === legIdOf(callId, peer, this.me) || id === legIdOf(callId, this.me, peer),
      )
    );
  }

  receive(peer: string, kind: number, padded: Uint8Array): Promise<void> {
    this.inbound = this.inbound.then(() => this.handle(peer, kind, padded)).catch(() => {});
    return this.inbound;
  }

  /** The group's membership changed (a signed statement was applied). */
  membersChanged(groupId: string): void {
    if (!isMeshLive(this.mesh) || this.mesh.groupId !== groupId) return;
    this.dispatch({ type: 'members', members: this.deps.membersOf(groupId) ?? [] });
  }

  dispose(): void {
    this.leave();
    this.legs.closeAll();
    this.media.stop();
    this.stopTimer();
  }

  // ------------------------------------------------------------------------------------------ internals

  private devices(): MediaDevicesLike {
    const devices = this.deps.devices ?? globalThis.navigator?.mediaDevices;
    if (!devices)
      throw new Error('This browser gives no access to a camera or microphone here (it needs https).');
    return devices;
  }

  private async openMedia(): Promise<void> {
    try {
      await this.media.open(this.mesh?.media === 'video');
    } catch {
      this.notice = 'No camera or microphone could be opened: the others cannot see or hear you.';
    }
    this.changed();
  }

  private async handle(peer: string, kind: number, padded: Uint8Array): Promise<void> {
    if (kind === MESSAGE_KIND.groupCall) {
      const body = groupCallBodyIn(kind, padded);
      if (!body) return;
      const members = this.deps.membersOf(toHex(body.groupId));
      if (members) this.dispatch({ type: 'body', peer, body, me: this.me, members });
      return;
    }
    const mesh = this.mesh;
    if (!mesh) return;
    const id = callIdIn(padded);
    let body: CallBody;
    try {
      body = decodeCallBody(kind, unpadBody(padded));
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      // A leg body that does not decode (a tampered description) ends that leg as a security failure.
      this.legs.received(peer, id, { type: 'bad-body', peer, code: error.code });
      return;
    }
    const theirs = legIdOf(mesh.callId, peer, this.me);
    if (body.type === 'offer' && body.purpose === 'call' && id === theirs) {
      if (body.media !== mesh.media) return;
      if (this.legs.offered(peer, theirs, body)) this.dispatch({ type: 'leg-offered', peer });
      return;
    }
    this.legs.received(peer, id, { type: 'received', peer, body });
  }

  private dispatch(event: MeshEvent): void {
    const { state, effects } = stepMesh(this.mesh, event, { now: this.now() });
    this.mesh = state;
    if (state && this.recentCalls[0] !== state.callId)
      this.recentCalls = [state.callId, ...this.recentCalls.filter((id) => id !== state.callId)].slice(
        0,
        RECENT_CALLS,
      );
    const ended = state?.phase === 'ended';
    for (const effect of effects) this.performMesh(effect);
    if (isMeshLive(state)) this.startTimer();
    else {
      if (ended) this.media.stop();
      this.legs.dropOffers();
      if (this.legs.size === 0) this.stopTimer();
    }
    this.changed();
  }

  private performMesh(effect: MeshEffect): void {
    switch (effect.type) {
      case 'send': {
        const { kind, padded } = sealedGroupCallBody(effect.body);
        void this.deps.sendEnvelope(effect.peer, kind, padded).catch(() => {});
        return;
      }
      case 'open-leg':
        void this.legs.open(effect.peer, false);
        return;
      case 'prepare-leg':
        void this.legs.open(effect.peer, true);
        return;
      case 'release-leg':
        this.legs.release(effect.peer);
        return;
      case 'answer-leg':
        void this.legs.answer(effect.peer, effect.accept);
        return;
      case 'accept-leg':
        this.legs.accept(effect.peer);
        return;
      case 'refuse-leg':
        this.legs.refuse(effect.peer);
        return;
      case 'close-leg':
        this.legs.close(effect.peer);
        return;
      case 'ring': {
        const mesh = this.mesh;
        if (effect.on && mesh) {
          this.deps.ringer?.start('incoming');
          this.deps.notifier?.incoming(
            this.deps.callerName?.(mesh.groupId, mesh.startedBy) ?? 'A group',
            mesh.media,
          );
        } else {
          this.deps.ringer?.stop();
          this.deps.notifier?.clear();
        }
        return;
      }
    }
  }

  /** Our mute, camera and screen, to every leg whose gate is open (as a one-to-one call tells its peer). */
  private flagsChanged(): void {
    this.legs.flagsChanged();
    this.changed();
  }

  private startTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.legs.tick();
    this.dispatch({ type: 'tick' });
    this.legs.sampleQuality();
  }

  private changed(): void {
    this.deps.onChange(this.view);
  }
}
