// Userspace TCP fault proxy: one proxy per directed link A→B (the connections A opens to B). A is
// configured with the proxy's address instead of B's; the harness changes the proxy's mode at run time.
// No root needed, and healing is instant (no TCP retransmission backoff). See reliability.md §2.6.
//
// Modes
//   ok          forward both directions as they come.
//   delay <ms>  hold every chunk <ms> milliseconds before forwarding it, in each direction, order
//               preserved (a round trip costs 2 × ms).
//   stall       a partition: stop reading and forwarding both directions of every connection; new
//               connections are accepted (the kernel completes the handshake, as for a SIGSTOPped peer)
//               but not connected onward. On heal (ok / delay) everything held flows again and the
//               connections survive. A stalled sender sees ordinary TCP back-pressure (the proxy
//               stops reading), so a client that gives up during a stall is noticed only on heal.
//   reset       a crashed peer / iptables REJECT: reset (RST) both sides of every connection, and reset
//               every new connection as soon as it is accepted.
//   drop-new    established connections keep flowing; new ones are black-holed — accepted, never
//               connected onward, never answered, even after heal (like a dropped SYN whose client is
//               still waiting). They end when the client gives up or the proxy closes.
// Packet loss cannot be expressed inside a TCP byte stream (TCP never loses bytes mid-stream; it stalls
// or breaks), so there is no loss mode: use the simulator for that.
//
// If the target refuses or fails, the client connection is reset (the client saw a successful connect
// to the proxy, then a reset, where without the proxy its connect would have failed).

import net from 'node:net';

/** A proxy's behaviour; `delay <ms>` with a non-negative finite number of milliseconds. */
export type FaultMode = 'ok' | 'stall' | 'reset' | 'drop-new' | `delay ${number}`;

/** Parses `ok`, `stall`, `reset`, `drop-new` or `delay <ms>`; throws RangeError otherwise. */
export function parseFaultMode(text: string): FaultMode {
  const trimmed = text.trim();
  if (trimmed === 'ok' || trimmed === 'stall' || trimmed === 'reset' || trimmed === 'drop-new')
    return trimmed;
  const match = /^delay\s+(\d+(?:\.\d+)?)$/.exec(trimmed);
  if (match !== null) return `delay ${Number(match[1])}`;
  throw new RangeError(
    `unknown fault mode ${JSON.stringify(text)} (ok | delay <ms> | stall | reset | drop-new)`,
  );
}

/** The per-chunk delay of a mode in milliseconds (0 unless it is `delay <ms>`). */
export function delayOf(mode: FaultMode): number {
  return mode.startsWith('delay ') ? Number(mode.slice('delay '.length)) : 0;
}

/** Modes under which data flows. */
function forwards(mode: FaultMode): boolean {
  return mode === 'ok' || mode === 'drop-new' || mode.startsWith('delay ');
}

export interface FaultProxyOptions {
  /** Default 127.0.0.1. */
  readonly listenHost?: string;
  /** Default 0: pick a free port (read it from `proxy.port`). */
  readonly listenPort?: number;
  /** Default 127.0.0.1. */
  readonly targetHost?: string;
  readonly targetPort: number;
  /** For events and messages, e.g. `zk1->zk2:quorum`. */
  readonly name?: string;
  /** Initial mode, default 'ok'. */
  readonly mode?: FaultMode;
  /** Bytes queued in one direction before the proxy stops reading that side. Default 1 MiB. */
  readonly maxQueuedBytes?: number;
  /** Observes what the proxy does (for journals and logs). Must not throw. */
  readonly onEvent?: (event: FaultProxyEvent) => void;
}

export type FaultProxyEvent =
  | {
      readonly type: 'mode-changed';
      readonly proxy: string;
      readonly mode: FaultMode;
      readonly previous: FaultMode;
    }
  | {
      readonly type: 'connection-opened';
      readonly proxy: string;
      readonly connection: number;
      readonly held: boolean;
    }
  | {
      readonly type: 'connection-closed';
      readonly proxy: string;
      readonly connection: number;
      readonly reason: 'closed' | 'reset' | 'error' | 'proxy-closed';
    }
  | { readonly type: 'connection-refused'; readonly proxy: string; readonly reason: 'reset' }
  | {
      readonly type: 'upstream-failed';
      readonly proxy: string;
      readonly connection: number;
      readonly code: string;
    };

