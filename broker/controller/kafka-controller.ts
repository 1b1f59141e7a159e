// KafkaController: the pure controller core (shared/reference/kafka-zk-era.md §2).
//
// Event-driven, one event at a time (Kafka's single controller event thread). Every input method enqueues
// an event and returns a ControllerReady:
//
//   zkOp       a ZooKeeper operation to perform now (at most one; each is announced exactly once). The
//              shell performs it and calls onZkResult(result), which continues the event and returns the
//              next Ready. While an operation is pending, further inputs are queued and run afterwards
//              (their Ready has no zkOp).
//   requests   LeaderAndIsr / UpdateMetadata / StopReplica to send now, in order (each broker's requests
//              must be delivered in this order). They are built only from ZooKeeper writes that have
//              already succeeded ("persist before send").
//   replies    answers to ControlledShutdown and ElectLeaders calls.
//   journal    what happened (leader changes, ISR changes, offline partitions, …) for logs and the dashboard.
//   scheduleAutoLeaderRebalanceMs   when set, the shell should call onAutoLeaderRebalance() after that delay
//              (replacing any earlier schedule).
//   resigned   a fenced write found another controller (BADVERSION on /controller_epoch): this controller
//              has resigned and cleared its state; the shell re-runs the election.
//
// The core never reads the clock, sleeps or draws random numbers.

import { assert, InvariantError } from '../../client/common/assert.ts';
import { ControllerContext, type PartitionAndReplica } from './controller-context.ts';
import {
  ControllerMovedSignal,
  DEFAULT_CONTROLLER_CONFIG,
  sendRequestsToBrokers,
  zkCall,
  ZkOpFailedSignal,
  type ControllerConfig,
  type ControllerRuntime,
  type ZkCall,
} from './controller-runtime.ts';
import type { ControllerJournalEvent } from './journal.ts';
import { preferredReplicaPartitionLeaderElection } from './leader-election.ts';
import { PartitionStateMachine, type PartitionStateChangeResults } from './partition-state-machine.ts';
import { ReplicaStateMachine } from './replica-state-machine.ts';
import { ControllerBrokerRequestBatch } from './request-batch.ts';
import type { ControllerRequest } from './requests.ts';
import { TopicDeletionManager } from './topic-deletion-manager.ts';
import {
  compareTopicPartitions,
  NO_LEADER,
  topicPartitionKey,
  type BrokerRegistration,
  type LiveBroker,
  type TopicPartition,
} from './types.ts';
import type { ClusterSnapshot, ZkOp, ZkOpResult } from './zk-ops.ts';

/** How a replica leader election was triggered (Kafka's ElectionTrigger). */
export type ElectionTrigger = 'zk' | 'admin' | 'auto';

export type ControllerReply =
  | {
      readonly type: 'ControlledShutdown';
      readonly requestId: number;
      readonly brokerId: number;
      readonly error:
        'NONE' | 'STALE_BROKER_EPOCH' | 'BROKER_NOT_AVAILABLE' | 'NOT_CONTROLLER' | 'UNKNOWN_SERVER_ERROR';
      /** Partitions (with more than one replica) the broker still leads; it retries until this is empty. */
      readonly partitionsRemaining: readonly TopicPartition[];
    }
  | {
      readonly type: 'ElectLeaders';
      readonly requestId: number;
      readonly error: 'NONE' | 'NOT_CONTROLLER' | 'UNKNOWN_SERVER_ERROR';
      readonly results: readonly {
        readonly partition: TopicPartition;
        readonly error:
          | 'NONE'
          | 'ELECTION_NOT_NEEDED'
          | 'PREFERRED_LEADER_NOT_AVAILABLE'
          | 'ELIGIBLE_LEADERS_NOT_AVAILABLE'
          | 'UNKNOWN_TOPIC_OR_PARTITION'
          | 'INVALID_TOPIC_EXCEPTION';
        readonly message?: string;
      }[];
    };

export interface ControllerReady {
  readonly zkOp: ZkOp | undefined;
  readonly requests: readonly ControllerRequest[];
  readonly replies: readonly ControllerReply[];
  readonly journal: readonly ControllerJournalEvent[];
  readonly scheduleAutoLeaderRebalanceMs: number | undefined;
  readonly resigned: boolean;
}

/** A partition's error from a StopReplica response ('NONE' = deleted). */
export interface StopReplicaPartitionError {
  readonly partition: TopicPartition;
  readonly error: string;
}

type ControllerEvent =
  | { readonly type: 'ControllerElected'; readonly epoch: number; readonly epochZkVersion: number }
  | { readonly type: 'BrokerChange'; readonly brokers: readonly LiveBroker[] }
  | { readonly type: 'BrokerModification'; readonly broker: BrokerRegistration }
  | { readonly type: 'TopicChange'; readonly topics: readonly string[] }
  | { readonly type: 'PartitionModifications'; readonly topic: string }
  | { readonly type: 'TopicDeletion'; readonly topics: readonly string[] }
  | { readonly type: 'IsrChangeNotification'; readonly sequenceNumbers: readonly string[] }
  | {
      readonly type: 'ControlledShutdown';
      readonly brokerId: number;
      readonly brokerEpoch: bigint;
      readonly requestId: number;
    }
  | {
      readonly type: 'ReplicaLeaderElection';
      readonly partitions: readonly TopicPartition[];
      readonly electionType: 'preferred' | 'unclean';
      readonly trigger: ElectionTrigger;
      readonly requestId: number;
    }
  | { readonly type: 'AutoPreferredReplicaLeaderElection' }
  | { readonly type: 'TopicUncleanLeaderElectionEnable'; readonly topic: string }
  | {
      readonly type: 'TopicDeletionStopReplicaResponseReceived';
      readonly brokerId: number;
      readonly requestError: string;
      readonly partitionErrors: readonly StopReplicaPartitionError[];
    };

