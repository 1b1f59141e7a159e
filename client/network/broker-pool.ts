// Connections by broker: at most one open connection per (broker, lane). Lanes keep traffic that waits
// (a long-polling Fetch, a JoinGroup parked for a rebalance) from delaying traffic that must not wait
// (heartbeats): Kafka answers each connection in order, so the Java consumer talks to its group
// coordinator over a second socket, and kafkajs fetches over one. A closed connection is forgotten and
// the next request opens a new one.
//
// A request that times out marks its broker unresponsive for a while and closes all its lanes, as the Java
// client disconnects a node whose request timed out: the next Metadata request then goes to another
// broker (Cluster.candidateAddresses), not to a leader cut off from the cluster that still answers from
// its stale cache that it leads (a zombie).

import { Connection, type ConnectionOptions, type NetworkEvent } from './connection.ts';
import { RequestTimeoutError } from './errors.ts';

/** How long a broker whose request timed out goes last when picking a broker for Metadata. */
export const UNRESPONSIVE_MS = 5_000;

export type Lane = 'default' | 'fetch' | 'coordinator';

export interface BrokerAddress {
  host: string;
  port: number;
}

export type ConnectionDefaults = Omit<ConnectionOptions, 'host' | 'port' | 'nodeId'>;

export class BrokerPool {
  private readonly connections = new Map<string, Connection>();
  /** Broker id → when a request to it last timed out. */
  private readonly timedOutAt = new Map<number, number>();
  private closed = false;
  private readonly defaults: ConnectionDefaults;

  constructor(defaults: ConnectionDefaults = {}) {
    this.defaults = defaults;
  }

  /** An open (or opening) connection to `address` for `key`; made on first use, replaced when it closed. */
  get(
    key: string,
    address: BrokerAddress,
    nodeId: number | null,
    overrides: Partial<ConnectionDefaults> = {},
  ): Connection {
    const existing = this.connections.get(key);
    if (existing && existing.isOpen && existing.host === address.host && existing.port === address.port) {
      return existing;
    }
    if (existing) existing.close();
    if (this.closed) throw new Error('broker pool is closed');
    const connection = new Connection({
      ...this.defaults,
      ...overrides,
      host: address.host,
      port: address.port,
      nodeId,
    });
    this.connections.set(key, connection);
    connection.onClose((error) => {
      if (this.connections.get(key) === connection) this.connections.delete(key);
      if (nodeId !== null && error.cause instanceof RequestTimeoutError) this.markUnresponsive(nodeId);
    });
    return connection;
  }

  /** A request to `nodeId` timed out: close every lane to it and remember when. */
  private markUnresponsive(nodeId: number): void {
    this.timedOutAt.set(nodeId, Date.now());
    for (const [key, connection] of this.connections) {
      if (key.startsWith(`${nodeId}/`)) connection.close();
    }
  }

  /** Did a request to `nodeId` time out within the last UNRESPONSIVE_MS? */
  recentlyUnresponsive(nodeId: number, nowMs = Date.now()): boolean {
    const at = this.timedOutAt.get(nodeId);
    return at !== undefined && nowMs - at < UNRESPONSIVE_MS;
  }

  /** Requests in flight or queued over the open lanes to `nodeId`; undefined when none is open. */
  load(nodeId: number): number | undefined {
    let total: number | undefined;
    for (const [key, connection] of this.connections) {
      if (!key.startsWith(`${nodeId}/`) || !connection.isOpen) continue;
      total = (total ?? 0) + connection.inFlightCount + connection.queuedCount;
    }
    return total;
  }

  /** The existing open connection for `key`, if any. */
  peek(key: string): Connection | undefined {
    const connection = this.connections.get(key);
    return connection?.isOpen ? connection : undefined;
  }

  /** Open connections (for picking the least loaded one). */
  open(): Connection[] {
    return [...this.connections.values()].filter((connection) => connection.isOpen);
  }

  closeKey(key: string): void {
    this.connections.get(key)?.close();
    this.connections.delete(key);
  }

  close(): void {
    this.closed = true;
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }
}

export function connectionKey(nodeId: number, lane: Lane = 'default'): string {
  return `${nodeId}/${lane}`;
}

/** "host:port" (or "[v6]:port") → address. */
export function parseBrokerAddress(text: string): BrokerAddress {
  const trimmed = text.trim().replace(/^[a-z]+:\/\//i, '');
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(trimmed) ?? /^([^:]+):(\d+)$/.exec(trimmed);
  if (!match) return { host: trimmed, port: 9092 };
  return { host: match[1], port: Number(match[2]) };
}

export type { NetworkEvent };
