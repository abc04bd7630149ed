/**
 * Files sent from the chat, without a call: each file is a session of its own, a "call" of media 'data' run by
 * the call machine (call-machine.ts) over a CallConnection without any sender, so the offer is signed and
 * sealed like a call's, the receiver is asked before anything connects, the certificate check is the call's
 * gate, and "hide my IP address" is the call's ICE policy. No camera, no microphone: nothing here opens one.
 *
 *   sender    send() ─▶ data offer (file name, size, type) ─▶ waits for the accept
 *   receiver  asked in the chat ─▶ accept: peer connection, answer (connects on accept), candidates
 *   both      certificate verified ─▶ sender: open-gate ─▶ one file channel (file-transfer.ts) ─▶ SHA-256 check
 *             ─▶ the sender hangs up; any other ending (declined, withdrawn, cancelled, failed, intercepted)
 *             shows on both lines
 *
 * Several sessions may run at once, each with its own machine state; none of them is a call, so a file neither
 * rings nor makes a call 'busy'. A file session does not restart ICE: a lost path fails the transfer.
 */

import { fromHex, toHex, utf8 } from '../../../crypto/bytes.ts';
import {
  CALL_ID_BYTES,
  type CallAnswer,
  type CallBody,
  type CallOffer,
  candidateFits,
  decodeCallBody,
  encodeCallBody,
  type IceCandidate,
  type IceCandidateBody,
  isCallKind,
  MAX_OFFERED_NAME_BYTES,
  MAX_OFFERED_TYPE_BYTES,
  newCallId,
  type OfferedFile,
} from '../../../crypto/call-signaling.ts';
import type { MessageKind } from '../../../crypto/envelope.ts';
import { isProtocolError } from '../../../crypto/errors.ts';
import type { TurnCredentialsBody } from '../../../crypto/relay-turn-credentials.ts';
import { SAS_NONCE_BYTES, sasCommitment } from '../../../crypto/sas.ts';
import { padBody, unpadBody } from '../../core/body-frame.ts';
import { makeConnection } from './call-connect.ts';
import type { CallConnection, LocalDescription } from './call-connection.ts';
import {
  type CallEffect,
  type CallEvent,
  type CallState,
  type EndReason,
  isLive,
  step,
  type Timeouts,
} from './call-machine.ts';
import { CandidateBatch } from './candidate-batch.ts';
import {
  type FileSource,
  MAX_FILE_BYTES,
  receiveFile,
  safeName,
  sendFile,
  type Transfer,
  type TransferView,
} from './file-transfer.ts';
import {
  type HideIpSetting,
  type IpPolicy,
  ipPolicy,
  TURN_UNAVAILABLE_TEXT,
  TurnUnavailableError,
} from './ice-policy.ts';

export type FileLinePhase =
  /** Sender: waiting for the receiver to accept. Receiver: asked whether to accept. */
  | 'offered'
  /** Accepted: connecting, checking the certificate. */
  | 'connecting'
  | 'transferring'
  | 'verifying'
  | 'done'
  | 'declined'
  | 'cancelled'
  | 'failed'
  /** The peer's certificate was not the one it signed (or the peer's check said so of ours): nothing moved. */
  | 'intercepted';

export interface FileLine {
  /** The session's call id, hex. */
  readonly id: string;
  readonly peer: string;
  readonly direction: 'send' | 'receive';
  readonly name: string;
  readonly size: number;
  readonly type: string;
  readonly phase: FileLinePhase;
  readonly transferred: number;
  /** now() when the file was offered (sender) or the offer arrived (receiver). */
  readonly at: number;
  /** How ICE runs for this session, once it is known. */
  readonly policy: IpPolicy | null;
  /** Hex SHA-256 of the file, once both sides agree on it. */
  readonly sha256?: string;
  /** Receiver, done: the file. */
  readonly blob?: Blob;
  /** Plain language: why it ended as it did. */
  readonly note?: string;
}

export interface FileSessionDeps {
  readonly random: (length: number) => Uint8Array;
  readonly now?: () => number;
  /** Signs and seals `body` for `peer` in its session and sends it (through the relay). */
  readonly sendEnvelope: (peer: string, kind: MessageKind, body: Uint8Array) => Promise<unknown>;
  readonly requestTurn: () => Promise<TurnCredentialsBody | null>;
  readonly turnAvailable: () => boolean;
  readonly isVerified: (peer: string) => boolean;
  readonly hideIp: () => HideIpSetting;
  readonly createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  readonly generateCertificate?: () => Promise<RTCCertificate>;
  readonly timeouts?: Partial<Timeouts>;
  readonly onChange: (lines: readonly FileLine[]) => void;
}