/** Delay of the first auto-rebalance check after election (Kafka: 5 s). */
export const FIRST_AUTO_LEADER_REBALANCE_DELAY_MS = 5_000;

export class KafkaController {
  readonly config: ControllerConfig;
  readonly context = new ControllerContext();
  private readonly runtime: ControllerRuntime;
  private readonly partitionStateMachine: PartitionStateMachine;
  private readonly replicaStateMachine: ReplicaStateMachine;
  private readonly topicDeletionManager: TopicDeletionManager;

  private active = false;
  private readonly queue: ControllerEvent[] = [];
  private current: ZkCall<void> | undefined;
  private currentEvent: ControllerEvent | undefined;
  private pendingOp: ZkOp | undefined;
  /** The op issued since the last Ready (a Ready announces each op exactly once). */
  private issuedOp: ZkOp | undefined;
  private readonly replies: ControllerReply[] = [];
  /** Events whose reply has been produced (so a failure after the reply does not answer twice). */
  private readonly answered = new WeakSet<ControllerEvent>();
  private schedule: number | undefined;
  private resignedFlag = false;

  constructor(config: Partial<ControllerConfig> & { brokerId: number }) {
    this.config = { ...DEFAULT_CONTROLLER_CONFIG, ...config };
    this.runtime = {
      config: this.config,
      context: this.context,
      batch: new ControllerBrokerRequestBatch(
        this.config.brokerId,
        this.context,
        this.config.interBrokerListenerName,
      ),
      requests: [],
      journal: [],
    };
    this.partitionStateMachine = new PartitionStateMachine(this.runtime);
    this.replicaStateMachine = new ReplicaStateMachine(this.runtime);
    this.topicDeletionManager = new TopicDeletionManager(
      this.runtime,
      this.partitionStateMachine,
      this.replicaStateMachine,
    );
  }

  /** True between onControllerElected and resignation. */
  get isActive(): boolean {
    return this.active;
  }

  /** The ZooKeeper operation the controller is waiting for, if any. */
  get pendingZkOp(): ZkOp | undefined {
    return this.pendingOp;
  }

  // ───────────────────────── inputs ─────────────────────────

  /**
   * This broker won the election with `epoch` (the /controller_epoch data version `epochZkVersion` is the
   * fencing token). The controller then deletes stale notifications, reads the cluster from ZooKeeper
   * (a `readClusterSnapshot` op) and takes over (§2.2).
   */
  onControllerElected(epoch: number, epochZkVersion: number): ControllerReady {
    return this.enqueue({ type: 'ControllerElected', epoch, epochZkVersion });
  }

  /** The children of /brokers/ids changed: `brokers` are the registered brokers now, with their epochs (czxid). */
  onBrokersChanged(brokers: readonly LiveBroker[]): ControllerReady {
    return this.enqueue({ type: 'BrokerChange', brokers });
  }

  /** A broker rewrote its registration (e.g. new end points). */
  onBrokerModified(broker: BrokerRegistration): ControllerReady {
    return this.enqueue({ type: 'BrokerModification', broker });
  }

  /** The children of /brokers/topics changed: `topics` are all topics now. New ones get created (§2.4). */
  onTopicsChanged(topics: readonly string[]): ControllerReady {
    return this.enqueue({ type: 'TopicChange', topics });
  }

  /** The data of /brokers/topics/<topic> changed: partitions may have been added. */
  onPartitionsAdded(topic: string): ControllerReady {
    return this.enqueue({ type: 'PartitionModifications', topic });
  }

  /** The children of /admin/delete_topics changed: `topics` are the pending delete requests (§2.5). */
  onTopicDeletionRequested(topics: readonly string[]): ControllerReady {
    return this.enqueue({ type: 'TopicDeletion', topics });
  }

  /** New /isr_change_notification children (their sequence numbers): refresh those partitions, tell everyone. */
  onIsrChanged(sequenceNumbers: readonly string[]): ControllerReady {
    return this.enqueue({ type: 'IsrChangeNotification', sequenceNumbers });
  }

  /** ControlledShutdown request from a broker; the reply names the partitions it still leads. */
  onBrokerControlledShutdown(brokerId: number, brokerEpoch: bigint, requestId = 0): ControllerReady {
    return this.enqueue({ type: 'ControlledShutdown', brokerId, brokerEpoch, requestId });
  }

  /**
   * A preferred (or unclean) replica election for `partitions`: from /admin/preferred_replica_election
   * (`zk`, the node is deleted afterwards), the ElectLeaders API (`admin`, answered with a reply), or the
   * auto-rebalance check (`auto`).
   */
  onPreferredReplicaElection(
    partitions: readonly TopicPartition[],
    trigger: ElectionTrigger = 'zk',
    requestId = 0,
    electionType: 'preferred' | 'unclean' = 'preferred',
  ): ControllerReady {
    return this.enqueue({ type: 'ReplicaLeaderElection', partitions, electionType, trigger, requestId });
  }

