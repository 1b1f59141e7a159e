// KafkaZkClient: everything a Kafka 2.4 broker reads and writes in ZooKeeper, named after Kafka's
// kafka.zk.KafkaZkClient, on top of ZkClient. Paths and JSON come from zk-data.ts.
//
// Fencing (shared/reference/kafka-zk-era.md §2.1): every write the *controller* makes goes through
// `controllerMulti`, a multi of `check(/controller_epoch, epochZkVersion)` + the real operations. When the
// check fails with BADVERSION, another broker has become controller since: the write is refused and a
// ControllerMovedError is thrown, so a zombie controller cannot change the cluster.

import {
  compareTopicPartitions,
  topicPartitionKey,
  type LeaderAndIsr,
  type LeaderIsrAndControllerEpoch,
  type LiveBroker,
  type ReplicaAssignment,
  type TopicAssignment,
  type TopicPartition,
} from '../controller/types.ts';
import { ControllerMovedError, isKeeperException, KeeperException, ZkDataError } from './errors.ts';
import {
  BrokerIdsZNode,
  BrokerIdZNode,
  BrokerSequenceIdZNode,
  ClusterIdZNode,
  ConfigEntityChangeNotificationSequenceZNode,
  ConfigEntityZNode,
  ControllerEpochZNode,
  ControllerZNode,
  DeleteTopicsTopicZNode,
  DeleteTopicsZNode,
  INITIAL_CONTROLLER_EPOCH,
  INITIAL_CONTROLLER_EPOCH_ZK_VERSION,
  IsrChangeNotificationSequenceZNode,
  IsrChangeNotificationZNode,
  LogDirEventNotificationZNode,
  PERSISTENT_ZK_PATHS,
  PreferredReplicaElectionZNode,
  PRODUCER_ID_BLOCK_SIZE,
  ProducerIdBlockZNode,
  TopicPartitionStateZNode,
  TopicPartitionsZNode,
  TopicPartitionZNode,
  TopicsZNode,
  TopicZNode,
  type BrokerInfo,
  type DecodedBrokerInfo,
  type ProducerIdBlock,
} from './zk-data.ts';
import {
  ZkClient,
  type CreateMode,
  type Watcher,
  type ZkClientOptions,
  type ZkMultiOp,
  type ZkStat,
} from './zk-client.ts';

export interface KafkaZkClientOptions extends ZkClientOptions {
  /** Clock for the timestamps Kafka writes (registration, /controller). Default Date.now. */
  readonly timeMs?: () => number;
}

export interface ControllerEpochAndVersion {
  readonly epoch: number;
  /** Data version of /controller_epoch ("epochZkVersion"): the fencing token for controller writes. */
  readonly epochZkVersion: number;
}

/** A partition state read from ZooKeeper, or undefined when the state znode does not exist. */
export type PartitionStateRead = LeaderIsrAndControllerEpoch | undefined;

export interface UpdateLeaderAndIsrResult {
  /** Written: the new state with its new zkVersion. */
  readonly successful: Map<string, { partition: TopicPartition; leaderAndIsr: LeaderAndIsr }>;
  /** BADVERSION: someone (the partition leader) changed the state since it was read; re-read and retry. */
  readonly toRetry: TopicPartition[];
  /** Other failures (e.g. NONODE). */
  readonly failed: Map<string, { partition: TopicPartition; error: Error }>;
}

const EMPTY = new Uint8Array(0);

