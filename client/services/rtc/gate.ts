/**
 * The media gate. Every sender is attached with addTrack and then muted with replaceTrack(null), on both sides,
 * before any offer or answer exists; it gets its real track only through MediaGate.setTrack, which holds the
 * track back until open() — and open() is called only once gateVerdict() has said 'verified': the DTLS
 * certificate the browser negotiated is the one the peer's identity signed. No code path sends camera or
 * microphone data otherwise. Data channels are held to the same verdict by the call service.
 *
 *   RTCDtlsTransport.state ── connected ──▶ getStats() remote certificate  ┐
 *                                          getRemoteCertificates() digest ─┴▶ every source == signed ? verified
 *                          ── failed (ICE still connected) ──▶ dtls-failed        : mismatch
 *
 * - 'dtls-failed' while ICE is connected is what a certificate swap looks like in Chromium: the browser itself
 *   compares the peer's certificate with the (signed) SDP and aborts the handshake before any stats show it.
 * - getStats() is read only once DTLS has connected: Chromium caches certificate stats from the first
 *   getStats() after each negotiation, so a report taken while DTLS is still connecting would hide the remote
 *   certificate until the next negotiation. getRemoteCertificates() (where the browser has it) is read too;
 *   every source the browser offers must name the signed certificate, and at least one must exist.
 */
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import {
  type DtlsFingerprint,
  fingerprintFromDigest,
  fingerprintMatches,
  type ReportedFingerprint,
  remoteCertificateFingerprint,
} from '../../../crypto/dtls-fingerprint.ts';
import { isProtocolError } from '../../../crypto/errors.ts';

export type GateVerdict =
  | { readonly state: 'waiting' }
  | { readonly state: 'verified' }
  | { readonly state: 'mismatch' }
  | { readonly state: 'dtls-failed' };

/** What the browser says about the transport, gathered by the call connection. */
export interface TransportObservation {
  readonly dtlsState: RTCDtlsTransportState;
  readonly iceState: RTCIceTransportState;
  /** getStats(), taken only once DTLS has connected; null when not taken. */
  readonly report: Iterable<unknown> | null;
  /** RTCDtlsTransport.getRemoteCertificates(): DER certificates, leaf first; null where unsupported. */
  readonly remoteCertificates: readonly Uint8Array[] | null;
}

const HASHES = { 'sha-256': sha256, 'sha-384': sha384, 'sha-512': sha512 } as const;

/** The fingerprint of a DER certificate under the hash the signed fingerprint uses. */
export function certificateFingerprint(
  der: Uint8Array,
  algorithm: DtlsFingerprint['algorithm'],
): ReportedFingerprint {
  const { value } = fingerprintFromDigest(algorithm, HASHES[algorithm](der));
  return { fingerprint: value, fingerprintAlgorithm: algorithm };
}

export function gateVerdict(observation: TransportObservation, signed: DtlsFingerprint): GateVerdict {
  const { dtlsState, iceState } = observation;
  if (dtlsState === 'failed') {
    return iceState === 'connected' || iceState === 'completed'
      ? { state: 'dtls-failed' }
      : { state: 'waiting' };
  }
  if (dtlsState !== 'connected') return { state: 'waiting' };
  const sources: ReportedFingerprint[] = [];
  if (observation.report) {
    try {
      const reported = remoteCertificateFingerprint(observation.report);
      if (reported) sources.push(reported);
    } catch (error) {
      // Two transports naming different certificates: at least one is not the signed one.
      if (isProtocolError(error)) return { state: 'mismatch' };
      throw error;
    }
  }
  const leaf = observation.remoteCertificates?.[0];
  if (leaf) sources.push(certificateFingerprint(leaf, signed.algorithm));
  if (sources.length === 0) return { state: 'waiting' };
  return sources.every((reported) => fingerprintMatches(signed, reported))
    ? { state: 'verified' }
    : { state: 'mismatch' };
}

/** The part of RTCRtpSender the gate uses. */
export interface SenderLike {
  readonly track: MediaStreamTrack | null;
  replaceTrack(track: MediaStreamTrack | null): Promise<void>;
}

export type TrackKind = 'audio' | 'video';

/**
 * Holds the real tracks while the gate is shut. setTrack() before open() only records the track; after open()
 * it goes on the wire at once. null always goes through (sending nothing is always allowed).
 */
export class MediaGate {
  private readonly senders = new Map<TrackKind, SenderLike>();
  private readonly wanted = new Map<TrackKind, MediaStreamTrack | null>();
  private opened = false;
  private closed = false;

  get isOpen(): boolean {
    return this.opened && !this.closed;
  }

  /** Call right after pc.addTrack(track): the sender is muted before anything is negotiated. */
  async attach(kind: TrackKind, sender: SenderLike, track: MediaStreamTrack | null): Promise<void> {
    this.senders.set(kind, sender);
    this.wanted.set(kind, track);
    await sender.replaceTrack(null);
  }

  async setTrack(kind: TrackKind, track: MediaStreamTrack | null): Promise<void> {
    this.wanted.set(kind, track);
    const sender = this.senders.get(kind);
    if (!sender) return;
    if (track === null || this.isOpen) await sender.replaceTrack(track);
  }

  track(kind: TrackKind): MediaStreamTrack | null {
    return this.wanted.get(kind) ?? null;
  }

  hasSender(kind: TrackKind): boolean {
    return this.senders.has(kind);
  }

  /** The peer's certificate is the signed one: the wanted tracks go on. */
  async open(): Promise<void> {
    if (this.closed || this.opened) return;
    this.opened = true;
    await Promise.all(
      [...this.senders].map(([kind, sender]) => {
        const track = this.wanted.get(kind) ?? null;
        // A sender with nothing to put on (camera off, an audio-only device set) is already muted: no round
        // trip to the media thread for it while the other sender's track goes on.
        return track === null && sender.track === null ? undefined : sender.replaceTrack(track);
      }),
    );
  }

  /** For good: nothing is ever sent again through these senders. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.senders.values()].map((sender) => sender.replaceTrack(null).catch(() => {})));
  }
}
