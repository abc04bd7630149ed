/**
 * One load-generating client per server kind, all with the same shape: connect (for our relay: answer the
 * challenge with a node:crypto Ed25519 signature), send an opaque payload to a 32-byte id, get payloads.
 * Our relay's frames are built with crypto/relay-frames.ts, the codec the relay itself uses.
 */
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { WebSocket } from 'ws';
import { relayAuthMessage } from '../../crypto/relay-auth.ts';
import {
  decodeServerFrame,
  encodeFrame,
  RELAY_FRAME_TYPE,
  SEND_HEADER_LENGTH,
  SEND_OFFSETS,
} from '../../crypto/relay-frames.ts';

export type ServerKind = 'relay' | 'bare' | 'bare-auth' | 'peerjs';

export interface Target {
  readonly kind: ServerKind;
  readonly port: number;
}

export interface ClientIdentity {
  readonly id: Uint8Array;
  /** Only our relay and the authenticating bare forwarder check keys. */
  readonly privateKey?: KeyObject;
}

export interface BenchClient {
  readonly id: Uint8Array;
  onPayload: (payload: Uint8Array) => void;
  send(to: Uint8Array, payload: Uint8Array): void;
  close(): void;
}

/** Errors and closes nobody asked for, across every client of this process. */
export const clientFaults = { errors: 0, unexpectedCloses: 0, undeliverable: 0 };

const CONNECT_TIMEOUT_MS = 15_000;

export function makeIdentity(kind: ServerKind): ClientIdentity {
  if (kind !== 'relay' && kind !== 'bare-auth') return { id: new Uint8Array(randomBytes(32)) };
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { id: new Uint8Array(spki.subarray(spki.length - 32)), privateKey };
}

function relaySendHeader(to: Uint8Array): Buffer {
  const frame = encodeFrame({
    type: 'send',
    recipient: to,
    frameId: 0,
    receipt: false,
    envelope: Uint8Array.of(0),
  });
  return Buffer.from(frame.subarray(0, SEND_HEADER_LENGTH));
}

export function openClient(
  target: Target,
  identity: ClientIdentity,
  localAddress?: string,
): Promise<BenchClient> {
  const hex = Buffer.from(identity.id).toString('hex');
  const base = `ws://127.0.0.1:${target.port}`;
  const url =
    target.kind === 'relay'
      ? `${base}/relay`
      : target.kind === 'bare'
        ? `${base}/?id=${hex}`
        : target.kind === 'bare-auth'
          ? `${base}/`
          : `${base}/p/peerjs?key=peerjs&id=${hex}&token=${randomBytes(8).toString('hex')}`;
  const socket = new WebSocket(url, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
  let closing = false;
  let frameId = 0;
  let sendHeader: { to: Uint8Array; bytes: Buffer } | undefined;
  const client: BenchClient = {
    id: identity.id,
    onPayload: () => {},
    send: (to, payload) => {
      if (target.kind === 'relay') {
        // As cheap as the bare client's Buffer.concat: the SEND header (from the relay's own codec) is made
        // once per recipient, and only the frame id changes, so the load costs the same per frame for both.
        if (sendHeader?.to !== to) sendHeader = { to, bytes: relaySendHeader(to) };
        const frame = Buffer.concat([sendHeader.bytes, payload]);
        frame.writeUInt32BE(frameId, SEND_OFFSETS.frameId);
        frameId = (frameId + 1) >>> 0;
        socket.send(frame);
      } else if (target.kind === 'bare' || target.kind === 'bare-auth') {
        socket.send(Buffer.concat([to, payload]));
      } else {
        const dst = Buffer.from(to).toString('hex');
        socket.send(JSON.stringify({ type: 'OFFER', dst, payload: Buffer.from(payload).toString('base64') }));
      }
    },
    close: () => {
      closing = true;
      socket.terminate();
    },
  };
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => fail(new Error('connect timeout')), CONNECT_TIMEOUT_MS);
    const succeed = () => {
      ready = true;
      clearTimeout(timer);
      resolve(client);
    };
    function fail(error: Error) {
      clearTimeout(timer);
      closing = true;
      socket.terminate();
      reject(error);
    }
    socket.on('error', (error) => {
      if (!ready) return fail(error);
      if (!closing) clientFaults.errors++;
    });
    socket.on('close', (code) => {
      if (!ready) return fail(new Error(`closed ${code} before ready`));
      if (!closing) clientFaults.unexpectedCloses++;
    });
    if (target.kind === 'bare') socket.on('open', succeed);
    socket.on('message', (data: Buffer, isBinary) => {
      if (target.kind === 'peerjs') {
        const message = JSON.parse(data.toString()) as { type: string; payload?: string };
        if (message.type === 'OFFER') client.onPayload(Buffer.from(message.payload ?? '', 'base64'));
        else if (message.type === 'OPEN') succeed();
        else if (!ready) fail(new Error(`PeerJS answered ${message.type}`));
        return;
      }
      if (target.kind === 'bare') return client.onPayload(data);
      if (target.kind === 'bare-auth') {
        if (ready) return client.onPayload(data);
        if (data.length === 1) return succeed();
        const origin = `http://127.0.0.1:${target.port}`;
        const signature = sign(null, relayAuthMessage(data, origin), identity.privateKey!);
        return socket.send(Buffer.concat([identity.id, signature]));
      }
      if (!isBinary) return fail(new Error('text frame from relay'));
      if (data[1] === RELAY_FRAME_TYPE.deliver) return client.onPayload(data.subarray(2));
      const frame = decodeServerFrame(data);
      if (frame.type === 'challenge') {
        const origin = `http://127.0.0.1:${target.port}`;
        const signature = sign(null, relayAuthMessage(frame.nonce, origin), identity.privateKey!);
        socket.send(encodeFrame({ type: 'auth', publicKey: identity.id, signature, origin }));
      } else if (frame.type === 'ready') succeed();
      else if (frame.type === 'undeliverable') clientFaults.undeliverable++;
    });
  });
}
