/**
 * DTLS fingerprint vectors: SDPs shaped like Chrome's and Firefox's (bundled audio + video + data offers with
 * the fingerprint repeated per m-section, a Firefox answer with one session-level fingerprint), broken ones,
 * and getStats() reports to compare against. "Certificates" are random bytes whose fingerprint really is their
 * SHA-256, so a report's base64Certificate, id and fingerprint are consistent as a browser's are.
 */
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { toHex } from '../../../crypto/bytes.ts';
import {
  type DtlsFingerprint,
  fingerprintBytes,
  fingerprintFromDigest,
} from '../../../crypto/dtls-fingerprint.ts';
import { deterministicRandom, type VectorCase, type VectorFile } from '../format.ts';

const random = () => deterministicRandom('tincan/spec/vectors/dtls-fingerprint');

type Section = 'session' | 'audio' | 'video' | 'data';
/** Extra lines per section (fingerprints, mostly); a section missing from the map gets none. */
type Injected = Partial<Record<Section, string[]>>;

const line = (fp: DtlsFingerprint): string => `a=fingerprint:${fp.algorithm} ${fp.value}`;
const everywhere = (fp: DtlsFingerprint): Injected => ({
  audio: [line(fp)],
  video: [line(fp)],
  data: [line(fp)],
});

function chromeOffer(injected: Injected, options: { eol?: string; bundle?: boolean } = {}): string {
  const { eol = '\r\n', bundle = true } = options;
  const transport = (section: Section, mid: number) => [
    'a=ice-ufrag:Zx3q',
    'a=ice-pwd:Vb7kQ1sT9pLm2nR4wX6yZ8aC',
    'a=ice-options:trickle',
    ...(injected[section] ?? []),
    'a=setup:actpass',
    `a=mid:${mid}`,
  ];
  const stream = '5f0c4a3e-0d4b-4a5f-9c1e-2b7d6f1a8e90';
  return [
    'v=0',
    'o=- 8203410632741437591 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    ...(bundle ? ['a=group:BUNDLE 0 1 2'] : []),
    'a=extmap-allow-mixed',
    `a=msid-semantic: WMS ${stream}`,
    ...(injected.session ?? []),
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    ...transport('audio', 0),
    'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
    'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
    'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
    'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
    'a=sendrecv',
    `a=msid:${stream} 0b8f8c52-2d3a-4c1e-8a7e-6f0d3b9c1a24`,
    'a=rtcp-mux',
    'a=rtcp-rsize',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:63 red/48000/2',
    'a=fmtp:63 111/111',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:13 CN/8000',
    'a=rtpmap:110 telephone-event/48000',
    'a=rtpmap:126 telephone-event/8000',
    'a=ssrc:1436507291 cname:q8VbH2mX4tLp9sKd',
    `a=ssrc:1436507291 msid:${stream} 0b8f8c52-2d3a-4c1e-8a7e-6f0d3b9c1a24`,
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    ...transport('video', 1),
    'a=extmap:14 urn:ietf:params:rtp-hdrext:toffset',
    'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
    'a=extmap:13 urn:3gpp:video-orientation',
    'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
    'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
    'a=sendrecv',
    `a=msid:${stream} 9d2e4f61-7a3b-4c8d-b5e0-1f2a3b4c5d6e`,
    'a=rtcp-mux',
    'a=rtcp-rsize',
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 goog-remb',
    'a=rtcp-fb:96 transport-cc',
    'a=rtcp-fb:96 ccm fir',
    'a=rtcp-fb:96 nack',
    'a=rtcp-fb:96 nack pli',
    'a=rtpmap:97 rtx/90000',
    'a=fmtp:97 apt=96',
    'a=rtpmap:102 H264/90000',
    'a=rtcp-fb:102 goog-remb',
    'a=rtcp-fb:102 transport-cc',
    'a=rtcp-fb:102 ccm fir',
    'a=rtcp-fb:102 nack',
    'a=rtcp-fb:102 nack pli',
    'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f',
    'a=rtpmap:103 rtx/90000',
    'a=fmtp:103 apt=102',
    'a=ssrc-group:FID 2841093756 3918274650',
    'a=ssrc:2841093756 cname:q8VbH2mX4tLp9sKd',
    `a=ssrc:2841093756 msid:${stream} 9d2e4f61-7a3b-4c8d-b5e0-1f2a3b4c5d6e`,
    'a=ssrc:3918274650 cname:q8VbH2mX4tLp9sKd',
    `a=ssrc:3918274650 msid:${stream} 9d2e4f61-7a3b-4c8d-b5e0-1f2a3b4c5d6e`,
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    ...transport('data', 2),
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    '',
  ].join(eol);
}

