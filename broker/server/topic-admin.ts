// ZkTopicAdmin: topic creation and deletion as a ZooKeeper-era Kafka broker does them (Kafka 2.4's
// AdminManager + AdminZkClient; shared/reference/kafka-zk-era.md §1.3.5, §2.4, §2.5).
//
//   CreateTopics (answered only by the controller broker):
//     1. validate each topic: duplicates in the request and "count and assignment both set" → INVALID_REQUEST;
//        illegal name or a `.`/`_` collision → INVALID_TOPIC_EXCEPTION; already there → TOPIC_ALREADY_EXISTS;
//        partitions ≤ 0 → INVALID_PARTITIONS; replication factor ≤ 0 or above the live brokers →
//        INVALID_REPLICATION_FACTOR; a bad explicit assignment → INVALID_REPLICA_ASSIGNMENT; an unknown or
//        bad config → INVALID_CONFIG (a null value → INVALID_REQUEST);
//     2. the assignment: the explicit one, or assignReplicasToBrokers over the live brokers (random start);
//     3. write /config/topics/<t> first, then /brokers/topics/<t> — the controller's /brokers/topics watch
//        does the rest (partition states, LeaderAndIsr, UpdateMetadata);
//     4. wait (up to the request's timeout) until this broker's metadata cache shows every partition with a
//        leader, as Kafka's DelayedCreatePartitions does; what is still leaderless then → REQUEST_TIMED_OUT.
//   DeleteTopics: unknown topic → UNKNOWN_TOPIC_OR_PARTITION; else create /admin/delete_topics/<t> and
//     wait until the topic has left the metadata cache (REQUEST_TIMED_OUT otherwise).
//     delete.topic.enable=false → TOPIC_DELETION_DISABLED (INVALID_REQUEST below DeleteTopics v3).
//   CreatePartitions (controller only; Kafka 2.4's KafkaApis.handleCreatePartitionsRequest +
//     AdminManager.createPartitions + AdminZkClient.addPartitions): a topic named twice → INVALID_REQUEST;
//     queued for deletion → INVALID_TOPIC_EXCEPTION; missing → UNKNOWN_TOPIC_OR_PARTITION; a count not above
//     the current one → INVALID_PARTITIONS; a bad manual assignment (wrong number of entries, unknown or
//     duplicate broker, a replication factor unlike the topic's) → INVALID_REPLICA_ASSIGNMENT. Then the
//     full assignment (existing partitions unchanged) is written to /brokers/topics/<t> conditional on the
//     version read; the controller's watch assigns leaders; wait as CreateTopics does (REQUEST_TIMED_OUT).
//   Auto-creation (Metadata for a missing topic, auto.create.topics.enable): any broker writes the topic with
//     num.partitions and default.replication.factor, as ZooKeeper-era brokers did.

import type { Logger } from 'pino';

import { ConfigError } from '../../client/common/errors.ts';
import { ErrorCode } from '../../client/protocol/index.ts';
import type { TopicAdmin } from '../api/kafka-apis.ts';
import {
  assignNewPartitions,
  assignReplicasToBrokers,
  AssignmentError,
  collidingTopic,
  toTopicAssignment,
  topicNameProblem,
  type RandomSource,
} from '../controller/assignment.ts';
import { logConfigWithTopicOverrides, type LogConfig } from '../log/log-config.ts';
import { isKeeperException } from '../zk/errors.ts';
import type { KafkaZkClient } from '../zk/kafka-zk-client.ts';
import type { MetadataCache } from './metadata-cache.ts';

