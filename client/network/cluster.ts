// What producer, consumer and admin share: the bootstrap list, the broker pool and the metadata cache,
// with refreshes coalesced (many callers asking at once cause one Metadata request) and retried on
// another broker when one fails.
//
//   const cluster = new Cluster({ brokers: ['127.0.0.1:9092'], clientId: 'demo' });
//   await cluster.connect();                       // Metadata for no topics: brokers + controller
//   await cluster.refreshMetadata(['orders']);     // now cluster.metadata knows 'orders'
//   const leader = await cluster.connectionTo(cluster.metadata.leaderFor('orders', 0)!);

import { ApiKey } from '../protocol/api-keys.ts';
import { ZERO_UUID } from '../protocol/binary.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import {
  BrokerPool,
  connectionKey,
  parseBrokerAddress,
  type BrokerAddress,
  type Lane,
} from './broker-pool.ts';
import type { Connection, NetworkEvent } from './connection.ts';
import { ClientClosedError, KafkaClientError, KafkaProtocolError, isRetriableError } from './errors.ts';
import { MetadataCache, type BrokerInfo, type MetadataResponse } from './metadata.ts';

export interface ClusterOptions {
  /** Bootstrap brokers: "host:port" strings (or one comma-separated string). */
  brokers: readonly string[] | string;
  clientId?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Refresh metadata at least this often (Kafka's metadata.max.age.ms, 300 000). */
  metadataMaxAgeMs?: number;
  /** Pause before retrying a failed metadata or coordinator lookup (retry.backoff.ms, 100). */
  retryBackoffMs?: number;
  /** Ask brokers to create unknown topics on Metadata (producers: true, consumers: false). */
  allowAutoTopicCreation?: boolean;
  /** Max requests awaiting a response per connection (the producer passes its in-flight limit). */
  maxInFlightRequests?: number;
  onEvent?: (event: ClusterEvent) => void;
}

export type ClusterEvent =
  | NetworkEvent
  | { type: 'metadata'; topics: string[] | null; brokers: number; controllerId: number; version: number }
  | { type: 'coordinator'; groupId: string; nodeId: number };

export interface ResolvedCoordinator extends BrokerInfo {
  groupId: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Cluster {
  readonly metadata = new MetadataCache();
  readonly clientId: string;
  readonly retryBackoffMs: number;
  readonly requestTimeoutMs: number;
  private readonly bootstrap: BrokerAddress[];
  private readonly pool: BrokerPool;
  private readonly metadataMaxAgeMs: number;
  private readonly allowAutoTopicCreation: boolean;
  private readonly onEvent: ((event: ClusterEvent) => void) | undefined;
  /** Topics whose metadata is kept (null = all topics, for pattern subscriptions and admin). */
  private tracked = new Set<string>();
  private trackAll = false;
  private refreshing: Promise<void> | null = null;
  private refreshQueued: Promise<void> | null = null;
  private maxAgeTimer: ReturnType<typeof setInterval> | null = null;
  private bootstrapIndex = 0;
  private closed = false;

  constructor(options: ClusterOptions) {
    const list = typeof options.brokers === 'string' ? options.brokers.split(',') : options.brokers;
    this.bootstrap = list.filter((entry) => entry.trim() !== '').map(parseBrokerAddress);
    if (this.bootstrap.length === 0) {
      throw new KafkaClientError('KZ_ERR_CONFIG', 'brokers: at least one bootstrap broker is needed');
    }
    this.clientId = options.clientId ?? 'kzlab';
    this.retryBackoffMs = options.retryBackoffMs ?? 100;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.metadataMaxAgeMs = options.metadataMaxAgeMs ?? 300_000;
    this.allowAutoTopicCreation = options.allowAutoTopicCreation ?? true;
    this.onEvent = options.onEvent;
    this.pool = new BrokerPool({
      clientId: this.clientId,
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      requestTimeoutMs: this.requestTimeoutMs,
      ...(options.maxInFlightRequests === undefined
        ? {}
        : { maxInFlightRequests: options.maxInFlightRequests }),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
  }

  /** Bootstraps: one Metadata round trip (for the tracked topics, or brokers only). */
  async connect(): Promise<void> {
    this.assertOpen();
    await this.refreshMetadata();
    if (!this.maxAgeTimer && Number.isFinite(this.metadataMaxAgeMs)) {
      this.maxAgeTimer = setInterval(
        () => {
          if (Date.now() - this.metadata.updatedAt >= this.metadataMaxAgeMs)
            this.refreshMetadata().catch(() => {});
        },
        Math.max(1000, Math.min(this.metadataMaxAgeMs, 60_000)),
      );
      this.maxAgeTimer.unref();
    }
  }

  /** Keep metadata for these topics from now on (and include them in every refresh). */
  track(topics: Iterable<string>): boolean {
    let added = false;
    for (const topic of topics) {
      if (!this.tracked.has(topic)) {
        this.tracked.add(topic);
        added = true;
      }
    }
    return added;
  }

  /** Keep metadata for every topic (pattern subscriptions, admin listings). */
  trackAllTopics(enabled = true): void {
    this.trackAll = enabled;
  }

  /**
   * Refreshes metadata for the tracked topics plus `topics`. Concurrent calls share one request; a call
   * made while a refresh is in flight waits for the next one (which will include its topics).
   */
  refreshMetadata(topics: Iterable<string> = []): Promise<void> {
    if (this.closed) return Promise.reject(new ClientClosedError('cluster client'));
    this.track(topics);
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
      return this.refreshing;
    }
    if (!this.refreshQueued) {
      this.refreshQueued = this.refreshing
        .catch(() => {})
        .then(() => {
          this.refreshQueued = null;
          return this.refreshMetadata();
        });
    }
    return this.refreshQueued;
  }

  private async doRefresh(): Promise<void> {
    const requested = this.trackAll ? null : [...this.tracked];
    let lastError: unknown = null;
    const candidates = this.candidateAddresses();
    for (const { key, address, nodeId } of candidates) {
      if (this.closed) break;
      try {
        const connection = this.pool.get(key, address, nodeId);
        const response = await connection.request(ApiKey.Metadata, () => ({
          topics: requested === null ? null : requested.map((name) => ({ name, topicId: ZERO_UUID })),
          allowAutoTopicCreation: this.allowAutoTopicCreation,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        }));
        this.metadata.update(response, requested, Date.now());
        this.onEvent?.({
          type: 'metadata',
          topics: requested,
          brokers: this.metadata.brokers.size,
          controllerId: this.metadata.controllerId,
          version: this.metadata.version,
        });
        return;
      } catch (error) {
        lastError = error;
        if (!isRetriableError(error)) throw error;
      }
    }
    if (this.closed) throw new ClientClosedError('cluster client');
    throw new KafkaClientError(
      'KZ_ERR_NO_BROKER',
      `no broker answered Metadata (tried ${candidates.length})`,
      {
        cause: lastError,
        retriable: true,
        definite: true,
      },
    );
  }

  /**
   * One Metadata request for exactly these topics (null = all), outside the tracked set (admin calls).
   * The cache is updated with the answer too.
   */
  async fetchMetadata(
    topics: readonly string[] | null,
    allowAutoTopicCreation = false,
  ): Promise<MetadataResponse> {
    this.assertOpen();
    const connection = await this.anyConnection();
    const response = await connection.request(ApiKey.Metadata, {
      topics: topics === null ? null : topics.map((name) => ({ name, topicId: ZERO_UUID })),
      allowAutoTopicCreation,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    this.metadata.update(response, topics, Date.now());
    return response;
  }

  /**
   * Known brokers first, then the bootstrap list. Among the brokers, Kafka's leastLoadedNode order: a
   * connected one with nothing in flight, then connected ones by load, then unconnected ones, and last
   * any whose request just timed out (see BrokerPool).
   */
  private candidateAddresses(): { key: string; address: BrokerAddress; nodeId: number | null }[] {
    const out: { key: string; address: BrokerAddress; nodeId: number | null }[] = [];
    const now = Date.now();
    const rank = (nodeId: number): number => {
      if (this.pool.recentlyUnresponsive(nodeId, now)) return Number.MAX_SAFE_INTEGER;
      return this.pool.load(nodeId) ?? Number.MAX_SAFE_INTEGER - 1;
    };
    const brokers = [...this.metadata.brokers.values()];
    brokers.sort((a, b) => rank(a.nodeId) - rank(b.nodeId));
    for (const broker of brokers) {
      out.push({ key: connectionKey(broker.nodeId), address: broker, nodeId: broker.nodeId });
    }
    for (let i = 0; i < this.bootstrap.length; i++) {
      const index = (this.bootstrapIndex + i) % this.bootstrap.length;
      out.push({ key: `bootstrap/${index}`, address: this.bootstrap[index], nodeId: null });
    }
    this.bootstrapIndex = (this.bootstrapIndex + 1) % this.bootstrap.length;
    return out;
  }

  /** A connection to broker `nodeId` (which metadata must know) on `lane`. */
  async connectionTo(nodeId: number, lane: Lane = 'default'): Promise<Connection> {
    this.assertOpen();
    let broker = this.metadata.broker(nodeId);
    if (!broker) {
      await this.refreshMetadata();
      broker = this.metadata.broker(nodeId);
      if (!broker) {
        throw new KafkaClientError('KZ_ERR_METADATA', `broker ${nodeId} is not in the cluster metadata`, {
          retriable: true,
        });
      }
    }
    const connection = this.pool.get(connectionKey(nodeId, lane), broker, nodeId);
    await connection.connect();
    return connection;
  }

  /** Some connected broker (for requests any broker can answer: Metadata, FindCoordinator, ListGroups). */
  async anyConnection(): Promise<Connection> {
    let lastError: unknown = null;
    for (const { key, address, nodeId } of this.candidateAddresses()) {
      try {
        const connection = this.pool.get(key, address, nodeId);
        await connection.connect();
        return connection;
      } catch (error) {
        lastError = error;
      }
    }
    throw new KafkaClientError('KZ_ERR_NO_BROKER', 'no broker reachable', {
      cause: lastError,
      retriable: true,
    });
  }

  /** The controller (CreateTopics, DeleteTopics, CreatePartitions go there). */
  async controllerConnection(): Promise<Connection> {
    if (this.metadata.controllerId < 0 || !this.metadata.broker(this.metadata.controllerId)) {
      await this.refreshMetadata();
    }
    if (this.metadata.controllerId < 0) {
      throw new KafkaClientError('KZ_ERR_METADATA', 'the cluster has no controller right now', {
        retriable: true,
      });
    }
    return this.connectionTo(this.metadata.controllerId);
  }

  /**
   * The group coordinator (FindCoordinator, key type 0), retrying COORDINATOR_NOT_AVAILABLE and
   * COORDINATOR_LOAD_IN_PROGRESS until `timeoutMs`.
   */
  async findCoordinator(groupId: string, timeoutMs = this.requestTimeoutMs): Promise<ResolvedCoordinator> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.assertOpen();
      let failure: unknown;
      try {
        const connection = await this.anyConnection();
        const response = await connection.request(ApiKey.FindCoordinator, (version) =>
          version >= 4 ? { keyType: 0, coordinatorKeys: [groupId] } : { key: groupId, keyType: 0 },
        );
        const answer =
          response.coordinators.length > 0
            ? response.coordinators[0]
            : {
                nodeId: response.nodeId,
                host: response.host,
                port: response.port,
                errorCode: response.errorCode,
                errorMessage: response.errorMessage,
              };
        if (answer.errorCode === ErrorCode.NONE) {
          this.onEvent?.({ type: 'coordinator', groupId, nodeId: answer.nodeId });
          return { groupId, nodeId: answer.nodeId, host: answer.host, port: answer.port, rack: null };
        }
        failure = new KafkaProtocolError(answer.errorCode, { message: answer.errorMessage });
      } catch (error) {
        failure = error;
      }
      if (!isRetriableError(failure) || Date.now() + this.retryBackoffMs > deadline) throw failure;
      await sleep(this.retryBackoffMs);
    }
  }

  /** A connection to an address that metadata may not list yet (the coordinator), on a lane. */
  async connectionToAddress(nodeId: number, address: BrokerAddress, lane: Lane): Promise<Connection> {
    this.assertOpen();
    const connection = this.pool.get(connectionKey(nodeId, lane), address, nodeId);
    await connection.connect();
    return connection;
  }

  /** Closes one pooled connection (after a timeout, or to force a reconnect). */
  dropConnection(nodeId: number, lane: Lane = 'default'): void {
    this.pool.closeKey(connectionKey(nodeId, lane));
  }

  /** The pooled connection to a broker on a lane, if one is open. */
  peekConnection(nodeId: number, lane: Lane = 'default'): Connection | undefined {
    return this.pool.peek(connectionKey(nodeId, lane));
  }

  /** Waits until metadata knows every topic in `topics` with a leader for each partition. */
  async waitForTopics(topics: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.track(topics);
    const missingNow = () =>
      topics.filter((topic) => {
        const info = this.metadata.topics.get(topic);
        return (
          !info || info.partitions.length === 0 || info.partitions.some((partition) => partition.leader < 0)
        );
      });
    for (let round = 0; ; round++) {
      const missing = missingNow();
      if (missing.length === 0) return;
      if (round > 0) await sleep(Math.min(this.retryBackoffMs, Math.max(0, deadline - Date.now())));
      if (Date.now() >= deadline) {
        const reasons = missing.map((topic) => {
          const code = this.metadata.topicErrors.get(topic);
          return code === undefined ? topic : `${topic} (${new KafkaProtocolError(code).errorName})`;
        });
        throw new KafkaClientError(
          'KZ_ERR_METADATA',
          `no metadata with leaders for ${reasons.join(', ')} after ${timeoutMs} ms`,
          {
            retriable: true,
          },
        );
      }
      try {
        await this.refreshMetadata(missing);
      } catch (error) {
        if (!isRetriableError(error)) throw error;
      }
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.maxAgeTimer) clearInterval(this.maxAgeTimer);
    this.pool.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientClosedError('cluster client');
  }
}