export interface FaultProxyStats {
  /** Connections accepted and kept (refused ones not counted). */
  readonly accepted: number;
  /** Connections reset on accept in 'reset' mode. */
  readonly refused: number;
  /** Bytes forwarded client → target and target → client. */
  readonly bytesToTarget: number;
  readonly bytesToClient: number;
  /** Bytes received but not yet forwarded (delayed, stalled, or waiting for the target to connect). */
  readonly bytesQueued: number;
}

interface QueuedChunk {
  readonly chunk: Buffer;
  readonly dueAt: number;
}

/** One direction of one connection: a FIFO of chunks, each with the time it may be forwarded. */
class Pipe {
  private readonly queue: QueuedChunk[] = [];
  private queuedBytes = 0;
  private sourceEnded = false;
  private endSent = false;
  /** The other side is gone: after the final flush, close the destination completely. */
  private closeAfterFlush = false;
  private waitingForDrain = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly connection: Connection;
  private readonly toTarget: boolean;

  constructor(connection: Connection, toTarget: boolean) {
    this.connection = connection;
    this.toTarget = toTarget;
  }

  get queued(): number {
    return this.queuedBytes;
  }

  get congested(): boolean {
    return this.queuedBytes >= this.connection.proxy.maxQueuedBytes;
  }

  push(chunk: Buffer): void {
    if (this.connection.isClosed) return;
    const delayMs = delayOf(this.connection.proxy.mode);
    this.queue.push({ chunk, dueAt: performance.now() + delayMs });
    this.queuedBytes += chunk.length;
    this.pump();
  }

  end(): void {
    this.sourceEnded = true;
    this.pump();
  }

  /** The source socket closed for good: flush what is queued, end the destination, then destroy it. */
  finish(): void {
    this.closeAfterFlush = true;
    this.sourceEnded = true;
    if (this.endSent) this.destroyDestinationWhenFinished();
    else this.pump();
  }

  /** Forwards every chunk that is due, unless stalled, the destination is not ready, or it is full. */
  pump(): void {
    if (this.connection.isClosed) return;
    const destination = this.toTarget ? this.connection.upstream : this.connection.client;
    if (destination === undefined || this.connection.upstreamState !== 'open') return;
    if (!forwards(this.connection.proxy.mode) || this.waitingForDrain || destination.destroyed) return;
    while (this.queue.length > 0) {
      const head = this.queue[0];
      const waitMs = head.dueAt - performance.now();
      if (waitMs > 0) {
        if (this.timer === undefined) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.pump();
          }, Math.ceil(waitMs));
        }
        break;
      }
      this.queue.shift();
      this.queuedBytes -= head.chunk.length;
      this.connection.proxy.countForwarded(this.toTarget, head.chunk.length);
      if (!destination.write(head.chunk)) {
        this.waitingForDrain = true;
        destination.once('drain', () => {
          this.waitingForDrain = false;
          this.pump();
        });
        break;
      }
    }
    if (this.queue.length === 0 && this.sourceEnded && !this.endSent) {
      this.endSent = true;
      destination.end();
      if (this.closeAfterFlush) this.destroyDestinationWhenFinished();
    }
    this.connection.updateReading();
  }

  private destroyDestinationWhenFinished(): void {
    const destination = this.toTarget ? this.connection.upstream : this.connection.client;
    if (destination === undefined || destination.destroyed) return;
    if (destination.writableFinished) destination.destroy();
    else destination.once('finish', () => destination.destroy());
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }
}

type UpstreamState = 'held' | 'black-holed' | 'connecting' | 'open';

class Connection {
  readonly id: number;
  readonly proxy: FaultProxy;
  readonly client: net.Socket;
  upstream: net.Socket | undefined;
  upstreamState: UpstreamState;
  private readonly toTarget: Pipe;
  private readonly toClient: Pipe;
  private closed = false;
  private closeReason: 'closed' | 'reset' | 'error' | 'proxy-closed' = 'closed';
  private readonly finished: Promise<void>;
  private resolveFinished!: () => void;

