/**
 * Makes one call's peer connection: TURN credentials from the relay (when it has TURN), a fresh certificate,
 * the ICE policy that follows from both, and the CallConnection with the service's handlers. A connection that
 * must hide our address and got no TURN credentials is not made (TurnUnavailableError). A one-to-one call and
 * each leg of a group call make theirs here.
 */
import { CallConnection, type CallConnectionOptions } from './call-connection.ts';
import type { CallConnectDeps } from './call-types.ts';
import { type IpPolicy, policyWithTurn, rtcConfiguration } from './ice-policy.ts';

const ecdsaCertificate = () =>
  RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams);

export type ConnectionHandlers = Omit<CallConnectionOptions, 'config' | 'media' | 'createPeerConnection'>;

export interface MadeConnection {
  readonly connection: CallConnection;
  /** The policy in effect: 'hidden' asked for without TURN cannot hide. */
  readonly policy: IpPolicy;
  /** Expiry (ms) of the TURN credentials the connection was made with, null without TURN. */
  readonly turnExpiresAt: number | null;
}

export async function makeConnection(
  deps: CallConnectDeps,
  media: CallConnectionOptions['media'],
  policy: IpPolicy,
  handlers: ConnectionHandlers,
): Promise<MadeConnection> {
  const [turn, certificate] = await Promise.all([
    deps.turnAvailable() ? deps.requestTurn().catch(() => null) : Promise.resolve(null),
    (deps.generateCertificate ?? ecdsaCertificate)(),
  ]);
  const effective = policyWithTurn(policy, turn);
  const connection = await CallConnection.create({
    config: rtcConfiguration(turn, effective, certificate),
    media,
    createPeerConnection: deps.createPeerConnection ?? ((config) => new RTCPeerConnection(config)),
    ...handlers,
  });
  return { connection, policy: effective, turnExpiresAt: turn ? turn.expiresAt * 1000 : null };
}
