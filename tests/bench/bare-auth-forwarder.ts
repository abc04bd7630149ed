/**
 * The bare `ws` forwarder that also proves each client's key, as cheaply as a login can: on connect it sends
 * a 32-byte nonce; the client answers [public key 32][Ed25519 signature 64] over the same bytes our relay's
 * clients sign (crypto/relay-auth.ts), checked by the same backend and on the same thread pool as the relay's
 * (`nodeEd25519(0, 'thread-pool')`); a good signature gets one byte back and the socket forwards like the bare
 * forwarder's. The floor for any relay that authenticates keys with one signature per login: what our relay
 * adds to a login beyond that signature is the difference between the two.
 * Run: PORT=8082 node --import tsx tests/bench/bare-auth-forwarder.ts
 */
import { randomBytes } from 'node:crypto';
import { type WebSocket, WebSocketServer } from 'ws';
import { nodeEd25519 } from '../../crypto/node/node-ed25519.ts';
import { relayAuthMessage } from '../../crypto/relay-auth.ts';

const ed25519 = nodeEd25519(0, 'thread-pool');
const sockets = new Map<string, WebSocket>();
const server = new WebSocketServer({
  host: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  maxPayload: 64 * 1024,
  perMessageDeflate: false,
  clientTracking: false,
  skipUTF8Validation: true,
});
const origin = () => `http://127.0.0.1:${(server.address() as { port: number }).port}`;

server.on('connection', (socket) => {
  socket.on('error', () => {});
  const nonce = randomBytes(32);
  socket.send(nonce);
  socket.once('message', async (data: Buffer, isBinary) => {
    if (!isBinary || data.length !== 96) return socket.close(1008);
    const publicKey = data.subarray(0, 32);
    const valid = await ed25519
      .verifyCofactorless(data.subarray(32), relayAuthMessage(nonce, origin()), publicKey)
      .catch(() => false);
    if (!valid) return socket.close(1008);
    const key = publicKey.toString('latin1');
    sockets.get(key)?.close(4003);
    sockets.set(key, socket);
    socket.on('message', (frame: Buffer, binary) => {
      if (!binary || frame.length <= 32) return;
      sockets.get(frame.toString('latin1', 0, 32))?.send(frame.subarray(32));
    });
    socket.on('close', () => {
      if (sockets.get(key) === socket) sockets.delete(key);
    });
    socket.send(Uint8Array.of(1));
  });
});
server.on('listening', () =>
  console.log(`bare auth forwarder listening on ${JSON.stringify(server.address())}`),
);
process.on('SIGTERM', () => process.exit(0));