/** Kafka 2.4's topic-level config names (LogConfig.configNames). */
export const TOPIC_CONFIG_NAMES: ReadonlySet<string> = new Set([
  'cleanup.policy',
  'compression.type',
  'delete.retention.ms',
  'file.delete.delay.ms',
  'flush.messages',
  'flush.ms',
  'follower.replication.throttled.replicas',
  'index.interval.bytes',
  'leader.replication.throttled.replicas',
  'max.compaction.lag.ms',
  'max.message.bytes',
  'message.downconversion.enable',
  'message.format.version',
  'message.timestamp.difference.max.ms',
  'message.timestamp.type',
  'min.cleanable.dirty.ratio',
  'min.compaction.lag.ms',
  'min.insync.replicas',
  'preallocate',
  'retention.bytes',
  'retention.ms',
  'segment.bytes',
  'segment.index.bytes',
  'segment.jitter.ms',
  'segment.ms',
  'unclean.leader.election.enable',
]);

/** CreateTopics' "use the broker default" markers (v4+). */
const NO_NUM_PARTITIONS = -1;
const NO_REPLICATION_FACTOR = -1;

export interface ZkTopicAdminOptions {
  readonly kafkaZk: KafkaZkClient;
  readonly metadataCache: MetadataCache;
  /** True while this broker is the active controller. */
  readonly isController: () => boolean;
  /** The broker-level log config (topic overrides are validated against it). */
  readonly defaultLogConfig: LogConfig;
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly deleteTopicEnable: boolean;
  readonly log: Logger;
  readonly random?: RandomSource;
}

type CreatableTopic = Parameters<TopicAdmin['createTopics']>[0][number];
/** numPartitions/replicationFactor: what was (or, validateOnly, would be) created — CreateTopics v5+ answers them; -1 on errors. */
type CreateResult = {
  name: string;
  errorCode: number;
  errorMessage: string | null;
  numPartitions?: number;
  replicationFactor?: number;
};

interface Waiter {
  readonly done: () => boolean;
  readonly resolve: () => void;
}

const mathRandom: RandomSource = { nextInt: (bound) => Math.floor(Math.random() * bound) };

class TopicValidationError extends Error {
  readonly errorCode: number;
  constructor(errorCode: number, message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}

export class ZkTopicAdmin implements TopicAdmin {
  private readonly options: ZkTopicAdminOptions;
  private readonly random: RandomSource;
  private waiters: Waiter[] = [];
  private readonly autoCreating = new Set<string>();

  constructor(options: ZkTopicAdminOptions) {
    this.options = options;
    this.random = options.random ?? mathRandom;
  }

  readonly isController = (): boolean => this.options.isController();

  /** The metadata cache changed (UpdateMetadata applied): re-check the requests waiting on it. */
  onMetadataUpdated(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.done()) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }

  /** Wakes every waiter (shutdown): they answer with what they have. */
  close(): void {
    for (const waiter of this.waiters) waiter.resolve();
    this.waiters = [];
  }

  private waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
    if (done() || timeoutMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        done,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private hasLeaders(topic: string, partitions: number): boolean {
    const cache = this.options.metadataCache;
    const known = cache.partitionsOf(topic);
    return known.length >= partitions && known.every((p) => p.leader >= 0);
  }

  // ───────────────────────── CreateTopics ─────────────────────────

  async createTopics(
    topics: CreatableTopic[],
    options: { timeoutMs: number; validateOnly: boolean },
  ): Promise<CreateResult[]> {
    const counts = new Map<string, number>();
    for (const topic of topics) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1);
    const duplicates = [...counts].filter(([, n]) => n > 1).map(([name]) => name);
    const results: CreateResult[] = [];
    const created: { name: string; partitions: number }[] = [];
    for (const topic of topics) {
      if (duplicates.includes(topic.name)) {
        results.push({
          name: topic.name,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `Create topics request contains multiple entries for the following topics: ${duplicates.join(',')}`,
        });
        continue;
      }
      try {
        const { assignment, configs } = await this.validate(topic);
        if (!options.validateOnly) {
          await this.writeTopic(topic.name, assignment, configs);
          created.push({ name: topic.name, partitions: assignment.size });
          this.options.log.info(
            {
              topic: topic.name,
              assignment: Object.fromEntries(assignment),
              configs: Object.fromEntries(configs),
            },
            'created topic in ZooKeeper',
          );
        }
        results.push({
          name: topic.name,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          numPartitions: assignment.size,
          replicationFactor: assignment.get(0)?.length ?? -1,
        });
      } catch (error) {
        results.push(this.failure(topic.name, error));
      }
    }
    if (created.length > 0 && options.timeoutMs > 0) {
      await this.waitUntil(
        () => created.every((t) => this.hasLeaders(t.name, t.partitions)),
        options.timeoutMs,
      );
      for (const { name, partitions } of created) {
        if (this.hasLeaders(name, partitions)) continue;
        const result = results.find((r) => r.name === name)!;
        result.errorCode = ErrorCode.REQUEST_TIMED_OUT;
        // like Kafka's KafkaApis: a failed creation answers no partitions/replication
        result.numPartitions = -1;
        result.replicationFactor = -1;
        result.errorMessage = `Topic ${name} was created but its partitions have no leaders yet (timeout ${options.timeoutMs} ms).`;
      }
    }
    return results;
  }

