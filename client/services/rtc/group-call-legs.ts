/**
 * The legs of our group call, one per other participant (group-call-leg.ts): making them on the mesh's word
 * (offering, answering, letting a prepared one go at the join, closing), performing each leg's call machine
 * effects, its ICE restarts and TURN renewals (call-renegotiation.ts), its candidates, our media flags and its
 * quality. What the mesh must hear of a leg goes back through the host.
 *
 * A leg never rings: its offer is answered at once when the mesh says it is ours to answer (we joined), and our
 * answer says it connects only on accept, so the offerer takes our verified handshake as the accept.
 */
import { fromHex, toHex } from '../../../crypto/bytes.ts';
import type { CallAnswer, CallBody, CallOffer, IceCandidate } from '../../../crypto/call-signaling.ts';
import { SAS_NONCE_BYTES, sasCommitment } from '../../../crypto/sas.ts';
import { isMeshLive, legIdOf, type MeshEvent, type MeshState } from '../../core/group-call-mesh.ts';
import { type CallEffect, type CallEvent, isLive, step } from './call-machine.ts';
import { sealable } from './call-wire.ts';
import {
  applyToLeg,
  connectLeg,
  createLeg,
  dropReason,
  type Leg,
  type LegConnectHost,
  ringsIn,
} from './group-call-leg.ts';
import type { GroupCallDeps } from './group-call-types.ts';
import type { GroupMedia } from './group-media.ts';
import { TURN_UNAVAILABLE_TEXT, TurnUnavailableError } from './ice-policy.ts';
import { qualityBetween, sampleOf } from './quality.ts';
import { sdpWithoutAddresses } from './sdp-candidates.ts';

/** The group call the legs belong to. */
export interface LegsHost {
  mesh(): MeshState | null;
  dispatch(event: MeshEvent): void;
  changed(): void;
  /** Shows `text` on the call screen; clearNotice takes it away if it is still the one shown. */
  setNotice(text: string): void;
  clearNotice(text: string): void;
}

/**
 * A leg prepared while it rang is let go at the join only while its machine's own ring timeout (45 s from the
 * offer) leaves time to connect; an older one is replaced by a fresh offer.
 */
const PREPARED_LEG_MAX_AGE_MS = 30_000;
const QUALITY_MS = 2_000;
const TURN_LAPSED_NOTICE = 'The relay gave no fresh TURN credentials: a participant may drop.';

export class GroupCallLegs {
  private readonly legs = new Map<string, Leg>();
  /** Offers for legs the mesh has not yet said to answer, by peer. */
  private readonly offers = new Map<string, CallOffer>();
  private readonly connectHost: LegConnectHost;
  private lastQuality = 0;

  constructor(
    private readonly deps: GroupCallDeps,
    private readonly me: string,
    private readonly now: () => number,
    private readonly media: GroupMedia,
    private readonly host: LegsHost,
  ) {
    this.connectHost = {
      deps,
      media,
      current: (leg) => this.legs.get(leg.peer) === leg && !leg.closing,
      event: (leg, event) => this.event(leg, event),
      changed: () => host.changed(),
    };
  }

  get size(): number {
    return this.legs.size;
  }

  of(peer: string): Leg | undefined {
    return this.legs.get(peer);
  }

  /** A leg body from `peer` naming call `id`: an event for that leg's machine, if it is the current one. */
  received(peer: string, id: string | null, event: CallEvent): void {
    const leg = this.legs.get(peer);
    if (leg && leg.id === id) this.event(leg, event);
  }

  /** Keeps `peer`'s offer of leg `id` for the mesh's word; false when that leg is ours already. */
  offered(peer: string, id: string, offer: CallOffer): boolean {
    if (this.legs.get(peer)?.id === id) return false;
    this.offers.set(peer, offer);
    return true;
  }

  dropOffers(): void {
    this.offers.clear();
  }

