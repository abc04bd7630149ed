/**
 * Ways for a test page to misbehave on purpose in calls, proving that the other page refuses it. They wrap the
 * call service's own dependencies (its peer connections, certificates and outgoing bodies), so the product holds
 * none of them: only the test build (main.tsx beside this file) passes them in.
 */

import { unpadBody } from '../../../../client/core/body-frame.ts';
import type { Timeouts } from '../../../../client/services/rtc/call-machine.ts';
import type { CallServiceDeps } from '../../../../client/services/rtc/call-service.ts';
import { toHex } from '../../../../crypto/bytes.ts';
import { decodeCallBody } from '../../../../crypto/call-signaling.ts';

export interface CallTestHooks {
  /** Sign (and announce in the SDP) the fingerprint of one certificate, present another in DTLS. */
  readonly presentOtherCertificate?: boolean;
  /** Change the SDP's fingerprint after the body was encoded: the receiver must refuse the signed body. */
  readonly tamperSdp?: boolean;
  /** Keep the media off the senders this long after the gate opened, so a test can read the stats before. */
  readonly gateDelayMs?: number;
  /** Hold this page's certificate check this long after DTLS connects, so the peer's check passes first. */
  readonly checkDelayMs?: number;
  /** Leave out the first accept of each call, as if lost on the way: its repeat must bring the caller in. */
  readonly dropFirstAccept?: boolean;
  readonly timeouts?: Partial<Timeouts>;
}

const ecdsaCertificate = () =>
  RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The call service's dependencies with the misbehaviours `hooks()` asks for at the moment each is used (a test
 * changes them between calls).
 */
export function misbehavingCallDeps(deps: CallServiceDeps, hooks: () => CallTestHooks): CallServiceDeps {
  const generate = deps.generateCertificate ?? ecdsaCertificate;
  const create = deps.createPeerConnection ?? ((config: RTCConfiguration) => new RTCPeerConnection(config));
  /** presentOtherCertificate: the fingerprint the next peer connection announces instead of its own. */
  let claimed: RTCDtlsFingerprint | null = null;
  let acceptDroppedFor: string | null = null;
  return {
    ...deps,
    get timeouts() {
      return hooks().timeouts ?? {};
    },
    // The service makes the certificate, then the peer connection with it.
    generateCertificate: async () => {
      const certificate = await generate();
      claimed = hooks().presentOtherCertificate ? ((await generate()).getFingerprints()[0] ?? null) : null;
      return certificate;
    },
    createPeerConnection: (config) => {
      const pc = create(config);
      if (claimed) announceFingerprint(pc, claimed);
      holdFirstStats(pc, hooks().checkDelayMs ?? 0);
      return pc;
    },
    sendEnvelope: async (peer, kind, padded) => {
      const { tamperSdp, dropFirstAccept } = hooks();
      const body = decodeCallBody(kind, unpadBody(padded));
      if (dropFirstAccept && body.type === 'control' && body.action === 'accept') {
        const callId = toHex(body.callId);
        if (acceptDroppedFor !== callId) {
          acceptDroppedFor = callId;
          return;
        }
      }
      const tampered = tamperSdp && (body.type === 'offer' || body.type === 'answer');
      return deps.sendEnvelope(peer, kind, tampered ? tamperFingerprint(padded) : padded);
    },
  };
}

/**
 * presentOtherCertificate: the local description the page reads (and signs, and sends) names `fingerprint`,
 * while the browser's DTLS presents the certificate the peer connection was made with.
 */
function announceFingerprint(pc: RTCPeerConnection, fingerprint: RTCDtlsFingerprint): void {
  const read = Object.getOwnPropertyDescriptor(RTCPeerConnection.prototype, 'localDescription')?.get;
  if (!read) throw new Error('no localDescription getter');
  const line = /^(a=fingerprint:)\S+ \S+$/gim;
  Object.defineProperty(pc, 'localDescription', {
    get() {
      const real = read.call(pc) as RTCSessionDescription | null;
      if (!real) return real;
      const sdp = real.sdp.replace(line, `$1${fingerprint.algorithm} ${fingerprint.value}`);
      return new RTCSessionDescription({ type: real.type, sdp });
    },
  });
}

/**
 * checkDelayMs: the page reads the stats first when DTLS has connected, for its certificate check; every read
 * in the `delayMs` after that first one waits until they are over.
 */
function holdFirstStats(pc: RTCPeerConnection, delayMs: number): void {
  if (delayMs <= 0) return;
  const getStats = pc.getStats.bind(pc);
  let held: Promise<unknown> | undefined;
  pc.getStats = async (selector?: MediaStreamTrack | null) => {
    held ??= sleep(delayMs);
    await held;
    return getStats(selector);
  };
}

/**
 * gateDelayMs: the first track each sender gets (the media gate puts none on before the certificate check has
 * passed) goes on `hooks().gateDelayMs` later. Installed once for the page.
 */
export function delayFirstTracks(hooks: () => CallTestHooks): void {
  const replaceTrack = RTCRtpSender.prototype.replaceTrack;
  const started = new WeakSet<RTCRtpSender>();
  RTCRtpSender.prototype.replaceTrack = async function (this: RTCRtpSender, track) {
    const delay = hooks().gateDelayMs ?? 0;
    if (track && !started.has(this)) {
      started.add(this);
      if (delay > 0) await sleep(delay);
      if (this.transport?.state === 'closed') return;
    }
    return replaceTrack.call(this, track);
  };
}

/**
 * tamperSdp: flips one hex digit of every a=fingerprint line in an encoded, padded offer or answer, leaving
 * the committed fingerprint and every length as they were. The peer must refuse the (validly signed) body.
 */
export function tamperFingerprint(padded: Uint8Array): Uint8Array {
  const text = Array.from(padded, (b) => String.fromCharCode(b)).join('');
  const out = padded.slice();
  const marker = /a=fingerprint:\S+ /g;
  for (let match = marker.exec(text); match; match = marker.exec(text)) {
    const at = match.index + match[0].length;
    out[at] = out[at] === 0x30 ? 0x31 : 0x30; // '0' <-> '1' (any other digit becomes '0')
  }
  return out;
}
