import { describe, expect, test } from 'vitest';
import { sdpWithoutAddresses, takeSdpCandidates } from '../../client/services/rtc/sdp-candidates.ts';

const lines = (...l: string[]) => `${l.join('\r\n')}\r\n`;

const OFFER = lines(
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0',
  'a=candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0',
  'a=end-of-candidates',
  'a=rtpmap:111 opus/48000/2',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=candidate:3 1 udp 2122260223 127.0.0.1 50002 typ host generation 0',
  'a=mid:1',
  'a=rtpmap:96 VP8/90000',
);

describe('takeSdpCandidates', () => {
  test('takes every candidate line out, with its m-line index and mid, and keeps everything else', () => {
    const { sdp, candidates } = takeSdpCandidates(OFFER);
    expect(sdp).not.toMatch(/a=candidate|a=end-of-candidates/);
    expect(sdp.split('\r\n').length).toBe(OFFER.split('\r\n').length - 4);
    expect(sdp).toContain('a=rtpmap:111 opus/48000/2\r\nm=video');
    expect(sdp.endsWith('\r\n')).toBe(true);
    expect(candidates).toEqual([
      {
        candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0',
        sdpMLineIndex: 0,
        sdpMid: '0',
      },
      {
        candidate: 'candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0',
        sdpMLineIndex: 0,
        sdpMid: '0',
      },
      // a=mid after the candidate still names its section
      {
        candidate: 'candidate:3 1 udp 2122260223 127.0.0.1 50002 typ host generation 0',
        sdpMLineIndex: 1,
        sdpMid: '1',
      },
    ]);
  });

  test('an SDP without candidates comes back unchanged', () => {
    const bare = OFFER.split('\r\n')
      .filter((l) => !l.startsWith('a=candidate') && l !== 'a=end-of-candidates')
      .join('\r\n');
    expect(takeSdpCandidates(bare)).toEqual({ sdp: bare, candidates: [] });
  });

  test('a candidate-like line before any m-line is not a candidate of any section and stays', () => {
    const odd = lines('v=0', 'a=candidate:9 1 udp 1 127.0.0.1 1 typ host', 'm=audio 9 UDP/TLS/RTP/SAVPF 111');
    expect(takeSdpCandidates(odd)).toEqual({ sdp: odd, candidates: [] });
  });
});

describe('sdpWithoutAddresses', () => {
  const GATHERED = lines(
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'm=audio 50000 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 192.0.2.7',
    'a=rtcp:50001 IN IP4 192.0.2.7',
    'a=candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host generation 0',
    'a=mid:0',
    'm=video 0 UDP/TLS/RTP/SAVPF 96',
    'c=IN IP6 2001:db8::7',
    'a=mid:1',
    'm=application 50000 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 192.0.2.7',
    'a=mid:2',
  );

  test('no address and no port of ours is left; a rejected m-line keeps port 0; the rest is as it was', () => {
    const sdp = sdpWithoutAddresses(GATHERED);
    expect(sdp).not.toMatch(/192\.0\.2\.7|2001:db8|50000|50001|a=candidate/);
    expect(sdp).toContain('m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0');
    expect(sdp).toContain('m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0');
    expect(sdp).toContain('m=application 9 UDP/DTLS/SCTP webrtc-datachannel');
    expect(sdp.startsWith('v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n')).toBe(true);
    expect(sdp.split('\r\n').length).toBe(GATHERED.split('\r\n').length - 1);
  });
});
