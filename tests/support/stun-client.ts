/**
 * The smallest TURN client that proves a credential works: an Allocate over UDP with the long-term
 * credential mechanism (RFC 5389 §10.2, RFC 5766 §6), and optionally a CreatePermission for a peer.
 *
 *   1. Allocate(REQUESTED-TRANSPORT=UDP)                      -> 401 + REALM + NONCE
 *   2. Allocate(REQUESTED-TRANSPORT, USERNAME, REALM, NONCE,
 *      MESSAGE-INTEGRITY = HMAC-SHA1(MD5(user:realm:pass), msg)) -> success + XOR-RELAYED-ADDRESS, or an error
 *   3. CreatePermission(XOR-PEER-ADDRESS, USERNAME, REALM, NONCE, MESSAGE-INTEGRITY) -> success, or an error
 *      (403 Forbidden IP for a peer the server refuses to relay to)
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

const MAGIC_COOKIE = 0x2112a442;
const ALLOCATE = 0x0003;
const CREATE_PERMISSION = 0x0008;
const BINDING = 0x0001;
const SUCCESS = 0x0100;
const ERROR = 0x0110;
const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  xorPeerAddress: 0x0012,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
} as const;

interface StunMessage {
  readonly type: number;
  readonly bytes: Buffer;
  readonly attributes: Map<number, Buffer>;
  /** Offset of MESSAGE-INTEGRITY's attribute header, if present. */
  readonly integrityAt: number | undefined;
}

export type AllocateResult = { ok: true; relayed: string } | { ok: false; code: number };

function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