/** Firefox puts one fingerprint at session level; this is its answer to a data-channel offer. */
function firefoxAnswer(fp: DtlsFingerprint): string {
  return [
    'v=0',
    'o=mozilla...THIS_IS_SDPARTA-99.0 6185302746012435841 0 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    line(fp),
    'a=group:BUNDLE 0',
    'a=ice-options:trickle',
    'a=msid-semantic:WMS *',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=sendrecv',
    'a=ice-pwd:4f1c2a7d9b3e6f80a5c1d2e3f4a5b6c7',
    'a=ice-ufrag:8e2b41f0',
    'a=mid:0',
    'a=setup:active',
    'a=sctp-port:5000',
    'a=max-message-size:1073741823',
    '',
  ].join('\r\n');
}

const base64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

interface Certificate {
  der: Uint8Array;
  fingerprint: DtlsFingerprint;
}

function statsReport(
  local: Certificate,
  remote: Certificate | undefined,
  reportedRemote = remote?.fingerprint,
) {
  const timestamp = 1732500000123.456;
  const certificate = (c: Certificate, fp = c.fingerprint) => ({
    id: `CF${fp.value}`,
    type: 'certificate',
    timestamp,
    base64Certificate: base64(c.der),
    fingerprint: fp.value,
    fingerprintAlgorithm: fp.algorithm,
  });
  const pair = 'CPw8tS3kQp_Jm2xR9vLc';
  return [
    { id: 'P', type: 'peer-connection', timestamp, dataChannelsOpened: 1, dataChannelsClosed: 0 },
    {
      id: 'T01',
      type: 'transport',
      timestamp,
      bytesSent: remote ? 5821 : 0,
      bytesReceived: remote ? 6113 : 0,
      dtlsState: remote ? 'connected' : 'connecting',
      iceRole: 'controlling',
      iceState: remote ? 'connected' : 'checking',
      iceLocalUsernameFragment: 'Zx3q',
      localCertificateId: `CF${local.fingerprint.value}`,
      ...(remote && reportedRemote
        ? {
            remoteCertificateId: `CF${reportedRemote.value}`,
            dtlsRole: 'server',
            dtlsCipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
            srtpCipher: 'AES_CM_128_HMAC_SHA1_80',
            tlsVersion: 'FEFD',
            selectedCandidatePairId: pair,
            selectedCandidatePairChanges: 1,
          }
        : {}),
    },
    certificate(local),
    ...(remote && reportedRemote ? [certificate(remote, reportedRemote)] : []),
    {
      id: pair,
      type: 'candidate-pair',
      timestamp,
      transportId: 'T01',
      localCandidateId: 'I4bH1tq9x',
      remoteCandidateId: 'Iz3Ym8Rk0',
      state: remote ? 'succeeded' : 'in-progress',
      nominated: Boolean(remote),
    },
  ];
}

const withValue = (fp: DtlsFingerprint, value: string): DtlsFingerprint => ({
  algorithm: fp.algorithm,
  value,
});

/** Flips the lowest bit of byte `index` of the digest. */
function differingByte(fp: DtlsFingerprint, index: number): DtlsFingerprint {
  const pairs = fp.value.split(':');
  pairs[index] = (Number.parseInt(pairs[index]!, 16) ^ 1).toString(16).padStart(2, '0').toUpperCase();
  return withValue(fp, pairs.join(':'));
}