/**
 * A file waits longer than a call rings: the receiver may be reading something else. The offer itself must
 * still arrive within 60 s of being made (OFFER_MAX_AGE_MS).
 */
export const FILE_TIMEOUTS: Partial<Timeouts> = { ringMs: 5 * 60_000, incomingMs: 5 * 60_000 + 15_000 };
const TICK_MS = 500;
const CANDIDATE_BATCH_MS = 10;
/** Lets a last message on the file channel (the result, a cancel) leave before the connection closes. */
const CLOSE_AFTER_MS = 300;
/** Receiver, done: the sender hangs up once it has our result; if that never comes, we do. */
const RECEIVER_HANGS_UP_AFTER_MS = 5_000;

interface Session {
  line: FileLine;
  state: CallState | null;
  connection: CallConnection | null;
  readonly candidates: CandidateBatch;
  readonly candidatesBeforeConnection: IceCandidate[];
  /** Sender: what to send once the gate opens. */
  readonly source?: FileSource;
  transfer: Transfer | null;
  /** The transfer reached an outcome of its own (done, cancelled, failed): the machine's ending does not count. */
  settled: boolean;
  accepting: boolean;
}

export class FileSessionService {
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private inbound: Promise<void> = Promise.resolve();

  constructor(private readonly deps: FileSessionDeps) {
    this.now = deps.now ?? (() => Date.now());
  }

  get lines(): readonly FileLine[] {
    return [...this.sessions.values()].map((s) => s.line);
  }

  /** Offers `file` to `peer`; it moves once they accept and their certificate checks out. */
  async send(peer: string, file: FileSource): Promise<string> {
    const callId = newCallId(this.deps.random);
    const id = toHex(callId);
    const offered = offeredFile(file);
    const policy = this.policyFor(peer);
    const session = this.open(
      id,
      {
        id,
        peer,
        direction: 'send',
        name: offered.name,
        size: offered.size,
        type: offered.type,
        phase: 'offered',
        transferred: 0,
        at: this.now(),
        policy,
      },
      file,
    );
    if (file.size > MAX_FILE_BYTES) {
      this.setLine(session, { phase: 'failed', note: 'Files over 256 MB cannot be sent.' });
      this.close(session);
      return id;
    }
    try {
      session.candidates.hold();
      const description = await this.connect(session, policy);
      if (!this.sessions.has(id) || session.line.phase !== 'offered') {
        this.close(session);
        return id;
      }
      const nonce = this.deps.random(SAS_NONCE_BYTES);
      const offer: CallOffer = {
        type: 'offer',
        callId,
        media: 'data',
        purpose: 'call',
        createdAt: this.now(),
        sasCommitment: sasCommitment(callId, nonce),
        fingerprint: description.fingerprint,
        sdp: description.sdp,
        file: offered,
      };
      this.dispatch(session, { type: 'dialed', peer, offer, nonce });
      session.candidates.release();
    } catch (error) {
      this.close(session);
      const note =
        error instanceof TurnUnavailableError
          ? TURN_UNAVAILABLE_TEXT
          : 'The file could not be offered. Try again.';
      this.setLine(session, { phase: 'failed', note });
    }
    return id;
  }

  /** Receiver: yes. The connection is made only now, so an unanswered offer learns nothing of us. */
  async accept(id: string): Promise<void> {
    const session = this.sessions.get(id);
    const state = session?.state ?? null;
    if (!session || !isLive(state) || state.phase !== 'incoming' || !state.offer || session.accepting) return;
    session.accepting = true;
    const offer = state.offer;
    const policy = this.policyFor(state.peer);
    this.setLine(session, { phase: 'connecting', policy });
    try {
      session.candidates.hold();
      const description = await this.connect(session, policy, offer);
      if (session.state?.phase !== 'incoming') {
        this.close(session);
        return;
      }
      this.dispatch(session, { type: 'answered', answer: answerTo(offer, description, this.deps.random) });
      this.dispatch(session, { type: 'accepted' });
      session.candidates.release();
    } catch {
      this.dispatch(session, { type: 'local-failure', reason: 'failed' });
    } finally {
      session.accepting = false;
    }
  }

