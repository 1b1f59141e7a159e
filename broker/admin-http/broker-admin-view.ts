// What a broker's admin HTTP server shows (plain JSON-able data); KafkaServer produces it. Kept apart from
// the server so the HTTP layer and the Prometheus formatter can be tested without a broker.

export interface BrokerEndpointView {
  readonly listener: string;
  readonly securityProtocol: string;
  readonly host: string;
  readonly port: number;
}

export interface BrokerView {
  readonly brokerId: number;
  readonly clusterId: string | null;
  /** Where the listeners are bound. */
  readonly listeners: readonly BrokerEndpointView[];
  /** What is registered in /brokers/ids/<id> (what clients are told). */
  readonly advertisedListeners: readonly BrokerEndpointView[];
  /** The broker epoch: czxid of the registration znode, as a decimal string (int64). */
  readonly brokerEpoch: string | null;
  /** The controller as this broker knows it (from /controller), or null. */
  readonly controllerId: number | null;
  readonly zookeeperConnect: string;
  readonly logDirs: readonly string[];
  readonly startedAtMs: number;
}

export interface ControllerView {
  readonly brokerId: number;
  readonly isController: boolean;
  readonly activeControllerId: number | null;
  /** The controller epoch while this broker is controller (else null). */
  readonly controllerEpoch: number | null;
  readonly epochZkVersion: number | null;
  /** The controller's view (while active): live brokers and their epochs. */
  readonly liveBrokers: readonly { readonly id: number; readonly epoch: string }[];
  readonly topics: readonly string[];
  readonly offlinePartitions: number;
  /** The request channels to the brokers (while active). */
  readonly channels: readonly {
    readonly brokerId: number;
    readonly queued: number;
    readonly connected: boolean;
    readonly sent: number;
    readonly failures: number;
  }[];
}

export interface SegmentView {
  readonly baseOffset: string;
  readonly sizeBytes: number;
  readonly file: string;
}

export interface PartitionView {
  readonly topic: string;
  readonly partition: number;
  /** `leader` / `follower` for partitions the controller assigned here, `offline` for a log not hosted now. */
  readonly role: 'leader' | 'follower' | 'offline';
  readonly leader: number | null;
  readonly leaderEpoch: number | null;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /**
   * On the leader: what it knows of every replica — its log end offset (the follower's last fetch offset;
   * null before its first fetch in this leader epoch) and how long ago it was last caught up.
   */
  readonly replicaStates?: readonly ReplicaStateView[];
  /** int64 values as decimal strings. */
  readonly logStartOffset: string;
  readonly logEndOffset: string;
  readonly highWatermark: string;
  readonly recoveryPoint: string;
  readonly sizeBytes: number;
  readonly dir: string;
  readonly segments: readonly SegmentView[];
}

export interface ReplicaStateView {
  readonly brokerId: number;
  readonly logEndOffset: string | null;
  readonly inIsr: boolean;
  readonly lastCaughtUpMsAgo: number | null;
}

export interface BrokerCounters {
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly connections: number;
  /** Requests per API name. */
  readonly requests: ReadonlyMap<string, number>;
}

/** Everything the admin HTTP routes read. */
export interface BrokerAdminView {
  brokerView(): BrokerView;
  controllerView(): ControllerView;
  partitionViews(): PartitionView[];
  counters(): BrokerCounters;
}
