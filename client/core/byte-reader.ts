/** A cursor over untrusted bytes: every read past the end, and every byte left over, is a ProtocolError. */
import { readU32be, readU64be } from '../../crypto/bytes.ts';
import { ProtocolError } from '../../crypto/errors.ts';

export class ByteReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  take(length: number): Uint8Array {
    if (this.offset + length > this.bytes.length) throw new ProtocolError('bad-length', 'truncated');
    this.offset += length;
    return this.bytes.slice(this.offset - length, this.offset);
  }

  u8(): number {
    return this.take(1)[0]!;
  }

  /** A byte that must be 0 or 1. */
  flag(): boolean {
    const value = this.u8();
    if (value > 1) throw new ProtocolError('bad-encoding', `flag ${value}`);
    return value === 1;
  }

  u32(): number {
    return readU32be(this.take(4), 0);
  }

  /** A u64 that must fit a safe integer (milliseconds since the epoch). */
  u64(): number {
    const value = readU64be(this.take(8), 0);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError('bad-encoding', 'u64 out of range');
    return Number(value);
  }

  rest(): Uint8Array {
    return this.take(this.bytes.length - this.offset);
  }

  end(): void {
    if (this.offset !== this.bytes.length) throw new ProtocolError('bad-length', 'trailing bytes');
  }
}