  /** The periodic leader-imbalance check (auto.leader.rebalance.enable). */
  onAutoLeaderRebalance(): ControllerReady {
    return this.enqueue({ type: 'AutoPreferredReplicaLeaderElection' });
  }

  /** unclean.leader.election.enable was turned on for a topic: retry its offline partitions. */
  onUncleanLeaderElectionEnabled(topic: string): ControllerReady {
    return this.enqueue({ type: 'TopicUncleanLeaderElectionEnable', topic });
  }

  /** The response to a StopReplica with deletePartitions=true (topic deletion). */
  onStopReplicaResponse(
    brokerId: number,
    requestError: string,
    partitionErrors: readonly StopReplicaPartitionError[],
  ): ControllerReady {
    return this.enqueue({
      type: 'TopicDeletionStopReplicaResponseReceived',
      brokerId,
      requestError,
      partitionErrors,
    });
  }

  /** The result of the pending zkOp. */
  onZkResult(result: ZkOpResult): ControllerReady {
    assert(
      this.current !== undefined && this.pendingOp !== undefined,
      'KafkaController.onZkResult: no ZooKeeper operation is pending',
    );
    this.pendingOp = undefined;
    return this.run(result);
  }

  /** Resign (another broker is controller, or the ZooKeeper session expired): drop everything. */
  resign(reason = 'resigned'): ControllerReady {
    this.doResign(reason);
    return this.collect();
  }

  // ───────────────────────── the event loop ─────────────────────────

  private enqueue(event: ControllerEvent): ControllerReady {
    if (this.resignedFlag && event.type !== 'ControllerElected') {
      this.answerInactive(event);
      return this.collect();
    }
    this.queue.push(event);
    if (this.current !== undefined) return this.collect();
    return this.run(undefined);
  }

  private run(input: ZkOpResult | undefined): ControllerReady {
    let value = input;
    for (;;) {
      if (this.current === undefined) {
        const next = this.queue.shift();
        if (next === undefined) break;
        this.current = this.process(next);
        this.currentEvent = next;
        value = undefined;
      }
      let step: IteratorResult<ZkOp, void>;
      try {
        step =
          value === undefined
            ? this.current.next(undefined as unknown as ZkOpResult)
            : this.current.next(value);
      } catch (error) {
        const event = this.currentEvent;
        this.current = undefined;
        this.currentEvent = undefined;
        if (error instanceof ControllerMovedSignal) {
          if (event !== undefined) this.answerFailed(event, 'NOT_CONTROLLER');
          this.doResign('a fenced ZooKeeper write failed: another broker is controller');
          break;
        }
        if (error instanceof ZkOpFailedSignal) {
          if (event !== undefined) this.answerFailed(event, 'UNKNOWN_SERVER_ERROR');
          this.runtime.journal.push({ type: 'controller-error', message: error.message });
          continue;
        }
        throw error;
      }
      if (step.done) {
        this.current = undefined;
        this.currentEvent = undefined;
        continue;
      }
      this.pendingOp = step.value;
      this.issuedOp = step.value;
      break;
    }
    return this.collect();
  }

  private collect(): ControllerReady {
    const ready: ControllerReady = {
      zkOp: this.issuedOp,
      requests: this.runtime.requests.splice(0),
      replies: this.replies.splice(0),
      journal: this.runtime.journal.splice(0),
      scheduleAutoLeaderRebalanceMs: this.schedule,
      resigned: this.resignedFlag,
    };
    this.schedule = undefined;
    this.issuedOp = undefined;
    return ready;
  }

  private doResign(reason: string): void {
    const wasActive = this.active;
    const epoch = this.context.epoch;
    this.active = false;
    this.resignedFlag = true;
    if (this.currentEvent !== undefined) this.answerInactive(this.currentEvent);
    this.current = undefined;
    this.currentEvent = undefined;
    this.pendingOp = undefined;
    this.issuedOp = undefined;
    for (const event of this.queue.splice(0)) this.answerInactive(event);
    this.runtime.requests.splice(0);
    this.runtime.batch.sendRequestsToBrokers(epoch); // discard anything half-built
    this.context.reset();
    if (wasActive)
      this.runtime.journal.push({ type: 'controller-moved', brokerId: this.config.brokerId, epoch, reason });
  }

  /** Events that expect an answer get NOT_CONTROLLER when the controller is not active. */
  private answerInactive(event: ControllerEvent): void {
    this.answerFailed(event, 'NOT_CONTROLLER');
  }

  /** Answers an event that expects a reply but could not complete (unless it was already answered). */
  private answerFailed(event: ControllerEvent, error: 'NOT_CONTROLLER' | 'UNKNOWN_SERVER_ERROR'): void {
    const requestId =
      event.type === 'ControlledShutdown' || event.type === 'ReplicaLeaderElection'
        ? event.requestId
        : undefined;
    if (requestId === undefined) return;
    if (this.answered.has(event)) return;
    this.answered.add(event);
    if (event.type === 'ControlledShutdown') {
      this.replies.push({
        type: 'ControlledShutdown',
        requestId,
        brokerId: event.brokerId,
        error,
        partitionsRemaining: [],
      });
    } else if (event.type === 'ReplicaLeaderElection' && event.trigger === 'admin') {
      this.replies.push({ type: 'ElectLeaders', requestId, error, results: [] });
    }
  }