  constructor(proxy: FaultProxy, id: number, client: net.Socket, initial: UpstreamState) {
    this.proxy = proxy;
    this.id = id;
    this.client = client;
    this.upstreamState = initial;
    this.toTarget = new Pipe(this, true);
    this.toClient = new Pipe(this, false);
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
    client.on('data', (chunk: Buffer) => {
      // A black-holed connection is read only to notice when its client gives up; its bytes go nowhere.
      if (this.upstreamState !== 'black-holed') this.toTarget.push(chunk);
    });
    client.on('end', () => {
      if (this.upstreamState === 'black-holed') client.destroy();
      else this.toTarget.end();
    });
    client.on('error', () => this.fail('error'));
    client.on('close', () => this.onSocketClosed());
    this.updateReading();
  }

  get queuedBytes(): number {
    return this.toTarget.queued + this.toClient.queued;
  }

  /** Torn down by a reset, an error or the proxy closing (sockets may still be finishing). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves once both sockets are closed. */
  get done(): Promise<void> {
    return this.finished;
  }

  connectUpstream(): void {
    if (this.closed || this.upstream !== undefined) return;
    this.upstreamState = 'connecting';
    const upstream = net.connect({
      host: this.proxy.targetHost,
      port: this.proxy.targetPort,
      allowHalfOpen: true,
    });
    this.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('connect', () => {
      if (this.closed) return;
      this.upstreamState = 'open';
      this.resume();
    });
    upstream.on('data', (chunk: Buffer) => this.toClient.push(chunk));
    upstream.on('end', () => this.toClient.end());
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (this.upstreamState === 'connecting') {
        this.proxy.emit({
          type: 'upstream-failed',
          proxy: this.proxy.name,
          connection: this.id,
          code: error.code ?? 'ERROR',
        });
      }
      this.fail('error');
    });
    upstream.on('close', () => this.onSocketClosed());
  }

  /** The mode allows data again: connect a held connection, resume reading, flush the queues. */
  resume(): void {
    if (this.closed) return;
    if (this.upstreamState === 'held') {
      this.connectUpstream();
      return;
    }
    this.toTarget.pump();
    this.toClient.pump();
    this.updateReading();
  }

  /**
   * Read a socket only while its data can move on (not stalled, not held, queue not full), so a stalled
   * sender meets TCP back-pressure and nothing is lost. Black-holed clients are read and discarded.
   */
  updateReading(): void {
    if (this.closed) return;
    if (this.upstreamState === 'black-holed') {
      setReading(this.client, true);
      return;
    }
    const flowing = forwards(this.proxy.mode) && this.upstreamState !== 'held';
    setReading(this.client, flowing && !this.toTarget.congested);
    if (this.upstream !== undefined) setReading(this.upstream, flowing && !this.toClient.congested);
  }

  /** RST both sides (a crashed peer). */
  reset(): void {
    this.fail('reset');
  }

  /** Plain close of both sides (the proxy is shutting down). */
  shutdown(): void {
    if (this.closed) return;
    this.closeReason = 'proxy-closed';
    this.closed = true;
    this.disposePipes();
    this.client.destroy();
    this.upstream?.destroy();
  }

  private fail(reason: 'reset' | 'error'): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.disposePipes();
    resetSocket(this.client);
    if (this.upstream !== undefined) resetSocket(this.upstream);
  }

  private disposePipes(): void {
    this.toTarget.dispose();
    this.toClient.dispose();
  }

  private onSocketClosed(): void {
    const upstream = this.upstream;
    if (this.client.destroyed && (upstream === undefined || upstream.destroyed)) {
      if (!this.closed) {
        this.closed = true;
        this.disposePipes();
      }
      this.proxy.forget(this, this.closeReason);
      this.resolveFinished();
      return;
    }
    if (this.closed || upstream === undefined) return; // our own teardown: the other 'close' follows
    if (this.client.destroyed) {
      // The client is gone for good: deliver what it sent, then close the target side.
      if (this.upstreamState === 'open') this.toTarget.finish();
      else upstream.destroy();
    } else if (upstream.destroyed) {
      this.toClient.finish();
    }
  }
}

