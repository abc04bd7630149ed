/** File transfer over a pair of fake data channels that deliver in order, with a buffer that drains slowly. */
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BUFFER_HIGH_BYTES,
  CHUNK_BYTES,
  type ChannelLike,
  decodeHeader,
  encodeHeader,
  FileProtocolError,
  type FileSource,
  receiveFile,
  safeName,
  sendFile,
  type TransferView,
} from '../../client/services/rtc/file-transfer.ts';
import { toHex } from '../../crypto/bytes.ts';

class FakeChannel implements ChannelLike {
  readyState: RTCDataChannelState = 'open';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  binaryType: BinaryType = 'blob';
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: Event) => void) | null = null;
  onbufferedamountlow: ((event: Event) => void) | null = null;
  peer!: FakeChannel;
  maxBuffered = 0;
  /** Rewrites what goes over the wire (to damage it in tests). */
  tamper: (bytes: Uint8Array) => Uint8Array = (b) => b;

  send(data: Uint8Array<ArrayBuffer>): void {
    if (this.readyState !== 'open') throw new Error('channel not open');
    const bytes = this.tamper(data.slice());
    this.bufferedAmount += bytes.length;
    this.maxBuffered = Math.max(this.maxBuffered, this.bufferedAmount);
    // The wire drains one message per macrotask: a slow link that fills the buffer.
    setImmediate(() => {
      this.bufferedAmount -= bytes.length;
      if (this.peer.readyState === 'open') this.peer.onmessage?.({ data: bytes.buffer } as MessageEvent);
      const low = this.bufferedAmount <= this.bufferedAmountLowThreshold;
      if (low && this.bufferedAmount + bytes.length > this.bufferedAmountLowThreshold)
        this.onbufferedamountlow?.(new Event('bufferedamountlow'));
    });
  }

  close(): void {
    for (const side of [this, this.peer]) {
      if (side.readyState === 'closed') continue;
      side.readyState = 'closed';
      setTimeout(() => side.onclose?.(new Event('close')), 0);
    }
  }
}

function pair(): [FakeChannel, FakeChannel] {
  const a = new FakeChannel();
  const b = new FakeChannel();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

const source = (bytes: Uint8Array, name = 'photo.jpg'): FileSource => ({
  name,
  size: bytes.length,
  type: 'image/jpeg',
  read: async (offset, length) => bytes.slice(offset, offset + length),
});

const settled = (views: TransferView[]) => () => {
  const last = views.at(-1);
  return last !== undefined && ['done', 'failed', 'cancelled'].includes(last.state);
};

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('timed out');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function transfer(bytes: Uint8Array, setup: (a: FakeChannel, b: FakeChannel) => void = () => {}) {
  const [a, b] = pair();
  setup(a, b);
  const sent: TransferView[] = [];
  const received: TransferView[] = [];
  const receiver = receiveFile(b, (v) => received.push(v));
  const sender = sendFile(a, source(bytes), new Uint8Array(16).fill(1), (v) => sent.push(v));
  return { a, b, sent, received, sender, receiver };
}

describe('file transfer', () => {
  it('arrives whole, with the sender’s SHA-256, progress up to 100% on both sides, within the buffer cap', async () => {
    const bytes = Uint8Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 31) & 0xff);
    const { a, sent, received } = transfer(bytes);
    await until(settled(sent));
    await until(settled(received));
    const expected = toHex(sha256(bytes));
    expect(sent.at(-1)).toMatchObject({ state: 'done', sha256: expected, transferred: bytes.length });
    const last = received.at(-1)!;
    expect(last).toMatchObject({
      state: 'done',
      sha256: expected,
      transferred: bytes.length,
      name: 'photo.jpg',
    });
    const blob = new Uint8Array(await last.blob!.arrayBuffer());
    expect(blob.length).toBe(bytes.length);
    expect(Buffer.compare(blob, bytes)).toBe(0);
    const progress = received.map((v) => v.transferred);
    expect(progress.some((p) => p > 0 && p < bytes.length)).toBe(true);
    // Backpressure: the sender never let the channel buffer much beyond the cap.
    expect(a.maxBuffered).toBeLessThanOrEqual(BUFFER_HIGH_BYTES + CHUNK_BYTES + 64);
  });

  it('an empty file works', async () => {
    const { sent, received } = transfer(new Uint8Array(0));
    await until(settled(received));
    expect(received.at(-1)).toMatchObject({
      state: 'done',
      size: 0,
      sha256: toHex(sha256(new Uint8Array(0))),
    });
    await until(settled(sent));
    expect(sent.at(-1)?.state).toBe('done');
  });

  it('a byte changed on the way: the receiver’s hash differs, both sides say failed', async () => {
    const bytes = new Uint8Array(100_000).fill(5);
    let flipped = false;
    const { sent, received } = transfer(bytes, (a) => {
      a.tamper = (b) => {
        if (b[0] === 2 && !flipped) {
          flipped = true;
          b[100]! ^= 1;
        }
        return b;
      };
    });
    await until(settled(received));
    await until(settled(sent));
    expect(received.at(-1)).toMatchObject({ state: 'failed' });
    expect(received.at(-1)?.blob).toBeUndefined();
    expect(sent.at(-1)).toMatchObject({ state: 'failed', error: 'The file arrived damaged.' });
  });

  it('either side can cancel; the other side sees it', async () => {
    const bytes = new Uint8Array(2 * 1024 * 1024);
    const first = transfer(bytes);
    await until(() => (first.received.at(-1)?.transferred ?? 0) > 0);
    first.sender.cancel();
    await until(settled(first.received));
    expect(first.sent.at(-1)?.state).toBe('cancelled');
    expect(first.received.at(-1)).toMatchObject({ state: 'cancelled', error: 'The other side cancelled.' });

    const second = transfer(bytes);
    await until(() => (second.received.at(-1)?.transferred ?? 0) > 0);
    second.receiver.cancel();
    await until(settled(second.sent));
    expect(second.received.at(-1)?.state).toBe('cancelled');
    expect(second.sent.at(-1)?.state).toBe('cancelled');
  });

  it('a sender announcing fewer bytes than it sends is refused', async () => {
    const [a, b] = pair();
    const received: TransferView[] = [];
    receiveFile(b, (v) => received.push(v));
    a.send(encodeHeader({ id: new Uint8Array(16), size: 3, name: 'x', type: '' }));
    a.send(Uint8Array.of(2, 1, 2, 3, 4));
    await until(settled(received));
    expect(received.at(-1)).toMatchObject({ state: 'failed', error: 'more bytes than announced' });
  });
});