  /**
   * Offers the leg to `peer`. `held` (our phone rings): the offer leaves without any address of ours, our
   * candidates wait, and the answerer's are kept out of ICE, until release() at the join.
   */
  async open(peer: string, held: boolean): Promise<void> {
    const mesh = this.host.mesh();
    if (!isMeshLive(mesh)) return;
    const leg = this.newLeg(peer, legIdOf(mesh.callId, this.me, peer));
    leg.held = held;
    try {
      leg.candidates.hold();
      const made = await connectLeg(this.connectHost, leg, mesh.media, undefined, held);
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
      this.event(leg, { type: 'dialed', peer, offer, nonce });
      this.turnInUse(leg);
      if (!leg.held) leg.candidates.release();
    } catch (error) {
      this.failed(leg, error);
    }
  }

  /** We joined: a prepared leg's candidates go out, the answerer's go to ICE (unless it is too old to trust). */
  release(peer: string): void {
    const leg = this.legs.get(peer);
    const stale = leg?.state ? this.now() - leg.state.createdAt > PREPARED_LEG_MAX_AGE_MS : true;
    if (!leg || !isLive(leg.state) || stale) {
      if (leg) this.hangUp(leg);
      void this.open(peer, false);
      return;
    }
    leg.held = false;
    leg.candidates.release();
    void leg.connection?.releaseRemoteCandidates();
  }

  async answer(peer: string, accept: boolean): Promise<void> {
    const offer = this.offers.get(peer);
    const mesh = this.host.mesh();
    this.offers.delete(peer);
    if (!offer || !isMeshLive(mesh)) return;
    const leg = this.newLeg(peer, toHex(offer.callId));
    this.event(leg, { type: 'received', peer, body: offer });
    if (!ringsIn(leg)) {
      this.failed(leg);
      return;
    }
    try {
      leg.candidates.hold();
      const description = await connectLeg(this.connectHost, leg, offer.media, offer);
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
      this.event(leg, { type: 'answered', answer });
      this.turnInUse(leg);
      // A leg its peer made while its phone rings is accepted when the peer joins ('accept-leg').
      if (accept || this.host.mesh()?.legs[peer]?.status !== 'prepared')
        this.event(leg, { type: 'accepted' });
      leg.candidates.release();
    } catch (error) {
      this.failed(leg, error);
    }
  }

  /** The peer joined: the leg it prepared, which we answered, connects. */
  accept(peer: string): void {
    const leg = this.legs.get(peer);
    if (leg && ringsIn(leg) && leg.state?.answered) this.event(leg, { type: 'accepted' });
  }

  /** The mesh will not have `peer`'s offer: the peer hears 'busy'. */
  refuse(peer: string): void {
    const offer = this.offers.get(peer);
    this.offers.delete(peer);
    if (offer) this.send(peer, { type: 'control', callId: offer.callId, action: 'busy' });
  }

  /** Closes `peer`'s leg on the mesh's word. */
  close(peer: string): void {
    const leg = this.legs.get(peer);
    if (leg) this.hangUp(leg);
  }

  closeAll(): void {
    for (const leg of this.legs.values()) this.closeLeg(leg);
  }

  /** Our mute, camera and screen, to every leg whose gate is open (as a one-to-one call tells its peer). */
  flagsChanged(): void {
    for (const leg of this.legs.values()) if (leg.state?.phase === 'active') this.sendFlags(leg);
  }

  tick(): void {
    for (const leg of [...this.legs.values()]) if (isLive(leg.state)) this.event(leg, { type: 'tick' });
  }

  /** Every QUALITY_MS, each active leg's quality from its connection's statistics. */
  sampleQuality(): void {
    if (this.now() - this.lastQuality < QUALITY_MS) return;
    this.lastQuality = this.now();
    for (const leg of this.legs.values()) {
      if (leg.state?.phase !== 'active' || !leg.connection) continue;
      void leg.connection.getStats().then((report) => {
        const sample = sampleOf(report);
        leg.quality = qualityBetween(leg.sample, sample);
        leg.sample = sample;
        this.host.changed();
      });
    }
  }

