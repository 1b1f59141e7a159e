// The client port (ZooKeeper's ServerCnxnFactory): TCP framing (4-byte big-endian length + payload),
// four-letter words recognised in place of the first length, jute.maxbuffer enforced before a frame is
// buffered, maxClientCnxns per address, and replies coalesced into one socket write per flush.
import net from 'node:net';
import type { Logger } from 'pino';

export interface ClientPortHandlers {
  onOpen(connectionId: number, remoteAddress: string): void;
  onFrame(connectionId: number, payload: Uint8Array): void;
  onClosed(connectionId: number): void;
  /** A four-letter word arrived as the first bytes; returns the text to answer before closing. */
  onFourLetterWord(word: string): Promise<string> | string;
  isFourLetterWord(word: string): boolean;
}

export interface ClientPortOptions {
  host: string;
  port: number;
  maxBufferBytes: number;
  /** Connections allowed per client address; 0 = unlimited. */
  maxClientCnxns: number;
  log: Logger;
}

interface ClientSocket {
  id: number;
  socket: net.Socket;
  address: string;
  chunks: Buffer[];
  buffered: number;
  /** Length of the frame being read, or -1 while waiting for a length prefix. */
  frameLength: number;
  firstPacket: boolean;
  outgoing: Uint8Array[];
  closing: boolean;
  /** The four-letter word this connection is answering, if any. */
  fourLetterWord: string | null;
}

export class ClientPort {
  private readonly options: ClientPortOptions;
  private readonly handlers: ClientPortHandlers;
  private readonly server: net.Server;
  private readonly sockets = new Map<number, ClientSocket>();
  private readonly perAddress = new Map<string, number>();
  private nextId = 1;
  private readonly dirty = new Set<ClientSocket>();

  constructor(options: ClientPortOptions, handlers: ClientPortHandlers) {
    this.options = options;
    this.handlers = handlers;
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (error) => options.log.error({ err: error }, 'client port error'));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** What the socket layer knows about a connection (cons/stat/dump print the remote port). */
  describe(connectionId: number): { remotePort: number; fourLetterWord: string | null } | undefined {
    const client = this.sockets.get(connectionId);
    if (!client) return undefined;
    return { remotePort: client.socket.remotePort ?? 0, fourLetterWord: client.fourLetterWord };
  }

  private accept(socket: net.Socket): void {
    const address = (socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
    const count = this.perAddress.get(address) ?? 0;
    if (this.options.maxClientCnxns > 0 && count >= this.options.maxClientCnxns) {
      this.options.log.warn({ address, max: this.options.maxClientCnxns }, 'too many connections from this address');
      socket.destroy();
      return;
    }
    this.perAddress.set(address, count + 1);
    const client: ClientSocket = {
      id: this.nextId++,
      socket,
      address,
      chunks: [],
      buffered: 0,
      frameLength: -1,
      firstPacket: true,
      outgoing: [],
      closing: false,
      fourLetterWord: null,
    };
    this.sockets.set(client.id, client);
    socket.on('data', (data) => this.onData(client, data));
    socket.on('error', (error) => this.options.log.debug({ connectionId: client.id, err: error }, 'client socket error'));
    socket.on('close', () => this.onSocketClosed(client));
    this.handlers.onOpen(client.id, address);
  }

  private onSocketClosed(client: ClientSocket): void {
    if (!this.sockets.delete(client.id)) return;
    const count = (this.perAddress.get(client.address) ?? 1) - 1;
    if (count <= 0) this.perAddress.delete(client.address);
    else this.perAddress.set(client.address, count);
    this.dirty.delete(client);
    this.handlers.onClosed(client.id);
  }

  private onData(client: ClientSocket, data: Buffer): void {
    if (client.closing) return;
    client.chunks.push(data);
    client.buffered += data.length;
    while (!client.closing) {
      if (client.frameLength === -1) {
        if (client.buffered < 4) return;
        const head = this.take(client, 4);
        if (client.firstPacket) {
          const word = head.toString('latin1');
          if (this.handlers.isFourLetterWord(word)) {
            this.answerFourLetterWord(client, word);
            return;
          }
        }
        const length = head.readInt32BE(0);
        if (length < 0 || length > this.options.maxBufferBytes) {
          this.options.log.warn({ connectionId: client.id, length }, 'frame length out of range, closing connection');
          this.destroy(client);
          return;
        }
        client.frameLength = length;
      }
      if (client.buffered < client.frameLength) return;
      const payload = this.take(client, client.frameLength);
      client.frameLength = -1;
      client.firstPacket = false;
      this.handlers.onFrame(client.id, payload);
    }
  }

  /** Remove `count` bytes from the front of the buffered chunks. */
  private take(client: ClientSocket, count: number): Buffer {
    // A zero-length frame may end a chunk exactly: there is nothing left to read from.
    if (count === 0) return Buffer.alloc(0);
    let first = client.chunks[0];
    if (first.length < count) {
      first = Buffer.concat(client.chunks);
      client.chunks = [first];
    }
    const out = first.subarray(0, count);
    if (first.length === count) client.chunks.shift();
    else client.chunks[0] = first.subarray(count);
    client.buffered -= count;
    return out;
  }

  private answerFourLetterWord(client: ClientSocket, word: string): void {
    client.closing = true;
    client.fourLetterWord = word;
    Promise.resolve()
      .then(() => this.handlers.onFourLetterWord(word))
      .then(
        (text) => client.socket.end(text),
        (error: unknown) => {
          this.options.log.error({ err: error, word }, 'four-letter word failed');
          client.socket.end();
        },
      );
  }

  /** Queue a frame; it goes out with the others at the next flush(). */
  send(connectionId: number, bytes: Uint8Array): void {
    const client = this.sockets.get(connectionId);
    if (!client || client.socket.destroyed) return;
    client.outgoing.push(bytes);
    this.dirty.add(client);
  }

  /** Close after the queued frames are written. */
  close(connectionId: number): void {
    const client = this.sockets.get(connectionId);
    if (!client) return;
    this.flushOne(client);
    client.closing = true;
    client.socket.end();
    // A peer that never reads must not keep the socket open forever.
    setTimeout(() => client.socket.destroy(), 2000).unref();
  }

  private destroy(client: ClientSocket): void {
    client.closing = true;
    client.socket.destroy();
  }

  flush(): void {
    for (const client of this.dirty) this.flushOne(client);
    this.dirty.clear();
  }

  private flushOne(client: ClientSocket): void {
    if (client.outgoing.length === 0) return;
    const frames = client.outgoing;
    client.outgoing = [];
    if (client.socket.destroyed || client.socket.writableEnded) return;
    client.socket.write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const client of this.sockets.values()) client.socket.destroy();
    await closed;
  }
}
