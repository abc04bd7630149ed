/** What the call service shows (CallView), needs (CallServiceDeps) and records for tests (GateRecord). */
import type { RandomSource } from '../../../crypto/bytes.ts';
import type { CallMedia } from '../../../crypto/call-signaling.ts';
import type { MessageKind } from '../../../crypto/envelope.ts';
import type { TurnCredentialsBody } from '../../../crypto/relay-turn-credentials.ts';
import type { CallState, Timeouts } from './call-machine.ts';
import type { DeviceInfo, MediaDevicesLike } from './devices.ts';
import type { TransferView } from './file-transfer.ts';
import type { HideIpSetting, IpPolicy } from './ice-policy.ts';
import type { DevicesInUse } from './local-media.ts';
import type { CallNotifier } from './notifier.ts';
import type { Quality } from './quality.ts';
import type { Ringer } from './ringtone.ts';

export interface GateRecord {
  /** now() when the answer was made (callee) or applied (caller): the certificate check starts. */
  readonly startedAt: number;
  /** now() when DTLS had connected, when the sources showed the signed certificate, when the tracks went on. */
  readonly dtlsConnectedAt: number;
  readonly verifiedAt: number;
  readonly openedAt: number;
  /** inbound-rtp packets and outbound-rtp bytes summed over the report taken when the gate was verified. */
  readonly inboundPacketsAtVerify: number;
  readonly outboundBytesAtVerify: number;
}

export interface CallView {
  readonly call: CallState | null;
  /** Between the user's click and the offer leaving (media, TURN, certificate). */
  readonly preparing: { readonly peer: string; readonly media: CallMedia } | null;
  /** Callee: accepted, and the camera and microphone are slow to open (a permission prompt, say). */
  readonly opening: boolean;
  readonly policy: IpPolicy | null;
  readonly sas: readonly string[] | null;
  readonly quality: Quality | null;
  readonly local: MediaStream | null;
  readonly remote: MediaStream | null;
  readonly muted: boolean;
  readonly cameraOff: boolean;
  readonly sharing: boolean;
  readonly devices: readonly DeviceInfo[];
  readonly devicesInUse: DevicesInUse;
  readonly transfers: readonly TransferView[];
  /** The camera we send encodes no frame (see quality.ts videoStalled). */
  readonly cameraSilent: boolean;
  /** A plain-language problem to show (camera refused, screen sharing failed...). */
  readonly notice: string | null;
}

/** What a call's peer connections and media are made with: a one-to-one call's and each group call leg's. */
export interface CallConnectDeps {
  /** TURN credentials minted by the relay for our socket, null when it has none. */
  readonly requestTurn: () => Promise<TurnCredentialsBody | null>;
  readonly turnAvailable: () => boolean;
  readonly isVerified: (peer: string) => boolean;
  readonly hideIp: () => HideIpSetting;
  readonly devices?: MediaDevicesLike;
  readonly createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  readonly generateCertificate?: () => Promise<RTCCertificate>;
  readonly ringer?: Ringer;
}

export interface CallServiceDeps extends CallConnectDeps {
  readonly myKey: Uint8Array;
  readonly random: RandomSource;
  readonly now?: () => number;
  /** Signs and seals `body` for `peer` in its session and sends it. */
  readonly sendEnvelope: (peer: string, kind: MessageKind, body: Uint8Array) => Promise<unknown>;
  /** Envelopes that arrived on a verified call's data channel, for the messenger. */
  readonly receiveEnvelope: (bytes: Uint8Array) => void;
  readonly notifier?: CallNotifier;
  readonly nameOf?: (peer: string) => string;
  /** The call machine's timeouts, read at every step (DEFAULT_TIMEOUTS where absent). */
  readonly timeouts?: Partial<Timeouts>;
  readonly onChange: (view: CallView) => void;
}

export const EMPTY: CallView = {
  call: null,
  preparing: null,
  opening: false,
  policy: null,
  sas: null,
  quality: null,
  local: null,
  remote: null,
  muted: false,
  cameraOff: false,
  sharing: false,
  devices: [],
  devicesInUse: { audioinput: null, videoinput: null },
  transfers: [],
  cameraSilent: false,
  notice: null,
};
