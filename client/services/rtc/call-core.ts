/**
 * The heart of the call service: one call's state and view, and the machine's effects performed on them (the
 * peer connection's answers, candidates, restarts, the gate, the ringer, the timers, the teardown). The service
 * (call-service.ts) takes the user's actions and makes each call's connection, and works through this.
 */
import { fromHex } from '../../../crypto/bytes.ts';
import type {
  CallAnswer,
  CallBody,
  CallOffer,
  IceCandidate,
  IceCandidateBody,
  MediaFlags,
} from '../../../crypto/call-signaling.ts';
import type { CallConnection, FlowedSoFar } from './call-connection.ts';
import { GateTimes } from './call-gate-record.ts';
import { type CallEffect, type CallEvent, type CallState, isLive, sasOf, step } from './call-machine.ts';
import { CallMediaControls } from './call-media-controls.ts';
import { QualityWatch } from './call-quality-watch.ts';
import { CallRenegotiation } from './call-renegotiation.ts';
import { CallTransfers } from './call-transfers.ts';
import { type CallServiceDeps, type CallView, EMPTY } from './call-types.ts';
import { sealable } from './call-wire.ts';
import { CandidateBatch } from './candidate-batch.ts';
import type { MediaDevicesLike } from './devices.ts';
import { type IpPolicy, ipPolicy } from './ice-policy.ts';
import { type CallNotifier, silentNotifier } from './notifier.ts';
import { type Ringer, silentRinger } from './ringtone.ts';

const TICK_MS = 500;
/** An ended call's screen stays up this long unless dismissed (warnings stay until dismissed). */
const ENDED_LINGER_MS = 4000;
/** Our candidates gathered within this long of the first leave together (host candidates come within ms). */
const CANDIDATE_BATCH_MS = 10;
const TURN_LAPSED_NOTICE = 'The relay gave no fresh TURN credentials: this call may drop.';

export class CallCore {
  view: CallView = EMPTY;
  state: CallState | null = null;
  connection: CallConnection | null = null;
  readonly controls = new CallMediaControls({
    connection: () => this.connection,
    devices: () => this.devices(),
    update: (next) => this.update(next),
    sendFlags: () => this.sendFlags(),
  });
  readonly renegotiation = new CallRenegotiation({
    state: () => this.state,
    connection: () => this.connection,
    now: () => this.now(),
    send: (peer, body) => this.send(peer, body),
    dispatch: (event) => this.dispatch(event),
    requestTurn: () => this.deps.requestTurn(),
    turnAvailable: () => this.deps.turnAvailable(),
    onTurnRenewed: () => {
      if (this.view.notice === TURN_LAPSED_NOTICE) this.update({ notice: null });
    },
  });
  readonly transfers = new CallTransfers((transfers) => this.update({ transfers }));
  readonly quality = new QualityWatch();
  readonly gate = new GateTimes();
  readonly candidatesBeforeConnection: IceCandidate[] = [];
  /** Our own candidates: held while the offer or answer they belong to is not sent yet, then batched. */
  readonly candidates = new CandidateBatch({
    send: (candidates) => this.sendCandidates(candidates),
    windowMs: CANDIDATE_BATCH_MS,
  });
  timer: ReturnType<typeof setInterval> | undefined;
  lingerTimer: ReturnType<typeof setTimeout> | undefined;
  /** Expiry (ms) of the TURN credentials the current peer connection was made with, null without TURN. */
  turnExpiresAt: number | null = null;
  readonly now: () => number;
  readonly ringer: Ringer;
  readonly notifier: CallNotifier;

  constructor(
    private readonly deps: CallServiceDeps,
    /** A new call rings here: the service makes its answer while it rings. */
    private readonly onIncoming: (state: CallState) => void,
  ) {
    this.now = deps.now ?? (() => Date.now());
    this.ringer = deps.ringer ?? silentRinger;
    this.notifier = deps.notifier ?? silentNotifier;
  }

  devices(): MediaDevicesLike {
    const devices = this.deps.devices ?? globalThis.navigator?.mediaDevices;
    if (!devices)
      throw new Error('This browser gives no access to a camera or microphone here (it needs https).');
    return devices;
  }

  policyFor(peer: string): IpPolicy {
    return ipPolicy(this.deps.hideIp(), this.deps.isVerified(peer), this.deps.turnAvailable());
  }

  private sendCandidates(candidates: IceCandidate[]): void {
    const state = this.state;
    if (!isLive(state)) return;
    this.send(state.peer, { type: 'ice', callId: fromHex(state.callId), candidates });
  }

  dispatch(event: CallEvent): void {
    const before = this.state;
    const { state, effects } = step(before, event, {
      now: this.now(),
      ...(this.deps.timeouts ? { timeouts: this.deps.timeouts } : {}),
    });
    this.state = state;
    if (state !== before) {
      if (state && state.callId !== before?.callId) this.clearEnded(false);
      this.update({ call: state, sas: state ? (sasOf(state, this.deps.myKey)?.words ?? null) : null });
    }
    for (const effect of effects) this.perform(effect);
    if (state?.phase === 'ended' && before?.phase !== 'ended') this.ended(state);
    if (before?.phase === 'outgoing' && state?.phase !== 'outgoing') this.ringer.stop();
    if (state?.phase === 'incoming' && state.callId !== before?.callId) this.onIncoming(state);
  }

