// Length-prefixed frames (4-byte big-endian length, then the payload) over one TCP socket, as the peer
// protocols use: election notifications and Zab QuorumPackets. Oversized lengths close the socket.
import type net from 'node:net';

export class FrameSocket {
  readonly socket: net.Socket;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly maxFrameBytes: number;
  private outgoing: Buffer[] = [];
  private flushScheduled = false;

  constructor(socket: net.Socket, maxFrameBytes: number, onFrame: (payload: Uint8Array) => void, onBadFrame: (length: number) => void) {
    this.socket = socket;
    this.maxFrameBytes = maxFrameBytes;
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      this.chunks.push(data);
      this.buffered += data.length;
      while (this.buffered >= 4) {
        const head = this.peek(4);
        const length = head.readInt32BE(0);
        if (length < 0 || length > this.maxFrameBytes) {
          onBadFrame(length);
          socket.destroy();
          return;
        }
        if (this.buffered < 4 + length) return;
        this.take(4);
        onFrame(this.take(length));
        if (socket.destroyed) return;
      }
    });
  }

  private peek(count: number): Buffer {
    if (this.chunks[0].length < count) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, count);
  }

  private take(count: number): Buffer {
    // A zero-length frame may end a chunk exactly: there is nothing left to read from.
    if (count === 0) return Buffer.alloc(0);
    if (this.chunks[0].length < count) this.chunks = [Buffer.concat(this.chunks)];
    const first = this.chunks[0];
    const out = first.subarray(0, count);
    if (first.length === count) this.chunks.shift();
    else this.chunks[0] = first.subarray(count);
    this.buffered -= count;
    return out;
  }

  /**
   * Queue a frame; every frame queued while handling one input goes out in one write, flushed as soon as
   * that handler returns (process.nextTick), not at the end of the event-loop turn: each hop of a quorum
   * write is latency the client waits for.
   */
  send(payload: Uint8Array): void {
    if (this.socket.destroyed) return;
    const header = Buffer.allocUnsafe(4);
    header.writeInt32BE(payload.length, 0);
    this.outgoing.push(header, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => this.flush());
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.outgoing.length === 0 || this.socket.destroyed) return;
    const data = this.outgoing.length === 1 ? this.outgoing[0] : Buffer.concat(this.outgoing);
    this.outgoing = [];
    this.socket.write(data);
  }

  close(): void {
    this.flush();
    this.socket.destroy();
  }
}
