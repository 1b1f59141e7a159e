// KafkaServer: one ZooKeeper-era Kafka broker (Kafka 2.4's kafka.server.KafkaServer), assembled from the
// pieces in broker/: config, zk, log, network, server, api, controller, controller-channel, admin-http.
//
// Startup, in Kafka's order (shared/reference/kafka-zk-era.md §1.4):
//   1. connect to ZooKeeper (zookeeper.connect, chroot created if missing); create the persistent top-level
//      paths; read or create /cluster/id;
//   2. the broker id (broker.id, else meta.properties, else generated from /brokers/seqid) and
//      meta.properties in every log dir (a disk from another broker or cluster is refused);
//   3. LogManager.startup: every partition log loaded, recovered after an unclean shutdown;
//   4. the Kafka listeners (SocketServer + KafkaApis) — bound now so the registration can name real ports;
//   5. register /brokers/ids/<id> (ephemeral; its czxid is the broker epoch). After a crash the previous
//      session's node may still be there: we wait (up to about two session timeouts) for it to expire;
//   6. run for controller (ControllerElector); the winner hosts the KafkaController (ControllerZkDriver) and
//      talks to every live broker, itself included, through the ControllerChannelManager;
//   7. periodic tasks: retention (log.retention.check.interval.ms), high-watermark checkpoints
//      (replica.high.watermark.checkpoint.interval.ms), recovery-point checkpoints
//      (log.flush.offset.checkpoint.interval.ms), flush.ms; then the admin HTTP server (kzlab.admin.port).
//   Until the controller sends LeaderAndIsr, the broker serves no partition even if their logs are on disk.
//
// Shutdown (SIGTERM/SIGINT through broker/main.ts): close the listeners, stop the controller (elector,
// driver, request channels), close the ZooKeeper session (the ephemeral registration — and /controller if
// we held it — disappear at once, so the controller reacts without waiting for a session timeout), then
// LogManager.shutdown: flush, checkpoints, and the .kafka_cleanshutdown marker.

import { randomBytes } from 'node:crypto';
import os from 'node:os';

import type { Logger } from 'pino';

import { KzError } from '../client/common/errors.ts';
import { Connection } from '../client/network/connection.ts';
import { ApiKey, apiName, errorName, type DecodedRequest } from '../client/protocol/index.ts';
import type { BrokerConfig } from './config/broker-config.ts';
import type { EndPoint } from './config/endpoints.ts';
import type { ControllerJournalEvent } from './controller/journal.ts';
import type { ControllerRequest } from './controller/requests.ts';
import { startBrokerAdminHttp, type AdminHttpHandle } from './admin-http/admin-http-server.ts';
import type {
  BrokerAdminView,
  BrokerCounters,
  BrokerEndpointView,
  BrokerView,
  ControllerView,
  PartitionView,
  ReplicaStateView,
} from './admin-http/broker-admin-view.ts';
import { GroupApis } from './api/group-apis.ts';
import { ConfigApis } from './api/config-apis.ts';
import { KafkaApis } from './api/kafka-apis.ts';
import { ControllerChannelManager } from './controller-channel/controller-channel-manager.ts';
import type { ControllerResponse } from './controller-channel/controller-requests-codec.ts';
import { checkOrWriteMetaProperties, readMetaProperties } from './log/meta-properties.ts';
import { LogManager } from './log/log-manager.ts';
import { logConfigWithTopicOverrides, type LogConfig } from './log/log-config.ts';
import { SocketServer, type RequestHandler } from './network/socket-server.ts';
import { GroupCoordinatorShell } from './server/group-coordinator-shell.ts';
import { MetadataCache } from './server/metadata-cache.ts';
import { IsrChangePropagation, ISR_CHANGE_PROPAGATION_CHECK_MS } from './server/isr-change-propagation.ts';
import { ReplicaFetcherManager } from './server/replica-fetcher-manager.ts';
import { ReplicaManager, type PartitionState } from './server/replica-manager.ts';
import { ZkTopicAdmin } from './server/topic-admin.ts';
import { ControllerElector, type ControllerElectionEvent } from './zk/controller-election.ts';
import { ControllerZkDriver } from './zk/controller-zk-driver.ts';
import { isKeeperException } from './zk/errors.ts';
import { KafkaZkClient } from './zk/kafka-zk-client.ts';
import type { BrokerInfo } from './zk/zk-data.ts';

/** Startup failures of the broker shell (another broker holds our id, inconsistent broker ids, …). */
export const KZ_ERR_BROKER_STARTUP = 'KZ_ERR_BROKER_STARTUP';

/** kzlab-only settings read from server.properties (`kzlab.*` keys; Kafka itself would warn about them). */
export interface KzlabBrokerSettings {
  /** `kzlab.admin.port`: admin HTTP port; 0 or unset = no admin server. */
  readonly adminPort: number;
  /** `kzlab.admin.host` (127.0.0.1). */
  readonly adminHost: string;
}

export const DEFAULT_KZLAB_SETTINGS: KzlabBrokerSettings = { adminPort: 0, adminHost: '127.0.0.1' };

export interface KafkaServerOptions {
  readonly config: BrokerConfig;
  readonly kzlab?: KzlabBrokerSettings;
  /** The process's root logger; the broker logs under child loggers { node: 'broker<id>', component }. */
  readonly log: Logger;
}