  private *process(event: ControllerEvent): ZkCall<void> {
    if (event.type === 'ControllerElected') {
      yield* this.onControllerFailover(event.epoch, event.epochZkVersion);
      return;
    }
    if (!this.active) {
      this.answerInactive(event);
      return;
    }
    switch (event.type) {
      case 'BrokerChange':
        return yield* this.processBrokerChange(event.brokers);
      case 'BrokerModification':
        return this.processBrokerModification(event.broker);
      case 'TopicChange':
        return yield* this.processTopicChange(event.topics);
      case 'PartitionModifications':
        return yield* this.processPartitionModifications(event.topic);
      case 'TopicDeletion':
        return yield* this.processTopicDeletion(event.topics);
      case 'IsrChangeNotification':
        return yield* this.processIsrChangeNotification(event.sequenceNumbers);
      case 'ControlledShutdown':
        return yield* this.processControlledShutdown(event.brokerId, event.brokerEpoch, event.requestId);
      case 'ReplicaLeaderElection':
        return yield* this.processReplicaLeaderElection(
          event.partitions,
          event.electionType,
          event.trigger,
          event.requestId,
        );
      case 'AutoPreferredReplicaLeaderElection':
        return yield* this.processAutoPreferredReplicaLeaderElection();
      case 'TopicUncleanLeaderElectionEnable':
        if (this.context.allTopics.has(event.topic))
          yield* this.partitionStateMachine.triggerOnlinePartitionStateChange(event.topic);
        return;
      case 'TopicDeletionStopReplicaResponseReceived':
        return yield* this.processTopicDeletionStopReplicaResponse(
          event.brokerId,
          event.requestError,
          event.partitionErrors,
        );
    }
  }

  // ───────────────────────── helpers ─────────────────────────

  private sendUpdateMetadataRequest(
    brokerIds: readonly number[],
    partitions: readonly TopicPartition[],
  ): void {
    this.runtime.batch.newBatch();
    this.runtime.batch.addUpdateMetadataRequestForBrokers(brokerIds, partitions);
    sendRequestsToBrokers(this.runtime);
  }

  // ───────────────────────── failover (§2.2) ─────────────────────────

  private *onControllerFailover(epoch: number, epochZkVersion: number): ZkCall<void> {
    this.context.reset();
    this.context.epoch = epoch;
    this.context.epochZkVersion = epochZkVersion;
    this.active = true;
    this.resignedFlag = false;
    this.runtime.journal.push({
      type: 'controller-elected',
      brokerId: this.config.brokerId,
      epoch,
      epochZkVersion,
    });

    yield* zkCall(
      { op: 'deleteLogDirEventNotifications', expectedControllerEpochZkVersion: epochZkVersion },
      'done',
    );
    yield* zkCall(
      {
        op: 'deleteIsrChangeNotifications',
        sequenceNumbers: 'all',
        expectedControllerEpochZkVersion: epochZkVersion,
      },
      'done',
    );
    const { snapshot } = yield* zkCall({ op: 'readClusterSnapshot' }, 'readClusterSnapshot');
    this.initializeControllerContext(snapshot);

    const ineligible = [...this.context.allTopics].filter((topic) =>
      this.context.replicasForTopic(topic).some((r) => !this.context.isReplicaOnline(r.replica, r.partition)),
    );
    yield* this.topicDeletionManager.init(snapshot.topicsToBeDeleted, ineligible);

    // Brokers must know the live brokers before they act on LeaderAndIsr.
    this.sendUpdateMetadataRequest(this.context.liveOrShuttingDownBrokerIds(), []);
    yield* this.replicaStateMachine.startup();
    yield* this.partitionStateMachine.startup();
    yield* this.topicDeletionManager.tryTopicDeletion();
    if (snapshot.preferredReplicaElection !== undefined) {
      yield* this.processReplicaLeaderElection(snapshot.preferredReplicaElection, 'preferred', 'zk', 0);
    }
    if (this.config.autoLeaderRebalanceEnable) this.schedule = FIRST_AUTO_LEADER_REBALANCE_DELAY_MS;
  }

  private initializeControllerContext(snapshot: ClusterSnapshot): void {
    const context = this.context;
    context.setLiveBrokers(snapshot.liveBrokers);
    for (const [topic, partitions] of snapshot.topics) {
      context.allTopics.add(topic);
      for (const [partition, assignment] of partitions)
        context.updatePartitionFullReplicaAssignment({ topic, partition }, assignment);
    }
    context.partitionLeadershipInfo.clear();
    for (const { partition, state } of snapshot.partitionStates.values()) {
      if (context.hasPartition(partition)) context.putLeadershipInfo(partition, state);
    }
    context.shuttingDownBrokerIds.clear();
  }

  // ───────────────────────── brokers (§2.3) ─────────────────────────