  // ------------------------------------------------------------------------------------------ internals

  private newLeg(peer: string, id: string): Leg {
    const previous = this.legs.get(peer);
    if (previous) {
      previous.closing = true;
      this.closeLeg(previous);
    }
    const leg = createLeg(peer, id, {
      now: this.now,
      send: (to, body) => this.send(to, body),
      sendCandidates: (candidates) => this.sendCandidates(leg, candidates),
      event: (event) => this.event(leg, event),
      requestTurn: () => this.deps.requestTurn(),
      turnAvailable: () => this.deps.turnAvailable(),
      onTurnRenewed: () => this.host.clearNotice(TURN_LAPSED_NOTICE),
    });
    this.legs.set(peer, leg);
    return leg;
  }

  /** Ends a leg the mesh no longer wants: its ending is not news to the mesh. */
  private hangUp(leg: Leg): void {
    leg.closing = true;
    if (isLive(leg.state)) this.event(leg, { type: 'hangup' });
    this.closeLeg(leg);
  }

  private failed(leg: Leg, error?: unknown): void {
    if (error instanceof TurnUnavailableError) this.host.setNotice(TURN_UNAVAILABLE_TEXT);
    if (isLive(leg.state)) this.event(leg, { type: 'local-failure', reason: 'failed' });
    else if (this.legs.get(leg.peer) === leg) {
      const report = !leg.closing;
      leg.closing = true;
      this.closeLeg(leg);
      if (report) this.host.dispatch({ type: 'leg-ended', peer: leg.peer, reason: 'failed' });
    }
  }

  /** Tells the leg's machine when the TURN credentials its connection was made with expire: it renews them. */
  private turnInUse(leg: Leg): void {
    if (leg.turnExpiresAt !== null)
      this.event(leg, { type: 'turn-credentials', expiresAt: leg.turnExpiresAt, renewed: false });
  }

  private event(leg: Leg, event: CallEvent): void {
    const before = leg.state;
    // Its teardown effect takes the leg out of the map: whether it was the current one is known only now.
    const current = this.legs.get(leg.peer) === leg;
    const { state, effects } = step(before, event, { now: this.now() });
    leg.state = state;
    for (const effect of effects) this.perform(leg, effect);
    if (state?.phase === 'ended' && before?.phase !== 'ended') {
      this.closeLeg(leg);
      if (!leg.closing && current)
        this.host.dispatch({ type: 'leg-ended', peer: leg.peer, reason: dropReason(state) });
    }
    this.host.changed();
  }

  private perform(leg: Leg, effect: CallEffect): void {
    switch (effect.type) {
      case 'send':
        this.send(effect.peer, effect.body);
        return;
      case 'apply':
        void applyToLeg(leg, effect.body).catch(() =>
          this.event(leg, { type: 'local-failure', reason: 'failed' }),
        );
        return;
      case 'open-gate':
        void leg.connection?.gate.open().then(() => {
          this.sendFlags(leg);
          this.host.dispatch({ type: 'leg-connected', peer: leg.peer });
        });
        return;
      case 'restart-ice':
        void leg.renegotiation.restartIce(effect.forTurn === true).catch(() => {});
        return;
      case 'renew-turn':
        void leg.renegotiation.renewTurn();
        return;
      case 'turn-lapsed':
        this.host.setNotice(TURN_LAPSED_NOTICE);
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
    this.send(leg.peer, { type: 'ice', callId: fromHex(leg.id), candidates });
  }

  private sendFlags(leg: Leg): void {
    const media = this.media.state;
    this.send(leg.peer, {
      type: 'control',
      callId: fromHex(leg.id),
      action: 'media',
      flags: { audioMuted: media.muted, videoOff: media.cameraOff, screenSharing: media.sharing },
    });
  }

  /** A description our own format cannot carry is not sent. */
  private send(peer: string, body: CallBody): void {
    const sealed = sealable(body);
    if (sealed) void this.deps.sendEnvelope(peer, sealed.kind, sealed.padded).catch(() => {});
  }
}
