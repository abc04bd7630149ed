/**
 * One leg of a group call: the ordinary call between us and one participant (its call machine state, its
 * CallConnection, its candidates, stream, quality and TURN credentials), and the making of its connection.
 * The legs together are group-call-legs.ts's.
 */
import {
  type CallAnswer,
  type CallMedia,
  type CallOffer,
  candidateFits,
  type IceCandidate,
  type IceCandidateBody,
} from '../../../crypto/call-signaling.ts';
import type { DropReason } from '../../core/group-call-mesh.ts';
import { makeConnection } from './call-connect.ts';
import type { CallConnection, LocalDescription } from './call-connection.ts';
import type { CallEvent, CallState } from './call-machine.ts';
import { CallRenegotiation, type RenegotiationHost } from './call-renegotiation.ts';
import type { CallConnectDeps } from './call-types.ts';
import { CandidateBatch } from './candidate-batch.ts';
import type { GroupMedia } from './group-media.ts';
import { type IpPolicy, ipPolicy } from './ice-policy.ts';
import type { Quality, QualitySample } from './quality.ts';

export interface Leg {
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

/** What a leg's candidates and renegotiation are wired to. */
export interface LegHooks
  extends Pick<RenegotiationHost, 'now' | 'send' | 'requestTurn' | 'turnAvailable' | 'onTurnRenewed'> {
  sendCandidates(candidates: IceCandidate[]): void;
  event(event: CallEvent): void;
}

/** A fresh leg, before its machine has an offer. */
export function createLeg(peer: string, id: string, hooks: LegHooks): Leg {
  const leg: Leg = {
    peer,
    id,
    state: null,
    connection: null,
    candidates: new CandidateBatch({ send: (candidates) => hooks.sendCandidates(candidates), windowMs: 10 }),
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
      now: () => hooks.now(),
      send: (to, body) => hooks.send(to, body),
      dispatch: (event) => hooks.event(event),
      requestTurn: () => hooks.requestTurn(),
      turnAvailable: () => hooks.turnAvailable(),
      onTurnRenewed: () => hooks.onTurnRenewed(),
    }),
  };
  return leg;
}

/** What making a leg's connection needs of the group call. */
export interface LegConnectHost {
  readonly deps: CallConnectDeps;
  readonly media: GroupMedia;
  /** Whether `leg` is still the peer's leg and not being closed. */
  current(leg: Leg): boolean;
  event(leg: Leg, event: CallEvent): void;
  changed(): void;
}

/** The leg's machine took the offer (fresh, not refused) and waits for our answer. */
export const ringsIn = (leg: Leg): boolean => leg.state?.phase === 'incoming';

export function dropReason(state: CallState): DropReason | 'hung-up' {
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

/**
 * Makes the leg's connection and its offer (or, given `offer`, its answer), with the leg's own IP policy. Our
 * tracks wait in the connection's gate until this leg's certificate check has passed.
 */
export async function connectLeg(
  host: LegConnectHost,
  leg: Leg,
  media: CallMedia,
  offer?: CallOffer,
  holdRemote = false,
): Promise<LocalDescription> {
  const { deps } = host;
  const policy = ipPolicy(deps.hideIp(), deps.isVerified(leg.peer), deps.turnAvailable());
  // Hiding wanted and the relay has TURN but gave no credentials: this leg is not made (a direct one would show
  // that participant the address the user asked to hide), as a one-to-one call is not.
  const made = await makeConnection(deps, media, policy, {
    onCandidate: (candidate) => {
      if (candidateFits(candidate)) leg.candidates.add(candidate);
    },
    onGate: (verdict) => {
      host.event(leg, { type: 'gate', verdict });
      // A leg its peer prepared while its phone rang reaches ICE only once that peer has joined: its verified
      // handshake says so before the join body can (as an answer that connects on accept does for a caller).
      const state = leg.state;
      if (verdict === 'verified' && state?.phase === 'incoming' && state.answered && state.verified)
        host.event(leg, { type: 'accepted' });
    },
    onConnection: (state) => host.event(leg, { type: 'connection', state }),
    onRemoteStream: (stream) => {
      leg.stream = stream;
      host.changed();
    },
    // Chat goes through the relay during a group call: a leg's channel carries nothing.
    onEnvelope: () => {},
    onFileChannel: (channel) => channel.close(),
  });
  const { connection } = made;
  leg.policy = made.policy;
  leg.turnExpiresAt = made.turnExpiresAt;
  if (!host.current(leg)) {
    connection.close();
    throw new Error('leg closed while connecting');
  }
  leg.connection = connection;
  if (holdRemote) connection.holdRemoteCandidates();
  const description = offer
    ? await connection.acceptOffer(offer.sdp, offer.fingerprint)
    : await connection.makeOffer();
  for (const candidate of leg.early.splice(0)) await connection.addCandidate(candidate);
  await host.media.add(connection.gate);
  return description;
}

/** A body the leg's machine let through: the peer's candidates, its ICE restart, or its answer to our offer. */
export async function applyToLeg(leg: Leg, body: CallAnswer | CallOffer | IceCandidateBody): Promise<void> {
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
