// FrameSplitter: any chunking of a byte stream yields the same frames; sizes are checked before allocating.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { KafkaDecodeError } from './binary.ts';
import { FrameSplitter, KafkaFrameError, sizePrefixed } from './frame.ts';

function chunk(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, stream.length]) {
    chunks.push(stream.subarray(start, point));
    start = point;
  }
  return chunks;
}

describe('FrameSplitter', () => {
  it('returns the same frames however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (payloads, cuts) => {
          const stream = new Uint8Array(payloads.reduce((sum, p) => sum + 4 + p.length, 0));
          let position = 0;
          for (const payload of payloads) {
            stream.set(sizePrefixed(payload), position);
            position += 4 + payload.length;
          }
          const splitter = new FrameSplitter();
          const frames = chunk(stream, cuts).flatMap((part) => splitter.push(part));
          expect(frames.map((f) => [...f])).toEqual(payloads.map((p) => [...p]));
          expect(splitter.buffered).toBe(0);
        },
      ),
    );
  });

  it('keeps a partial frame until the rest arrives', () => {
    const splitter = new FrameSplitter();
    expect(splitter.push(new Uint8Array([0, 0]))).toEqual([]);
    expect(splitter.push(new Uint8Array([0, 3, 1]))).toEqual([]);
    expect(splitter.buffered).toBe(5);
    expect(splitter.push(new Uint8Array([2, 3, 0, 0]))).toEqual([new Uint8Array([1, 2, 3])]);
    expect(splitter.buffered).toBe(2);
  });

  it('accepts an empty frame', () => {
    expect(new FrameSplitter().push(new Uint8Array(4))).toEqual([new Uint8Array(0)]);
  });

  it('refuses a size above the limit or negative, before allocating, and stays failed', () => {
    const splitter = new FrameSplitter({ maxFrameSize: 100 });
    expect(() => splitter.push(new Uint8Array([0, 0, 0, 101]))).toThrow(KafkaFrameError);
    expect(() => splitter.push(new Uint8Array([0, 0, 0, 1, 9]))).toThrow(/exceeds the limit of 100/);
    expect(() => new FrameSplitter().push(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow(
      /negative frame size/,
    );
    // 2 GiB announced: rejected with the default 100 MiB limit, nothing allocated.
    const error = (() => {
      try {
        new FrameSplitter().push(new Uint8Array([0x7f, 0xff, 0xff, 0xff]));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(KafkaDecodeError);
  });
});