  private perform(effect: CallEffect): void {
    switch (effect.type) {
      case 'send':
        this.send(effect.peer, effect.body);
        return;
      case 'ring':
        if (effect.on) this.ringer.start('incoming');
        else {
          this.ringer.stop();
          this.notifier.clear();
        }
        return;
      case 'notify-incoming': {
        const state = this.state;
        if (state && state.media !== 'data')
          this.notifier.incoming(this.deps.nameOf?.(state.peer) ?? 'A contact', state.media);
        this.startTimer();
        return;
      }
      case 'apply':
        void this.apply(effect.body).catch(() => this.dispatch({ type: 'local-failure', reason: 'failed' }));
        return;
      case 'restart-ice':
        void this.renegotiation.restartIce(effect.forTurn === true).catch(() => {});
        return;
      case 'renew-turn':
        void this.renegotiation.renewTurn();
        return;
      case 'turn-lapsed':
        this.update({ notice: TURN_LAPSED_NOTICE });
        return;
      case 'open-gate':
        void this.openGate();
        return;
      case 'teardown':
        this.teardown();
    }
  }

  private async apply(body: CallAnswer | CallOffer | IceCandidateBody): Promise<void> {
    const connection = this.connection;
    if (body.type === 'ice') {
      if (connection)
        await Promise.all(body.candidates.map((candidate) => connection.addCandidate(candidate)));
      else this.candidatesBeforeConnection.push(...body.candidates);
      return;
    }
    if (!connection) return;
    if (body.type === 'offer') return this.renegotiation.offered(connection, body); // callee: a restart
    if (body.purpose === 'renegotiate') return this.renegotiation.answered(connection, body);
    this.gate.started(this.now());
    await connection.applyAnswer(body.sdp, body.fingerprint);
  }

  /** Tells the machine the expiry of the TURN credentials the peer connection was made with. */
  turnInUse(): void {
    if (this.turnExpiresAt !== null)
      this.dispatch({ type: 'turn-credentials', expiresAt: this.turnExpiresAt, renewed: false });
  }

  gateVerdict(verdict: 'verified' | 'mismatch' | 'dtls-failed', flowed: FlowedSoFar): void {
    if (verdict === 'verified' && this.connection) this.gate.verified(this.now(), flowed);
    this.dispatch({ type: 'gate', verdict });
  }

  async openGate(): Promise<void> {
    const connection = this.connection;
    if (!connection || !isLive(this.state)) return;
    await connection.gate.open();
    this.gate.opened(this.now());
    this.sendFlags();
  }

  sendFlags(): void {
    const state = this.state;
    if (!isLive(state) || state.phase === 'incoming' || state.phase === 'outgoing') return;
    const flags: MediaFlags = {
      audioMuted: this.view.muted,
      videoOff: this.view.cameraOff,
      screenSharing: this.view.sharing,
    };
    this.send(state.peer, { type: 'control', callId: fromHex(state.callId), action: 'media', flags });
  }

  send(peer: string, body: CallBody): void {
    const sealed = sealable(body);
    if (sealed) void this.deps.sendEnvelope(peer, sealed.kind, sealed.padded).catch(() => {});
  }

  startTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.dispatch({ type: 'tick' });
      if (this.state?.phase === 'active' && this.quality.due(this.now())) void this.sampleQuality();
    }, TICK_MS);
  }

  async sampleQuality(): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    const judged = await this.quality.sample(
      connection,
      this.now(),
      () => this.connection,
      () => !this.view.sharing && !this.view.cameraOff,
    );
    if (judged) this.update(judged);
  }

  ended(state: CallState): void {
    // Security warnings and failures stay until dismissed; ordinary endings clear themselves.
    const stays =
      state.endReason === 'security' ||
      state.endReason === 'remote-security' ||
      state.endReason === 'media-error';
    if (stays) return;
    const callId = state.callId;
    this.lingerTimer = setTimeout(() => {
      if (this.state?.callId === callId && this.state.phase === 'ended') this.clearEnded();
    }, ENDED_LINGER_MS);
  }

  clearEnded(notify = true): void {
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    if (isLive(this.state)) return;
    this.state = null;
    if (notify) this.update({ ...EMPTY, devices: this.view.devices });
  }

  teardown(): void {
    this.ringer.stop();
    this.notifier.clear();
    if (this.timer !== undefined && !isLive(this.state)) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    this.transfers.cancelAll();
    this.connection?.close();
    this.connection = null;
    this.renegotiation.reset();
    this.controls.stop();
    this.quality.reset();
    this.candidatesBeforeConnection.length = 0;
    this.candidates.clear();
    this.update({ local: null, remote: null, quality: null, sharing: false, cameraSilent: false });
  }

  update(next: Partial<CallView>): void {
    this.view = { ...this.view, ...next };
    this.deps.onChange(this.view);
  }
}
