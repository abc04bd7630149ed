/**
 * The baseline for the calls benchmark: a plain WebRTC video call with unsigned, unencrypted JSON signalling
 * over a bare WebSocket forwarder. Same media constraints, same bundle policy, same negotiated data channel as
 * Tincan's calls, but no identities, no envelopes, no relay frames, no certificate check, no gate: media flows
 * the moment DTLS connects. The callee answers at once.
 *
 * In the page: `plainCall.start(peerId)` (caller), `plainCall.times` (epoch ms: dialAt, acceptAt,
 * dtlsConnectedAt, firstFrameAt), `plainCall.acceptDelayMs` (callee: how long it "rings"),
 * `plainCall.hangup()`, `plainCall.reset()`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>plain call</title>
<video id="remote" autoplay playsinline muted></video>
<script>
const me = new URLSearchParams(location.search).get('id');
// held=1: the tracks are attached, then taken off with replaceTrack(null) until DTLS connects, as Tincan's gate
// does, but without any check: what holding the encoders back costs by itself.
const held = new URLSearchParams(location.search).get('held') === '1';
const heldTracks = new Map();
const epoch = () => performance.timeOrigin + performance.now();
const socket = new WebSocket('ws://' + location.host + '/signal?id=' + me);
const opened = new Promise((resolve) => socket.addEventListener('open', resolve));
const video = document.getElementById('remote');
let pc = null, stream = null, peer = null, pending = [];
const times = {};
const send = (message) => socket.send(JSON.stringify({ ...message, to: peer, from: me }));

function watchFirstFrame() {
  // When the frame went to the compositor, as in Tincan's pages (tests/bench/calls.ts).
  video.requestVideoFrameCallback((_now, frame) => {
    times.firstFrameAt ??= performance.timeOrigin + frame.presentationTime;
  });
}

async function connect() {
  stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true },
    video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } },
  });
  pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
  pc.createDataChannel('tincan-envelopes', { negotiated: true, id: 0 });
  pc.onicecandidate = (e) => e.candidate && e.candidate.candidate && send({ type: 'candidate', candidate: e.candidate.toJSON() });
  const remote = new MediaStream();
  pc.ontrack = (e) => { remote.addTrack(e.track); if (video.srcObject !== remote) { video.srcObject = remote; watchFirstFrame(); video.play().catch(() => {}); } };
}

async function attachTracks() {
  for (const track of stream.getTracks()) {
    const sender = pc.addTrack(track, stream);
    if (held) { heldTracks.set(sender, track); await sender.replaceTrack(null); }
  }
}

function watchDtls() {
  const transport = pc.getSenders().find((s) => s.transport)?.transport;
  if (!transport) return;
  // As Tincan's gate does: Chromium may leave transport.state behind while the connection is up.
  const mark = () => {
    if ((transport.state !== 'connected' && pc?.connectionState !== 'connected') || times.dtlsConnectedAt) return;
    times.dtlsConnectedAt = epoch();
    for (const [sender, track] of heldTracks) sender.replaceTrack(track);
  };
  transport.addEventListener('statechange', mark);
  pc.addEventListener('connectionstatechange', mark);
  mark();
}

async function flush() {
  for (const c of pending.splice(0)) await pc.addIceCandidate(c).catch(() => {});
}

socket.addEventListener('message', async (event) => {
  const message = JSON.parse(event.data);
  if (message.type === 'offer') {
    peer = message.from;
    await new Promise((resolve) => setTimeout(resolve, window.plainCall.acceptDelayMs));
    times.acceptAt = epoch();
    await connect();
    await pc.setRemoteDescription({ type: 'offer', sdp: message.sdp });
    await attachTracks();
    await flush();
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    watchDtls();
    send({ type: 'answer', sdp: answer.sdp });
  } else if (message.type === 'answer') {
    await pc.setRemoteDescription({ type: 'answer', sdp: message.sdp });
    watchDtls();
    await flush();
  } else if (message.type === 'candidate') {
    if (pc && pc.remoteDescription) await pc.addIceCandidate(message.candidate).catch(() => {});
    else pending.push(message.candidate);
  } else if (message.type === 'bye') {
    close();
  }
});

function close() {
  pc?.close();
  for (const track of stream?.getTracks() ?? []) track.stop();
  pc = null; stream = null; pending = []; video.srcObject = null; heldTracks.clear();
}

window.plainCall = {
  times,
  acceptDelayMs: 0,
  ready: () => opened,
  async start(to) {
    peer = to;
    times.dialAt = epoch();
    await connect();
    await attachTracks();
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    send({ type: 'offer', sdp: offer.sdp });
  },
  hangup() { send({ type: 'bye' }); close(); },
  reset() { for (const key of Object.keys(times)) delete times[key]; },
};
</script>`;

export interface PlainCallServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the plain page and forwards JSON messages between sockets by id; nothing is checked or kept. */
export async function startPlainCallServer(): Promise<PlainCallServer> {
  const sockets = new Map<string, WebSocket>();
  const server: Server = createServer((request, response) => {
    response.writeHead(request.url?.startsWith('/plain') ? 200 : 404, { 'content-type': 'text/html' });
    response.end(request.url?.startsWith('/plain') ? PAGE : 'not found');
  });
  const wss = new WebSocketServer({ server, path: '/signal' });
  wss.on('connection', (socket, request) => {
    const id = new URL(request.url ?? '', 'http://x').searchParams.get('id') ?? '';
    sockets.set(id, socket);
    socket.on('message', (data) => {
      const { to } = JSON.parse(String(data)) as { to: string };
      const target = sockets.get(to);
      if (target?.readyState === WebSocket.OPEN) target.send(String(data));
    });
    socket.on('close', () => sockets.get(id) === socket && sockets.delete(id));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/plain`,
    close: async () => {
      for (const socket of sockets.values()) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