function setReading(socket: net.Socket, reading: boolean): void {
  if (socket.destroyed) return;
  if (reading && socket.isPaused()) socket.resume();
  else if (!reading && !socket.isPaused()) socket.pause();
}

/**
 * Sends RST where the socket is connected; just destroys it otherwise. Also just destroys a socket whose
 * writable side was ended but has not finished: libuv refuses the RST (uv_tcp_close_reset → EINVAL while
 * a shutdown is pending) and Node 24 then never closes the handle, which leaks the descriptor and makes
 * the process spin at exit (found by the lab supervisor: partition, heal, stop).
 */
function resetSocket(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting || (socket.writableEnded && !socket.writableFinished)) socket.destroy();
  else socket.resetAndDestroy();
}

export class FaultProxy {
  readonly name: string;
  readonly listenHost: string;
  readonly targetHost: string;
  readonly targetPort: number;
  readonly maxQueuedBytes: number;
  private currentMode: FaultMode;
  private readonly server: net.Server;
  private readonly live = new Set<Connection>();
  private readonly onEvent: ((event: FaultProxyEvent) => void) | undefined;
  private nextConnectionId = 1;
  private closing: Promise<void> | undefined;
  private counters = { accepted: 0, refused: 0, bytesToTarget: 0, bytesToClient: 0 };

  private constructor(options: FaultProxyOptions, server: net.Server) {
    this.listenHost = options.listenHost ?? '127.0.0.1';
    this.targetHost = options.targetHost ?? '127.0.0.1';
    this.targetPort = options.targetPort;
    this.name = options.name ?? `proxy->${this.targetHost}:${this.targetPort}`;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
    this.currentMode = options.mode === undefined ? 'ok' : parseFaultMode(options.mode);
    this.onEvent = options.onEvent;
    this.server = server;
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Starts listening; resolves once the port is bound (rejects on EADDRINUSE and the like). */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const proxy = new FaultProxy(options, server);
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen({ host: proxy.listenHost, port: options.listenPort ?? 0 }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    return proxy;
  }

  /** The port the proxy listens on. */
  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error(`${this.name}: not listening`);
    return address.port;
  }

  get mode(): FaultMode {
    return this.currentMode;
  }

  /** Live proxied connections (held and black-holed ones included). */
  get connections(): number {
    return this.live.size;
  }

  get stats(): FaultProxyStats {
    let bytesQueued = 0;
    for (const connection of this.live) bytesQueued += connection.queuedBytes;
    return { ...this.counters, bytesQueued };
  }

  setMode(mode: FaultMode): void {
    const next = parseFaultMode(mode);
    const previous = this.currentMode;
    if (this.closing !== undefined) throw new Error(`${this.name}: closed`);
    this.currentMode = next;
    if (next !== previous) this.emit({ type: 'mode-changed', proxy: this.name, mode: next, previous });
    for (const connection of [...this.live]) {
      if (next === 'reset') connection.reset();
      else if (forwards(next)) connection.resume();
      else connection.updateReading();
    }
  }

  /** Stops listening and closes every connection; resolves when all sockets are closed. Idempotent. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      const connections = [...this.live];
      for (const connection of connections) connection.shutdown();
      this.closing = Promise.all([serverClosed, ...connections.map((connection) => connection.done)]).then(
        () => {},
      );
    }
    return this.closing;
  }

  /** @internal */
  emit(event: FaultProxyEvent): void {
    this.onEvent?.(event);
  }

  /** @internal */
  forget(connection: Connection, reason: 'closed' | 'reset' | 'error' | 'proxy-closed'): void {
    if (this.live.delete(connection)) {
      this.emit({ type: 'connection-closed', proxy: this.name, connection: connection.id, reason });
    }
  }

