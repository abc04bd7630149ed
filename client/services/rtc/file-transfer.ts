/**
 * Files over a call's peer connection: one ordered, reliable data channel per file, labelled FILE_CHANNEL_LABEL,
 * opened only after the media gate has verified the peer's certificate (so DTLS already encrypts it end to end
 * to the identity that signed the call). Binary messages, integers big-endian:
 *
 *   header  | 0x01 | id 16 | size u64 | n u16 | name UTF-8 (1..255) | n u8 | MIME type (0..127, printable ASCII) |
 *   chunk   | 0x02 | bytes (1..CHUNK_BYTES) |                      (sender -> receiver, in order)
 *   end     | 0x03 | SHA-256 of the whole file (32) |
 *   result  | 0x05 | ok u8 (1: the receiver's hash equals the sender's) | SHA-256 the receiver computed (32) |
 *   cancel  | 0x04 |                                               (either side, any time before result)
 *
 * Backpressure: the sender stops queueing while bufferedAmount is above BUFFER_HIGH_BYTES and resumes on
 * 'bufferedamountlow' (threshold BUFFER_LOW_BYTES), so a slow receiver never makes the browser buffer a file.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, fromUtf8, readU64be, toHex, u64be, utf8 } from '../../../crypto/bytes.ts';

export const FILE_CHANNEL_LABEL = 'tincan-file';
export const CHUNK_BYTES = 16 * 1024;
export const BUFFER_HIGH_BYTES = 1024 * 1024;
export const BUFFER_LOW_BYTES = 256 * 1024;
/** Received files are held in memory until saved. */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;
const MAX_NAME_BYTES = 255;
const MAX_TYPE_BYTES = 127;

const HEADER = 1;
const CHUNK = 2;
const END = 3;
const CANCEL = 4;
const RESULT = 5;

/** The part of RTCDataChannel used here; tests pass a fake. */
export interface ChannelLike {
  readonly readyState: RTCDataChannelState;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  binaryType: BinaryType;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: Event) => void) | null;
  onbufferedamountlow: ((event: Event) => void) | null;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(): void;
}

/** A file to send: its size and a way to read any slice (File.slice().arrayBuffer() in the browser). */
export interface FileSource {
  readonly name: string;
  readonly size: number;
  readonly type: string;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export type TransferState = 'waiting' | 'transferring' | 'verifying' | 'done' | 'cancelled' | 'failed';

export interface TransferView {
  readonly id: string;
  readonly direction: 'send' | 'receive';
  readonly name: string;
  readonly size: number;
  readonly type: string;
  readonly transferred: number;
  readonly state: TransferState;
  /** Hex SHA-256: the sender's at the end; on the receiver, of what arrived (equal, or the transfer failed). */
  readonly sha256?: string;
  readonly error?: string;
  /** Receiver, done: the file. */
  readonly blob?: Blob;
}

export interface Transfer {
  readonly id: string;
  cancel(): void;
}

export class FileProtocolError extends Error {
  override readonly name = 'FileProtocolError';
}

interface FileHeader {
  readonly id: Uint8Array;
  readonly size: number;
  readonly name: string;
  readonly type: string;
}

export function encodeHeader(header: FileHeader): Uint8Array<ArrayBuffer> {
  const name = utf8(header.name);
  if (name.length < 1 || name.length > MAX_NAME_BYTES)
    throw new RangeError(`name must be 1..${MAX_NAME_BYTES} bytes`);
  const type = header.type.length <= MAX_TYPE_BYTES && /^[\x20-\x7e]*$/.test(header.type) ? header.type : '';
  if (!Number.isSafeInteger(header.size) || header.size < 0)
    throw new RangeError('size must be a safe integer');
  return concatBytes(
    Uint8Array.of(HEADER),
    header.id,
    u64be(header.size),
    Uint8Array.of(name.length >> 8, name.length & 0xff),
    name,
    Uint8Array.of(type.length),
    utf8(type),
  );
}

export function decodeHeader(bytes: Uint8Array): FileHeader {
  const bad = (why: string) => new FileProtocolError(`bad header: ${why}`);
  if (bytes[0] !== HEADER || bytes.length < 1 + 16 + 8 + 2) throw bad('short');
  const id = bytes.slice(1, 17);
  const size = readU64be(bytes, 17);
  if (size > BigInt(MAX_FILE_BYTES)) throw bad('file too large');
  const nameLength = (bytes[25]! << 8) | bytes[26]!;
  if (nameLength < 1 || nameLength > MAX_NAME_BYTES || bytes.length < 27 + nameLength + 1) throw bad('name');
  let name: string;
  try {
    name = fromUtf8(bytes.subarray(27, 27 + nameLength));
  } catch {
    throw bad('name is not UTF-8');
  }
  const typeLength = bytes[27 + nameLength]!;
  if (typeLength > MAX_TYPE_BYTES || bytes.length !== 28 + nameLength + typeLength) throw bad('type');
  const type = String.fromCharCode(...bytes.subarray(28 + nameLength));
  if (!/^[\x20-\x7e]*$/.test(type)) throw bad('type');
  return { id, size: Number(size), name: safeName(name), type };
}

/** What a received name may become on disk: no paths, no control or bidi characters. */
export function safeName(name: string): string {
  const cleaned = name
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '')
    .replace(/[/\\:]/g, '_')
    .replace(/^\.+/, '')
    .trim();
  return cleaned.length > 0 ? cleaned : 'file';
}