  decline(id: string): void {
    const session = this.sessions.get(id);
    if (session) this.dispatch(session, { type: 'decline' });
  }

  /** Either side, any time before the end: the other side is told, on the channel and in signalling. */
  cancel(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    if (!isLive(session.state)) {
      if (session.line.phase === 'offered')
        this.setLine(session, { phase: 'cancelled', note: 'You cancelled.' });
      return;
    }
    if (session.transfer && !session.settled) {
      session.transfer.cancel(); // says 'cancelled' through transferChanged, which hangs up shortly after
      return;
    }
    session.settled = true;
    this.setLine(session, { phase: 'cancelled', note: 'You cancelled.' });
    this.dispatch(session, { type: session.state.phase === 'incoming' ? 'decline' : 'hangup' });
  }

  /** Forgets a line that has ended (its file, if any, goes with it). */
  dismiss(id: string): void {
    const session = this.sessions.get(id);
    if (!session || isLive(session.state) || session.connection) return;
    this.sessions.delete(id);
    this.changed();
  }

  /** A call-kind envelope body from the messenger: data offers and the bodies of our sessions; others are ignored. */
  receive(peer: string, kind: number, padded: Uint8Array): Promise<void> {
    if (!isCallKind(kind)) return Promise.resolve();
    this.inbound = this.inbound.then(() => this.handleBody(peer, kind, padded)).catch(() => {});
    return this.inbound;
  }