  /** @internal */
  countForwarded(toTarget: boolean, bytes: number): void {
    if (toTarget) this.counters.bytesToTarget += bytes;
    else this.counters.bytesToClient += bytes;
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    if (this.currentMode === 'reset') {
      this.counters.refused++;
      socket.on('error', () => {});
      socket.resetAndDestroy();
      this.emit({ type: 'connection-refused', proxy: this.name, reason: 'reset' });
      return;
    }
    const initial: UpstreamState =
      this.currentMode === 'stall' ? 'held' : this.currentMode === 'drop-new' ? 'black-holed' : 'connecting';
    const connection = new Connection(this, this.nextConnectionId++, socket, initial);
    this.live.add(connection);
    this.counters.accepted++;
    this.emit({
      type: 'connection-opened',
      proxy: this.name,
      connection: connection.id,
      held: initial !== 'connecting',
    });
    if (initial === 'connecting') connection.connectUpstream();
  }
}

// ---------------------------------------------------------------------------------------------------
// A group: one proxy per directed pair of nodes (and per service port of the target node).

export interface FaultProxyGroupNode {
  readonly name: string;
  /** Where the node really listens; default 127.0.0.1. */
  readonly host?: string;
  /** One port (service "default") … */
  readonly port?: number;
  /** … or several named ones, e.g. `{ quorum: 2888, election: 3888 }`. */
  readonly ports?: Readonly<Record<string, number>>;
}

export interface FaultProxyGroupOptions {
  readonly nodes: readonly FaultProxyGroupNode[];
  /** Where the proxies listen; default 127.0.0.1. */
  readonly listenHost?: string;
  readonly onEvent?: (event: FaultProxyEvent) => void;
  /**
   * The service ports `from` dials on `to`, when they depend on the pair (a broker's listener for one
   * peer) or some pairs never talk (ZooKeeper never dials a broker: `{}`, no proxy). Default: every
   * service of `to`.
   */
  readonly services?: (
    from: FaultProxyGroupNode,
    to: FaultProxyGroupNode,
  ) => Readonly<Record<string, number>>;
}

/** `modes[i][j]` describes the link nodes[i] → nodes[j]; null on the diagonal. */
export interface LinkMatrix {
  readonly nodes: readonly string[];
  readonly modes: readonly (readonly (string | null)[])[];
}

function servicesOf(node: FaultProxyGroupNode): Record<string, number> {
  if (node.ports !== undefined && node.port !== undefined) {
    throw new RangeError(`node ${node.name}: give port or ports, not both`);
  }
  if (node.ports !== undefined) return { ...node.ports };
  if (node.port !== undefined) return { default: node.port };
  return {};
}

export class FaultProxyGroup {
  readonly nodes: readonly string[];
  private readonly proxies: Map<string, Map<string, Map<string, FaultProxy>>>;

  private constructor(nodes: readonly string[], proxies: Map<string, Map<string, Map<string, FaultProxy>>>) {
    this.nodes = nodes;
    this.proxies = proxies;
  }

  /** Starts a proxy for every ordered pair (from ≠ to) and every service port of `to`. */
  static async start(options: FaultProxyGroupOptions): Promise<FaultProxyGroup> {
    const names = options.nodes.map((node) => node.name);
    if (new Set(names).size !== names.length)
      throw new RangeError('FaultProxyGroup: node names must be unique');
    const started: FaultProxy[] = [];
    const proxies = new Map<string, Map<string, Map<string, FaultProxy>>>();
    try {
      const pending: Promise<void>[] = [];
      for (const from of options.nodes) {
        const row = new Map<string, Map<string, FaultProxy>>();
        proxies.set(from.name, row);
        for (const to of options.nodes) {
          if (to === from) continue;
          const services = new Map<string, FaultProxy>();
          row.set(to.name, services);
          const servicePorts = options.services?.(from, to) ?? servicesOf(to);
          for (const [service, port] of Object.entries(servicePorts)) {
            pending.push(
              FaultProxy.start({
                listenHost: options.listenHost,
                targetHost: to.host,
                targetPort: port,
                name:
                  service === 'default' ? `${from.name}->${to.name}` : `${from.name}->${to.name}:${service}`,
                onEvent: options.onEvent,
              }).then((proxy) => {
                started.push(proxy);
                services.set(service, proxy);
              }),
            );
          }
        }
      }
      const results = await Promise.allSettled(pending);
      const failed = results.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    } catch (error) {
      await Promise.all(started.map((proxy) => proxy.close()));
      throw error;
    }
    return new FaultProxyGroup(names, proxies);
  }

