// Size-prefixed framing: every Kafka request and response is `int32 size` + `size` bytes.
// FrameSplitter cuts a byte stream (socket chunks of any size: several frames in one chunk, one frame
// over many chunks) into frames, incrementally and without I/O. The announced size is checked against a
// maximum *before* any buffer is allocated (Kafka's socket.request.max.bytes, 100 MiB by default).
import { KafkaDecodeError } from './binary.ts';

export const DEFAULT_MAX_FRAME_SIZE = 104_857_600;

/** A frame whose announced size is negative or above the limit; the connection must be closed. */
export class KafkaFrameError extends KafkaDecodeError {}

export interface FrameSplitterOptions {
  /** Largest frame accepted (bytes after the size prefix). */
  readonly maxFrameSize?: number;
}

export class FrameSplitter {
  private readonly maxFrameSize: number;
  /** Chunks received but not yet returned as frames (the first may be partly consumed). */
  private chunks: Uint8Array[] = [];
  private chunkOffset = 0;
  private bufferedBytes = 0;
  private failed: KafkaFrameError | null = null;

  constructor(options: FrameSplitterOptions = {}) {
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  }

  /** Bytes received that do not yet form a whole frame. */
  get buffered(): number {
    return this.bufferedBytes;
  }

  /**
   * Add bytes from the stream; returns the frames (without their size prefix) completed by them, in order.
   * Frames that fit in one chunk are views of it; others are fresh copies. Throws KafkaFrameError on a
   * bad size, and again on every later call.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw this.failed;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.length;
    }
    const frames: Uint8Array[] = [];
    while (this.bufferedBytes >= 4) {
      const size = this.peekSize();
      if (size < 0 || size > this.maxFrameSize) {
        this.failed = new KafkaFrameError(
          size < 0
            ? `negative frame size ${size}`
            : `frame of ${size} bytes exceeds the limit of ${this.maxFrameSize}`,
        );
        throw this.failed;
      }
      if (this.bufferedBytes < 4 + size) break;
      this.consume(4);
      frames.push(this.consume(size));
    }
    return frames;
  }

  private peekSize(): number {
    const head = new Uint8Array(4);
    let copied = 0;
    let offset = this.chunkOffset;
    for (const chunk of this.chunks) {
      while (offset < chunk.length && copied < 4) head[copied++] = chunk[offset++];
      if (copied === 4) break;
      offset = 0;
    }
    return new DataView(head.buffer).getInt32(0);
  }

  /** Removes `length` buffered bytes and returns them (a view when they lie within one chunk). */
  private consume(length: number): Uint8Array {
    this.bufferedBytes -= length;
    const first = this.chunks[0];
    if (first !== undefined && first.length - this.chunkOffset >= length) {
      const view = first.subarray(this.chunkOffset, this.chunkOffset + length);
      this.chunkOffset += length;
      if (this.chunkOffset === first.length) {
        this.chunks.shift();
        this.chunkOffset = 0;
      }
      return view;
    }
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const chunk = this.chunks[0];
      const take = Math.min(length - filled, chunk.length - this.chunkOffset);
      out.set(chunk.subarray(this.chunkOffset, this.chunkOffset + take), filled);
      filled += take;
      this.chunkOffset += take;
      if (this.chunkOffset === chunk.length) {
        this.chunks.shift();
        this.chunkOffset = 0;
      }
    }
    return out;
  }
}

/** `int32 size` + payload. */
export function sizePrefixed(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setInt32(0, payload.length);
  out.set(payload, 4);
  return out;
}
