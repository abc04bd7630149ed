/**
 * Call signalling bodies, laid out byte by byte here from the spec (spec/calls.md, Call bodies), not with
 * crypto/call-signaling.ts: the checker proves the module decodes these bytes to the recorded body and encodes
 * the body back to the same bytes. SDPs are shaped like Chromium's offers and answers; "certificates" are
 * deterministic random bytes whose fingerprint is their SHA-256.
 */
import { createHash } from 'node:crypto';
import { concatBytes, toHex, u64be, utf8 } from '../../../crypto/bytes.ts';
import { deterministicRandom, type VectorCase, type VectorFile } from '../format.ts';

const KIND = { offer: 8, answer: 9, ice: 10, control: 11, chat: 1 } as const;

const colonHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');

function sdp(fingerprintLine: string, setup: 'actpass' | 'active', video: boolean): string {
  const transport = (mid: number) => [
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:Qm3v',
    'a=ice-pwd:h8Kd2LxP0sN5tW7yB1cF4gJ6',
    'a=ice-options:trickle',
    fingerprintLine,
    `a=setup:${setup}`,
    `a=mid:${mid}`,
  ];
  return [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    `a=group:BUNDLE 0 1${video ? ' 2' : ''}`,
    'a=msid-semantic: WMS s1',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    ...transport(0),
    'a=sendrecv',
    'a=msid:s1 a1',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    ...(video
      ? [
          'm=video 9 UDP/TLS/RTP/SAVPF 96',
          ...transport(1),
          'a=sendrecv',
          'a=msid:s1 v1',
          'a=rtcp-mux',
          'a=rtpmap:96 VP8/90000',
        ]
      : []),
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    ...transport(video ? 2 : 1),
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    '',
  ].join('\r\n');
}

/** A file session's offer: the data channel's m-line only, no audio, no video. */
function dataSdp(fingerprintLine: string): string {
  return [
    'v=0',
    'o=- 2990817362210981624 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:Qm3v',
    'a=ice-pwd:h8Kd2LxP0sN5tW7yB1cF4gJ6',
    'a=ice-options:trickle',
    fingerprintLine,
    'a=setup:actpass',
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    '',
  ].join('\r\n');
}

/** The file a data offer describes: | size u64 | n u8 | name | n u8 | type |. */
const fileField = (size: Uint8Array, name: Uint8Array, type: string) =>
  concatBytes(size, Uint8Array.of(name.length), name, Uint8Array.of(type.length), utf8(type));

const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const sdpField = (text: string) => concatBytes(u16(utf8(text).length), utf8(text));
/** Byte form of a sha-256 fingerprint: hash code 4, then the digest. */
const fpField = (digest: Uint8Array) => concatBytes(Uint8Array.of(33, 4), digest);