const waitForLow = (channel: ChannelLike): Promise<void> =>
  new Promise((resolve) => {
    channel.onbufferedamountlow = () => {
      channel.onbufferedamountlow = null;
      resolve();
    };
  });

const waitForOpen = (channel: ChannelLike): Promise<void> =>
  channel.readyState === 'open'
    ? Promise.resolve()
    : new Promise((resolve, reject) => {
        channel.onopen = () => resolve();
        channel.onclose = () => reject(new FileProtocolError('channel closed before it opened'));
      });

/** Sends `file` over a fresh channel; progress and the outcome go to onUpdate. */
export function sendFile(
  channel: ChannelLike,
  file: FileSource,
  id: Uint8Array,
  onUpdate: (view: TransferView) => void,
): Transfer {
  const hex = toHex(id);
  let view: TransferView = {
    id: hex,
    direction: 'send',
    name: file.name,
    size: file.size,
    type: file.type,
    transferred: 0,
    state: 'waiting',
  };
  const update = (next: Partial<TransferView>) => {
    view = { ...view, ...next };
    onUpdate(view);
  };
  let stopped = false;
  const finish = (state: TransferState, error?: string) => {
    if (stopped) return;
    stopped = true;
    update(error === undefined ? { state } : { state, error });
    channel.onbufferedamountlow = null;
    // A closed channel ends the receiver's wait too; give the last message a moment to leave.
    setTimeout(() => channel.close(), state === 'done' ? 0 : 50);
  };
  channel.binaryType = 'arraybuffer';
  channel.bufferedAmountLowThreshold = BUFFER_LOW_BYTES;
  channel.onmessage = (event) => {
    const bytes = new Uint8Array(event.data as ArrayBuffer);
    if (bytes[0] === CANCEL) finish('cancelled', 'The other side cancelled.');
    else if (bytes[0] === RESULT && bytes.length === 34) {
      const ok = bytes[1] === 1 && view.sha256 === toHex(bytes.subarray(2));
      finish(ok ? 'done' : 'failed', ok ? undefined : 'The file arrived damaged.');
    }
  };
  const pump = async () => {
    await waitForOpen(channel);
    channel.onclose = () => finish('failed', 'The connection closed.');
    channel.send(encodeHeader({ id, size: file.size, name: file.name, type: file.type }));
    update({ state: 'transferring' });
    const hash = sha256.create();
    for (let offset = 0; offset < file.size && !stopped; ) {
      if (channel.bufferedAmount > BUFFER_HIGH_BYTES) {
        await waitForLow(channel);
        continue;
      }
      const chunk = await file.read(offset, Math.min(CHUNK_BYTES, file.size - offset));
      if (stopped) return;
      hash.update(chunk);
      channel.send(concatBytes(Uint8Array.of(CHUNK), chunk));
      offset += chunk.length;
      update({ transferred: offset });
    }
    if (stopped) return;
    const digest = hash.digest();
    channel.send(concatBytes(Uint8Array.of(END), digest));
    update({ state: 'verifying', sha256: toHex(digest) });
  };
  pump().catch((error: unknown) =>
    finish('failed', error instanceof Error ? error.message : 'Sending failed.'),
  );
  return {
    id: hex,
    cancel() {
      if (stopped) return;
      if (channel.readyState === 'open') channel.send(Uint8Array.of(CANCEL));
      finish('cancelled', 'You cancelled.');
    },
  };
}

