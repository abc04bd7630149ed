/**
 * The practical limit the relay benchmark compares against: a bare `ws` forwarder with no authentication,
 * no limits and no metrics. A client connects with ?id=<64 hex>; a binary message
 * [recipient 32][payload] is sent to the recipient's socket as [payload]; anything else is dropped.
 * Run: PORT=8081 node --import tsx tests/bench/bare-forwarder.ts
 */
import { type WebSocket, WebSocketServer } from 'ws';

const sockets = new Map<string, WebSocket>();
const server = new WebSocketServer({
  host: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  maxPayload: 64 * 1024,
  perMessageDeflate: false,
  clientTracking: false,
  skipUTF8Validation: true,
});

server.on('connection', (socket, request) => {
  socket.on('error', () => {});
  const id = new URL(request.url ?? '/', 'http://x').searchParams.get('id') ?? '';
  if (!/^[0-9a-f]{64}$/.test(id)) return socket.close(1008);
  // Same Map key as the relay's router: the 32 bytes as a latin1 string.
  const key = Buffer.from(id, 'hex').toString('latin1');
  sockets.get(key)?.close(4003);
  sockets.set(key, socket);
  socket.on('message', (data, isBinary) => {
    if (!isBinary || !Buffer.isBuffer(data) || data.length <= 32) return;
    sockets.get(data.toString('latin1', 0, 32))?.send(data.subarray(32));
  });
  socket.on('close', () => {
    if (sockets.get(key) === socket) sockets.delete(key);
  });
});
server.on('listening', () => console.log(`bare forwarder listening on ${JSON.stringify(server.address())}`));
process.on('SIGTERM', () => process.exit(0));