  private failure(name: string, error: unknown): CreateResult {
    if (error instanceof TopicValidationError)
      return { name, errorCode: error.errorCode, errorMessage: error.message };
    if (error instanceof AssignmentError)
      return { name, errorCode: ErrorCode[error.error], errorMessage: error.message };
    if (isKeeperException(error, 'NODEEXISTS')) {
      return {
        name,
        errorCode: ErrorCode.TOPIC_ALREADY_EXISTS,
        errorMessage: `Topic '${name}' already exists.`,
      };
    }
    this.options.log.error({ err: error, topic: name }, 'topic creation failed');
    return { name, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: (error as Error).message };
  }

  private liveBrokers(): { id: number; rack: string | undefined }[] {
    return this.options.metadataCache.aliveBrokers().map((b) => ({ id: b.id, rack: b.rack ?? undefined }));
  }

  private async validate(
    topic: CreatableTopic,
  ): Promise<{ assignment: Map<number, number[]>; configs: Map<string, string> }> {
    const { name } = topic;
    const problem = topicNameProblem(name);
    if (problem !== undefined) throw new TopicValidationError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    const hasCounts =
      topic.numPartitions !== NO_NUM_PARTITIONS || topic.replicationFactor !== NO_REPLICATION_FACTOR;
    if (hasCounts && topic.assignments.length > 0) {
      throw new TopicValidationError(
        ErrorCode.INVALID_REQUEST,
        'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
      );
    }
    const existing = await this.options.kafkaZk.getAllTopicsInCluster();
    if (existing.includes(name))
      throw new TopicValidationError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    const collides = collidingTopic(name, existing);
    if (collides !== undefined) {
      throw new TopicValidationError(
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `Topic '${name}' collides with existing topics: ${collides}`,
      );
    }
    const configs = this.validateConfigs(topic.configs);
    const brokers = this.liveBrokers();
    let assignment: Map<number, number[]>;
    if (topic.assignments.length > 0) {
      assignment = this.validateAssignment(topic.assignments, new Set(brokers.map((b) => b.id)));
    } else {
      const partitions =
        topic.numPartitions === NO_NUM_PARTITIONS ? this.options.numPartitions : topic.numPartitions;
      const replicationFactor =
        topic.replicationFactor === NO_REPLICATION_FACTOR
          ? this.options.defaultReplicationFactor
          : topic.replicationFactor;
      assignment = assignReplicasToBrokers(brokers, partitions, replicationFactor, this.random);
    }
    return { assignment, configs };
  }