  private *processBrokerChange(current: readonly LiveBroker[]): ZkCall<void> {
    const context = this.context;
    const byId = new Map(current.map((b) => [b.id, b]));
    const known = new Set(context.liveOrShuttingDownBrokerIds());
    const newIds = [...byId.keys()].filter((id) => !known.has(id)).sort((a, b) => a - b);
    const deadIds = [...known].filter((id) => !byId.has(id)).sort((a, b) => a - b);
    const bouncedIds = [...known]
      .filter(
        (id) => byId.has(id) && (byId.get(id) as LiveBroker).epoch > (context.brokerEpoch(id) as bigint),
      )
      .sort((a, b) => a - b);

    if (newIds.length > 0) {
      context.addLiveBrokers(newIds.map((id) => byId.get(id) as LiveBroker));
      for (const id of newIds)
        this.runtime.journal.push({
          type: 'broker-joined',
          brokerId: id,
          brokerEpoch: (byId.get(id) as LiveBroker).epoch,
        });
      yield* this.onBrokerStartup(newIds);
    }
    if (bouncedIds.length > 0) {
      context.removeLiveBrokers(bouncedIds);
      yield* this.onBrokerFailure(bouncedIds);
      context.addLiveBrokers(bouncedIds.map((id) => byId.get(id) as LiveBroker));
      for (const id of bouncedIds)
        this.runtime.journal.push({
          type: 'broker-bounced',
          brokerId: id,
          brokerEpoch: (byId.get(id) as LiveBroker).epoch,
        });
      yield* this.onBrokerStartup(bouncedIds);
    }
    if (deadIds.length > 0) {
      context.removeLiveBrokers(deadIds);
      for (const id of deadIds) this.runtime.journal.push({ type: 'broker-left', brokerId: id });
      yield* this.onBrokerFailure(deadIds);
    }
  }

  private *onBrokerStartup(newBrokers: readonly number[]): ZkCall<void> {
    const context = this.context;
    const newSet = new Set(newBrokers);
    const existing = context.liveOrShuttingDownBrokerIds().filter((id) => !newSet.has(id));
    // Existing brokers learn the new end points; new brokers get every partition state.
    this.sendUpdateMetadataRequest(existing, []);
    this.sendUpdateMetadataRequest(newBrokers, context.partitionsWithLeadershipInfo());
    const replicasOnNewBrokers = context.replicasOnBrokers(newSet);
    yield* this.replicaStateMachine.handleStateChanges(replicasOnNewBrokers, 'OnlineReplica');
    yield* this.partitionStateMachine.triggerOnlinePartitionStateChange();
    const topicsToResume = [
      ...new Set(
        replicasOnNewBrokers
          .filter((r) => this.topicDeletionManager.isTopicQueuedUpForDeletion(r.partition.topic))
          .map((r) => r.partition.topic),
      ),
    ].sort();
    if (topicsToResume.length > 0) yield* this.topicDeletionManager.resumeDeletionForTopics(topicsToResume);
  }

  private *onBrokerFailure(deadBrokers: readonly number[]): ZkCall<void> {
    const context = this.context;
    for (const id of deadBrokers) context.shuttingDownBrokerIds.delete(id);
    yield* this.onReplicasBecomeOffline(context.replicasOnBrokers(new Set(deadBrokers)));
  }

  private *onReplicasBecomeOffline(offline: readonly PartitionAndReplica[]): ZkCall<void> {
    const context = this.context;
    const forDeletion = offline.filter((r) =>
      this.topicDeletionManager.isTopicQueuedUpForDeletion(r.partition.topic),
    );
    const notForDeletion = offline.filter(
      (r) => !this.topicDeletionManager.isTopicQueuedUpForDeletion(r.partition.topic),
    );
    const partitionsWithoutLeader = context
      .partitionsWithLeadershipInfo()
      .filter((tp) => {
        const info = context.leadershipInfo(tp);
        return info !== undefined && !context.isReplicaOnline(info.leaderAndIsr.leader, tp);
      })
      .filter((tp) => !this.topicDeletionManager.isTopicQueuedUpForDeletion(tp.topic));
    yield* this.partitionStateMachine.handleStateChanges(partitionsWithoutLeader, 'OfflinePartition');
    yield* this.partitionStateMachine.triggerOnlinePartitionStateChange();
    yield* this.replicaStateMachine.handleStateChanges(notForDeletion, 'OfflineReplica');
    if (forDeletion.length > 0) yield* this.topicDeletionManager.failReplicaDeletion(forDeletion);
    // Nobody lost its leader: still tell every broker who is alive.
    if (partitionsWithoutLeader.length === 0)
      this.sendUpdateMetadataRequest(context.liveOrShuttingDownBrokerIds(), []);
  }

  private processBrokerModification(broker: BrokerRegistration): void {
    const old = this.context.liveBroker(broker.id);
    if (old === undefined) return;
    if (JSON.stringify(old.endPoints) === JSON.stringify(broker.endPoints) && old.rack === broker.rack)
      return;
    this.context.addLiveBrokers([{ ...broker, epoch: old.epoch }]);
    this.sendUpdateMetadataRequest(this.context.liveOrShuttingDownBrokerIds(), []);
  }

  // ───────────────────────── topics (§2.4) ─────────────────────────