export default async function generate(): Promise<VectorFile> {
  const rng = random();
  const certificate = (): Certificate => {
    const der = rng(240);
    return { der, fingerprint: fingerprintFromDigest('sha-256', sha256(der)) };
  };
  const remote = certificate();
  const local = certificate();
  const fp = remote.fingerprint;
  const fp384 = fingerprintFromDigest('sha-384', sha384(remote.der));
  const other = local.fingerprint;
  const lower = withValue(fp, fp.value.toLowerCase());

  const cases: VectorCase[] = [];
  const valid = (comment: string, sdp: string, expected = fp) =>
    cases.push({
      label: 'valid',
      comment,
      kind: 'sdp',
      sdp,
      fingerprint: { algorithm: expected.algorithm, value: expected.value },
      bytes: toHex(fingerprintBytes(expected)),
    });
  const invalid = (comment: string, sdp: string, error: string) =>
    cases.push({ label: 'invalid', comment, kind: 'sdp', sdp, error });

  valid(
    'Chrome-style audio + video + data BUNDLE offer, the fingerprint repeated per m-section, CRLF',
    chromeOffer(everywhere(fp)),
  );
  valid('the same offer with LF line endings', chromeOffer(everywhere(fp), { eol: '\n' }));
  valid('Firefox-style answer: one session-level fingerprint', firefoxAnswer(fp));
  valid(
    'session-level fingerprint and the same one in every m-section',
    chromeOffer({ ...everywhere(fp), session: [line(fp)] }),
  );
  valid(
    'fingerprint only in the first m-section (the BUNDLE tag carries the transport)',
    chromeOffer({ audio: [line(fp)] }),
  );
  valid(
    'lower-case hex, upper-case hash name and stray whitespace (leading, tabs, trailing) normalise to one fingerprint',
    chromeOffer({
      audio: [`a=fingerprint:SHA-256 ${lower.value}`],
      video: [`  a=fingerprint:sha-256\t\t${fp.value}   `],
      data: [`a=fingerprint: sha-256  ${lower.value}`],
    }),
  );
  valid('sha-384 fingerprint (48 bytes) in every m-section', chromeOffer(everywhere(fp384)), fp384);

  invalid('no fingerprint anywhere', chromeOffer({}), 'no-fingerprint');
  invalid('empty SDP', '', 'no-fingerprint');
  const sha1 = `a=fingerprint:sha-1 ${toHex(rng(20)).toUpperCase().match(/../g)!.join(':')}`;
  invalid(
    'sha-1 fingerprint only',
    chromeOffer({ audio: [sha1], video: [sha1], data: [sha1] }),
    'unsupported-fingerprint-algorithm',
  );
  invalid(
    'sha-256 in audio and video, sha-1 in data: any unsupported hash fails the SDP',
    chromeOffer({ audio: [line(fp)], video: [line(fp)], data: [sha1] }),
    'unsupported-fingerprint-algorithm',
  );
  const md5 = `a=fingerprint:md5 ${toHex(rng(16)).toUpperCase().match(/../g)!.join(':')}`;
  invalid('md5 fingerprint', chromeOffer({ audio: [md5] }), 'unsupported-fingerprint-algorithm');
  invalid(
    'unknown hash name with a 32-byte digest',
    chromeOffer({ audio: [line(fp).replace('sha-256', 'sha3-256')] }),
    'unsupported-fingerprint-algorithm',
  );
  invalid(
    'conflicting fingerprints between m-sections of one BUNDLE (video differs in its last byte)',
    chromeOffer({ audio: [line(fp)], video: [line(differingByte(fp, 31))], data: [line(fp)] }),
    'conflicting-fingerprints',
  );
  invalid(
    'conflicting session-level and media-level fingerprints',
    chromeOffer({ session: [line(other)], audio: [line(fp)] }),
    'conflicting-fingerprints',
  );
  invalid(
    'unbundled offer with a different certificate per m-section: legal SDP, but we commit to one certificate',
    chromeOffer({ audio: [line(fp)], video: [line(other)], data: [line(fp)] }, { bundle: false }),
    'conflicting-fingerprints',
  );
  invalid(
    'sha-256 in audio, sha-384 of the same certificate in video: two commitments, not one',
    chromeOffer({ audio: [line(fp)], video: [line(fp384)] }),
    'conflicting-fingerprints',
  );
  invalid(
    'two fingerprint lines in one m-section, different values',
    chromeOffer({ audio: [line(fp), line(other)] }),
    'conflicting-fingerprints',
  );
  invalid(
    'malformed hex (a "G")',
    chromeOffer({ audio: [line(withValue(fp, `G1${fp.value.slice(2)}`))] }),
    'bad-fingerprint',
  );
  invalid(
    'hex without colons',
    chromeOffer({ audio: [line(withValue(fp, fp.value.replace(/:/g, '')))] }),
    'bad-fingerprint',
  );
  invalid('trailing colon', chromeOffer({ audio: [line(withValue(fp, `${fp.value}:`))] }), 'bad-fingerprint');
  invalid(
    'single hex digit in a group',
    chromeOffer({ audio: [line(withValue(fp, `A:${fp.value.slice(3)}`))] }),
    'bad-fingerprint',
  );
  invalid(
    'wrong length: sha-256 with 31 bytes',
    chromeOffer(everywhere(withValue(fp, fp.value.slice(0, -3)))),
    'bad-fingerprint',
  );
  invalid(
    'wrong length: sha-256 with 33 bytes',
    chromeOffer(everywhere(withValue(fp, `${fp.value}:00`))),
    'bad-fingerprint',
  );
  invalid('hash name without a digest', chromeOffer({ audio: ['a=fingerprint:sha-256'] }), 'bad-fingerprint');
  invalid('trailing text after the digest', chromeOffer({ audio: [`${line(fp)} extra`] }), 'bad-fingerprint');

  const statsCase = (
    label: 'valid' | 'invalid',
    comment: string,
    sdp: string,
    stats: unknown[],
    reported: DtlsFingerprint | null,
  ) =>
    cases.push({
      label,
      comment,
      kind: 'stats',
      sdp,
      stats,
      reported: reported && { fingerprint: reported.value, fingerprintAlgorithm: reported.algorithm },
    });
  const offer = chromeOffer(everywhere(fp));
  const answer = firefoxAnswer(fp); // what a Chrome caller sees; its getStats() is below
  statsCase(
    'valid',
    'getStats() remote certificate equals the signed fingerprint',
    offer,
    statsReport(local, remote),
    fp,
  );
  statsCase(
    'valid',
    'case differs: the SDP has lower-case hex, getStats() upper-case',
    firefoxAnswer(lower),
    statsReport(local, remote),
    fp,
  );
  statsCase(
    'valid',
    'case differs: the report has lower-case hex (as RTCCertificate.getFingerprints() gives)',
    answer,
    statsReport(local, remote, lower),
    lower,
  );
  for (const index of [0, 15, 31]) {
    const wrong = differingByte(fp, index);
    statsCase(
      'invalid',
      `one differing byte (byte ${index}): the peer's DTLS certificate is not the signed one`,
      answer,
      statsReport(local, remote, wrong),
      wrong,
    );
  }
  statsCase(
    'invalid',
    'the signed fingerprint is our own (local) certificate; the remote one differs',
    firefoxAnswer(other),
    statsReport(local, remote),
    fp,
  );
  statsCase(
    'invalid',
    'DTLS not connected yet: no remoteCertificateId, nothing to compare',
    answer,
    statsReport(local, undefined),
    null,
  );
  statsCase(
    'invalid',
    'the report uses another hash (sha-384) than the SDP (sha-256): not comparable, so no match',
    answer,
    statsReport(local, remote, fp384),
    fp384,
  );

  return {
    about:
      'DTLS certificate fingerprints in SDP (RFC 8122 a=fingerprint) and their comparison with RTCPeerConnection.getStats(). kind "sdp": parse `sdp`; valid cases give `fingerprint` (normalised) and `bytes` (the byte form, hex), invalid ones the ProtocolError code `error`. kind "stats": `reported` is the remote certificate fingerprint the stats report `stats` yields (null before DTLS connects); valid means it matches the fingerprint parsed from `sdp`.',
    source:
      'spec/vectors/gen/dtls-fingerprint.ts: SDPs modelled on Chrome offers and Firefox answers; "certificates" are deterministicRandom("tincan/spec/vectors/dtls-fingerprint") bytes and their SHA-256/SHA-384',
    cases,
  };
}
