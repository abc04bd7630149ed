/**
 * "Hide my IP address": relay-only ICE (iceTransportPolicy 'relay'), so that the peer sees only the TURN
 * server's address. It needs TURN, which only the relay can hand out (credentials minted for the
 * authenticated socket, spec/relay.md, TURN credentials). Without TURN the setting cannot apply, and the call UI
 * says so before anything is sent.
 *
 *   setting       contact verified   contact not verified
 *   'unverified'  direct             relay only            (the default: strangers-to-be learn no address)
 *   'always'      relay only         relay only
 *   'never'       direct             direct
 */
import type { TurnCredentialsBody } from '../../../crypto/relay-turn-credentials.ts';

export type HideIpSetting = 'unverified' | 'always' | 'never';
export const HIDE_IP_SETTINGS: readonly HideIpSetting[] = ['unverified', 'always', 'never'];
export const DEFAULT_HIDE_IP: HideIpSetting = 'unverified';

export type IpPolicy =
  /** Relay-only ICE: the peer learns the TURN server's address, not ours. */
  | { readonly mode: 'hidden' }
  /** Direct ICE, as chosen. */
  | { readonly mode: 'direct' }
  /** Hiding was wanted but the relay offers no TURN: the call is direct and the UI says so. */
  | { readonly mode: 'cannot-hide' };

export function ipPolicy(setting: HideIpSetting, contactVerified: boolean, turnAvailable: boolean): IpPolicy {
  const wanted = setting === 'always' || (setting === 'unverified' && !contactVerified);
  if (!wanted) return { mode: 'direct' };
  return turnAvailable ? { mode: 'hidden' } : { mode: 'cannot-hide' };
}

/**
 * Whether the callee's page may connect ICE and DTLS (and check the certificate) while it still rings, so that
 * accepting only has to open the gates. Only when that tells the caller nothing it would not learn anyway:
 * relay-only ICE (the caller sees the TURN server), or a verified contact under direct ICE. Media never flows
 * before the accept either way.
 */
export const connectsWhileRinging = (policy: IpPolicy, contactVerified: boolean): boolean =>
  policy.mode === 'hidden' || (policy.mode === 'direct' && contactVerified);

/**
 * Hiding was asked for and the relay has TURN, but gave no credentials (its budget for this key or address is
 * spent, or the socket went): nothing is made, since a direct connection would show the peer the address the
 * user asked to hide.
 */
export class TurnUnavailableError extends Error {
  readonly code = 'turn-unavailable';
  override readonly name = 'TurnUnavailableError';

  constructor() {
    super('no TURN credentials for a connection that must hide our address');
  }
}

/** What the user is told when that happens. */
export const TURN_UNAVAILABLE_TEXT =
  'Your IP address could not be hidden: the relay gave no TURN credentials just now, so nothing was sent. Try again in a minute, or change “Hide my IP address” in Settings.';

/** The policy a connection is made under once the relay has answered for TURN (see TurnUnavailableError). */
export function policyWithTurn(policy: IpPolicy, turn: TurnCredentialsBody | null): IpPolicy {
  if (policy.mode === 'hidden' && !turn) throw new TurnUnavailableError();
  return policy;
}

export const isHideIpSetting = (value: unknown): value is HideIpSetting =>
  typeof value === 'string' && (HIDE_IP_SETTINGS as readonly string[]).includes(value);

/** The relay's TURN server, as the browser takes it (none without credentials). */
export const iceServersOf = (turn: TurnCredentialsBody | null): RTCIceServer[] =>
  turn ? [{ urls: [...turn.urls], username: turn.username, credential: turn.credential }] : [];

/**
 * The RTCConfiguration of a call. Only the relay's TURN server is used: no third-party STUN server ever learns
 * that this browser makes calls. max-bundle: one transport, one certificate check.
 */
export function rtcConfiguration(
  turn: TurnCredentialsBody | null,
  policy: IpPolicy,
  certificate: RTCCertificate | undefined,
): RTCConfiguration {
  return {
    iceServers: iceServersOf(turn),
    iceTransportPolicy: policy.mode === 'hidden' ? 'relay' : 'all',
    bundlePolicy: 'max-bundle',
    rtcpMuxPolicy: 'require',
    ...(certificate ? { certificates: [certificate] } : {}),
  };
}