  private *processTopicChange(topics: readonly string[]): ZkCall<void> {
    const context = this.context;
    const current = new Set(topics);
    const newTopics = [...current].filter((t) => !context.allTopics.has(t)).sort();
    const deletedTopics = [...context.allTopics].filter((t) => !current.has(t)).sort();
    for (const topic of deletedTopics) context.removeTopic(topic);
    if (newTopics.length === 0) return;
    const { assignments } = yield* zkCall(
      { op: 'getTopicAssignments', topics: newTopics },
      'getTopicAssignments',
    );
    const newPartitions: TopicPartition[] = [];
    for (const topic of newTopics) {
      context.allTopics.add(topic);
      const partitions = assignments.get(topic);
      if (partitions === undefined) continue;
      for (const [partition, assignment] of partitions) {
        context.updatePartitionFullReplicaAssignment({ topic, partition }, assignment);
        newPartitions.push({ topic, partition });
      }
      this.runtime.journal.push({ type: 'topic-created', topic, partitions: partitions.size });
    }
    if (newPartitions.length > 0) yield* this.onNewPartitionCreation(newPartitions);
  }

  private *processPartitionModifications(topic: string): ZkCall<void> {
    const context = this.context;
    if (!context.allTopics.has(topic)) return;
    const { assignments } = yield* zkCall(
      { op: 'getTopicAssignments', topics: [topic] },
      'getTopicAssignments',
    );
    const partitions = assignments.get(topic);
    if (partitions === undefined) return;
    const toAdd = [...partitions]
      .filter(([partition]) => !context.hasPartition({ topic, partition }))
      .sort(([a], [b]) => a - b);
    if (toAdd.length === 0) return;
    if (this.topicDeletionManager.isTopicQueuedUpForDeletion(topic)) {
      this.runtime.journal.push({
        type: 'controller-error',
        message: `skipping adding partitions ${toAdd.map(([p]) => p).join(',')} for topic ${topic} since it is being deleted`,
      });
      return;
    }
    for (const [partition, assignment] of toAdd)
      context.updatePartitionFullReplicaAssignment({ topic, partition }, assignment);
    this.runtime.journal.push({ type: 'partitions-added', topic, partitions: toAdd.map(([p]) => p) });
    yield* this.onNewPartitionCreation(toAdd.map(([partition]) => ({ topic, partition })));
  }

  private *onNewPartitionCreation(partitions: readonly TopicPartition[]): ZkCall<void> {
    const replicas = () => this.context.replicasForPartitions(partitions);
    yield* this.partitionStateMachine.handleStateChanges(partitions, 'NewPartition');
    yield* this.replicaStateMachine.handleStateChanges(replicas(), 'NewReplica');
    yield* this.partitionStateMachine.handleStateChanges(partitions, 'OnlinePartition', {
      strategy: 'offline',
    });
    yield* this.replicaStateMachine.handleStateChanges(replicas(), 'OnlineReplica');
  }

  // ───────────────────────── deletion (§2.5) ─────────────────────────

  private *processTopicDeletion(requested: readonly string[]): ZkCall<void> {
    const context = this.context;
    const nonExistent = requested.filter((t) => !context.allTopics.has(t)).sort();
    if (nonExistent.length > 0) {
      yield* zkCall(
        {
          op: 'deleteTopicDeletions',
          topics: nonExistent,
          expectedControllerEpochZkVersion: context.epochZkVersion,
        },
        'done',
      );
    }
    const toDelete = requested.filter((t) => context.allTopics.has(t)).sort();
    if (toDelete.length === 0) return;
    if (this.config.deleteTopicEnable) {
      yield* this.topicDeletionManager.enqueueTopicsForDeletion(toDelete);
    } else {
      yield* zkCall(
        {
          op: 'deleteTopicDeletions',
          topics: toDelete,
          expectedControllerEpochZkVersion: context.epochZkVersion,
        },
        'done',
      );
    }
  }

  private *processTopicDeletionStopReplicaResponse(
    brokerId: number,
    requestError: string,
    partitionErrors: readonly StopReplicaPartitionError[],
  ): ZkCall<void> {
    const relevant = partitionErrors.filter((e) => this.context.isTopicDeletionInProgress(e.partition.topic));
    if (relevant.length === 0) return;
    const failed = relevant
      .filter((e) => requestError !== 'NONE' || e.error !== 'NONE')
      .map((e) => ({ partition: e.partition, replica: brokerId }));
    yield* this.topicDeletionManager.failReplicaDeletion(failed);
    const succeeded = relevant
      .filter((e) => requestError === 'NONE' && e.error === 'NONE')
      .map((e) => ({ partition: e.partition, replica: brokerId }));
    if (succeeded.length > 0) yield* this.topicDeletionManager.completeReplicaDeletion(succeeded);
  }

  // ───────────────────────── ISR change notifications ─────────────────────────

  private *processIsrChangeNotification(sequenceNumbers: readonly string[]): ZkCall<void> {
    const context = this.context;
    if (sequenceNumbers.length === 0) return;
    let moved = false;
    try {
      const { partitions } = yield* zkCall(
        { op: 'getIsrChangeNotifications', sequenceNumbers },
        'getIsrChangeNotifications',
      );
      const known = partitions.filter((tp) => context.hasPartition(tp));
      if (known.length > 0) {
        const { states } = yield* zkCall(
          { op: 'getPartitionStates', partitions: known },
          'getPartitionStates',
        );
        for (const partition of known) {
          const state = states.get(topicPartitionKey(partition));
          if (state === undefined) continue;
          const previous = context.leadershipInfo(partition);
          context.putLeadershipInfo(partition, state);
          if (
            previous === undefined ||
            previous.leaderAndIsr.isr.join(',') !== state.leaderAndIsr.isr.join(',')
          ) {
            this.runtime.journal.push({
              type: 'isr-changed',
              topic: partition.topic,
              partition: partition.partition,
              previousIsr: previous?.leaderAndIsr.isr ?? [],
              isr: state.leaderAndIsr.isr,
              leader: state.leaderAndIsr.leader,
              leaderEpoch: state.leaderAndIsr.leaderEpoch,
              reason: 'notification',
            });
          }
        }
        this.sendUpdateMetadataRequest(context.liveOrShuttingDownBrokerIds(), known);
      }
    } catch (error) {
      moved = error instanceof ControllerMovedSignal;
      throw error;
    } finally {
      // The notifications are deleted even when processing failed (as Kafka does), unless we lost the role.
      if (!moved) {
        yield* zkCall(
          {
            op: 'deleteIsrChangeNotifications',
            sequenceNumbers: [...sequenceNumbers],
            expectedControllerEpochZkVersion: context.epochZkVersion,
          },
          'done',
        );
      }
    }
  }