/** Kafka's CoreUtils.generateUuidAsBase64: 16 random bytes, base64url without padding (22 characters). */
export function generateClusterId(): string {
  return randomBytes(16).toString('base64url');
}

/** Kafka's toBytes-free equality for our small config maps. */
function sameEntries(a: ReadonlyMap<string, string> | undefined, b: ReadonlyMap<string, string>): boolean {
  if (a === undefined || a.size !== b.size) return false;
  for (const [key, value] of b) if (a.get(key) !== value) return false;
  return true;
}

/** Rejects with a clear error if `promise` has not settled within `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function logConfigFromBrokerConfig(config: BrokerConfig): LogConfig {
  const policy = [...config.logCleanupPolicy].sort().join(',');
  return {
    segmentBytes: config.logSegmentBytes,
    segmentMs: config.logRollMs,
    segmentJitterMs: config.logRollJitterMs,
    segmentIndexBytes: config.logIndexSizeMaxBytes,
    indexIntervalBytes: config.logIndexIntervalBytes,
    retentionMs: config.logRetentionMs,
    retentionBytes: config.logRetentionBytes,
    maxMessageBytes: config.messageMaxBytes,
    flushMessages: config.logFlushIntervalMessages,
    flushMs: config.logFlushIntervalMs,
    messageTimestampType: config.logMessageTimestampType,
    cleanupPolicy:
      policy === 'compact,delete' ? 'compact,delete' : policy === 'compact' ? 'compact' : 'delete',
    fileDeleteDelayMs: config.logSegmentDeleteDelayMs,
  };
}

export class KafkaServer implements BrokerAdminView {
  readonly config: BrokerConfig;
  readonly kzlab: KzlabBrokerSettings;
  private readonly rootLog: Logger;
  private log: Logger;
  private _brokerId: number;
  private _clusterId: string | null = null;
  private brokerEpoch = -1n;
  private readonly startedAtMs = Date.now();

  private kafkaZk: KafkaZkClient | undefined;
  private logManager: LogManager | undefined;
  private metadataCache: MetadataCache | undefined;
  private replicaManager: ReplicaManager | undefined;
  private fetcherManager: ReplicaFetcherManager | undefined;
  private isrPropagation: IsrChangePropagation | undefined;
  private topicAdmin: ZkTopicAdmin | undefined;
  private groupCoordinator: GroupCoordinatorShell | undefined;
  private apis: KafkaApis | undefined;
  private readonly socketServers: { endPoint: EndPoint; server: SocketServer; port: number }[] = [];
  private advertised: EndPoint[] = [];
  private elector: ControllerElector | undefined;
  private driver: ControllerZkDriver | undefined;
  private channel: ControllerChannelManager | undefined;
  private adminHttp: AdminHttpHandle | undefined;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  /** Topic config overrides from /config/topics/<t>, refreshed when the controller sends LeaderAndIsr. */
  private readonly topicConfigs = new Map<string, Map<string, string>>();
  private readonly defaultLogConfig: LogConfig;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private stopped: Promise<void> | undefined;

  private constructor(options: KafkaServerOptions) {
    this.config = options.config;
    this.kzlab = options.kzlab ?? DEFAULT_KZLAB_SETTINGS;
    this.rootLog = options.log;
    this._brokerId = options.config.brokerId;
    this.log = this.componentLog('kafka-server');
    this.defaultLogConfig = logConfigFromBrokerConfig(options.config);
  }

  /** Starts a broker; on failure everything started so far is stopped again and the error is rethrown. */
  static async start(options: KafkaServerOptions): Promise<KafkaServer> {
    const server = new KafkaServer(options);
    try {
      await server.startup();
    } catch (error) {
      server.log.error({ err: error }, 'Fatal error during KafkaServer startup. Prepare to shutdown');
      await server.shutdown().catch(() => undefined);
      throw error;
    }
    return server;
  }

  get brokerId(): number {
    return this._brokerId;
  }

  get clusterId(): string | null {
    return this._clusterId;
  }

  /** Bound port of each listener (after startup). */
  get boundPorts(): { listener: string; host: string; port: number }[] {
    return this.socketServers.map((s) => ({
      listener: s.endPoint.listenerName,
      host: s.endPoint.host,
      port: s.port,
    }));
  }

  get adminPort(): number | undefined {
    return this.adminHttp?.port;
  }

  get isController(): boolean {
    return this.elector?.isActive ?? false;
  }

  private componentLog(component: string): Logger {
    const node = this._brokerId >= 0 ? `broker${this._brokerId}` : 'broker';
    return this.rootLog.child({ node, component });
  }

  // ───────────────────────── startup ─────────────────────────

  private async startup(): Promise<void> {
    this.state = 'starting';
    const config = this.config;
    this.log.info({ zookeeperConnect: config.zookeeperConnect.connectString }, 'starting');

    // 1. ZooKeeper, /cluster/id.
    this.log.info(`Connecting to zookeeper on ${config.zookeeperConnect.connectString}`);
    const kafkaZk = await KafkaZkClient.connect(config.zookeeperConnect.connectString, {
      sessionTimeoutMs: config.zookeeperSessionTimeoutMs,
      connectionTimeoutMs: config.zookeeperConnectionTimeoutMs,
    });
    this.kafkaZk = kafkaZk;
    await kafkaZk.createTopLevelPaths();
    this._clusterId = await kafkaZk.createOrGetClusterId(generateClusterId());
    this.log.info({ clusterId: this._clusterId }, `Cluster ID = ${this._clusterId}`);

    // 2. Broker id and meta.properties.
    this._brokerId = await this.resolveBrokerId(kafkaZk);
    this.log = this.componentLog('kafka-server');
    checkOrWriteMetaProperties(config.logDirs, { brokerId: this._brokerId, clusterId: this._clusterId });

    // Topic configs of existing topics, so logs reopened below get their overrides.
    for (const [topic, overrides] of await kafkaZk.getTopicConfigs(await kafkaZk.getAllTopicsInCluster())) {
      if (overrides.size > 0) this.topicConfigs.set(topic, overrides);
    }

    // 3. Logs.
    const logLog = this.componentLog('log-manager');
    const logManager = LogManager.startup({
      logDirs: config.logDirs,
      defaultConfig: this.defaultLogConfig,
      topicConfig: (topic) => this.logConfigFor(topic),
    });
    this.logManager = logManager;
    for (const report of logManager.startupReport) {
      logLog.info(
        {
          dir: report.dir,
          hadCleanShutdown: report.hadCleanShutdown,
          logsLoaded: report.logsLoaded,
          deletionsFinished: report.deletionsFinished,
        },
        report.hadCleanShutdown
          ? 'log dir loaded after a clean shutdown'
          : report.logsLoaded === 0
            ? 'log dir loaded (no partition logs yet)'
            : 'log dir loaded (no clean-shutdown marker: logs recovered from their recovery points)',
      );
    }
    for (const log of logManager.allLogs()) {
      const r = log.loadReport;
      if (r.recoveredSegments.length > 0 || r.truncatedBytes > 0 || r.rebuiltIndexes.length > 0) {
        logLog.warn(
          {
            log: log.name,
            recoveredSegments: r.recoveredSegments.map(String),
            truncatedBytes: r.truncatedBytes,
            truncationReason: r.truncationReason,
            rebuiltIndexes: r.rebuiltIndexes.map(String),
            logEndOffset: String(log.logEndOffset),
          },
          'recovered log',
        );
      }
    }

    // 4. Request handling and the listeners.
    const metadataCache = new MetadataCache(this._brokerId);
    this.metadataCache = metadataCache;
    const isrPropagation = new IsrChangePropagation(
      kafkaZk,
      this.componentLog('replica-manager'),
      Date.now(),
    );
    this.isrPropagation = isrPropagation;
    const replicaManager = new ReplicaManager({
      brokerId: this._brokerId,
      logManager,
      log: this.componentLog('replica-manager'),
      minInsyncReplicas: (topic) => this.minInsyncReplicas(topic),
      replicaLagTimeMaxMs: config.replicaLagTimeMaxMs,
      isrUpdater: (update) => isrPropagation.updateIsr(update, Date.now()),
    });
    this.replicaManager = replicaManager;
    this.fetcherManager = new ReplicaFetcherManager({
      brokerId: this._brokerId,
      config: {
        maxWaitMs: config.replicaFetchWaitMaxMs,
        minBytes: config.replicaFetchMinBytes,
        maxBytes: config.replicaFetchResponseMaxBytes,
        partitionMaxBytes: config.replicaFetchMaxBytes,
        backoffMs: config.replicaFetchBackoffMs,
        socketTimeoutMs: config.replicaSocketTimeoutMs,
      },
      partition: (topic, partition) => replicaManager.partition(topic, partition),
      // Kafka's makeFollowers: the leader's end point on our own inter-broker listener, from the metadata
      // cache; LeaderAndIsr's live leaders (the controller's listener) only until UpdateMetadata arrives.
      endpointOf: (id) =>
        metadataCache.broker(id, config.interBrokerListenerName) ?? replicaManager.leaderEndpoint(id),
      log: this.componentLog('replica-fetcher'),
    });
    replicaManager.setFollowerFetching(this.fetcherManager);
    this.topicAdmin = new ZkTopicAdmin({
      kafkaZk,
      metadataCache,
      isController: () => this.isController,
      defaultLogConfig: this.defaultLogConfig,
      numPartitions: config.numPartitions,
      defaultReplicationFactor: config.defaultReplicationFactor,
      deleteTopicEnable: config.deleteTopicEnable,
      log: this.componentLog('admin-manager'),
    });
    const topicAdmin = this.topicAdmin;
    const groupCoordinator = new GroupCoordinatorShell({
      brokerId: this._brokerId,
      config,
      replicaManager: this.replicaManager,
      partitionExists: (topic, partition) => metadataCache.partition(topic, partition) !== undefined,
      log: this.componentLog('group-coordinator'),
    });
    this.groupCoordinator = groupCoordinator;
    this.apis = new KafkaApis({
      brokerId: this._brokerId,
      clusterId: () => this._clusterId,
      replicaManager: this.replicaManager,
      metadataCache,
      topicAdmin,
      groupApis: new GroupApis({
        coordinator: groupCoordinator,
        metadataCache,
        topicAdmin,
        offsetsTopicNumPartitions: config.offsetsTopicNumPartitions,
        offsetsTopicReplicationFactor: config.offsetsTopicReplicationFactor,
        offsetsTopicSegmentBytes: config.offsetsTopicSegmentBytes,
        log: this.componentLog('group-apis'),
      }),
      configApis: new ConfigApis({
        brokerId: this._brokerId,
        config,
        topicExists: (topic) => metadataCache.hasTopic(topic),
        topicConfig: async (topic) => (await kafkaZk.getTopicConfigs([topic])).get(topic) ?? new Map(),
      }),
      autoCreateTopicsEnable: config.autoCreateTopicsEnable,
      log: this.componentLog('kafka-apis'),
      onStateChanged: () => {
        topicAdmin.onMetadataUpdated();
        groupCoordinator.onLeadershipChange();
      },
      brokerEpoch: () => this.brokerEpoch,
      controlledShutdown: async (brokerId, brokerEpoch) => {
        const reply = await this.driver!.controlledShutdown(brokerId, brokerEpoch);
        return { error: reply.error, partitionsRemaining: reply.partitionsRemaining };
      },
    });
    const handler = this.requestHandler(this.apis);
    for (const endPoint of config.listeners) {
      // An empty host binds every interface: '::' (dual-stack), or 0.0.0.0 where IPv6 is unavailable.
      const hosts = endPoint.host === '' ? ['::', '0.0.0.0'] : [endPoint.host];
      for (const [index, host] of hosts.entries()) {
        const server = new SocketServer(
          {
            host,
            port: endPoint.port,
            maxRequestBytes: config.socketRequestMaxBytes,
            listenerName: endPoint.listenerName,
            log: this.componentLog('socket-server').child({ listener: endPoint.listenerName }),
          },
          handler,
        );
        let port: number;
        try {
          port = await server.listen();
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (index + 1 < hosts.length && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) continue;
          throw new KzError(
            code === 'EADDRINUSE' ? 'KZ_ERR_PORT_IN_USE' : KZ_ERR_BROKER_STARTUP,
            `cannot listen on ${endPoint.listenerName}://${endPoint.host}:${endPoint.port}: ${(error as Error).message}`,
            { cause: error },
          );
        }
        this.socketServers.push({ endPoint, server, port });
        this.log.info(
          { listener: endPoint.listenerName, host, port },
          `Awaiting socket connections on ${host}:${port}.`,
        );
        break;
      }
    }
    this.advertised = config.advertisedListeners.map((e) => this.resolveAdvertised(e));

    // 5. Registration.
    await this.registerBroker(true);

    // 6. Controller election.
    this.startController(kafkaZk);
    await this.elector!.start();

    // 7. Periodic tasks, admin HTTP.
    this.schedulePeriodicTasks();
    if (this.kzlab.adminPort > 0) {
      this.adminHttp = await startBrokerAdminHttp(this, {
        host: this.kzlab.adminHost,
        port: this.kzlab.adminPort,
        log: this.componentLog('admin-http'),
      });
    }
    this.state = 'running';
    this.log.info(
      {
        brokerId: this._brokerId,
        brokerEpoch: String(this.brokerEpoch),
        listeners: this.boundPorts,
        advertised: this.advertised.map((e) => `${e.listenerName}://${e.host}:${e.port}`),
        adminPort: this.adminHttp?.port,
      },
      `[KafkaServer id=${this._brokerId}] started`,
    );
  }

  private async resolveBrokerId(kafkaZk: KafkaZkClient): Promise<number> {
    const config = this.config;
    const stored = new Set<number>();
    for (const dir of config.logDirs) {
      const meta = readMetaProperties(dir);
      if (meta !== null) stored.add(meta.brokerId);
    }
    if (stored.size > 1) {
      throw new KzError(
        KZ_ERR_BROKER_STARTUP,
        `the log dirs ${config.logDirs.join(', ')} belong to different brokers (broker.id ${[...stored].join(', ')} in their meta.properties) (InconsistentBrokerMetadataException)`,
      );
    }
    if (config.brokerId >= 0) return config.brokerId; // checkOrWriteMetaProperties refuses a mismatch
    const [fromMeta] = stored;
    if (fromMeta !== undefined) return fromMeta;
    if (!config.brokerIdGenerationEnable) {
      throw new KzError(
        KZ_ERR_BROKER_STARTUP,
        'broker.id is not set, no meta.properties has one, and broker.id.generation.enable is false',
      );
    }
    const generated = await kafkaZk.generateBrokerSequenceId(config.reservedBrokerMaxId);
    this.log.info({ brokerId: generated }, `generated broker.id ${generated} from /brokers/seqid`);
    return generated;
  }

  /** An advertised end point with its host filled in (''/0.0.0.0 → this machine) and port 0 → the bound port. */
  private resolveAdvertised(endPoint: EndPoint): EndPoint {
    let { host, port } = endPoint;
    if (host === '' || host === '0.0.0.0' || host === '::') host = os.hostname();
    if (port === 0) {
      const bound = this.socketServers.find((s) => s.endPoint.listenerName === endPoint.listenerName);
      if (bound !== undefined) port = bound.port;
    }
    return { ...endPoint, host, port };
  }

  private brokerInfo(): BrokerInfo {
    return {
      id: this._brokerId,
      endPoints: this.advertised.map((e) => ({
        listenerName: e.listenerName,
        securityProtocol: e.securityProtocol,
        host: e.host,
        port: e.port,
      })),
      rack: this.config.brokerRack,
      version: 4,
      jmxPort: -1,
      timestampMs: Date.now(),
    };
  }

  /**
   * Registers /brokers/ids/<id>. At startup the node may still belong to our previous, crashed process
   * (its session has not expired yet): wait for it to go, up to about two session timeouts, as an operator
   * restarting Kafka after a kill -9 would. A node that stays is another live broker with our id: fatal.
   */
  private async registerBroker(atStartup: boolean): Promise<void> {
    const kafkaZk = this.kafkaZk!;
    const deadline = Date.now() + 2 * this.config.zookeeperSessionTimeoutMs + 2_000;
    let warned = false;
    for (;;) {
      try {
        this.brokerEpoch = await kafkaZk.registerBroker(this.brokerInfo());
        this.log.info(
          {
            brokerEpoch: String(this.brokerEpoch),
            endpoints: this.advertised.map((e) => `${e.listenerName}://${e.host}:${e.port}`),
          },
          `Registered broker ${this._brokerId} at path /brokers/ids/${this._brokerId}`,
        );
        return;
      } catch (error) {
        if (!isKeeperException(error, 'NODEEXISTS') || this.state === 'stopping') throw error;
        if (!atStartup || Date.now() > deadline) {
          throw new KzError(
            KZ_ERR_BROKER_STARTUP,
            `/brokers/ids/${this._brokerId} is held by another ZooKeeper session: is another broker running with broker.id ${this._brokerId}?`,
            { cause: error },
          );
        }
        if (!warned) {
          warned = true;
          this.log.warn(
            `/brokers/ids/${this._brokerId} still exists (a previous run of this broker whose session has not expired yet?); waiting for it to go`,
          );
        }
        await sleep(500);
      }
    }
  }

  // ───────────────────────── controller ─────────────────────────

  private startController(kafkaZk: KafkaZkClient): void {
    const config = this.config;
    const controllerLog = this.componentLog('controller');
    this.driver = new ControllerZkDriver(kafkaZk, {
      controllerConfig: {
        brokerId: this._brokerId,
        uncleanLeaderElectionEnable: config.uncleanLeaderElectionEnable,
        deleteTopicEnable: config.deleteTopicEnable,
        autoLeaderRebalanceEnable: config.autoLeaderRebalanceEnable,
        leaderImbalancePerBrokerPercentage: config.leaderImbalancePerBrokerPercentage,
        leaderImbalanceCheckIntervalSeconds: config.leaderImbalanceCheckIntervalSeconds,
        interBrokerListenerName: config.interBrokerListenerName,
      },
      onRequests: (requests) => this.channel?.send(requests),
      onJournal: (events) => this.onControllerJournal(controllerLog, events),
      onResigned: () => void this.elector?.controllerMoved(),
    });
    this.elector = new ControllerElector(kafkaZk, this._brokerId, {
      onEvent: (event) => this.onElectionEvent(controllerLog, event),
      beforeReelect: async () => {
        // A new ZooKeeper session after an expiry: our registration vanished with the old one.
        this.log.warn('new ZooKeeper session after an expiry: registering again');
        await this.registerBroker(false);
      },
    });
  }

  private async onElectionEvent(log: Logger, event: ControllerElectionEvent): Promise<void> {
    switch (event.type) {
      case 'elected': {
        log.info(
          { epoch: event.epoch, epochZkVersion: event.epochZkVersion },
          `${this._brokerId} successfully elected as the controller. Epoch incremented to ${event.epoch}`,
        );
        this.channel?.shutdown();
        this.channel = new ControllerChannelManager({
          controllerId: this._brokerId,
          endpointOf: (id) => this.controllerEndpointOf(id),
          onResponse: (brokerId, request, response) =>
            this.onControllerResponse(log, brokerId, request, response),
          log: log.child({ component: 'controller-channel' }),
          requestTimeoutMs: this.config.controllerSocketTimeoutMs,
        });
        await this.driver!.activate(event.epoch, event.epochZkVersion);
        break;
      }
      case 'resigned':
        log.info({ reason: event.reason }, 'Resigning as the controller');
        await this.driver!.deactivate(event.reason);
        this.channel?.shutdown();
        this.channel = undefined;
        break;
      case 'controller-changed':
        log.info(
          { controllerId: event.controllerId ?? null },
          event.controllerId === undefined
            ? 'no controller'
            : `the controller is broker ${event.controllerId}`,
        );
        break;
      case 'election-error':
        log.error({ err: event.error }, 'controller election step failed');
        break;
    }
  }

  private controllerEndpointOf(brokerId: number): { host: string; port: number } | undefined {
    const broker = this.driver?.kafkaController?.context.liveBroker(brokerId);
    if (broker === undefined) return undefined;
    const endPoint =
      broker.endPoints.find((e) => e.listenerName === this.config.interBrokerListenerName) ??
      broker.endPoints[0];
    return endPoint === undefined ? undefined : { host: endPoint.host, port: endPoint.port };
  }

  private onControllerResponse(
    log: Logger,
    brokerId: number,
    request: ControllerRequest,
    response: ControllerResponse,
  ): void {
    if (request.type === 'StopReplica' && request.deletePartitions) {
      void this.driver?.stopReplicaResponse(brokerId, response.error, response.partitionErrors);
    }
    const failed = response.partitionErrors.filter((p) => p.error !== 'NONE');
    if (response.error !== 'NONE' || failed.length > 0) {
      log.warn(
        {
          broker: brokerId,
          api: request.type,
          error: response.error,
          partitionErrors: failed.map((p) => `${p.partition.topic}-${p.partition.partition}:${p.error}`),
        },
        'broker answered a controller request with errors',
      );
    }
  }

  private onControllerJournal(log: Logger, events: readonly ControllerJournalEvent[]): void {
    for (const event of events) {
      if (event.type === 'broker-left') this.channel?.removeBroker(event.brokerId);
      const fields = JSON.parse(
        JSON.stringify(event, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)),
      ) as Record<string, unknown>;
      const level =
        event.type === 'controller-error' || event.type === 'state-change-failed' ? 'warn' : 'info';
      log[level]({ event: fields }, event.type);
    }
  }

  // ───────────────────────── request handling ─────────────────────────

  /**
   * KafkaApis, with one step in front of LeaderAndIsr: the topics' config overrides are (re)read from
   * ZooKeeper first, so a log created for the partition gets them (max.message.bytes, retention, …). The
   * controller sends one request at a time per broker, so the extra await keeps its order.
   */
  private requestHandler(apis: KafkaApis): RequestHandler {
    return {
      handle: (request, connection) => {
        if (request.apiKey === ApiKey.LeaderAndIsr) {
          return this.refreshTopicConfigs(request).then(() => apis.handle(request, connection));
        }
        return apis.handle(request, connection);
      },
      unsupported: (request) => apis.unsupported(request),
    };
  }

  private async refreshTopicConfigs(request: Extract<DecodedRequest, { apiKey: 4 }>): Promise<void> {
    const topics = [...new Set(request.body.topicStates.map((t) => t.topicName))];
    const kafkaZk = this.kafkaZk;
    if (kafkaZk === undefined || topics.length === 0) return;
    let configs: Map<string, Map<string, string>>;
    try {
      configs = await withTimeout(
        kafkaZk.getTopicConfigs(topics),
        3_000,
        'reading topic configs from ZooKeeper',
      );
    } catch (error) {
      this.log.warn(
        { err: error instanceof Error ? error.message : String(error), topics },
        'could not read topic configs; using the cached ones',
      );
      return;
    }
    for (const [topic, overrides] of configs) {
      if (sameEntries(this.topicConfigs.get(topic), overrides)) continue;
      if (overrides.size === 0 && !this.topicConfigs.has(topic)) continue;
      this.topicConfigs.set(topic, overrides);
      const config = this.logConfigFor(topic) ?? this.defaultLogConfig;
      for (const log of this.logManager?.allLogs() ?? [])
        if (log.topicPartition.topic === topic) log.updateConfig(config);
    }
  }

  private logConfigFor(topic: string): LogConfig | undefined {
    const overrides = this.topicConfigs.get(topic);
    if (overrides === undefined || overrides.size === 0) return undefined;
    try {
      return logConfigWithTopicOverrides(this.defaultLogConfig, overrides);
    } catch (error) {
      this.log.warn({ topic, err: (error as Error).message }, 'invalid topic config override ignored');
      return undefined;
    }
  }

  private minInsyncReplicas(topic: string): number {
    const override = this.topicConfigs.get(topic)?.get('min.insync.replicas');
    const value = override === undefined ? NaN : Number(override);
    return Number.isInteger(value) && value >= 1 ? value : this.config.minInsyncReplicas;
  }

  // ───────────────────────── periodic tasks ─────────────────────────

  private schedulePeriodicTasks(): void {
    const config = this.config;
    const every = (name: string, intervalMs: number, task: () => void) => {
      if (!Number.isFinite(intervalMs) || intervalMs <= 0) return;
      const timer = setInterval(
        () => {
          if (this.state !== 'running') return;
          try {
            task();
          } catch (error) {
            this.log.error({ err: error, task: name }, 'periodic task failed');
          }
        },
        Math.min(intervalMs, 2 ** 31 - 1),
      );
      timer.unref();
      this.timers.push(timer);
    };
    const logManager = this.logManager!;
    const logLog = this.componentLog('log-manager');
    every('kafka-log-retention', config.logRetentionCheckIntervalMs, () => {
      const deleted = logManager.cleanupLogs();
      if (deleted > 0) logLog.info({ segmentsDeleted: deleted }, 'retention deleted old log segments');
    });
    const replicaManager = this.replicaManager!;
    // Kafka's isr-expiration task: followers that lag longer than replica.lag.time.max.ms leave the ISR.
    every('isr-expiration', Math.max(1, Math.floor(config.replicaLagTimeMaxMs / 2)), () =>
      replicaManager.maybeShrinkIsr(),
    );
    const isrPropagation = this.isrPropagation!;
    every('isr-change-propagation', ISR_CHANGE_PROPAGATION_CHECK_MS, () => {
      isrPropagation
        .maybePropagate(Date.now())
        .catch((error: unknown) =>
          this.log.warn({ err: error }, 'ISR change notification not written; retrying'),
        );
    });
    every('highwatermark-checkpoint', config.replicaHighWatermarkCheckpointIntervalMs, () =>
      logManager.checkpointHighWatermarks(),
    );
    every('kafka-recovery-point-checkpoint', config.logFlushOffsetCheckpointIntervalMs, () =>
      logManager.checkpointRecoveryOffsetsAndLogStartOffsets(),
    );
    if (Number.isFinite(config.logFlushIntervalMs)) {
      every(
        'kafka-log-flusher',
        Math.min(config.logFlushIntervalMs, 1_000),
        () => void logManager.flushDirtyLogs(),
      );
    }
  }

  // ───────────────────────── shutdown ─────────────────────────

  /** Clean shutdown; idempotent (later calls return the same promise). */
  shutdown(): Promise<void> {
    this.stopped ??= this.doShutdown();
    return this.stopped;
  }

  private async doShutdown(): Promise<void> {
    this.state = 'stopping';
    this.log.info('shutting down');
    // Each step is bounded, so a ZooKeeper outage cannot keep the logs from being closed cleanly.
    const step = async (what: string, run: () => unknown, timeoutMs = 5_000) => {
      try {
        await withTimeout(Promise.resolve().then(run), timeoutMs, what);
      } catch (error) {
        this.log.warn({ err: error, step: what }, 'error during shutdown; moving on');
      }
    };
    // Kafka's order: leaderships move away while this broker still serves (clients switch at once).
    if (this.brokerEpoch >= 0n) {
      const config = this.config;
      await step(
        'controlled shutdown',
        () => this.controlledShutdown(),
        config.controlledShutdownMaxRetries *
          (config.controlledShutdownRetryBackoffMs + config.controllerSocketTimeoutMs) +
          1_000,
      );
    }
    for (const timer of this.timers) clearInterval(timer);
    await step('admin http', () => this.adminHttp?.close());
    await step('listeners', () => Promise.all(this.socketServers.map((s) => s.server.stop())));
    const stopChannel = () => {
      this.channel?.shutdown();
      this.channel = undefined;
    };
    stopChannel(); // nothing more goes out to the brokers
    await step('controller', async () => {
      await this.elector?.stop();
      await this.driver?.deactivate('broker shutting down');
    });
    stopChannel(); // in case an election finishing meanwhile opened a new one
    this.topicAdmin?.close();
    this.groupCoordinator?.shutdown();
    await step('replica fetchers', () => this.fetcherManager?.shutdown());
    this.replicaManager?.shutdown();
    await step('zookeeper', () => this.kafkaZk?.close());
    await step('log manager', () => this.logManager?.shutdown());
    this.state = 'stopped';
    this.log.info(`[KafkaServer id=${this._brokerId}] shut down completed`);
  }

  /**
   * Kafka's KafkaServer.controlledShutdown (controlled.shutdown.enable): ask the controller to move this
   * broker's leaderships to other ISR members and take it out of the ISRs before it stops, retrying while
   * partitions remain (controlled.shutdown.max.retries, .retry.backoff.ms). Failing that, the shutdown
   * goes on: the controller then reacts to the vanished registration instead.
   */
  private async controlledShutdown(): Promise<void> {
    const config = this.config;
    if (!config.controlledShutdownEnable) return;
    for (let attempt = 1; attempt <= config.controlledShutdownMaxRetries; attempt++) {
      // Without ZooKeeper no leadership can move (and our own controller would wait for it forever).
      if (this.kafkaZk?.zk.isConnected !== true) {
        this.log.warn('ZooKeeper is not connected: skipping controlled shutdown');
        return;
      }
      try {
        const answer = await withTimeout(
          this.sendControlledShutdown(),
          config.controllerSocketTimeoutMs,
          'ControlledShutdown',
        );
        if (answer.error === 'NONE' && answer.partitionsRemaining.length === 0) {
          this.log.info('Controlled shutdown succeeded');
          return;
        }
        this.log.warn(
          {
            attempt,
            error: answer.error,
            remainingPartitions: answer.partitionsRemaining.map((p) => `${p.topic}-${p.partition}`),
          },
          'Remaining partitions to move, or the controller refused; retrying controlled shutdown',
        );
      } catch (error) {
        this.log.warn(
          { attempt, err: error instanceof Error ? error.message : String(error) },
          'controlled shutdown request failed',
        );
      }
      if (attempt < config.controlledShutdownMaxRetries) await sleep(config.controlledShutdownRetryBackoffMs);
    }
    this.log.warn('Proceeding to do an unclean shutdown as all the controlled shutdown attempts failed');
  }

  private async sendControlledShutdown(): Promise<{
    error: string;
    partitionsRemaining: readonly { topic: string; partition: number }[];
  }> {
    const controllerId = this.elector?.activeControllerId;
    if (controllerId === undefined) throw new Error('no controller is known');
    if (controllerId === this._brokerId && this.isController) {
      return this.driver!.controlledShutdown(this._brokerId, this.brokerEpoch);
    }
    const endpoint = this.metadataCache?.broker(controllerId, this.config.interBrokerListenerName);
    if (endpoint === undefined) throw new Error(`no end point known for controller ${controllerId}`);
    const connection = new Connection({
      host: endpoint.host,
      port: endpoint.port,
      nodeId: controllerId,
      clientId: `broker-${this._brokerId}-controlled-shutdown`,
      requestTimeoutMs: this.config.controllerSocketTimeoutMs,
      negotiateVersions: false,
    });
    try {
      const response = await connection.request(
        ApiKey.ControlledShutdown,
        { brokerId: this._brokerId, brokerEpoch: this.brokerEpoch },
        { version: 3 },
      );
      return {
        error: errorName(response.errorCode),
        partitionsRemaining: response.remainingPartitions.map((p) => ({
          topic: p.topicName,
          partition: p.partitionIndex,
        })),
      };
    } finally {
      connection.close();
    }
  }

  // ───────────────────────── admin view ─────────────────────────

  private endpointViews(endPoints: readonly EndPoint[], ports?: readonly number[]): BrokerEndpointView[] {
    return endPoints.map((e, i) => ({
      listener: e.listenerName,
      securityProtocol: e.securityProtocol,
      host: e.host,
      port: ports?.[i] ?? e.port,
    }));
  }

  brokerView(): BrokerView {
    return {
      brokerId: this._brokerId,
      clusterId: this._clusterId,
      listeners: this.endpointViews(
        this.socketServers.map((s) => s.endPoint),
        this.socketServers.map((s) => s.port),
      ),
      advertisedListeners: this.endpointViews(this.advertised),
      brokerEpoch: this.brokerEpoch >= 0n ? String(this.brokerEpoch) : null,
      controllerId: this.elector?.activeControllerId ?? null,
      zookeeperConnect: this.config.zookeeperConnect.connectString,
      logDirs: this.logManager?.logDirs ?? this.config.logDirs,
      startedAtMs: this.startedAtMs,
    };
  }

  controllerView(): ControllerView {
    const active = this.elector?.isActive ?? false;
    const context = active ? this.driver?.kafkaController?.context : undefined;
    const epoch = this.elector?.controllerEpoch;
    let offline = 0;
    if (context !== undefined) {
      for (const info of context.partitionLeadershipInfo.values()) {
        const leader = info.leaderAndIsr.leader;
        if (leader < 0 || context.liveBroker(leader) === undefined) offline++;
      }
    }
    return {
      brokerId: this._brokerId,
      isController: active,
      activeControllerId: this.elector?.activeControllerId ?? null,
      controllerEpoch: epoch?.epoch ?? null,
      epochZkVersion: epoch?.epochZkVersion ?? null,
      liveBrokers:
        context?.liveOrShuttingDownBrokers.map((b) => ({ id: b.id, epoch: String(b.epoch) })) ?? [],
      topics: context === undefined ? [] : [...context.allTopics].sort(),
      offlinePartitions: offline,
      channels: this.channel?.status() ?? [],
    };
  }

  partitionViews(): PartitionView[] {
    const views: PartitionView[] = [];
    for (const log of this.logManager?.allLogs() ?? []) {
      if (log.isClosed) continue;
      const { topic, partition } = log.topicPartition;
      const hosted = this.replicaManager?.partition(topic, partition);
      views.push({
        topic,
        partition,
        role: hosted === undefined ? 'offline' : hosted.leader === this._brokerId ? 'leader' : 'follower',
        leader: hosted?.leader ?? null,
        leaderEpoch: hosted?.leaderEpoch ?? null,
        replicas: hosted?.replicas ?? [],
        isr: hosted?.isr ?? [],
        ...(hosted?.leader === this._brokerId
          ? { replicaStates: this.replicaStatesOf(hosted, log.logEndOffset) }
          : {}),
        logStartOffset: String(log.logStartOffset),
        logEndOffset: String(log.logEndOffset),
        highWatermark: String(log.highWatermark),
        recoveryPoint: String(log.recoveryPoint),
        sizeBytes: log.size,
        dir: log.dir,
        segments: log
          .logSegments()
          .map((s) => ({ baseOffset: String(s.baseOffset), sizeBytes: s.size, file: s.file })),
      });
    }
    return views.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  private replicaStatesOf(hosted: PartitionState, leaderLogEndOffset: bigint): ReplicaStateView[] {
    const now = Date.now();
    return hosted.replicas.map((brokerId) => {
      const inIsr = hosted.isr.includes(brokerId);
      if (brokerId === this._brokerId) {
        return { brokerId, logEndOffset: String(leaderLogEndOffset), inIsr, lastCaughtUpMsAgo: 0 };
      }
      const state = hosted.followers.get(brokerId);
      return {
        brokerId,
        logEndOffset: state === undefined || state.logEndOffset < 0n ? null : String(state.logEndOffset),
        inIsr,
        lastCaughtUpMsAgo:
          state === undefined || state.lastCaughtUpTimeMs === 0 ? null : now - state.lastCaughtUpTimeMs,
      };
    });
  }

  counters(): BrokerCounters {
    const requests = new Map<string, number>();
    let bytesIn = 0;
    let bytesOut = 0;
    let connections = 0;
    for (const { server } of this.socketServers) {
      bytesIn += server.bytesIn;
      bytesOut += server.bytesOut;
      connections += server.connectionCount;
      for (const [apiKey, count] of server.requestsByApiKey) {
        const name = apiName(apiKey);
        requests.set(name, (requests.get(name) ?? 0) + count);
      }
    }
    return { bytesIn, bytesOut, connections, requests };
  }
}