/** What the receiver was told to expect (a file session's signed offer): a header saying otherwise fails. */
export interface ExpectedFile {
  readonly id: string;
  readonly size: number;
}

/**
 * Receives one file from a channel the peer opened; returns the transfer once its header has arrived. `early`:
 * messages that came on the channel before it was handed here (they are read first, in order).
 */
export function receiveFile(
  channel: ChannelLike,
  onUpdate: (view: TransferView) => void,
  early: readonly ArrayBuffer[] = [],
  expected?: ExpectedFile,
): Transfer {
  let view: TransferView | undefined;
  let stopped = false;
  const parts: Uint8Array<ArrayBuffer>[] = [];
  const hash = sha256.create();
  const transfer = { id: '' };
  const update = (next: Partial<TransferView>) => {
    if (!view) return;
    view = { ...view, ...next };
    onUpdate(view);
  };
  const finish = (state: TransferState, error?: string, extra: Partial<TransferView> = {}) => {
    if (stopped) return;
    stopped = true;
    update({ ...extra, state, ...(error === undefined ? {} : { error }) });
    if (state !== 'done') parts.length = 0;
    setTimeout(() => channel.close(), 50);
  };
  channel.binaryType = 'arraybuffer';
  channel.onclose = () => finish('failed', 'The connection closed.');
  channel.onmessage = (event) => {
    if (stopped || !(event.data instanceof ArrayBuffer)) return;
    const bytes = new Uint8Array(event.data);
    try {
      if (!view) {
        const header = decodeHeader(bytes);
        if (expected && (toHex(header.id) !== expected.id || header.size !== expected.size))
          throw new FileProtocolError('the file is not the one that was offered');
        transfer.id = toHex(header.id);
        view = { ...header, id: transfer.id, direction: 'receive', transferred: 0, state: 'transferring' };
        onUpdate(view);
        return;
      }
      if (bytes[0] === CHUNK) {
        const chunk = bytes.slice(1);
        if (chunk.length === 0 || view.transferred + chunk.length > view.size)
          throw new FileProtocolError('more bytes than announced');
        hash.update(chunk);
        parts.push(chunk);
        update({ transferred: view.transferred + chunk.length });
      } else if (bytes[0] === END && bytes.length === 33) {
        const digest = hash.digest();
        const ok = view.transferred === view.size && equalBytes(digest, bytes.subarray(1));
        channel.send(concatBytes(Uint8Array.of(RESULT, ok ? 1 : 0), digest));
        if (ok)
          finish('done', undefined, { sha256: toHex(digest), blob: new Blob(parts, { type: view.type }) });
        else
          finish('failed', 'The file arrived damaged: its SHA-256 differs from the sender’s.', {
            sha256: toHex(digest),
          });
      } else if (bytes[0] === CANCEL) {
        finish('cancelled', 'The other side cancelled.');
      } else {
        throw new FileProtocolError(`unexpected message ${bytes[0]}`);
      }
    } catch (error) {
      if (channel.readyState === 'open') channel.send(Uint8Array.of(CANCEL));
      if (!view) {
        stopped = true;
        channel.close();
        return;
      }
      finish('failed', error instanceof FileProtocolError ? error.message : 'Receiving failed.');
    }
  };
  // In a microtask: before any later message event, and after the caller holds the returned transfer.
  const handle = channel.onmessage;
  if (early.length > 0)
    queueMicrotask(() => {
      for (const data of early) handle({ data } as MessageEvent);
    });
  return {
    get id() {
      return transfer.id;
    },
    cancel() {
      if (stopped) return;
      if (channel.readyState === 'open') channel.send(Uint8Array.of(CANCEL));
      finish('cancelled', 'You cancelled.');
    },
  };
}

/** A browser File as a FileSource. */
export const fileSource = (file: File): FileSource => ({
  name: file.name || 'file',
  size: file.size,
  type: file.type,
  read: async (offset, length) => new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()),
});