export default async function generate(): Promise<VectorFile> {
  const random = deterministicRandom('tincan/spec/vectors/call-signaling');
  const certificate = () => new Uint8Array(createHash('sha256').update(random(300)).digest());
  const callerDigest = certificate();
  const calleeDigest = certificate();
  const otherDigest = certificate();
  const callId = random(16);
  const commitment = random(32);
  const nonce = random(32);
  const createdAt = 1_767_225_600_000; // 2026-01-01T00:00:00Z
  const line = (digest: Uint8Array) => `a=fingerprint:sha-256 ${colonHex(digest)}`;
  const offerSdp = sdp(line(callerDigest), 'actpass', true);
  const answerSdp = sdp(line(calleeDigest), 'active', true);
  const audioSdp = sdp(line(callerDigest), 'actpass', false);
  const head = concatBytes(Uint8Array.of(1), callId);
  const fingerprint = (digest: Uint8Array) => ({ algorithm: 'sha-256', value: colonHex(digest) });

  const cases: VectorCase[] = [];
  const valid = (comment: string, kind: number, payload: Uint8Array, body: Record<string, unknown>) =>
    cases.push({
      label: 'valid',
      comment,
      kind,
      payload: toHex(payload),
      body: { callId: toHex(callId), ...body },
    });
  const invalid = (comment: string, kind: number, payload: Uint8Array, error: string) =>
    cases.push({ label: 'invalid', comment, kind, payload: toHex(payload), error });

  const offer = (media: number, purpose: number, text: string, digest: Uint8Array, time = u64be(createdAt)) =>
    concatBytes(head, Uint8Array.of(media, purpose), time, commitment, fpField(digest), sdpField(text));
  const answer = (purpose: number, text: string, digest: Uint8Array, connects = 0) =>
    concatBytes(head, Uint8Array.of(purpose, connects), nonce, fpField(digest), sdpField(text));
  const entry = (index: number, mid: string, ufrag: string, candidate: string) =>
    concatBytes(
      u16(index),
      Uint8Array.of(mid.length),
      utf8(mid),
      Uint8Array.of(ufrag.length),
      utf8(ufrag),
      u16(candidate.length),
      utf8(candidate),
    );
  /** One body of one candidate, or of several (`more`) after it. */
  const ice = (index: number, mid: string, ufrag: string, candidate: string, ...more: Uint8Array[]) =>
    concatBytes(head, Uint8Array.of(1 + more.length), entry(index, mid, ufrag, candidate), ...more);
  const control = (action: number, argument: Uint8Array = new Uint8Array(0)) =>
    concatBytes(head, Uint8Array.of(action), argument);

  const offerBody = { type: 'offer', sasCommitment: toHex(commitment), createdAt };
  valid('video offer that rings', KIND.offer, offer(2, 0, offerSdp, callerDigest), {
    ...offerBody,
    media: 'video',
    purpose: 'call',
    fingerprint: fingerprint(callerDigest),
    sdp: offerSdp,
  });
  valid('audio-only offer that rings', KIND.offer, offer(1, 0, audioSdp, callerDigest), {
    ...offerBody,
    media: 'audio',
    purpose: 'call',
    fingerprint: fingerprint(callerDigest),
    sdp: audioSdp,
  });
  valid(
    'renegotiation offer (ICE restart), same certificate',
    KIND.offer,
    offer(2, 1, offerSdp, callerDigest),
    {
      ...offerBody,
      media: 'video',
      purpose: 'renegotiate',
      fingerprint: fingerprint(callerDigest),
      sdp: offerSdp,
    },
  );
  const fileSdp = dataSdp(line(callerDigest));
  const reportName = utf8('Rapport d’été.pdf');
  const fileSize = u64be(1_234_567);
  const dataOffer = (file: Uint8Array, purpose = 0) =>
    concatBytes(offer(3, purpose, fileSdp, callerDigest), file);
  valid(
    'data offer (a file session): no audio or video, the offered file after the SDP',
    KIND.offer,
    dataOffer(fileField(fileSize, reportName, 'application/pdf')),
    {
      ...offerBody,
      media: 'data',
      purpose: 'call',
      fingerprint: fingerprint(callerDigest),
      sdp: fileSdp,
      file: { size: 1_234_567, name: 'Rapport d’été.pdf', type: 'application/pdf' },
    },
  );
  valid(
    'data offer of an empty file of unknown type',
    KIND.offer,
    dataOffer(fileField(u64be(0), utf8('empty'), '')),
    {
      ...offerBody,
      media: 'data',
      purpose: 'call',
      fingerprint: fingerprint(callerDigest),
      sdp: fileSdp,
      file: { size: 0, name: 'empty', type: '' },
    },
  );
  valid('data renegotiation offer: no file', KIND.offer, dataOffer(new Uint8Array(0), 1), {
    ...offerBody,
    media: 'data',
    purpose: 'renegotiate',
    fingerprint: fingerprint(callerDigest),
    sdp: fileSdp,
  });
  const answerBody = { type: 'answer', sasNonce: toHex(nonce), fingerprint: fingerprint(calleeDigest) };
  valid(
    'answer that may connect while it rings, carrying the SAS nonce',
    KIND.answer,
    answer(0, answerSdp, calleeDigest),
    { ...answerBody, purpose: 'call', connectsOnAccept: false, sdp: answerSdp },
  );
  valid(
    'answer that connects only once the person accepts (its handshake is the accept)',
    KIND.answer,
    answer(0, answerSdp, calleeDigest, 1),
    { ...answerBody, purpose: 'call', connectsOnAccept: true, sdp: answerSdp },
  );
  valid('renegotiation answer (ICE restart)', KIND.answer, answer(1, answerSdp, calleeDigest), {
    ...answerBody,
    purpose: 'renegotiate',
    connectsOnAccept: false,
    sdp: answerSdp,
  });
  const host = 'candidate:1467250027 1 udp 2122260223 127.0.0.1 46243 typ host generation 0 network-id 1';
  const hostBody = { candidate: host, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'Qm3v' };
  valid('host ICE candidate with mid, m-line index and ufrag', KIND.ice, ice(0, '0', 'Qm3v', host), {
    type: 'ice',
    candidates: [hostBody],
  });
  const relay =
    'candidate:3940211873 1 udp 41885439 127.0.0.1 40117 typ relay raddr 0.0.0.0 rport 0 generation 0 ufrag Qm3v';
  const relayBody = { candidate: relay, sdpMid: null, sdpMLineIndex: null, usernameFragment: null };
  valid('relay candidate without mid or ufrag', KIND.ice, ice(0xffff, '', '', relay), {
    type: 'ice',
    candidates: [relayBody],
  });
  const endBody = { candidate: '', sdpMid: '2', sdpMLineIndex: 2, usernameFragment: 'Qm3v' };
  valid('end of candidates: empty candidate', KIND.ice, ice(2, '2', 'Qm3v', ''), {
    type: 'ice',
    candidates: [endBody],
  });
  const host6 = 'candidate:2304259371 1 udp 2122267903 ::1 58865 typ host generation 0 network-id 4';
  const host6Body = { candidate: host6, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'Qm3v' };
  valid(
    'three candidates in one body, in the order gathered',
    KIND.ice,
    ice(0, '0', 'Qm3v', host, entry(0, '0', 'Qm3v', host6), entry(0xffff, '', '', relay)),
    { type: 'ice', candidates: [hostBody, host6Body, relayBody] },
  );
  const eight = Array.from({ length: 7 }, () => entry(0, '0', 'Qm3v', host));
  valid('eight candidates, the most one body holds', KIND.ice, ice(0, '0', 'Qm3v', host, ...eight), {
    type: 'ice',
    candidates: Array.from({ length: 8 }, () => hostBody),
  });
  const simple = ['ringing', 'reject', 'cancel', 'busy', undefined, 'no-answer', 'ice-restart'] as const;
  simple.forEach((action, index) => {
    if (action) valid(`control: ${action}`, KIND.control, control(index + 1), { type: 'control', action });
  });
  for (const [index, reason] of (['normal', 'security', 'failed'] as const).entries())
    valid(`control: hangup, reason ${reason}`, KIND.control, control(5, Uint8Array.of(index)), {
      type: 'control',
      action: 'hangup',
      reason,
    });
  valid(
    'control: media flags (muted, camera off, sharing the screen)',
    KIND.control,
    control(8, Uint8Array.of(7)),
    {
      type: 'control',
      action: 'media',
      flags: { audioMuted: true, videoOff: true, screenSharing: true },
    },
  );
  valid('control: media flags (camera off only)', KIND.control, control(8, Uint8Array.of(2)), {
    type: 'control',
    action: 'media',
    flags: { audioMuted: false, videoOff: true, screenSharing: false },
  });
  valid('control: the caller reveals its SAS nonce', KIND.control, control(9, nonce), {
    type: 'control',
    action: 'sas-reveal',
    nonce: toHex(nonce),
  });

  const good = offer(2, 0, offerSdp, callerDigest);
  const withByte = (bytes: Uint8Array, index: number, value: number) => {
    const out = bytes.slice();
    out[index] = value;
    return out;
  };
  invalid('version 2', KIND.offer, withByte(good, 0, 2), 'bad-version');
  invalid('empty payload', KIND.offer, new Uint8Array(0), 'bad-length');
  invalid('offer cut one byte short', KIND.offer, good.subarray(0, good.length - 1), 'bad-length');
  invalid('offer with a trailing byte', KIND.offer, concatBytes(good, Uint8Array.of(0)), 'bad-length');
  invalid('media 0', KIND.offer, withByte(good, 17, 0), 'bad-encoding');
  invalid('media 4', KIND.offer, withByte(good, 17, 4), 'bad-encoding');
  invalid('data offer without its file', KIND.offer, dataOffer(new Uint8Array(0)), 'bad-length');
  invalid(
    'data offer whose file is cut one byte short',
    KIND.offer,
    dataOffer(fileField(fileSize, reportName, 'application/pd')).subarray(0, -1),
    'bad-length',
  );
  invalid(
    'data offer with a byte after its file',
    KIND.offer,
    concatBytes(dataOffer(fileField(fileSize, reportName, '')), Uint8Array.of(0)),
    'bad-length',
  );
  invalid(
    'data renegotiation offer carrying a file',
    KIND.offer,
    dataOffer(fileField(fileSize, reportName, ''), 1),
    'bad-length',
  );
  invalid(
    'video offer carrying a file',
    KIND.offer,
    concatBytes(good, fileField(fileSize, reportName, '')),
    'bad-length',
  );
  invalid(
    'data offer, empty file name',
    KIND.offer,
    dataOffer(fileField(fileSize, new Uint8Array(0), '')),
    'bad-length',
  );
  invalid(
    'data offer, file name not UTF-8',
    KIND.offer,
    dataOffer(fileField(fileSize, Uint8Array.of(0x66, 0xff), '')),
    'bad-encoding',
  );
  invalid(
    'data offer, file size beyond 2^53 - 1',
    KIND.offer,
    dataOffer(fileField(Uint8Array.of(0, 0x20, 0, 0, 0, 0, 0, 0), reportName, '')),
    'bad-encoding',
  );
  invalid(
    'data offer, MIME type with a line feed',
    KIND.offer,
    dataOffer(fileField(fileSize, reportName, 'text/plain\n')),
    'bad-encoding',
  );
  invalid(
    'data offer, MIME type of 128 characters',
    KIND.offer,
    dataOffer(fileField(fileSize, reportName, 'a'.repeat(128))),
    'too-large',
  );
  invalid('purpose 2', KIND.offer, withByte(good, 18, 2), 'bad-encoding');
  invalid(
    'createdAt beyond 2^53 - 1',
    KIND.offer,
    offer(2, 0, offerSdp, callerDigest, Uint8Array.of(0, 0x20, 0, 0, 0, 0, 0, 0)),
    'bad-encoding',
  );
  invalid(
    'the SDP names another certificate than the committed fingerprint (a tampered SDP)',
    KIND.offer,
    offer(2, 0, sdp(line(otherDigest), 'actpass', true), callerDigest),
    'fingerprint-mismatch',
  );
  invalid('answer connects 2', KIND.answer, answer(0, answerSdp, calleeDigest, 2), 'bad-encoding');
  invalid(
    'renegotiation answer that says it connects on accept',
    KIND.answer,
    answer(1, answerSdp, calleeDigest, 1),
    'bad-encoding',
  );
  invalid(
    'answer committing to the caller’s certificate while its SDP names the callee’s',
    KIND.answer,
    answer(0, answerSdp, callerDigest),
    'fingerprint-mismatch',
  );
  invalid(
    'SDP without any fingerprint line',
    KIND.offer,
    offer(2, 0, offerSdp.replace(/a=fingerprint[^\r]*\r\n/g, ''), callerDigest),
    'no-fingerprint',
  );
  invalid(
    'SDP with two different fingerprints',
    KIND.offer,
    offer(2, 0, offerSdp.replace(line(callerDigest), line(otherDigest)), callerDigest),
    'conflicting-fingerprints',
  );
  invalid(
    'empty SDP',
    KIND.answer,
    concatBytes(head, Uint8Array.of(0, 0), nonce, fpField(calleeDigest), u16(0)),
    'bad-length',
  );
  invalid(
    'SDP length 16001 declared (over the limit)',
    KIND.answer,
    concatBytes(
      head,
      Uint8Array.of(0, 0),
      nonce,
      fpField(calleeDigest),
      u16(16_001),
      new Uint8Array(16_001).fill(0x61),
    ),
    'too-large',
  );
  invalid(
    'SDP that is not UTF-8',
    KIND.answer,
    concatBytes(
      head,
      Uint8Array.of(0, 0),
      nonce,
      fpField(calleeDigest),
      u16(3),
      Uint8Array.of(0x76, 0x3d, 0xff),
    ),
    'bad-encoding',
  );
  invalid(
    'fingerprint with hash code 2 (sha-1)',
    KIND.answer,
    concatBytes(head, Uint8Array.of(0, 0), nonce, Uint8Array.of(21, 2), random(20), sdpField(answerSdp)),
    'unsupported-fingerprint-algorithm',
  );
  invalid(
    'sha-256 fingerprint with 31 digest bytes',
    KIND.answer,
    concatBytes(
      head,
      Uint8Array.of(0, 0),
      nonce,
      Uint8Array.of(32, 4),
      calleeDigest.subarray(1),
      sdpField(answerSdp),
    ),
    'bad-fingerprint',
  );
  invalid(
    'answer cut inside the SAS nonce',
    KIND.answer,
    concatBytes(head, Uint8Array.of(0, 0), nonce.subarray(0, 20)),
    'bad-length',
  );
  invalid(
    'ICE candidate not starting with "candidate:"',
    KIND.ice,
    ice(0, '0', 'Qm3v', 'a=fingerprint:sha-256 00'),
    'bad-encoding',
  );
  invalid(
    'ICE candidate smuggling an SDP line (CRLF)',
    KIND.ice,
    ice(0, '0', 'Qm3v', `${host}\r\na=fingerprint:sha-256 ${colonHex(otherDigest)}`),
    'bad-encoding',
  );
  invalid(
    'ICE ufrag with a character outside ice-char',
    KIND.ice,
    ice(0, '0', 'Qm-3v', host),
    'bad-encoding',
  );
  invalid('ICE mid with a space', KIND.ice, ice(0, 'a b', 'Qm3v', host), 'bad-encoding');
  invalid(
    'ICE candidate of 1025 bytes',
    KIND.ice,
    ice(0, '0', 'Qm3v', `candidate:${'1'.repeat(1015)}`),
    'too-large',
  );
  invalid(
    'a bad candidate after a good one in the same body',
    KIND.ice,
    ice(0, '0', 'Qm3v', host, entry(0, '0', 'Qm3v', 'a=fingerprint:sha-256 00')),
    'bad-encoding',
  );
  invalid(
    'ICE body with no candidate (count 0)',
    KIND.ice,
    concatBytes(head, Uint8Array.of(0)),
    'bad-length',
  );
  invalid(
    'ICE body declaring nine candidates',
    KIND.ice,
    concatBytes(head, Uint8Array.of(9), ...Array.from({ length: 9 }, () => entry(0, '0', 'Qm3v', host))),
    'too-large',
  );
  invalid(
    'ICE body declaring two candidates and carrying one',
    KIND.ice,
    concatBytes(head, Uint8Array.of(2), entry(0, '0', 'Qm3v', host)),
    'bad-length',
  );
  invalid('control action 0', KIND.control, control(0), 'bad-encoding');
  valid('control: accept', KIND.control, control(10), { type: 'control', action: 'accept' });
  invalid('control action 11', KIND.control, control(11), 'bad-encoding');
  invalid('reject with an argument byte', KIND.control, control(2, Uint8Array.of(0)), 'bad-length');
  invalid('hangup without its reason', KIND.control, control(5), 'bad-length');
  invalid('hangup reason 3', KIND.control, control(5, Uint8Array.of(3)), 'bad-encoding');
  invalid('media flags with bit 3 set', KIND.control, control(8, Uint8Array.of(8)), 'bad-encoding');
  invalid('sas-reveal with a 31-byte nonce', KIND.control, control(9, nonce.subarray(1)), 'bad-length');
  invalid('a chat kind is not a call body', KIND.chat, control(1), 'bad-type');

  return {
    about:
      'Call signalling bodies (crypto/call-signaling.ts, spec/calls.md, Call bodies): `kind` is the envelope MESSAGE_KIND, `payload` the body before padding. Valid cases decode to `body` (bytes as hex) and `body` encodes back to `payload`; invalid ones raise the ProtocolError code `error`.',
    source:
      'spec/vectors/gen/call-signaling.ts: bytes laid out by hand from the spec with deterministicRandom("tincan/spec/vectors/call-signaling"); SDPs modelled on Chromium offers and answers',
    cases,
  };
}
