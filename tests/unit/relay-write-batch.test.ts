import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createWriteBatch } from '../../relay/write-batch.ts';

/** A stream that records each system-call-like write: _writev gets every chunk queued while corked. */
function recordingStream() {
  const writes: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map(({ chunk }) => (chunk as Buffer).toString()));
      done();
    },
  });
  return { stream, writes };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('createWriteBatch', () => {
  it('sends everything written to a stream in one turn as one write, in order, right after the turn', async () => {
    const batch = createWriteBatch();
    const a = recordingStream();
    const b = recordingStream();
    for (const text of ['1', '2', '3']) {
      batch.hold(a.stream);
      a.stream.write(text);
      batch.hold(b.stream);
      b.stream.write(text.repeat(2));
    }
    expect(a.writes).toEqual([]);
    expect(a.stream.writableCorked).toBe(1);
    await nextTick();
    expect(a.writes).toEqual([['1', '2', '3']]);
    expect(b.writes).toEqual([['11', '22', '33']]);
    expect(a.stream.writableCorked).toBe(0);
  });

  it('holds each turn on its own', async () => {
    const batch = createWriteBatch();
    const a = recordingStream();
    batch.hold(a.stream);
    a.stream.write('x');
    await nextTick();
    batch.hold(a.stream);
    a.stream.write('y');
    await nextTick();
    expect(a.writes).toEqual([['x'], ['y']]);
  });

  it('leaves a stream someone else corked to them', async () => {
    const batch = createWriteBatch();
    const a = recordingStream();
    a.stream.cork();
    batch.hold(a.stream);
    a.stream.write('z');
    await nextTick();
    expect(a.writes).toEqual([]);
    a.stream.uncork();
    expect(a.writes).toEqual([['z']]);
  });
});