function chrootOf(connectString: string): string | undefined {
  const slash = connectString.indexOf('/');
  if (slash < 0 || slash === connectString.length - 1) return undefined;
  return connectString.slice(slash);
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

export class KafkaZkClient {
  readonly zk: ZkClient;
  private readonly timeMs: () => number;
  private readonly connectionLossAttempts: number;

  constructor(zk: ZkClient, options: { timeMs?: () => number; connectionLossAttempts?: number } = {}) {
    this.zk = zk;
    this.timeMs = options.timeMs ?? Date.now;
    this.connectionLossAttempts = options.connectionLossAttempts ?? 5;
  }

  /**
   * Connects. With a chroot (`host:2181/kafka`) the chroot path is first created if missing, through a
   * short session without the chroot, as Kafka's broker does at startup.
   */
  static async connect(connectString: string, options: KafkaZkClientOptions): Promise<KafkaZkClient> {
    const chroot = chrootOf(connectString);
    if (chroot !== undefined) {
      const root = await ZkClient.connect(connectString.slice(0, connectString.indexOf('/')), options);
      try {
        await new KafkaZkClient(root).makeSurePersistentPathExists(chroot);
      } finally {
        await root.close();
      }
    }
    const zk = await ZkClient.connect(connectString, options);
    return new KafkaZkClient(zk, { timeMs: options.timeMs });
  }

  close(): Promise<void> {
    return this.zk.close();
  }

  // ───────────────────────── generic helpers ─────────────────────────

  /** Creates `path` and any missing parents (with no data); NODEEXISTS on `path` itself is thrown. */
  async createRecursive(
    path: string,
    data: Uint8Array | null,
    mode: CreateMode = 'PERSISTENT',
  ): Promise<string> {
    try {
      return await this.zk.create(path, data, mode);
    } catch (error) {
      if (!isKeeperException(error, 'NONODE')) throw error;
    }
    await this.makeSurePersistentPathExists(parentOf(path));
    return this.zk.create(path, data, mode);
  }

  /** Creates a persistent path (and parents), no data, unless it exists. */
  async makeSurePersistentPathExists(path: string): Promise<void> {
    if (path === '/') return;
    try {
      await this.zk.create(path, null, 'PERSISTENT');
    } catch (error) {
      if (isKeeperException(error, 'NODEEXISTS')) return;
      if (!isKeeperException(error, 'NONODE')) throw error;
      await this.makeSurePersistentPathExists(parentOf(path));
      try {
        await this.zk.create(path, null, 'PERSISTENT');
      } catch (again) {
        if (!isKeeperException(again, 'NODEEXISTS')) throw again;
      }
    }
  }

  /** Data of a znode, or undefined if it does not exist. */
  async getDataMaybe(
    path: string,
    watcher?: Watcher,
  ): Promise<{ data: Uint8Array | null; stat: ZkStat } | undefined> {
    try {
      return await this.zk.getData(path, watcher);
    } catch (error) {
      if (isKeeperException(error, 'NONODE')) return undefined;
      throw error;
    }
  }

  /** Children of a znode (sorted), or [] if it does not exist. */
  async getChildrenMaybe(path: string, watcher?: Watcher): Promise<string[]> {
    try {
      return (await this.zk.getChildren(path, watcher)).children.sort();
    } catch (error) {
      if (isKeeperException(error, 'NONODE')) return [];
      throw error;
    }
  }

  /**
   * Runs `ops` atomically behind `check(/controller_epoch, epochZkVersion)`. BADVERSION (or NONODE) on the
   * check → ControllerMovedError. A failure of one of `ops` is thrown as its KeeperException with
   * `failedOpIndex` relative to `ops`.
   */
  async controllerMulti(ops: readonly ZkMultiOp[], epochZkVersion: number): Promise<void> {
    if (epochZkVersion < 0) {
      await this.retryOnConnectionLoss(() => this.zk.multi(ops));
      return;
    }
    try {
      await this.retryOnConnectionLoss(() =>
        this.zk.multi([{ type: 'check', path: ControllerEpochZNode.path, version: epochZkVersion }, ...ops]),
      );
    } catch (error) {
      if (error instanceof KeeperException && error.failedOpIndex === 0) {
        throw new ControllerMovedError(
          `controller epoch zkVersion ${epochZkVersion} is stale (${error.keeperCode} on ${ControllerEpochZNode.path}): another broker is controller now`,
          { cause: error },
        );
      }
      if (error instanceof KeeperException && error.failedOpIndex !== undefined) {
        throw new KeeperException(error.keeperCode, error.path, {
          failedOpIndex: error.failedOpIndex - 1,
          cause: error,
        });
      }
      throw error;
    }
  }

  /**
   * Retries `run` when it fails with CONNECTIONLOSS (the request may or may not have been applied; Kafka's
   * retryRequestUntilConnected does the same). A repeated create then reports NODEEXISTS and a repeated
   * conditional setData BADVERSION, which callers already handle.
   */
  private async retryOnConnectionLoss<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (!isKeeperException(error, 'CONNECTIONLOSS') || attempt >= this.connectionLossAttempts)
          throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** Deletes `path` and everything below it, children first (each delete fenced when epochZkVersion ≥ 0). */
  async deleteRecursive(path: string, epochZkVersion = -1): Promise<void> {
    let children: string[];
    try {
      children = (await this.zk.getChildren(path)).children;
    } catch (error) {
      if (isKeeperException(error, 'NONODE')) return;
      throw error;
    }
    for (const child of children) await this.deleteRecursive(`${path}/${child}`, epochZkVersion);
    try {
      await this.controllerMulti([{ type: 'delete', path, version: -1 }], epochZkVersion);
    } catch (error) {
      if (!isKeeperException(error, 'NONODE')) throw error;
    }
  }

  // ───────────────────────── startup ─────────────────────────

  /** Creates Kafka's persistent top-level paths (/brokers/ids, /config/changes, …) if missing. */
  async createTopLevelPaths(): Promise<void> {
    for (const path of PERSISTENT_ZK_PATHS) await this.makeSurePersistentPathExists(path);
  }

  async getClusterId(): Promise<string | undefined> {
    const node = await this.getDataMaybe(ClusterIdZNode.path);
    return node === undefined ? undefined : ClusterIdZNode.decode(node.data);
  }

  /** Reads /cluster/id, or creates it with `proposedId`; if another broker wins the race, returns its id. */
  async createOrGetClusterId(proposedId: string): Promise<string> {
    const existing = await this.getClusterId();
    if (existing !== undefined) return existing;
    try {
      await this.createRecursive(ClusterIdZNode.path, ClusterIdZNode.encode(proposedId));
      return proposedId;
    } catch (error) {
      if (!isKeeperException(error, 'NODEEXISTS')) throw error;
      const winner = await this.getClusterId();
      if (winner === undefined) throw new ZkDataError(ClusterIdZNode.path, 'vanished after NODEEXISTS');
      return winner;
    }
  }

  /**
   * Generates a broker id: an unconditional setData on /brokers/seqid; the new data version + reservedMaxId
   * is the id (the first one is 1001).
   */
  async generateBrokerSequenceId(reservedBrokerMaxId = 1000): Promise<number> {
    let stat: ZkStat;
    try {
      stat = await this.zk.setData(BrokerSequenceIdZNode.path, EMPTY, -1);
    } catch (error) {
      if (!isKeeperException(error, 'NONODE')) throw error;
      await this.makeSurePersistentPathExists(BrokerSequenceIdZNode.path);
      stat = await this.zk.setData(BrokerSequenceIdZNode.path, EMPTY, -1);
    }
    return stat.version + reservedBrokerMaxId;
  }

  // ───────────────────────── brokers ─────────────────────────

  /**
   * Registers this broker: multi { create /brokers/ids/<id> EPHEMERAL (no data), setData(json, version 0) }.
   * Returns the broker epoch (the znode's czxid). If the node exists and is owned by *this* session (the
   * known ZooKeeper quirk after a connection loss), that counts as success; if another session owns it,
   * NODEEXISTS is thrown ("already registered").
   */
  async registerBroker(info: BrokerInfo): Promise<bigint> {
    const path = BrokerIdZNode.path(info.id);
    const data = BrokerIdZNode.encode(info);
    let results;
    try {
      results = await this.zk.multi([
        { type: 'create', path, data: null, mode: 'EPHEMERAL' },
        { type: 'setData', path, data, version: 0 },
      ]);
    } catch (error) {
      if (!isKeeperException(error, 'NODEEXISTS')) throw error;
      const existing = await this.getDataMaybe(path);
      if (existing !== undefined && existing.stat.ephemeralOwner === this.zk.sessionId)
        return existing.stat.czxid;
      throw error;
    }
    const setData = results[1];
    if (setData.type !== 'setData') throw new Error('registerBroker: unexpected multi result');
    return setData.stat.czxid;
  }

  /** Rewrites this broker's registration (same session). */
  async updateBrokerInfo(info: BrokerInfo): Promise<void> {
    await this.zk.setData(BrokerIdZNode.path(info.id), BrokerIdZNode.encode(info), -1);
  }

  /** Registered broker ids, sorted; the watcher (one-shot) fires on a child change of /brokers/ids. */
  async getBrokerIds(watcher?: Watcher): Promise<number[]> {
    return (await this.getChildrenMaybe(BrokerIdsZNode.path, watcher)).map(Number).sort((a, b) => a - b);
  }

  async getBroker(
    id: number,
    watcher?: Watcher,
  ): Promise<(DecodedBrokerInfo & { epoch: bigint }) | undefined> {
    const node = await this.getDataMaybe(BrokerIdZNode.path(id), watcher);
    if (node === undefined) return undefined;
    return { ...BrokerIdZNode.decode(id, node.data), epoch: node.stat.czxid };
  }

  /** All registered brokers with their epochs (czxid), sorted by id. */
  async getAllBrokerAndEpochsInCluster(watcher?: Watcher): Promise<LiveBroker[]> {
    const brokers: LiveBroker[] = [];
    for (const id of await this.getBrokerIds(watcher)) {
      const broker = await this.getBroker(id);
      if (broker !== undefined)
        brokers.push({ id, endPoints: broker.endPoints, rack: broker.rack, epoch: broker.epoch });
    }
    return brokers;
  }

  // ───────────────────────── controller ─────────────────────────

  /** The controller's broker id, or undefined. With a watcher: `exists` watch (creation, change, deletion). */
  async getControllerId(watcher?: Watcher): Promise<number | undefined> {
    if (watcher !== undefined) {
      const stat = await this.zk.exists(ControllerZNode.path, watcher);
      if (stat === null) return undefined;
    }
    const node = await this.getDataMaybe(ControllerZNode.path);
    return node === undefined ? undefined : ControllerZNode.decode(node.data);
  }

  async getControllerEpoch(): Promise<ControllerEpochAndVersion | undefined> {
    const node = await this.getDataMaybe(ControllerEpochZNode.path);
    if (node === undefined) return undefined;
    return { epoch: ControllerEpochZNode.decode(node.data), epochZkVersion: node.stat.version };
  }

  /** Creates /controller_epoch with "0" if missing (the first controller then gets epoch 1). */
  async maybeCreateControllerEpochZNode(): Promise<ControllerEpochAndVersion> {
    try {
      await this.zk.create(
        ControllerEpochZNode.path,
        ControllerEpochZNode.encode(INITIAL_CONTROLLER_EPOCH),
        'PERSISTENT',
      );
      return { epoch: INITIAL_CONTROLLER_EPOCH, epochZkVersion: INITIAL_CONTROLLER_EPOCH_ZK_VERSION };
    } catch (error) {
      if (!isKeeperException(error, 'NODEEXISTS')) throw error;
      const current = await this.getControllerEpoch();
      if (current === undefined)
        throw new ZkDataError(ControllerEpochZNode.path, 'vanished after NODEEXISTS');
      return current;
    }
  }

  /**
   * The election step (§2.1): read /controller_epoch (create it with 0 if missing), then one multi of
   * `create /controller EPHEMERAL` + `setData /controller_epoch (epoch+1, expected version)`. Success →
   * this broker is controller with the new epoch and epochZkVersion. NODEEXISTS or BADVERSION → someone
   * else won: ControllerMovedError — unless /controller names us and the epoch is ours (our own earlier
   * attempt succeeded before a connection loss).
   */
  async registerControllerAndIncrementControllerEpoch(brokerId: number): Promise<ControllerEpochAndVersion> {
    const timestamp = this.timeMs();
    const current = (await this.getControllerEpoch()) ?? (await this.maybeCreateControllerEpochZNode());
    const newEpoch = current.epoch + 1;
    try {
      const results = await this.zk.multi([
        {
          type: 'create',
          path: ControllerZNode.path,
          data: ControllerZNode.encode(brokerId, timestamp),
          mode: 'EPHEMERAL',
        },
        {
          type: 'setData',
          path: ControllerEpochZNode.path,
          data: ControllerEpochZNode.encode(newEpoch),
          version: current.epochZkVersion,
        },
      ]);
      const setData = results[1];
      if (setData.type !== 'setData') throw new Error('unexpected multi result');
      return { epoch: newEpoch, epochZkVersion: setData.stat.version };
    } catch (error) {
      if (!isKeeperException(error, 'NODEEXISTS') && !isKeeperException(error, 'BADVERSION')) throw error;
      const controllerId = await this.getControllerId();
      if (controllerId === brokerId) {
        const epoch = await this.getControllerEpoch();
        if (epoch !== undefined && epoch.epoch === newEpoch) return epoch;
      }
      throw new ControllerMovedError(
        controllerId === undefined
          ? 'lost the controller election (the controller epoch moved on)'
          : `broker ${controllerId} is the controller`,
        { cause: error },
      );
    }
  }

  /** Deletes /controller, fenced by the controller epoch (a controller stepping down). */
  async deleteController(epochZkVersion: number): Promise<void> {
    try {
      await this.controllerMulti(
        [{ type: 'delete', path: ControllerZNode.path, version: -1 }],
        epochZkVersion,
      );
    } catch (error) {
      if (!isKeeperException(error, 'NONODE')) throw error;
    }
  }

  // ───────────────────────── topics ─────────────────────────

  /** Topic names, sorted; the watcher (one-shot) fires on a child change of /brokers/topics. */
  async getAllTopicsInCluster(watcher?: Watcher): Promise<string[]> {
    return this.getChildrenMaybe(TopicsZNode.path, watcher);
  }

  async topicExists(topic: string): Promise<boolean> {
    return (await this.zk.exists(TopicZNode.path(topic))) !== null;
  }

  /** Creates /brokers/topics/<topic> (NODEEXISTS if the topic exists). Not fenced: admin tools write this. */
  async createTopicAssignment(topic: string, assignment: TopicAssignment): Promise<void> {
    await this.createRecursive(TopicZNode.path(topic), TopicZNode.encode(topic, assignment));
  }

  /** Rewrites a topic's assignment (adding partitions); conditional on `expectedVersion` (−1 = any). */
  async setTopicAssignment(
    topic: string,
    assignment: TopicAssignment,
    expectedVersion = -1,
    epochZkVersion = -1,
  ): Promise<void> {
    await this.controllerMulti(
      [
        {
          type: 'setData',
          path: TopicZNode.path(topic),
          data: TopicZNode.encode(topic, assignment),
          version: expectedVersion,
        },
      ],
      epochZkVersion,
    );
  }

  /** A topic's assignment and the znode version; the watcher (one-shot) fires on data change or deletion. */
  async getTopicAssignment(
    topic: string,
    watcher?: Watcher,
  ): Promise<{ assignment: Map<number, ReplicaAssignment>; version: number } | undefined> {
    const node = await this.getDataMaybe(TopicZNode.path(topic), watcher);
    if (node === undefined) return undefined;
    return { assignment: TopicZNode.decode(topic, node.data), version: node.stat.version };
  }

  /** Assignments of the given topics (missing topics are left out). */
  async getReplicaAssignmentForTopics(
    topics: Iterable<string>,
  ): Promise<Map<string, Map<number, ReplicaAssignment>>> {
    const result = new Map<string, Map<number, ReplicaAssignment>>();
    for (const topic of topics) {
      const read = await this.getTopicAssignment(topic);
      if (read !== undefined) result.set(topic, read.assignment);
    }
    return result;
  }

  // ───────────────────────── partition state ─────────────────────────

  /** Reads the state znodes; the map is keyed by `topic-partition`. */
  async getTopicPartitionStates(
    partitions: readonly TopicPartition[],
  ): Promise<Map<string, PartitionStateRead>> {
    const result = new Map<string, PartitionStateRead>();
    for (const tp of partitions) {
      const node = await this.getDataMaybe(TopicPartitionStateZNode.path(tp));
      result.set(
        topicPartitionKey(tp),
        node === undefined ? undefined : TopicPartitionStateZNode.decode(tp, node.data, node.stat.version),
      );
    }
    return result;
  }

  /**
   * Creates `partitions/<p>/state` for new partitions (and the `partitions` and `<p>` parents, ignoring
   * NODEEXISTS on those), each fenced by the controller epoch. Returns the per-partition outcome:
   * undefined = created (zkVersion 0), else the KeeperException (NODEEXISTS if a state already exists).
   */
  async createTopicPartitionStates(
    states: readonly { partition: TopicPartition; state: LeaderIsrAndControllerEpoch }[],
    epochZkVersion: number,
  ): Promise<Map<string, KeeperException | undefined>> {
    const topics = [...new Set(states.map((s) => s.partition.topic))].sort();
    for (const topic of topics)
      await this.fencedCreateIgnoringExists(TopicPartitionsZNode.path(topic), epochZkVersion);
    const result = new Map<string, KeeperException | undefined>();
    for (const { partition, state } of [...states].sort((a, b) =>
      compareTopicPartitions(a.partition, b.partition),
    )) {
      await this.fencedCreateIgnoringExists(TopicPartitionZNode.path(partition), epochZkVersion);
      try {
        await this.controllerMulti(
          [
            {
              type: 'create',
              path: TopicPartitionStateZNode.path(partition),
              data: TopicPartitionStateZNode.encode(state),
              mode: 'PERSISTENT',
            },
          ],
          epochZkVersion,
        );
        result.set(topicPartitionKey(partition), undefined);
      } catch (error) {
        if (error instanceof KeeperException) result.set(topicPartitionKey(partition), error);
        else throw error;
      }
    }
    return result;
  }

  private async fencedCreateIgnoringExists(path: string, epochZkVersion: number): Promise<void> {
    try {
      await this.controllerMulti([{ type: 'create', path, data: null, mode: 'PERSISTENT' }], epochZkVersion);
    } catch (error) {
      if (!isKeeperException(error, 'NODEEXISTS')) throw error;
    }
  }

  /**
   * Conditional state updates (expected version = each LeaderAndIsr's zkVersion), fenced by the controller
   * epoch. On success the returned LeaderAndIsr carries the new zkVersion.
   */
  async updateLeaderAndIsr(
    updates: readonly { partition: TopicPartition; leaderAndIsr: LeaderAndIsr }[],
    controllerEpoch: number,
    epochZkVersion: number,
  ): Promise<UpdateLeaderAndIsrResult> {
    const result: UpdateLeaderAndIsrResult = { successful: new Map(), toRetry: [], failed: new Map() };
    for (const { partition, leaderAndIsr } of updates) {
      const path = TopicPartitionStateZNode.path(partition);
      const data = TopicPartitionStateZNode.encode({ leaderAndIsr, controllerEpoch });
      try {
        await this.controllerMulti(
          [{ type: 'setData', path, data, version: leaderAndIsr.zkVersion }],
          epochZkVersion,
        );
        result.successful.set(topicPartitionKey(partition), {
          partition,
          leaderAndIsr: { ...leaderAndIsr, zkVersion: leaderAndIsr.zkVersion + 1 },
        });
      } catch (error) {
        if (isKeeperException(error, 'BADVERSION')) result.toRetry.push(partition);
        else if (error instanceof KeeperException)
          result.failed.set(topicPartitionKey(partition), { partition, error });
        else throw error;
      }
    }
    return result;
  }

  /**
   * The partition leader's own ISR update (shrink/expand, ≤ 2.6): a conditional setData (not controller-fenced)
   * keeping the leader epoch. Returns the new zkVersion, or undefined on BADVERSION (the controller changed the
   * state meanwhile: wait for the next LeaderAndIsr). A BADVERSION whose znode already holds this leader,
   * leader epoch and ISR is success at the znode's version (Kafka's checkLeaderAndIsrZkData): an earlier
   * attempt went through but its answer was lost, and the leader is now retrying with the old version.
   */
  async conditionalUpdatePartitionState(
    partition: TopicPartition,
    state: LeaderIsrAndControllerEpoch,
  ): Promise<number | undefined> {
    try {
      const stat = await this.zk.setData(
        TopicPartitionStateZNode.path(partition),
        TopicPartitionStateZNode.encode(state),
        state.leaderAndIsr.zkVersion,
      );
      return stat.version;
    } catch (error) {
      if (!isKeeperException(error, 'BADVERSION')) throw error;
      const current = (await this.getTopicPartitionStates([partition])).get(topicPartitionKey(partition));
      const wanted = state.leaderAndIsr;
      const mine =
        current !== undefined &&
        current.leaderAndIsr.leader === wanted.leader &&
        current.leaderAndIsr.leaderEpoch === wanted.leaderEpoch &&
        current.leaderAndIsr.isr.join(',') === wanted.isr.join(',');
      return mine ? current.leaderAndIsr.zkVersion : undefined;
    }
  }

  // ───────────────────────── configs ─────────────────────────

  /** Overrides stored in /config/<type>/<name> (empty if none). */
  async getEntityConfigs(entityType: string, entityName: string): Promise<Map<string, string>> {
    const path = ConfigEntityZNode.path(entityType, entityName);
    const node = await this.getDataMaybe(path);
    return node === undefined ? new Map() : ConfigEntityZNode.decode(node.data, path);
  }

  async setOrCreateEntityConfigs(
    entityType: string,
    entityName: string,
    config: ReadonlyMap<string, string> | Record<string, string>,
  ): Promise<void> {
    const path = ConfigEntityZNode.path(entityType, entityName);
    const data = ConfigEntityZNode.encode(config);
    try {
      await this.zk.setData(path, data, -1);
    } catch (error) {
      if (!isKeeperException(error, 'NONODE')) throw error;
      await this.createRecursive(path, data);
    }
  }

  /** Creates /config/changes/config_change_<seq> = {"version":2,"entity_path":…}; returns its path. */
  async createConfigChangeNotification(entityPath: string): Promise<string> {
    return this.createRecursive(
      ConfigEntityChangeNotificationSequenceZNode.createPath,
      ConfigEntityChangeNotificationSequenceZNode.encode(entityPath),
      'PERSISTENT_SEQUENTIAL',
    );
  }

  /** Topic config overrides per topic. */
  async getTopicConfigs(topics: Iterable<string>): Promise<Map<string, Map<string, string>>> {
    const result = new Map<string, Map<string, string>>();
    for (const topic of topics) result.set(topic, await this.getEntityConfigs('topics', topic));
    return result;
  }

  // ───────────────────────── topic deletion ─────────────────────────

  /** Marks a topic for deletion: creates /admin/delete_topics/<topic> (the whole delete request). */
  async createDeleteTopicPath(topic: string): Promise<void> {
    await this.createRecursive(DeleteTopicsTopicZNode.path(topic), null);
  }

  async getTopicDeletions(watcher?: Watcher): Promise<string[]> {
    return this.getChildrenMaybe(DeleteTopicsZNode.path, watcher);
  }

  async isTopicMarkedForDeletion(topic: string): Promise<boolean> {
    return (await this.zk.exists(DeleteTopicsTopicZNode.path(topic))) !== null;
  }

  async deleteTopicDeletions(topics: readonly string[], epochZkVersion: number): Promise<void> {
    for (const topic of topics) {
      try {
        await this.controllerMulti(
          [{ type: 'delete', path: DeleteTopicsTopicZNode.path(topic), version: -1 }],
          epochZkVersion,
        );
      } catch (error) {
        if (!isKeeperException(error, 'NONODE')) throw error;
      }
    }
  }

  /** Deletes /brokers/topics/<topic> and everything below it. */
  async deleteTopicZNode(topic: string, epochZkVersion: number): Promise<void> {
    await this.deleteRecursive(TopicZNode.path(topic), epochZkVersion);
  }

  async deleteTopicConfigs(topics: readonly string[], epochZkVersion: number): Promise<void> {
    for (const topic of topics) {
      try {
        await this.controllerMulti(
          [{ type: 'delete', path: ConfigEntityZNode.path('topics', topic), version: -1 }],
          epochZkVersion,
        );
      } catch (error) {
        if (!isKeeperException(error, 'NONODE')) throw error;
      }
    }
  }

  // ───────────────────────── ISR change notifications ─────────────────────────

  /** A partition leader announces ISR changes: creates isr_change_<seq>; returns its path. */
  async propagateIsrChanges(partitions: readonly TopicPartition[]): Promise<string> {
    return this.createRecursive(
      IsrChangeNotificationSequenceZNode.path(),
      IsrChangeNotificationSequenceZNode.encode(partitions),
      'PERSISTENT_SEQUENTIAL',
    );
  }

  /** Sequence numbers (the 10-digit suffixes) of pending notifications, sorted. */
  async getAllIsrChangeNotifications(watcher?: Watcher): Promise<string[]> {
    const children = await this.getChildrenMaybe(IsrChangeNotificationZNode.path, watcher);
    return children.map((child) => IsrChangeNotificationSequenceZNode.sequenceNumber(child));
  }

  /** The partitions named by these notifications (deduplicated; vanished notifications are skipped). */
  async getPartitionsFromIsrChangeNotifications(
    sequenceNumbers: readonly string[],
  ): Promise<TopicPartition[]> {
    const seen = new Map<string, TopicPartition>();
    for (const seq of sequenceNumbers) {
      const node = await this.getDataMaybe(IsrChangeNotificationSequenceZNode.path(seq));
      if (node === undefined) continue;
      for (const tp of IsrChangeNotificationSequenceZNode.decode(node.data))
        seen.set(topicPartitionKey(tp), tp);
    }
    return [...seen.values()].sort(compareTopicPartitions);
  }

  /** Deletes the given notifications (all pending ones when `sequenceNumbers` is undefined). */
  async deleteIsrChangeNotifications(
    sequenceNumbers: readonly string[] | undefined,
    epochZkVersion: number,
  ): Promise<void> {
    const seqs = sequenceNumbers ?? (await this.getAllIsrChangeNotifications());
    for (const seq of seqs) {
      try {
        await this.controllerMulti(
          [{ type: 'delete', path: IsrChangeNotificationSequenceZNode.path(seq), version: -1 }],
          epochZkVersion,
        );
      } catch (error) {
        if (!isKeeperException(error, 'NONODE')) throw error;
      }
    }
  }

  /** Deletes all pending log-dir event notifications. */
  async deleteLogDirEventNotifications(epochZkVersion: number): Promise<void> {
    for (const child of await this.getChildrenMaybe(LogDirEventNotificationZNode.path)) {
      try {
        await this.controllerMulti(
          [{ type: 'delete', path: `${LogDirEventNotificationZNode.path}/${child}`, version: -1 }],
          epochZkVersion,
        );
      } catch (error) {
        if (!isKeeperException(error, 'NONODE')) throw error;
      }
    }
  }

  // ───────────────────────── preferred replica election ─────────────────────────

  async createPreferredReplicaElection(partitions: readonly TopicPartition[]): Promise<void> {
    await this.createRecursive(
      PreferredReplicaElectionZNode.path,
      PreferredReplicaElectionZNode.encode(partitions),
    );
  }

  /** The partitions requested, or undefined if there is no request. With a watcher: `exists` watch. */
  async getPreferredReplicaElection(watcher?: Watcher): Promise<TopicPartition[] | undefined> {
    if (watcher !== undefined && (await this.zk.exists(PreferredReplicaElectionZNode.path, watcher)) === null)
      return undefined;
    const node = await this.getDataMaybe(PreferredReplicaElectionZNode.path);
    return node === undefined ? undefined : PreferredReplicaElectionZNode.decode(node.data);
  }

  async deletePreferredReplicaElection(epochZkVersion: number): Promise<void> {
    try {
      await this.controllerMulti(
        [{ type: 'delete', path: PreferredReplicaElectionZNode.path, version: -1 }],
        epochZkVersion,
      );
    } catch (error) {
      if (!isKeeperException(error, 'NONODE')) throw error;
    }
  }

  // ───────────────────────── producer ids ─────────────────────────

  /**
   * Claims the next block of 1000 producer ids: read /latest_producer_id_block, write the next block with a
   * conditional setData on its version, retry on conflict (ProducerIdManager in Kafka 2.4).
   */
  async allocateProducerIdBlock(brokerId: number, maxAttempts = 20): Promise<ProducerIdBlock> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      let node = await this.getDataMaybe(ProducerIdBlockZNode.path);
      if (node === undefined) {
        await this.makeSurePersistentPathExists(ProducerIdBlockZNode.path);
        node = await this.zk.getData(ProducerIdBlockZNode.path);
      }
      const current = ProducerIdBlockZNode.decode(node.data);
      const start = current === undefined ? 0n : current.blockEnd + 1n;
      const block: ProducerIdBlock = {
        brokerId,
        blockStart: start,
        blockEnd: start + PRODUCER_ID_BLOCK_SIZE - 1n,
      };
      try {
        await this.zk.setData(
          ProducerIdBlockZNode.path,
          ProducerIdBlockZNode.encode(block),
          node.stat.version,
        );
        return block;
      } catch (error) {
        if (!isKeeperException(error, 'BADVERSION')) throw error;
      }
    }
    throw new KeeperException('BADVERSION', ProducerIdBlockZNode.path);
  }
}
