/**
 * Group calls: the mesh machine (client/core/group-call-mesh.ts) decides who is in and who offers to whom; each
 * pair of participants is a leg, an ordinary call run by the call machine (call-machine.ts) over a
 * CallConnection of its own, with the leg call id the mesh derives. So every leg has the one-to-one call's
 * signed offer and answer, its certificate check and media gate, and its "hide my IP address" policy, chosen
 * for that pair. Our camera and microphone are opened once and go to each leg's gate (group-media.ts): no track
 * reaches a participant before that participant's certificate has matched its signed fingerprint.
 *
 * A leg never rings: its offer is answered at once when the mesh says it is ours to answer (we joined), and our
 * answer says it connects only on accept, so the offerer takes our verified handshake as the accept.
 */
import { fromHex, toHex } from '../../../crypto/bytes.ts';
import {
  CALL_ID_BYTES,
  type CallAnswer,
  type CallBody,
  type CallMedia,
  type CallOffer,
  candidateFits,
  decodeCallBody,
  encodeCallBody,
  type IceCandidate,
  type IceCandidateBody,
  isCallKind,
  type MediaFlags,
} from '../../../crypto/call-signaling.ts';
import { MESSAGE_KIND, type MessageKind } from '../../../crypto/envelope.ts';
import { isProtocolError } from '../../../crypto/errors.ts';
import {
  decodeGroupCallBody,
  encodeGroupCallBody,
  GROUP_CALL_ID_BYTES,
  type GroupCallMedia,
} from '../../../crypto/group-call-body.ts';
import type { TurnCredentialsBody } from '../../../crypto/relay-turn-credentials.ts';
import { SAS_NONCE_BYTES, sasCommitment } from '../../../crypto/sas.ts';
import { padBody, unpadBody } from '../../core/body-frame.ts';
import {
  type DropReason,
  isMeshLive,
  legIdOf,
  type MeshEffect,
  type MeshEvent,
  type MeshState,
  stepMesh,
} from '../../core/group-call-mesh.ts';
import { CallConnection, type LocalDescription } from './call-connection.ts';
import { type CallEffect, type CallEvent, type CallState, isLive, step } from './call-machine.ts';
import { CallRenegotiation } from './call-renegotiation.ts';
import { CandidateBatch } from './candidate-batch.ts';
import type { MediaDevicesLike } from './devices.ts';
import { GroupMedia } from './group-media.ts';
import {
  type HideIpSetting,
  type IpPolicy,
  ipPolicy,
  policyWithTurn,
  rtcConfiguration,
  TURN_UNAVAILABLE_TEXT,
  TurnUnavailableError,
} from './ice-policy.ts';
import type { CallNotifier } from './notifier.ts';
import { type Quality, type QualitySample, qualityBetween, sampleOf } from './quality.ts';
import type { Ringer } from './ringtone.ts';
import { sdpWithoutAddresses } from './sdp-candidates.ts';

export interface ParticipantView {
  readonly key: string;
  readonly phase: 'connecting' | 'connected' | 'dropped';
  /** Why a participant was dropped from our call: its certificate was not the one it signed, or it failed. */
  readonly dropped: DropReason | null;
  readonly stream: MediaStream | null;
  readonly remoteMedia: MediaFlags;
  readonly quality: Quality | null;
  readonly policy: IpPolicy | null;
}

export interface GroupCallView {
  readonly mesh: MeshState | null;
  readonly participants: readonly ParticipantView[];
  readonly local: MediaStream | null;
  readonly muted: boolean;
  readonly cameraOff: boolean;
  readonly sharing: boolean;
  readonly notice: string | null;
}

