/**
 * Replays a DTLS fingerprint vector: kind "sdp" parses the SDP and demands the recorded fingerprint and byte
 * form (or the recorded ProtocolError code); kind "stats" extracts the remote certificate from the report and
 * demands the recorded match verdict.
 */
import { fromHex, toHex } from '../../crypto/bytes.ts';
import {
  fingerprintBytes,
  fingerprintFromBytes,
  fingerprintMatches,
  parseSdpFingerprint,
  remoteCertificateFingerprint,
} from '../../crypto/dtls-fingerprint.ts';
import { isProtocolError } from '../../crypto/errors.ts';
import type { VectorCase } from '../../spec/vectors/format.ts';

const json = (value: unknown): string => JSON.stringify(value);

function checkSdp(c: VectorCase, sdp: string): void {
  if (c.label === 'valid') {
    const parsed = parseSdpFingerprint(sdp);
    if (json(parsed) !== json(c.fingerprint)) throw new Error(`parsed ${json(parsed)}`);
    if (toHex(fingerprintBytes(parsed)) !== c.bytes)
      throw new Error(`bytes ${toHex(fingerprintBytes(parsed))}`);
    if (json(fingerprintFromBytes(fromHex(c.bytes as string))) !== json(parsed))
      throw new Error('bytes do not decode');
    return;
  }
  try {
    parseSdpFingerprint(sdp);
  } catch (error) {
    if (isProtocolError(error) && error.code === c.error) return;
    throw new Error(`expected ProtocolError ${String(c.error)}, got ${String(error)}`);
  }
  throw new Error(`expected ProtocolError ${String(c.error)}, parsed fine`);
}

function checkStats(c: VectorCase, sdp: string): void {
  if (!Array.isArray(c.stats)) throw new Error('stats must be an array');
  const reported = remoteCertificateFingerprint(c.stats);
  if (json(reported) !== json(c.reported)) throw new Error(`reported ${json(reported)}`);
  // The report as RTCStatsReport iterates it ([id, stats] entries) must give the same answer.
  const entries = new Map(c.stats.map((s: { id: string }) => [s.id, s]));
  if (json(remoteCertificateFingerprint(entries)) !== json(reported)) throw new Error('entries form differs');
  const verdict = reported !== null && fingerprintMatches(parseSdpFingerprint(sdp), reported);
  if (verdict !== (c.label === 'valid')) throw new Error(`match says ${verdict}`);
}

export async function checkCase(c: VectorCase): Promise<void> {
  if (c.label !== 'valid' && c.label !== 'invalid') throw new Error(`unknown label ${String(c.label)}`);
  if (typeof c.sdp !== 'string') throw new Error('sdp must be a string');
  if (c.kind === 'sdp') checkSdp(c, c.sdp);
  else if (c.kind === 'stats') checkStats(c, c.sdp);
  else throw new Error(`unknown kind ${String(c.kind)}`);
}
