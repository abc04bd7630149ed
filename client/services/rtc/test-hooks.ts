/**
 * Test hooks of the call service: ways for a test page to misbehave on purpose, proving that the other page
 * refuses it. The app honours them only when built with VITE_TINCAN_TEST_HOOKS=1 (client/state/call-test-hooks.ts).
 */
import { type DtlsFingerprint, parseFingerprint } from '../../../crypto/dtls-fingerprint.ts';
import type { Timeouts } from './call-machine.ts';

export interface CallTestHooks {
  /** Sign (and announce in the SDP) the fingerprint of one certificate, present another in DTLS. */
  readonly presentOtherCertificate?: boolean;
  /** Change the SDP's fingerprint after the body was encoded: the receiver must refuse the signed body. */
  readonly tamperSdp?: boolean;
  /** Keep the gate shut this long after verification, so a test can look at the stats before media flows. */
  readonly gateDelayMs?: number;
  /** Hold this page's certificate check this long after DTLS connects, so the peer's check passes first. */
  readonly checkDelayMs?: number;
  /** Leave out the first accept of each call, as if lost on the way: its repeat must bring the caller in. */
  readonly dropFirstAccept?: boolean;
  readonly timeouts?: Partial<Timeouts>;
}

/** The fingerprint of a certificate we made (for presentOtherCertificate: the one we sign but do not use). */
export function certificateFingerprintOf(certificate: RTCCertificate): DtlsFingerprint {
  const first = certificate.getFingerprints()[0];
  if (!first?.algorithm || !first.value) throw new Error('certificate without a fingerprint');
  return parseFingerprint(first.algorithm, first.value);
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