export interface GroupCallDeps {
  readonly myKey: Uint8Array;
  readonly random: (length: number) => Uint8Array;
  readonly now?: () => number;
  readonly sendEnvelope: (peer: string, kind: MessageKind, body: Uint8Array) => Promise<unknown>;
  /** The group's signed membership (hex keys, ours included), or null for a group we are not in. */
  readonly membersOf: (groupId: string) => readonly string[] | null;
  readonly requestTurn: () => Promise<TurnCredentialsBody | null>;
  readonly turnAvailable: () => boolean;
  readonly isVerified: (peer: string) => boolean;
  readonly hideIp: () => HideIpSetting;
  readonly devices?: MediaDevicesLike;
  readonly createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  readonly generateCertificate?: () => Promise<RTCCertificate>;
  readonly ringer?: Ringer;
  /** A system notification while a call rings and the tab is hidden, as for a one-to-one call. */
  readonly notifier?: CallNotifier;
  /** Who rings us, as the notification names them ("Alice in Friends"). */
  readonly callerName?: (groupId: string, startedBy: string) => string;
  readonly onChange: (view: GroupCallView) => void;
}

interface Leg {
  readonly peer: string;
  readonly id: string;
  state: CallState | null;
  connection: CallConnection | null;
  readonly candidates: CandidateBatch;
  readonly early: IceCandidate[];
  stream: MediaStream | null;
  quality: Quality | null;
  sample: QualitySample | null;
  policy: IpPolicy | null;
  /** Closed on the mesh's word: its ending is not news to the mesh. */
  closing: boolean;
  /** Prepared while our phone rings: our candidates and the answerer's wait for the join. */
  held: boolean;
  /** Expiry (ms) of the TURN credentials the leg's connection was made with, null without TURN. */
  turnExpiresAt: number | null;
  /** The leg's ICE restarts and TURN renewals, as a one-to-one call's. */
  readonly renegotiation: CallRenegotiation;
}

const TICK_MS = 500;
const RECENT_CALLS = 8;
/**
 * A leg prepared while it rang is let go at the join only while its machine's own ring timeout (45 s from the
 * offer) leaves time to connect; an older one is replaced by a fresh offer.
 */
const PREPARED_LEG_MAX_AGE_MS = 30_000;
const QUALITY_MS = 2_000;
const TURN_LAPSED_NOTICE = 'The relay gave no fresh TURN credentials: a participant may drop.';
const NO_FLAGS: MediaFlags = { audioMuted: false, videoOff: false, screenSharing: false };
const ecdsaCertificate = () =>
  RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams);

export class GroupCallService {
  private mesh: MeshState | null = null;
  private readonly legs = new Map<string, Leg>();
  /** Offers for legs the mesh has not yet said to answer, by peer. */
  private readonly offers = new Map<string, CallOffer>();
  private readonly media: GroupMedia;
  private readonly me: string;
  private readonly now: () => number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastQuality = 0;
  private notice: string | null = null;
  private inbound: Promise<void> = Promise.resolve();
  /** The ids of the last few group calls we heard of, newest first. */
  private recentCalls: string[] = [];

  constructor(private readonly deps: GroupCallDeps) {
    this.me = toHex(deps.myKey);
    this.now = deps.now ?? (() => Date.now());
    this.media = new GroupMedia(() => this.devices());
  }