  // ───────────────────────── controlled shutdown (§2.9) ─────────────────────────

  private *processControlledShutdown(brokerId: number, brokerEpoch: bigint, requestId: number): ZkCall<void> {
    const context = this.context;
    const event = this.currentEvent;
    const reply = (
      error: 'NONE' | 'STALE_BROKER_EPOCH' | 'BROKER_NOT_AVAILABLE',
      partitionsRemaining: TopicPartition[] = [],
    ) => {
      if (event !== undefined) this.answered.add(event);
      this.replies.push({ type: 'ControlledShutdown', requestId, brokerId, error, partitionsRemaining });
    };
    const cachedEpoch = context.brokerEpoch(brokerId);
    // −1 = a broker that does not send its epoch (pre-KIP-380): accepted.
    if (brokerEpoch !== -1n && cachedEpoch !== undefined && brokerEpoch < cachedEpoch) {
      reply('STALE_BROKER_EPOCH');
      return;
    }
    if (cachedEpoch === undefined) {
      reply('BROKER_NOT_AVAILABLE');
      return;
    }
    context.shuttingDownBrokerIds.add(brokerId);
    const toActOn = context
      .partitionsOnBroker(brokerId)
      .filter(
        (tp) =>
          context.partitionReplicaAssignment(tp).length > 1 &&
          context.leadershipInfo(tp) !== undefined &&
          !this.topicDeletionManager.isTopicQueuedUpForDeletion(tp.topic),
      );
    const led = toActOn.filter((tp) => context.leadershipInfo(tp)?.leaderAndIsr.leader === brokerId);
    const followed = toActOn.filter((tp) => context.leadershipInfo(tp)?.leaderAndIsr.leader !== brokerId);
    yield* this.partitionStateMachine.handleStateChanges(led, 'OnlinePartition', {
      strategy: 'controlled-shutdown',
    });
    this.runtime.batch.newBatch();
    for (const partition of followed)
      this.runtime.batch.addStopReplicaRequestForBrokers([brokerId], partition, false);
    sendRequestsToBrokers(this.runtime);
    yield* this.replicaStateMachine.handleStateChanges(
      followed.map((partition) => ({ partition, replica: brokerId })),
      'OfflineReplica',
    );
    const stillLed = context
      .partitionsWithLeadershipInfo()
      .filter(
        (tp) =>
          !this.topicDeletionManager.isTopicQueuedUpForDeletion(tp.topic) &&
          context.leadershipInfo(tp)?.leaderAndIsr.leader === brokerId &&
          context.partitionReplicaAssignment(tp).length > 1,
      );
    this.runtime.journal.push({
      type: 'broker-shutting-down',
      brokerId,
      partitionsStillLed: stillLed.length,
    });
    reply('NONE', stillLed);
  }

  // ───────────────────────── preferred replica election (§2.8) ─────────────────────────

  private *processReplicaLeaderElection(
    requested: readonly TopicPartition[],
    electionType: 'preferred' | 'unclean',
    trigger: ElectionTrigger,
    requestId: number,
  ): ZkCall<void> {
    const context = this.context;
    type Result = Extract<ControllerReply, { type: 'ElectLeaders' }>['results'][number];
    const results: Result[] = [];
    const seen = new Set<string>();
    const partitions = [...requested]
      .filter((tp) => (seen.has(topicPartitionKey(tp)) ? false : (seen.add(topicPartitionKey(tp)), true)))
      .sort(compareTopicPartitions);
    const electable: TopicPartition[] = [];
    for (const partition of partitions) {
      if (!context.hasPartition(partition) || context.leadershipInfo(partition) === undefined) {
        results.push({
          partition,
          error: 'UNKNOWN_TOPIC_OR_PARTITION',
          message: `The partition does not exist.`,
        });
      } else if (this.topicDeletionManager.isTopicQueuedUpForDeletion(partition.topic)) {
        results.push({
          partition,
          error: 'INVALID_TOPIC_EXCEPTION',
          message: `Deletion of topic ${partition.topic} is in progress.`,
        });
      } else {
        const leader = context.leadershipInfo(partition)?.leaderAndIsr.leader ?? NO_LEADER;
        const needed =
          electionType === 'preferred'
            ? leader !== context.partitionReplicaAssignment(partition)[0]
            : leader === NO_LEADER || !context.liveBrokerIds().includes(leader);
        if (needed) electable.push(partition);
        else results.push({ partition, error: 'ELECTION_NOT_NEEDED' });
      }
    }
    const outcome = yield* this.onReplicaElection(electable, electionType, trigger);
    for (const partition of electable) {
      const entry = outcome.get(topicPartitionKey(partition));
      if (entry?.leaderAndIsr !== undefined) results.push({ partition, error: 'NONE' });
      else {
        results.push({
          partition,
          error:
            electionType === 'preferred'
              ? 'PREFERRED_LEADER_NOT_AVAILABLE'
              : 'ELIGIBLE_LEADERS_NOT_AVAILABLE',
          message: entry?.error,
        });
      }
    }
    if (trigger === 'admin') {
      results.sort((a, b) => compareTopicPartitions(a.partition, b.partition));
      if (this.currentEvent !== undefined) this.answered.add(this.currentEvent);
      this.replies.push({ type: 'ElectLeaders', requestId, error: 'NONE', results });
    }
  }

