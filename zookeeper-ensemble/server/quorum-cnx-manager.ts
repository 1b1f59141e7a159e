// QuorumCnxManager (election port): notifications travel as length-prefixed frames. Each server listens
// on its election address and opens one outgoing connection per peer on demand; every notification
// carries its sender's id, so a connection needs no handshake. Lost messages are fine: FastLeaderElection
// re-sends on its timeouts, so a peer that is down costs nothing but a failed connect.
import net from 'node:net';
import type { Logger } from 'pino';
import { decodeNotification, encodeNotification } from '../core/election/notification-codec.ts';
import type { Notification } from '../core/election/vote.ts';
import { FrameSocket } from './frame-socket.ts';

export interface PeerAddress {
  host: string;
  port: number;
}

const MAX_QUEUED = 16;
const RECONNECT_BACKOFF_MS = 100;

interface Outgoing {
  frames: FrameSocket | null;
  connecting: boolean;
  queued: Uint8Array[];
  lastAttemptMs: number;
}

export class QuorumCnxManager {
  private readonly server: net.Server;
  private readonly outgoing = new Map<number, Outgoing>();
  private readonly incoming = new Set<FrameSocket>();
  private readonly peers: Map<number, PeerAddress>;
  private readonly log: Logger;
  private readonly onNotification: (n: Notification) => void;
  private stopped = false;

  constructor(peers: Map<number, PeerAddress>, log: Logger, onNotification: (n: Notification) => void) {
    this.peers = peers;
    this.log = log;
    this.onNotification = onNotification;
    this.server = net.createServer((socket) => this.accept(socket));
    this.server.on('error', (error) => log.error({ err: error }, 'election port error'));
  }

  async listen(address: PeerAddress): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(address.port, address.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  private accept(socket: net.Socket): void {
    const frames = new FrameSocket(
      socket,
      4096,
      (payload) => {
        try {
          this.onNotification(decodeNotification(payload));
        } catch (error) {
          this.log.warn({ err: error, remote: socket.remoteAddress }, 'bad election notification, closing');
          socket.destroy();
        }
      },
      (length) => this.log.warn({ length }, 'election frame length out of range'),
    );
    this.incoming.add(frames);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.incoming.delete(frames));
  }

  send(to: number, n: Notification): void {
    if (this.stopped) return;
    const bytes = encodeNotification(n);
    let link = this.outgoing.get(to);
    if (!link) {
      link = { frames: null, connecting: false, queued: [], lastAttemptMs: 0 };
      this.outgoing.set(to, link);
    }
    if (link.frames) {
      link.frames.send(bytes);
      return;
    }
    link.queued.push(bytes);
    if (link.queued.length > MAX_QUEUED) link.queued.shift();
    this.connect(to, link);
  }

  private connect(to: number, link: Outgoing): void {
    const address = this.peers.get(to);
    const now = performance.now();
    if (!address || link.connecting || now - link.lastAttemptMs < RECONNECT_BACKOFF_MS) return;
    link.connecting = true;
    link.lastAttemptMs = now;
    const socket = net.connect({ host: address.host, port: address.port });
    socket.on('connect', () => {
      link.connecting = false;
      link.frames = new FrameSocket(socket, 4096, () => undefined, () => undefined);
      for (const bytes of link.queued) link.frames.send(bytes);
      link.queued = [];
    });
    socket.on('error', (error) => this.log.debug({ peer: to, err: error }, 'election connection failed'));
    socket.on('close', () => {
      link.connecting = false;
      link.frames = null;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const link of this.outgoing.values()) link.frames?.close();
    for (const frames of this.incoming) frames.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