  get view(): GroupCallView {
    const mesh = this.mesh;
    const media = this.media.state;
    const keys = mesh ? [...new Set([...mesh.inCall, ...Object.keys(mesh.dropped)])] : [];
    return {
      mesh,
      participants:
        mesh?.phase === 'joined' || mesh?.phase === 'ended' ? keys.map((key) => this.participant(key)) : [],
      local: media.preview,
      muted: media.muted,
      cameraOff: media.cameraOff,
      sharing: media.sharing,
      notice: this.notice,
    };
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
    for (const leg of this.legs.values()) this.closeLeg(leg);
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
      let body: ReturnType<typeof decodeGroupCallBody>;
      try {
        body = decodeGroupCallBody(kind, unpadBody(padded));
      } catch (error) {
        if (isProtocolError(error)) return;
        throw error;
      }
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
      const leg = this.legs.get(peer);
      if (leg && leg.id === id) this.legEvent(leg, { type: 'bad-body', peer, code: error.code });
      return;
    }
    const theirs = legIdOf(mesh.callId, peer, this.me);
    if (body.type === 'offer' && body.purpose === 'call' && id === theirs) {
      if (body.media !== mesh.media) return;
      if (this.legs.get(peer)?.id === theirs) return;
      this.offers.set(peer, body);
      this.dispatch({ type: 'leg-offered', peer });
      return;
    }
    const leg = this.legs.get(peer);
    if (leg && leg.id === id) this.legEvent(leg, { type: 'received', peer, body });
  }

  // ---- the mesh

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
      this.offers.clear();
      if (this.legs.size === 0) this.stopTimer();
    }
    this.changed();
  }

  private performMesh(effect: MeshEffect): void {
    switch (effect.type) {
      case 'send': {
        const { kind, payload } = encodeGroupCallBody(effect.body);
        void this.deps.sendEnvelope(effect.peer, kind as MessageKind, padBody(payload)).catch(() => {});
        return;
      }
      case 'open-leg':
        void this.openLeg(effect.peer, false);
        return;
      case 'prepare-leg':
        void this.openLeg(effect.peer, true);
        return;
      case 'release-leg':
        this.releaseLeg(effect.peer);
        return;
      case 'answer-leg':
        void this.answerLeg(effect.peer, effect.accept);
        return;
      case 'accept-leg': {
        const leg = this.legs.get(effect.peer);
        if (leg && ringsIn(leg) && leg.state?.answered) this.legEvent(leg, { type: 'accepted' });
        return;
      }
      case 'refuse-leg': {
        const offer = this.offers.get(effect.peer);
        this.offers.delete(effect.peer);
        if (offer) this.sendCall(effect.peer, { type: 'control', callId: offer.callId, action: 'busy' });
        return;
      }
      case 'close-leg': {
        const leg = this.legs.get(effect.peer);
        if (!leg) return;
        leg.closing = true;
        if (isLive(leg.state)) this.legEvent(leg, { type: 'hangup' });
        this.closeLeg(leg);
        return;
      }
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

  // ---- legs

  private newLeg(peer: string, id: string): Leg {
    const previous = this.legs.get(peer);
    if (previous) {
      previous.closing = true;
      this.closeLeg(previous);
    }
    const leg: Leg = {
      peer,
      id,
      state: null,
      connection: null,
      candidates: new CandidateBatch({
        send: (candidates) => this.sendCandidates(leg, candidates),
        windowMs: 10,
      }),
      early: [],
      stream: null,
      quality: null,
      sample: null,
      policy: null,
      closing: false,
      held: false,
      turnExpiresAt: null,
      renegotiation: new CallRenegotiation({
        state: () => leg.state,
        connection: () => leg.connection,
        now: () => this.now(),
        send: (to, body) => this.sendCall(to, body),
        dispatch: (event) => this.legEvent(leg, event),
        requestTurn: () => this.deps.requestTurn(),
        turnAvailable: () => this.deps.turnAvailable(),
        onTurnRenewed: () => {
          if (this.notice === TURN_LAPSED_NOTICE) this.notice = null;
        },
      }),
    };
    this.legs.set(peer, leg);
    return leg;
  }

  /**
   * Offers the leg to `peer`. `held` (our phone rings): the offer leaves without any address of ours, our
   * candidates wait, and the answerer's are kept out of ICE, until releaseLeg() at the join.
   */
  private async openLeg(peer: string, held: boolean): Promise<void> {
    const mesh = this.mesh;
    if (!isMeshLive(mesh)) return;
    const leg = this.newLeg(peer, legIdOf(mesh.callId, this.me, peer));
    leg.held = held;
    try {
      leg.candidates.hold();
      const made = await this.connect(leg, mesh.media, undefined, held);
      const description = held ? { ...made, sdp: sdpWithoutAddresses(made.sdp) } : made;
      if (this.legs.get(peer) !== leg || leg.closing) return;
      const callId = fromHex(leg.id);
      const nonce = this.deps.random(SAS_NONCE_BYTES);
      const offer: CallOffer = {
        type: 'offer',
        callId,
        media: mesh.media,
        purpose: 'call',
        createdAt: this.now(),
        sasCommitment: sasCommitment(callId, nonce),
        fingerprint: description.fingerprint,
        sdp: description.sdp,
      };
      this.legEvent(leg, { type: 'dialed', peer, offer, nonce });
      this.turnInUse(leg);
      if (!leg.held) leg.candidates.release();
    } catch (error) {
      this.legFailed(leg, error);
    }
  }

  /** We joined: a prepared leg's candidates go out, the answerer's go to ICE (unless it is too old to trust). */
  private releaseLeg(peer: string): void {
    const leg = this.legs.get(peer);
    const stale = leg?.state ? this.now() - leg.state.createdAt > PREPARED_LEG_MAX_AGE_MS : true;
    if (!leg || !isLive(leg.state) || stale) {
      if (leg) {
        leg.closing = true;
        if (isLive(leg.state)) this.legEvent(leg, { type: 'hangup' });
        this.closeLeg(leg);
      }
      void this.openLeg(peer, false);
      return;
    }
    leg.held = false;
    leg.candidates.release();
    void leg.connection?.releaseRemoteCandidates();
  }

  private async answerLeg(peer: string, accept: boolean): Promise<void> {
    const offer = this.offers.get(peer);
    const mesh = this.mesh;
    this.offers.delete(peer);
    if (!offer || !isMeshLive(mesh)) return;
    const leg = this.newLeg(peer, toHex(offer.callId));
    this.legEvent(leg, { type: 'received', peer, body: offer });
    if (!ringsIn(leg)) {
      this.legFailed(leg);
      return;
    }
    try {
      leg.candidates.hold();
      const description = await this.connect(leg, offer.media, offer);
      if (this.legs.get(peer) !== leg || leg.closing || !ringsIn(leg)) return;
      const answer: CallAnswer = {
        type: 'answer',
        callId: offer.callId,
        purpose: 'call',
        // We joined before the offer came: for the offerer, our verified handshake is the accept.
        connectsOnAccept: true,
        sasNonce: this.deps.random(SAS_NONCE_BYTES),
        fingerprint: description.fingerprint,
        sdp: description.sdp,
      };
      this.legEvent(leg, { type: 'answered', answer });
      this.turnInUse(leg);
      // A leg its peer made while its phone rings is accepted when the peer joins ('accept-leg').
      if (accept || this.mesh?.legs[peer]?.status !== 'prepared') this.legEvent(leg, { type: 'accepted' });
      leg.candidates.release();
    } catch (error) {
      this.legFailed(leg, error);
    }
  }

  private legFailed(leg: Leg, error?: unknown): void {
    if (error instanceof TurnUnavailableError) this.notice = TURN_UNAVAILABLE_TEXT;
    if (isLive(leg.state)) this.legEvent(leg, { type: 'local-failure', reason: 'failed' });
    else if (this.legs.get(leg.peer) === leg) {
      const report = !leg.closing;
      leg.closing = true;
      this.closeLeg(leg);
      if (report) this.dispatch({ type: 'leg-ended', peer: leg.peer, reason: 'failed' });
    }
  }

  private async connect(
    leg: Leg,
    media: CallMedia,
    offer?: CallOffer,
    holdRemote = false,
  ): Promise<LocalDescription> {
    const policy = ipPolicy(this.deps.hideIp(), this.deps.isVerified(leg.peer), this.deps.turnAvailable());
    const [turn, certificate] = await Promise.all([
      this.deps.turnAvailable() ? this.deps.requestTurn().catch(() => null) : Promise.resolve(null),
      (this.deps.generateCertificate ?? ecdsaCertificate)(),
    ]);
    // Hiding wanted and the relay has TURN but gave no credentials: this leg is not made (a direct one would show
    // that participant the address the user asked to hide), as a one-to-one call is not.
    leg.policy = policyWithTurn(policy, turn);
    leg.turnExpiresAt = turn ? turn.expiresAt * 1000 : null;
    const connection = await CallConnection.create({
      config: rtcConfiguration(turn, leg.policy, certificate),
      media,
      createPeerConnection: this.deps.createPeerConnection ?? ((config) => new RTCPeerConnection(config)),
      onCandidate: (candidate) => {
        if (candidateFits(candidate)) leg.candidates.add(candidate);
      },
      onGate: (verdict) => {
        this.legEvent(leg, { type: 'gate', verdict });
        // A leg its peer prepared while its phone rang reaches ICE only once that peer has joined: its verified
        // handshake says so before the join body can (as an answer that connects on accept does for a caller).
        const state = leg.state;
        if (verdict === 'verified' && state?.phase === 'incoming' && state.answered && state.verified)
          this.legEvent(leg, { type: 'accepted' });
      },
      onConnection: (state) => this.legEvent(leg, { type: 'connection', state }),
      onRemoteStream: (stream) => {
        leg.stream = stream;
        this.changed();
      },
      // Chat goes through the relay during a group call: a leg's channel carries nothing.
      onEnvelope: () => {},
      onFileChannel: (channel) => channel.close(),
    });
    if (this.legs.get(leg.peer) !== leg || leg.closing) {
      connection.close();
      throw new Error('leg closed while connecting');
    }
    leg.connection = connection;
    if (holdRemote) connection.holdRemoteCandidates();
    const description = offer
      ? await connection.acceptOffer(offer.sdp, offer.fingerprint)
      : await connection.makeOffer();
    for (const candidate of leg.early.splice(0)) await connection.addCandidate(candidate);
    // The tracks wait in the gate until this leg's certificate check has passed.
    await this.media.add(connection.gate);
    return description;
  }

  /** Tells the leg's machine when the TURN credentials its connection was made with expire: it renews them. */
  private turnInUse(leg: Leg): void {
    if (leg.turnExpiresAt !== null)
      this.legEvent(leg, { type: 'turn-credentials', expiresAt: leg.turnExpiresAt, renewed: false });
  }

  private legEvent(leg: Leg, event: CallEvent): void {
    const before = leg.state;
    // Its teardown effect takes the leg out of the map: whether it was the current one is known only now.
    const current = this.legs.get(leg.peer) === leg;
    const { state, effects } = step(before, event, { now: this.now() });
    leg.state = state;
    for (const effect of effects) this.performLeg(leg, effect);
    if (state?.phase === 'ended' && before?.phase !== 'ended') {
      this.closeLeg(leg);
      if (!leg.closing && current)
        this.dispatch({ type: 'leg-ended', peer: leg.peer, reason: dropReason(state) });
    }
    this.changed();
  }

  private performLeg(leg: Leg, effect: CallEffect): void {
    switch (effect.type) {
      case 'send':
        this.sendCall(effect.peer, effect.body);
        return;
      case 'apply':
        void this.apply(leg, effect.body).catch(() =>
          this.legEvent(leg, { type: 'local-failure', reason: 'failed' }),
        );
        return;
      case 'open-gate':
        void leg.connection?.gate.open().then(() => {
          this.sendFlags(leg);
          this.dispatch({ type: 'leg-connected', peer: leg.peer });
        });
        return;
      case 'restart-ice':
        void leg.renegotiation.restartIce(effect.forTurn === true).catch(() => {});
        return;
      case 'renew-turn':
        void leg.renegotiation.renewTurn();
        return;
      case 'turn-lapsed':
        this.notice = TURN_LAPSED_NOTICE;
        return;
      case 'teardown':
        this.closeLeg(leg);
        return;
      // A leg never rings: the group call does.
      case 'ring':
      case 'notify-incoming':
        return;
    }
  }

  private async apply(leg: Leg, body: CallAnswer | CallOffer | IceCandidateBody): Promise<void> {
    const connection = leg.connection;
    if (body.type === 'ice') {
      if (connection) await Promise.all(body.candidates.map((c) => connection.addCandidate(c)));
      else leg.early.push(...body.candidates);
      return;
    }
    if (!connection) return;
    // The offerer's ICE restart (the same certificate, the machine checked), and the answer to ours.
    if (body.type === 'offer') return leg.renegotiation.offered(connection, body);
    if (body.purpose === 'renegotiate') return leg.renegotiation.answered(connection, body);
    await connection.applyAnswer(body.sdp, body.fingerprint);
  }

  private closeLeg(leg: Leg): void {
    leg.candidates.clear();
    leg.early.length = 0;
    if (leg.connection) this.media.remove(leg.connection.gate);
    leg.connection?.close();
    leg.connection = null;
    if (this.legs.get(leg.peer) === leg && (leg.closing || !isLive(leg.state))) this.legs.delete(leg.peer);
  }

  private sendCandidates(leg: Leg, candidates: IceCandidate[]): void {
    if (!isLive(leg.state)) return;
    this.sendCall(leg.peer, { type: 'ice', callId: fromHex(leg.id), candidates });
  }

  private sendCall(peer: string, body: CallBody): void {
    let encoded: ReturnType<typeof encodeCallBody>;
    try {
      encoded = encodeCallBody(body);
    } catch {
      return; // a description our own format cannot carry: not sent
    }
    void this.deps.sendEnvelope(peer, encoded.kind, padBody(encoded.payload)).catch(() => {});
  }

  /** Our mute, camera and screen, to every leg whose gate is open (as a one-to-one call tells its peer). */
  private flagsChanged(): void {
    for (const leg of this.legs.values()) if (leg.state?.phase === 'active') this.sendFlags(leg);
    this.changed();
  }

  private sendFlags(leg: Leg): void {
    const media = this.media.state;
    this.sendCall(leg.peer, {
      type: 'control',
      callId: fromHex(leg.id),
      action: 'media',
      flags: { audioMuted: media.muted, videoOff: media.cameraOff, screenSharing: media.sharing },
    });
  }

  private participant(key: string): ParticipantView {
    const leg = this.legs.get(key);
    const dropped = this.mesh?.dropped[key] ?? null;
    const connected = this.mesh?.legs[key]?.status === 'connected';
    return {
      key,
      phase: dropped && !leg ? 'dropped' : connected ? 'connected' : 'connecting',
      dropped: leg ? null : dropped,
      stream: leg?.stream ?? null,
      remoteMedia: leg?.state?.remoteMedia ?? NO_FLAGS,
      quality: leg?.quality ?? null,
      policy: leg?.policy ?? null,
    };
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
    for (const leg of [...this.legs.values()]) if (isLive(leg.state)) this.legEvent(leg, { type: 'tick' });
    this.dispatch({ type: 'tick' });
    if (this.now() - this.lastQuality < QUALITY_MS) return;
    this.lastQuality = this.now();
    for (const leg of this.legs.values()) {
      if (leg.state?.phase !== 'active' || !leg.connection) continue;
      void leg.connection.getStats().then((report) => {
        const sample = sampleOf(report);
        leg.quality = qualityBetween(leg.sample, sample);
        leg.sample = sample;
        this.changed();
      });
    }
  }

  private changed(): void {
    this.deps.onChange(this.view);
  }
}

/** The leg's machine took the offer (fresh, not refused) and waits for our answer. */
const ringsIn = (leg: Leg): boolean => leg.state?.phase === 'incoming';

function dropReason(state: CallState): DropReason | 'hung-up' {
  switch (state.endReason) {
    case 'security':
    case 'remote-security':
      return 'security';
    case 'failed':
    case 'media-error':
    case 'no-answer':
      return 'failed';
    default:
      return 'hung-up';
  }
}

/** The call id a padded call body names (its bytes 1..17 after the frame), or null when it is too short. */
function callIdIn(padded: Uint8Array): string | null {
  try {
    const payload = unpadBody(padded);
    return payload.length >= 1 + CALL_ID_BYTES ? toHex(payload.subarray(1, 1 + CALL_ID_BYTES)) : null;
  } catch {
    return null;
  }
}