  private validateConfigs(entries: readonly { name: string; value: string | null }[]): Map<string, string> {
    const configs = new Map<string, string>();
    for (const { name, value } of entries) {
      if (!TOPIC_CONFIG_NAMES.has(name))
        throw new TopicValidationError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${name}`);
      if (value === null)
        throw new TopicValidationError(
          ErrorCode.INVALID_REQUEST,
          `Null value not supported for topic configs : ${name}`,
        );
      configs.set(name, value);
    }
    try {
      logConfigWithTopicOverrides(this.options.defaultLogConfig, configs);
    } catch (error) {
      if (error instanceof ConfigError)
        throw new TopicValidationError(ErrorCode.INVALID_CONFIG, error.message);
      throw error;
    }
    const minIsr = configs.get('min.insync.replicas');
    if (minIsr !== undefined && !(/^\d+$/.test(minIsr) && Number(minIsr) >= 1)) {
      throw new TopicValidationError(
        ErrorCode.INVALID_CONFIG,
        `Invalid value ${minIsr} for configuration min.insync.replicas: Value must be at least 1`,
      );
    }
    for (const key of ['unclean.leader.election.enable', 'preallocate', 'message.downconversion.enable']) {
      const value = configs.get(key);
      if (value !== undefined && !/^(true|false)$/i.test(value)) {
        throw new TopicValidationError(
          ErrorCode.INVALID_CONFIG,
          `Invalid value ${value} for configuration ${key}: Expected value to be either true or false`,
        );
      }
    }
    return configs;
  }

  private validateAssignment(
    assignments: readonly { partitionIndex: number; brokerIds: number[] }[],
    liveBrokerIds: ReadonlySet<number>,
  ): Map<number, number[]> {
    const bad = (message: string) => new TopicValidationError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, message);
    const assignment = new Map<number, number[]>();
    for (const { partitionIndex, brokerIds } of assignments) {
      if (assignment.has(partitionIndex))
        throw bad(`Duplicate partition ${partitionIndex} in replica assignment`);
      if (brokerIds.length === 0) throw bad(`Empty replica assignment for partition ${partitionIndex}`);
      if (new Set(brokerIds).size !== brokerIds.length)
        throw bad(`Duplicate replica assignment found: ${partitionIndex} -> ${brokerIds.join(',')}`);
      const unknown = brokerIds.filter((id) => !liveBrokerIds.has(id));
      if (unknown.length > 0) throw bad(`Unknown broker(s) in replica assignment: ${unknown.join(', ')}.`);
      assignment.set(partitionIndex, [...brokerIds]);
    }
    const sizes = new Set([...assignment.values()].map((r) => r.length));
    if (sizes.size > 1) throw bad('All partitions should have the same number of replicas');
    for (let p = 0; p < assignment.size; p++) {
      if (!assignment.has(p)) throw bad('partitions should be a consecutive 0-based integer sequence');
    }
    return new Map([...assignment].sort(([a], [b]) => a - b));
  }

  /** /config/topics/<t> first (the controller reads it when electing), then /brokers/topics/<t>. */
  private async writeTopic(
    name: string,
    assignment: Map<number, number[]>,
    configs: Map<string, string>,
  ): Promise<void> {
    const kafkaZk = this.options.kafkaZk;
    await kafkaZk.setOrCreateEntityConfigs('topics', name, configs);
    await kafkaZk.createTopicAssignment(name, toTopicAssignment(assignment));
  }

  // ───────────────────────── CreatePartitions ─────────────────────────

  async createPartitions(
    topics: { name: string; count: number; assignments: number[][] | null }[],
    options: { timeoutMs: number; validateOnly: boolean },
  ): Promise<{ name: string; errorCode: number; errorMessage: string | null }[]> {
    const counts = new Map<string, number>();
    for (const t of topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: { name: string; errorCode: number; errorMessage: string | null }[] = [];
    const grown: { name: string; partitions: number }[] = [];
    const reported = new Set<string>();
    for (const t of topics) {
      if ((counts.get(t.name) ?? 0) > 1) {
        // Kafka answers a duplicated topic once
        if (!reported.has(t.name))
          results.push({
            name: t.name,
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: 'Duplicate topic in request.',
          });
        reported.add(t.name);
        continue;
      }
      try {
        const { assignment, version } = await this.validatePartitions(t);
        if (!options.validateOnly) {
          await this.writePartitions(t.name, assignment, version);
          grown.push({ name: t.name, partitions: assignment.size });
          this.options.log.info(
            { topic: t.name, partitions: assignment.size },
            'added partitions in ZooKeeper',
          );
        }
        results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (error) {
        if (isKeeperException(error, 'BADVERSION') || isKeeperException(error, 'NONODE')) {
          results.push({
            name: t.name,
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: `The topic ${t.name} was changed or deleted concurrently; retry.`,
          });
          continue;
        }
        const failed = this.failure(t.name, error);
        results.push({ name: failed.name, errorCode: failed.errorCode, errorMessage: failed.errorMessage });
      }
    }
    if (grown.length > 0 && options.timeoutMs > 0) {
      await this.waitUntil(
        () => grown.every((t) => this.hasLeaders(t.name, t.partitions)),
        options.timeoutMs,
      );
      for (const { name, partitions } of grown) {
        if (this.hasLeaders(name, partitions)) continue;
        const result = results.find((r) => r.name === name)!;
        result.errorCode = ErrorCode.REQUEST_TIMED_OUT;
        result.errorMessage = `Partitions were added to ${name} but have no leaders yet (timeout ${options.timeoutMs} ms).`;
      }
    }
    return results;
  }

  /**
   * The conditional rewrite of /brokers/topics/<t>. BADVERSION after a retried (connection loss) write may
   * be our own write having landed: the znode already holding exactly `assignment` counts as success.
   */
  private async writePartitions(
    name: string,
    assignment: Map<number, number[]>,
    version: number,
  ): Promise<void> {
    const kafkaZk = this.options.kafkaZk;
    try {
      await kafkaZk.setTopicAssignment(name, toTopicAssignment(assignment), version);
    } catch (error) {
      if (!isKeeperException(error, 'BADVERSION')) throw error;
      const now = await kafkaZk.getTopicAssignment(name);
      const same =
        now !== undefined &&
        now.assignment.size === assignment.size &&
        [...assignment].every(([p, replicas]) => now.assignment.get(p)?.replicas.join() === replicas.join());
      if (!same) throw error;
    }
  }

  /** The full new assignment (existing partitions unchanged) and the /brokers/topics/<t> version it builds on. */
  private async validatePartitions(t: {
    name: string;
    count: number;
    assignments: number[][] | null;
  }): Promise<{ assignment: Map<number, number[]>; version: number }> {
    const kafkaZk = this.options.kafkaZk;
    if (await kafkaZk.isTopicMarkedForDeletion(t.name))
      throw new TopicValidationError(ErrorCode.INVALID_TOPIC_EXCEPTION, 'The topic is queued for deletion.');
    const read = await kafkaZk.getTopicAssignment(t.name);
    if (read === undefined || read.assignment.size === 0) {
      throw new TopicValidationError(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        `The topic '${t.name}' does not exist.`,
      );
    }
    const existing = read.assignment;
    const current = existing.size;
    if (t.count < current) {
      throw new TopicValidationError(
        ErrorCode.INVALID_PARTITIONS,
        `Topic currently has ${current} partitions, which is higher than the requested ${t.count}.`,
      );
    }
    if (t.count === current)
      throw new TopicValidationError(
        ErrorCode.INVALID_PARTITIONS,
        `Topic already has ${current} partitions.`,
      );
    const increment = t.count - current;
    const brokers = this.liveBrokers();
    let added: Map<number, number[]>;
    if (t.assignments !== null) {
      const bad = (message: string) =>
        new TopicValidationError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, message);
      const live = new Set(brokers.map((b) => b.id));
      const unknown = [...new Set(t.assignments.flat())].filter((id) => !live.has(id));
      if (unknown.length > 0) throw bad(`Unknown broker(s) in replica assignment: ${unknown.join(', ')}.`);
      if (t.assignments.length !== increment) {
        throw bad(
          `Increasing the number of partitions by ${increment} but ${t.assignments.length} assignments provided.`,
        );
      }
      const replicationFactor = existing.get(0)?.replicas.length ?? 0;
      added = new Map();
      t.assignments.forEach((replicas, i) => {
        const partition = current + i;
        if (replicas.length === 0)
          throw bad(`Cannot have replication factor of 0 for partition id ${partition}.`);
        if (new Set(replicas).size !== replicas.length) {
          throw bad(
            `Duplicate brokers not allowed in replica assignment: ${replicas.join(', ')} for partition id ${partition}.`,
          );
        }
        if (replicas.length !== replicationFactor) {
          throw bad(
            `Inconsistent replication factor between partitions, partition 0 has ${replicationFactor} while partition ${partition} has ${replicas.length}.`,
          );
        }
        added.set(partition, [...replicas]);
      });
    } else {
      added = assignNewPartitions(brokers, existing, t.count, this.random);
    }
    const assignment = new Map<number, number[]>();
    for (const [partition, a] of existing) assignment.set(partition, [...a.replicas]);
    for (const [partition, replicas] of added) assignment.set(partition, replicas);
    return { assignment: new Map([...assignment].sort(([a], [b]) => a - b)), version: read.version };
  }

  // ───────────────────────── DeleteTopics ─────────────────────────

  async deleteTopics(
    topics: string[],
    timeoutMs: number,
    apiVersion = 3,
  ): Promise<{ name: string; errorCode: number }[]> {
    const results = topics.map((name) => ({ name, errorCode: ErrorCode.NONE as number }));
    if (!this.options.deleteTopicEnable) {
      const errorCode = apiVersion < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
      return results.map((r) => ({ ...r, errorCode }));
    }
    const cache = this.options.metadataCache;
    const marked: string[] = [];
    for (const result of results) {
      if (!cache.hasTopic(result.name)) {
        result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        continue;
      }
      try {
        await this.options.kafkaZk.createDeleteTopicPath(result.name);
        this.options.log.info({ topic: result.name }, 'topic marked for deletion');
      } catch (error) {
        if (!isKeeperException(error, 'NODEEXISTS')) {
          this.options.log.error({ err: error, topic: result.name }, 'could not mark the topic for deletion');
          result.errorCode = ErrorCode.UNKNOWN_SERVER_ERROR;
          continue;
        }
      }
      marked.push(result.name);
    }
    if (marked.length > 0 && timeoutMs > 0) {
      await this.waitUntil(() => marked.every((t) => !cache.hasTopic(t)), timeoutMs);
      for (const result of results) {
        if (marked.includes(result.name) && cache.hasTopic(result.name))
          result.errorCode = ErrorCode.REQUEST_TIMED_OUT;
      }
    }
    return results;
  }

  // ───────────────────────── auto-creation ─────────────────────────

  autoCreateTopic(topic: string): void {
    if (this.autoCreating.has(topic)) return;
    this.autoCreating.add(topic);
    void this.createTopics(
      [
        {
          name: topic,
          numPartitions: this.options.numPartitions,
          replicationFactor: this.options.defaultReplicationFactor,
          assignments: [],
          configs: [],
        },
      ],
      { timeoutMs: 0, validateOnly: false },
    )
      .then(([result]) => {
        if (result.errorCode !== ErrorCode.NONE && result.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
          this.options.log.warn({ topic, error: result.errorMessage }, 'auto-creation of the topic failed');
        } else if (result.errorCode === ErrorCode.NONE) {
          this.options.log.info({ topic }, 'auto-created topic');
        }
      })
      .finally(() => this.autoCreating.delete(topic));
  }
}