function message(type: number, attributes: Buffer[], integrityKey?: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  randomBytes(12).copy(header, 8);
  let body = Buffer.concat(attributes);
  if (integrityKey) {
    // The length field covers MESSAGE-INTEGRITY itself (24 bytes) while the HMAC is computed.
    header.writeUInt16BE(body.length + 24, 2);
    const mac = createHmac('sha1', integrityKey)
      .update(Buffer.concat([header, body]))
      .digest();
    body = Buffer.concat([body, attribute(ATTR.messageIntegrity, mac)]);
  }
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function parse(bytes: Buffer): StunMessage {
  if (bytes.length < 20 || bytes.readUInt32BE(4) !== MAGIC_COOKIE) throw new Error('not a STUN message');
  const attributes = new Map<number, Buffer>();
  let integrityAt: number | undefined;
  for (let offset = 20; offset + 4 <= bytes.length; ) {
    const type = bytes.readUInt16BE(offset);
    const length = bytes.readUInt16BE(offset + 2);
    if (type === ATTR.messageIntegrity) integrityAt = offset;
    if (!attributes.has(type)) attributes.set(type, bytes.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return { type: bytes.readUInt16BE(0), bytes, attributes, integrityAt };
}

/** True if the response's MESSAGE-INTEGRITY is valid under `key`: the server knew the same password. */
function integrityHolds(response: StunMessage, key: Buffer): boolean {
  if (response.integrityAt === undefined) return false;
  const signed = Buffer.from(response.bytes.subarray(0, response.integrityAt));
  signed.writeUInt16BE(response.integrityAt - 20 + 24, 2);
  const mac = createHmac('sha1', key).update(signed).digest();
  return mac.equals(response.attributes.get(ATTR.messageIntegrity) ?? Buffer.alloc(0));
}

function errorCode(response: StunMessage): number {
  const value = response.attributes.get(ATTR.errorCode);
  return value ? (value[2]! & 0x07) * 100 + value[3]! : 0;
}

function xorAddress(value: Buffer): string {
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const ip = [0, 1, 2, 3].map((i) => value[4 + i]! ^ ((MAGIC_COOKIE >>> (24 - 8 * i)) & 0xff));
  return `${ip.join('.')}:${port}`;
}

type Exchange = (request: Buffer, timeoutMs?: number) => Promise<StunMessage>;

/**
 * Runs `use` with one UDP socket: TURN binds a nonce and an allocation to the client's address and port, so
 * the challenge and the authenticated request must come from the same socket. Requests are retransmitted
 * every 250 ms until answered (RFC 5389 §7.2.1, shortened).
 */
async function withSocket<T>(
  host: string,
  port: number,
  use: (exchange: Exchange) => Promise<T>,
): Promise<T> {
  const socket = createSocket('udp4');
  const waiting = new Map<string, (response: StunMessage) => void>();
  socket.on('message', (bytes) => waiting.get(bytes.subarray(8, 20).toString('hex'))?.(parse(bytes)));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const exchange: Exchange = (request, timeoutMs = 2_000) => {
    const transaction = request.subarray(8, 20).toString('hex');
    return new Promise((resolve, reject) => {
      const resend = setInterval(() => socket.send(request, port, host), 250);
      const timer = setTimeout(() => {
        clearInterval(resend);
        waiting.delete(transaction);
        reject(new Error(`no STUN response from ${host}:${port}`));
      }, timeoutMs);
      waiting.set(transaction, (response) => {
        clearTimeout(timer);
        clearInterval(resend);
        waiting.delete(transaction);
        resolve(response);
      });
      socket.send(request, port, host);
    });
  };
  try {
    return await use(exchange);
  } finally {
    socket.close();
  }
}

/** True once a STUN server answers a Binding request. */
export async function stunAnswers(host: string, port: number): Promise<boolean> {
  try {
    const response = await withSocket(host, port, (exchange) => exchange(message(BINDING, []), 300));
    return response.type === (BINDING | SUCCESS);
  } catch {
    return false;
  }
}

/** XOR-PEER-ADDRESS / XOR-MAPPED-ADDRESS value for an IPv4 address and port (RFC 5389 §15.2). */
function xorAddressValue(ip: string, port: number): Buffer {
  const value = Buffer.alloc(8);
  value[1] = 0x01;
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  ip.split('.').forEach((octet, i) => {
    value[4 + i] = Number(octet) ^ ((MAGIC_COOKIE >>> (24 - 8 * i)) & 0xff);
  });
  return value;
}

export type PermissionResult = { ok: true } | { ok: false; code: number };

/**
 * An Allocate, then a CreatePermission for `peerIp` on the same allocation: what a client does before
 * it can relay anything to that peer. Throws if the Allocate itself fails.
 */
export function turnPermission(
  host: string,
  port: number,
  username: string,
  password: string,
  peerIp: string,
): Promise<PermissionResult> {
  return allocateThen(host, port, username, password, async (exchange, authenticated, key) => {
    const response = await exchange(
      message(
        CREATE_PERMISSION,
        [attribute(ATTR.xorPeerAddress, xorAddressValue(peerIp, 9)), ...authenticated],
        key,
      ),
    );
    if (response.type === (CREATE_PERMISSION | SUCCESS)) {
      if (!integrityHolds(response, key)) throw new Error('success response without valid MESSAGE-INTEGRITY');
      return { ok: true };
    }
    return { ok: false, code: errorCode(response) };
  });
}

/** A TURN Allocate with a long-term credential; `ok` only if the server's reply is integrity-protected too. */
export function turnAllocate(
  host: string,
  port: number,
  username: string,
  password: string,
): Promise<AllocateResult> {
  return allocateThen(
    host,
    port,
    username,
    password,
    async (_exchange, _authenticated, _key, result) => result,
  );
}

async function allocateThen<T>(
  host: string,
  port: number,
  username: string,
  password: string,
  then: (exchange: Exchange, authenticated: Buffer[], key: Buffer, result: AllocateResult) => Promise<T>,
): Promise<T> {
  const transport = attribute(ATTR.requestedTransport, Buffer.from([17, 0, 0, 0]));
  return withSocket(host, port, async (exchange) => {
    const challenge = await exchange(message(ALLOCATE, [transport]));
    if (challenge.type !== (ALLOCATE | ERROR) || errorCode(challenge) !== 401) {
      throw new Error(
        `expected a 401 challenge, got type ${challenge.type.toString(16)} code ${errorCode(challenge)}`,
      );
    }
    const realm = challenge.attributes.get(ATTR.realm)!;
    const nonce = challenge.attributes.get(ATTR.nonce)!;
    const key = createHash('md5').update(`${username}:${realm.toString()}:${password}`).digest();
    const authenticated = [
      attribute(ATTR.username, Buffer.from(username)),
      attribute(ATTR.realm, realm),
      attribute(ATTR.nonce, nonce),
    ];
    const response = await exchange(message(ALLOCATE, [transport, ...authenticated], key));
    let result: AllocateResult;
    if (response.type === (ALLOCATE | SUCCESS)) {
      if (!integrityHolds(response, key)) throw new Error('success response without valid MESSAGE-INTEGRITY');
      result = { ok: true, relayed: xorAddress(response.attributes.get(ATTR.xorRelayedAddress)!) };
    } else {
      result = { ok: false, code: errorCode(response) };
    }
    return then(exchange, authenticated, key, result);
  });
}
