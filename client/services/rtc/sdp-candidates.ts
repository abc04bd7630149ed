/**
 * Candidates written into an SDP (`a=candidate:` lines, what a description holds once gathering has begun),
 * taken out so that they can be held back like trickled ones. A callee that answers while it still rings
 * must not start ICE checks, and checks start as soon as ICE knows any remote candidate.
 */
export interface SdpWithoutCandidates {
  readonly sdp: string;
  readonly candidates: RTCIceCandidateInit[];
}

export function takeSdpCandidates(sdp: string): SdpWithoutCandidates {
  const kept: string[] = [];
  const candidates: RTCIceCandidateInit[] = [];
  let section = -1;
  let mid: string | null = null;
  let sectionStart = 0;
  const settleMids = () => {
    for (const c of candidates.slice(sectionStart)) c.sdpMid = mid;
    sectionStart = candidates.length;
  };
  for (const line of sdp.split('\r\n')) {
    if (line.startsWith('m=')) {
      settleMids();
      section += 1;
      mid = null;
    } else if (line.startsWith('a=mid:')) {
      mid = line.slice('a=mid:'.length);
    } else if (line.startsWith('a=candidate:') && section >= 0) {
      candidates.push({ candidate: line.slice(2), sdpMLineIndex: section });
      continue;
    } else if (line === 'a=end-of-candidates') {
      continue;
    }
    kept.push(line);
  }
  settleMids();
  return { sdp: kept.join('\r\n'), candidates };
}

/**
 * An answer that may leave before we agree to be reached: no candidates, and what Chromium copies from its
 * default candidate once it has gathered (the connection and RTCP lines' address, the m-lines' port) put back
 * to the "nothing yet" values 0.0.0.0 and 9. A rejected m-line keeps its port 0.
 */
export function sdpWithoutAddresses(sdp: string): string {
  return takeSdpCandidates(sdp)
    .sdp.split('\r\n')
    .map((line) => {
      if (line.startsWith('c=IN ')) return 'c=IN IP4 0.0.0.0';
      if (line.startsWith('a=rtcp:')) return 'a=rtcp:9 IN IP4 0.0.0.0';
      const media = /^(m=\S+ )(\d+)( .*)$/.exec(line);
      return media && media[2] !== '0' ? `${media[1]}9${media[3]}` : line;
    })
    .join('\r\n');
}