  /** The proxy `from` should dial to reach `service` on `to` (optional when `to` has one service). */
  proxy(from: string, to: string, service?: string): FaultProxy {
    const services = this.link(from, to);
    if (service === undefined) {
      if (services.size !== 1) {
        throw new RangeError(`${to} has services ${[...services.keys()].join(', ')}: name one`);
      }
      return services.values().next().value as FaultProxy;
    }
    const proxy = services.get(service);
    if (proxy === undefined) throw new RangeError(`${to} has no service ${service}`);
    return proxy;
  }

  /** Address `from` should be configured with to reach `to`. */
  address(from: string, to: string, service?: string): { host: string; port: number } {
    const proxy = this.proxy(from, to, service);
    return { host: proxy.listenHost, port: proxy.port };
  }

  /** Does `from` dial `to` at all (is there a proxy to cut)? */
  hasLink(from: string, to: string): boolean {
    return this.link(from, to).size > 0;
  }

  /** Sets every service of the directed link from → to. */
  setLink(from: string, to: string, mode: FaultMode): void {
    for (const proxy of this.link(from, to).values()) proxy.setMode(mode);
  }

  /**
   * Cuts every link between the two groups, both directions (default mode 'stall', a silent partition).
   * Links inside a group and links of nodes in neither group are left as they are; heal() first for a
   * fresh topology.
   */
  partition(groupA: readonly string[], groupB: readonly string[], mode: FaultMode = 'stall'): void {
    for (const name of [...groupA, ...groupB]) {
      if (!this.nodes.includes(name)) throw new RangeError(`unknown node ${name}`);
    }
    for (const a of groupA) {
      for (const b of groupB) {
        if (a === b) throw new RangeError(`node ${a} is in both groups`);
        this.setLink(a, b, mode);
        this.setLink(b, a, mode);
      }
    }
  }

  /** Cuts `node` off from every other node, both directions. */
  isolate(node: string, mode: FaultMode = 'stall'): void {
    this.partition(
      [node],
      this.nodes.filter((other) => other !== node),
      mode,
    );
  }

  /** Every link back to 'ok'. */
  heal(): void {
    for (const proxy of this.all()) proxy.setMode('ok');
  }

  matrix(): LinkMatrix {
    const modes = this.nodes.map((from) =>
      this.nodes.map((to) => {
        if (from === to) return null;
        const services = this.link(from, to);
        const distinct = new Set([...services.values()].map((proxy) => proxy.mode));
        if (distinct.size === 0) return null;
        if (distinct.size === 1) return [...distinct][0];
        return [...services].map(([service, proxy]) => `${service}=${proxy.mode}`).join(',');
      }),
    );
    return { nodes: this.nodes, modes };
  }

  /** Live connections over all proxies. */
  get connections(): number {
    let total = 0;
    for (const proxy of this.all()) total += proxy.connections;
    return total;
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((proxy) => proxy.close()));
  }

  private all(): FaultProxy[] {
    const list: FaultProxy[] = [];
    for (const row of this.proxies.values()) {
      for (const services of row.values()) list.push(...services.values());
    }
    return list;
  }

  private link(from: string, to: string): Map<string, FaultProxy> {
    const row = this.proxies.get(from);
    if (row === undefined) throw new RangeError(`unknown node ${from}`);
    if (from === to) return new Map();
    const services = row.get(to);
    if (services === undefined) throw new RangeError(`unknown node ${to}`);
    return services;
  }
}

/** A text table of a link matrix: rows are senders (from), columns receivers (to). */
export function formatLinkMatrix(matrix: LinkMatrix): string {
  const header = ['from\\to', ...matrix.nodes];
  const rows = matrix.nodes.map((from, i) => [from, ...matrix.modes[i].map((mode) => mode ?? '·')]);
  const widths = header.map((_cell, column) =>
    Math.max(...[header, ...rows].map((row) => row[column].length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