describe('file header', () => {
  it('decode(encode(x)) = x for names and types within limits', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: 256 * 1024 * 1024 }),
        fc.stringMatching(/^[a-z0-9][a-z0-9 ._-]{0,60}$/),
        fc.stringMatching(/^[a-z]{1,10}\/[a-z0-9.+-]{1,20}$/),
        (id, size, name, type) => {
          const header = decodeHeader(encodeHeader({ id, size, name, type }));
          expect(header).toEqual({ id, size, name: safeName(name), type });
        },
      ),
    );
  });

  it('random bytes only ever raise FileProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeHeader(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(FileProtocolError);
        }
      }),
    );
  });

  it('received names cannot name a path or hide their extension', () => {
    expect(safeName('../../etc/passwd')).toBe('_.._etc_passwd');
    expect(safeName('C:\\boot.ini')).toBe('C__boot.ini');
    expect(safeName('invoice\u202egnp.exe')).toBe('invoicegnp.exe');
    expect(safeName('...')).toBe('file');
    expect(safeName('\u0000\u0001')).toBe('file');
  });

  it('files larger than the cap are refused at the header', () => {
    const header = encodeHeader({
      id: new Uint8Array(16),
      size: 256 * 1024 * 1024 + 1,
      name: 'big',
      type: '',
    });
    expect(() => decodeHeader(header)).toThrow(FileProtocolError);
  });
});

describe('a file session’s receiving end', () => {
  it('reads the messages that came before the channel was handed over first, in order', async () => {
    const bytes = Uint8Array.from({ length: 40_000 }, (_, i) => i & 0xff);
    const [a, b] = pair();
    // Until the receiver is set up, what arrives is kept aside (as the call connection does before its check).
    const early: ArrayBuffer[] = [];
    b.onmessage = (event) => early.push(event.data as ArrayBuffer);
    const sent: TransferView[] = [];
    sendFile(a, source(bytes), new Uint8Array(16).fill(3), (v) => sent.push(v));
    await until(() => early.length >= 2);
    const received: TransferView[] = [];
    receiveFile(b, (v) => received.push(v), early.splice(0), { id: '03'.repeat(16), size: bytes.length });
    await until(settled(received));
    expect(received.at(-1)).toMatchObject({ state: 'done', sha256: toHex(sha256(bytes)) });
    expect(Buffer.compare(new Uint8Array(await received.at(-1)!.blob!.arrayBuffer()), bytes)).toBe(0);
    await until(settled(sent));
    expect(sent.at(-1)?.state).toBe('done');
  });

  it('a header that is not the offered file (other id, other size) is refused before it shows, and the sender stops', async () => {
    for (const expected of [
      { id: '04'.repeat(16), size: 10 },
      { id: '03'.repeat(16), size: 11 },
    ]) {
      const [a, b] = pair();
      const received: TransferView[] = [];
      receiveFile(b, (v) => received.push(v), [], expected);
      const sent: TransferView[] = [];
      sendFile(a, source(new Uint8Array(10)), new Uint8Array(16).fill(3), (v) => sent.push(v));
      await until(settled(sent));
      // The refusal closes the channel: the sender stops (cancelled or failed, whichever it hears first).
      expect(['cancelled', 'failed']).toContain(sent.at(-1)?.state);
      expect(received).toEqual([]);
    }
  });
});
