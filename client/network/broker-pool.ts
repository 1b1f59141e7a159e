// Connections by broker: at most one open connection per (broker, lane). Lanes keep traffic that waits
// (a long-polling Fetch, a JoinGroup parked for a rebalance) from delaying traffic that must not wait
// (heartbeats): Kafka answers each connection in order, so the Java consumer talks to its group
// coordinator over a second socket, and kafkajs fetches over one. A closed connection is forgotten and
// the next request opens a new one.

import { Connection, type ConnectionOptions, type NetworkEvent } from './connection.ts';

export type Lane = 'default' | 'fetch' | 'coordinator';

export interface BrokerAddress {
  host: string;
  port: number;
}

export type ConnectionDefaults = Omit<ConnectionOptions, 'host' | 'port' | 'nodeId'>;

export class BrokerPool {
  private readonly connections = new Map<string, Connection>();
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
    connection.onClose(() => {
      if (this.connections.get(key) === connection) this.connections.delete(key);
    });
    return connection;
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