  private *onReplicaElection(
    partitions: readonly TopicPartition[],
    electionType: 'preferred' | 'unclean',
    trigger: ElectionTrigger,
  ): ZkCall<PartitionStateChangeResults> {
    let moved = false;
    try {
      return yield* this.partitionStateMachine.handleStateChanges(
        partitions,
        'OnlinePartition',
        electionType === 'preferred'
          ? { strategy: 'preferred' }
          : { strategy: 'offline', allowUnclean: trigger === 'admin' },
      );
    } catch (error) {
      moved = error instanceof ControllerMovedSignal;
      throw error;
    } finally {
      if (trigger === 'zk' && !moved) {
        yield* zkCall(
          {
            op: 'deletePreferredReplicaElection',
            expectedControllerEpochZkVersion: this.context.epochZkVersion,
          },
          'done',
        );
      }
    }
  }

  /** Kafka's checkAndTriggerAutoLeaderRebalance. */
  private *processAutoPreferredReplicaLeaderElection(): ZkCall<void> {
    const context = this.context;
    try {
      if (!this.config.autoLeaderRebalanceEnable) return;
      const byPreferred = new Map<number, TopicPartition[]>();
      for (const tp of context.allPartitions()) {
        if (this.topicDeletionManager.isTopicQueuedUpForDeletion(tp.topic)) continue;
        const preferred = context.partitionReplicaAssignment(tp)[0];
        if (preferred === undefined) continue;
        const list = byPreferred.get(preferred) ?? [];
        list.push(tp);
        byPreferred.set(preferred, list);
      }
      for (const preferred of [...byPreferred.keys()].sort((a, b) => a - b)) {
        const partitions = byPreferred.get(preferred) as TopicPartition[];
        const notLed = partitions.filter((tp) => {
          const info = context.leadershipInfo(tp);
          return info !== undefined && info.leaderAndIsr.leader !== preferred;
        });
        const imbalance = notLed.length / partitions.length;
        if (imbalance <= this.config.leaderImbalancePerBrokerPercentage / 100) continue;
        const candidates = notLed.filter((tp) => {
          if (!context.isReplicaOnline(preferred, tp)) return false;
          if (
            this.topicDeletionManager.isTopicQueuedUpForDeletion(tp.topic) ||
            !context.allTopics.has(tp.topic)
          )
            return false;
          const assignment = context.partitionReplicaAssignment(tp);
          const live = new Set(assignment.filter((id) => context.isReplicaOnline(id, tp)));
          const isr = context.leadershipInfo(tp)?.leaderAndIsr.isr ?? [];
          return preferredReplicaPartitionLeaderElection(assignment, isr, live) !== undefined;
        });
        yield* this.onReplicaElection(candidates, 'preferred', 'auto');
      }
    } finally {
      if (this.active && this.config.autoLeaderRebalanceEnable)
        this.schedule = this.config.leaderImbalanceCheckIntervalSeconds * 1000;
    }
  }
}

/** Runs `ready` to completion against a synchronous ZooKeeper (tests, simulation). Returns everything emitted. */
export function runToCompletion(
  controller: KafkaController,
  ready: ControllerReady,
  zk: (op: ZkOp) => ZkOpResult,
  maxSteps = 10_000,
): {
  requests: ControllerRequest[];
  replies: ControllerReply[];
  journal: ControllerJournalEvent[];
  zkOps: ZkOp[];
  resigned: boolean;
  scheduleAutoLeaderRebalanceMs: number | undefined;
} {
  const out = {
    requests: [...ready.requests],
    replies: [...ready.replies],
    journal: [...ready.journal],
    zkOps: [] as ZkOp[],
    resigned: ready.resigned,
    scheduleAutoLeaderRebalanceMs: ready.scheduleAutoLeaderRebalanceMs,
  };
  let current = ready;
  for (let step = 0; current.zkOp !== undefined; step++) {
    if (step >= maxSteps) throw new InvariantError('runToCompletion: too many ZooKeeper steps');
    out.zkOps.push(current.zkOp);
    current = controller.onZkResult(zk(current.zkOp));
    out.requests.push(...current.requests);
    out.replies.push(...current.replies);
    out.journal.push(...current.journal);
    out.resigned ||= current.resigned;
    out.scheduleAutoLeaderRebalanceMs =
      current.scheduleAutoLeaderRebalanceMs ?? out.scheduleAutoLeaderRebalanceMs;
  }
  return out;
}