  dispose(): void {
    for (const session of this.sessions.values()) {
      if (isLive(session.state)) this.dispatch(session, { type: 'hangup' });
      this.close(session);
    }
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  // ------------------------------------------------------------------------------------------ internals

  private open(id: string, line: FileLine, source?: FileSource): Session {
    const session: Session = {
      line,
      state: null,
      connection: null,
      candidates: new CandidateBatch({
        send: (candidates) => this.sendCandidates(session, candidates),
        windowMs: CANDIDATE_BATCH_MS,
      }),
      candidatesBeforeConnection: [],
      ...(source ? { source } : {}),
      transfer: null,
      settled: false,
      accepting: false,
    };
    this.sessions.set(id, session);
    this.startTimer();
    this.changed();
    return session;
  }

  private policyFor(peer: string): IpPolicy {
    return ipPolicy(this.deps.hideIp(), this.deps.isVerified(peer), this.deps.turnAvailable());
  }

  private async connect(session: Session, policy: IpPolicy, offer?: CallOffer): Promise<LocalDescription> {
    // A file session's connection is made as a call's is: TURN, certificate, policy (call-connect.ts).
    const made = await makeConnection(this.deps, 'data', policy, {
      onCandidate: (candidate) => {
        if (candidateFits(candidate)) session.candidates.add(candidate);
      },
      onGate: (verdict) => this.dispatch(session, { type: 'gate', verdict }),
      onConnection: (state) => this.dispatch(session, { type: 'connection', state }),
      onRemoteStream: () => {},
      // Nothing but files is sent in a file session; an envelope on its channel is not ours to read.
      onEnvelope: () => {},
      onFileChannel: (channel, early) => this.fileChannel(session, channel, early),
      onTurnRefused: () =>
        this.setLine(session, { note: 'The relay’s TURN server refused its credentials.' }),
    });
    const connection = made.connection;
    this.setLine(session, { policy: made.policy });
    session.connection = connection;
    if (!offer) return connection.makeOffer();
    const description = await connection.acceptOffer(offer.sdp, offer.fingerprint);
    for (const candidate of session.candidatesBeforeConnection.splice(0))
      await connection.addCandidate(candidate);
    return description;
  }

  private async handleBody(peer: string, kind: number, padded: Uint8Array): Promise<void> {
    let body: CallBody;
    try {
      body = decodeCallBody(kind, unpadBody(padded));
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      // A body that does not decode ends the session it names (if it names one of ours with this peer).
      const session = this.sessionOf(peer, callIdIn(padded));
      if (session) this.dispatch(session, { type: 'bad-body', peer, code: error.code });
      return;
    }
    const id = toHex(body.callId);
    if (body.type === 'offer' && body.media === 'data' && body.purpose === 'call' && body.file) {
      if (this.sessions.has(id)) return;
      const { file } = body;
      const session = this.open(id, {
        id,
        peer,
        direction: 'receive',
        name: safeName(file.name),
        size: file.size,
        type: file.type,
        phase: 'offered',
        transferred: 0,
        at: this.now(),
        policy: null,
      });
      this.dispatch(session, { type: 'received', peer, body });
      if (!isLive(session.state)) {
        // Too old to be offered (a relay that held it back): it is not shown.
        this.sessions.delete(id);
        this.changed();
      } else if (file.size > MAX_FILE_BYTES) {
        this.setLine(session, { note: 'Files over 256 MB cannot be received here.' });
        this.dispatch(session, { type: 'decline' });
      }
      return;
    }
    const session = this.sessionOf(peer, id);
    if (session) this.dispatch(session, { type: 'received', peer, body });
  }

  private sessionOf(peer: string, id: string | null): Session | undefined {
    const session = id === null ? undefined : this.sessions.get(id);
    return session?.line.peer === peer ? session : undefined;
  }

  private dispatch(session: Session, event: CallEvent): void {
    const before = session.state;
    const { state, effects } = step(before, event, {
      now: this.now(),
      timeouts: { ...FILE_TIMEOUTS, ...this.deps.timeouts },
    });
    session.state = state;
    for (const effect of effects) this.perform(session, effect);
    if (state && state !== before) this.machineChanged(session, state);
  }

  private perform(session: Session, effect: CallEffect): void {
    switch (effect.type) {
      case 'send':
        this.sendBody(effect.peer, effect.body);
        return;
      case 'apply':
        void this.apply(session, effect.body).catch(() =>
          this.dispatch(session, { type: 'local-failure', reason: 'failed' }),
        );
        return;
      case 'open-gate':
        this.startSending(session);
        return;
      case 'teardown':
        this.teardown(session);
        return;
      // A file session neither rings nor restarts ICE (see the header), so it never renews its TURN credentials
      // either (it reports none to the machine).
      case 'ring':
      case 'notify-incoming':
      case 'restart-ice':
      case 'renew-turn':
      case 'turn-lapsed':
        return;
    }
  }

  private async apply(session: Session, body: CallAnswer | CallOffer | IceCandidateBody): Promise<void> {
    const connection = session.connection;
    if (body.type === 'ice') {
      if (connection) await Promise.all(body.candidates.map((c) => connection.addCandidate(c)));
      else session.candidatesBeforeConnection.push(...body.candidates);
      return;
    }
    if (!connection || body.type !== 'answer' || body.purpose !== 'call') return;
    await connection.applyAnswer(body.sdp, body.fingerprint);
  }

  /** Sender, accepted and verified: the file goes on a channel of its own, its id the session's. */
  private startSending(session: Session): void {
    const connection = session.connection;
    if (!connection || !session.source || session.transfer) return;
    session.transfer = sendFile(
      connection.openFileChannel(),
      session.source,
      fromHex(session.line.id),
      (view) => this.transferChanged(session, view),
    );
  }

  /** Receiver: the sender's file channel, once our own check has passed. One per session, of the offered file. */
  private fileChannel(session: Session, channel: RTCDataChannel, early: readonly ArrayBuffer[]): void {
    if (session.line.direction !== 'receive' || session.transfer || session.state?.phase !== 'active') {
      channel.close();
      return;
    }
    const expected = { id: session.line.id, size: session.line.size };
    session.transfer = receiveFile(channel, (view) => this.transferChanged(session, view), early, expected);
  }

  private transferChanged(session: Session, view: TransferView): void {
    if (session.settled) return;
    const phase: FileLinePhase = view.state === 'waiting' ? 'connecting' : view.state;
    const finished = phase === 'done' || phase === 'cancelled' || phase === 'failed';
    this.setLine(session, {
      phase,
      transferred: view.transferred,
      ...(view.sha256 !== undefined && (phase === 'done' || phase === 'verifying')
        ? { sha256: view.sha256 }
        : {}),
      ...(view.blob ? { blob: view.blob } : {}),
      ...(view.error !== undefined ? { note: view.error } : {}),
    });
    if (!finished) return;
    session.settled = true;
    // The sender ends the session once it has the receiver's result; the receiver only if that never comes.
    const after =
      phase === 'done' && session.line.direction === 'receive' ? RECEIVER_HANGS_UP_AFTER_MS : CLOSE_AFTER_MS;
    setTimeout(() => {
      if (isLive(session.state)) this.dispatch(session, { type: 'hangup' });
    }, after);
  }

  private machineChanged(session: Session, state: CallState): void {
    if (session.settled && state.phase !== 'ended') return;
    switch (state.phase) {
      case 'outgoing':
      case 'incoming':
        if (!session.accepting) this.setLine(session, { phase: 'offered' });
        return;
      case 'connecting':
      case 'active':
      case 'reconnecting':
        if (!session.transfer) this.setLine(session, { phase: 'connecting' });
        return;
      case 'ended':
        if (session.settled) return;
        session.settled = true;
        this.setLine(session, ending(state.endReason ?? 'failed', session.line));
    }
  }

  private sendBody(peer: string, body: CallBody): void {
    let encoded: ReturnType<typeof encodeCallBody>;
    try {
      encoded = encodeCallBody(body);
    } catch {
      return; // a description our own format cannot carry: not sent
    }
    void this.deps.sendEnvelope(peer, encoded.kind, padBody(encoded.payload)).catch(() => {});
  }

  private sendCandidates(session: Session, candidates: IceCandidate[]): void {
    const state = session.state;
    if (!isLive(state)) return;
    this.sendBody(state.peer, { type: 'ice', callId: fromHex(state.callId), candidates });
  }

  private teardown(session: Session): void {
    if (session.transfer && !session.settled) {
      session.settled = true;
      session.transfer.cancel();
    }
    this.close(session);
  }

  private close(session: Session): void {
    session.candidates.clear();
    session.candidatesBeforeConnection.length = 0;
    session.connection?.close();
    session.connection = null;
    if (![...this.sessions.values()].some((s) => isLive(s.state)) && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private startTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      for (const session of this.sessions.values())
        if (isLive(session.state)) this.dispatch(session, { type: 'tick' });
    }, TICK_MS);
  }

  private setLine(session: Session, next: Partial<FileLine>): void {
    session.line = { ...session.line, ...next };
    this.changed();
  }

  private changed(): void {
    this.deps.onChange(this.lines);
  }
}

/** What the offer says of a file: its name cut to what the format carries, its type only if printable ASCII. */
export function offeredFile(file: FileSource): OfferedFile {
  let name = file.name.trim() || 'file';
  while (utf8(name).length > MAX_OFFERED_NAME_BYTES) name = Array.from(name).slice(0, -1).join('');
  const type =
    file.type.length <= MAX_OFFERED_TYPE_BYTES && /^[\x20-\x7e]*$/.test(file.type) ? file.type : '';
  return { size: file.size, name, type };
}

function answerTo(
  offer: CallOffer,
  description: LocalDescription,
  random: (length: number) => Uint8Array,
): CallAnswer {
  return {
    type: 'answer',
    callId: offer.callId,
    purpose: 'call',
    // Made on the accept: for the sender, our verified handshake is the accept.
    connectsOnAccept: true,
    sasNonce: random(SAS_NONCE_BYTES),
    fingerprint: description.fingerprint,
    sdp: description.sdp,
  };
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

const INTERCEPTED =
  'The connection may be intercepted: their certificate is not the one they signed. Nothing was sent.';

/** How a session that ended before its transfer did shows on its line. */
function ending(reason: EndReason, line: FileLine): Partial<FileLine> {
  const sender = line.direction === 'send';
  switch (reason) {
    case 'security':
    case 'remote-security':
      return { phase: 'intercepted', note: INTERCEPTED };
    case 'rejected':
      return { phase: 'declined', note: 'They declined the file.' };
    case 'declined':
      return { phase: 'declined', note: line.note ?? 'You declined the file.' };
    case 'hung-up':
      return { phase: 'cancelled', note: 'You cancelled.' };
    case 'remote-hung-up':
      return { phase: 'cancelled', note: 'The other side cancelled.' };
    case 'missed':
      return { phase: 'cancelled', note: 'They withdrew the file.' };
    case 'no-answer':
      return { phase: 'failed', note: sender ? 'Not accepted in time.' : 'No longer offered.' };
    default:
      return { phase: 'failed', note: 'The connection could not be made.' };
  }
}
