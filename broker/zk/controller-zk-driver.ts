// ControllerZkDriver: the shell around the pure KafkaController when this broker is the controller.
//
//   * activate(epoch, epochZkVersion) after ControllerElector reports `elected`: registers the controller's
//     watches (§1.5: children of /brokers/ids, /brokers/topics, /admin/delete_topics,
//     /isr_change_notification; existence of /admin/preferred_replica_election; data of every
//     /brokers/topics/<t> and /brokers/ids/<id>) and starts the controller.
//   * Every watch notification re-reads its znode *with the watch again* (watches are one-shot) and feeds
//     the controller the matching event. Events run one at a time on a promise chain — the controller
//     event thread — and each runs to completion: the driver performs the controller's ZkOps
//     (controller-zk-executor.ts) and hands its requests, replies and journal to the callbacks.
//   * A fenced write that finds another controller → the controller resigns → `onResigned` (the broker
//     then tells ControllerElector.controllerMoved()).
//   * deactivate() on resignation (elector `resigned`, session expiry): stops reacting to watches.
//   * The auto leader rebalance check runs on a timer when the controller asks for it.

import type { ControllerJournalEvent } from '../controller/journal.ts';
import type { ControllerConfig } from '../controller/controller-runtime.ts';
import {
  KafkaController,
  type ControllerReady,
  type ControllerReply,
  type StopReplicaPartitionError,
} from '../controller/kafka-controller.ts';
import type { ControllerRequest } from '../controller/requests.ts';
import type { TopicPartition } from '../controller/types.ts';
import { executeControllerZkOp, type ExecutorOptions } from './controller-zk-executor.ts';
import type { KafkaZkClient } from './kafka-zk-client.ts';
import { BrokerIdsZNode, TopicsZNode } from './zk-data.ts';
import type { WatchEvent, Watcher } from './zk-client.ts';

export interface ControllerZkDriverOptions {
  readonly controllerConfig: Partial<ControllerConfig> & { readonly brokerId: number };
  /** Requests to deliver, in order (per destination broker, order matters). */
  readonly onRequests: (requests: readonly ControllerRequest[]) => void;
  readonly onJournal?: (events: readonly ControllerJournalEvent[]) => void;
  /** The controller resigned because a fenced write found another controller. */
  readonly onResigned?: () => void;
  readonly executor?: ExecutorOptions;
}

type Input = (controller: KafkaController) => ControllerReady;

export class ControllerZkDriver {
  private readonly kafkaZk: KafkaZkClient;
  private readonly options: ControllerZkDriverOptions;
  private controller: KafkaController | undefined;
  private chain: Promise<void> = Promise.resolve();
  private generation = 0;
  private nextRequestId = 1;
  /** Pending admin calls: how to resolve them, and their NOT_CONTROLLER answer. */
  private readonly waiting = new Map<
    number,
    { resolve: (reply: ControllerReply) => void; notController: ControllerReply }
  >();
  private readonly watchedTopics = new Set<string>();
  private readonly watchedBrokers = new Set<number>();
  private rebalanceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(kafkaZk: KafkaZkClient, options: ControllerZkDriverOptions) {
    this.kafkaZk = kafkaZk;
    this.options = options;
  }

  /** The controller core while active (read-only use: context, isActive). */
  get kafkaController(): KafkaController | undefined {
    return this.controller;
  }

  get isActive(): boolean {
    return this.controller?.isActive ?? false;
  }

  /** Resolves when every queued event has been processed. */
  whenIdle(): Promise<void> {
    return this.chain;
  }

  /** Become the active controller (after winning the election). */
  activate(epoch: number, epochZkVersion: number): Promise<void> {
    return this.enqueue(async () => {
      this.generation += 1;
      this.watchedTopics.clear();
      this.watchedBrokers.clear();
      this.controller = new KafkaController(this.options.controllerConfig);
      const gen = this.generation;
      // Watches first, then the controller reads ZooKeeper (so no change can slip between the two).
      await this.kafkaZk.getBrokerIds(this.brokerChangeWatcher);
      await this.kafkaZk.getAllTopicsInCluster(this.topicChangeWatcher);
      await this.kafkaZk.getTopicDeletions(this.topicDeletionWatcher);
      await this.kafkaZk.getAllIsrChangeNotifications(this.isrChangeWatcher);
      await this.kafkaZk.getPreferredReplicaElection(this.preferredReplicaElectionWatcher);
      if (gen !== this.generation) return;
      await this.drive(this.controller.onControllerElected(epoch, epochZkVersion));
      await this.watchTopicsAndBrokers();
    });
  }

  /** Stop being the controller (the elector reported resignation, or the session expired). */
  deactivate(reason = 'resigned'): Promise<void> {
    return this.enqueue(async () => {
      this.generation += 1;
      this.clearRebalanceTimer();
      const controller = this.controller;
      this.controller = undefined;
      if (controller !== undefined && controller.isActive) this.deliver(controller.resign(reason));
      for (const { resolve, notController } of this.waiting.values()) resolve(notController);
      this.waiting.clear();
    });
  }

  /** A broker's ControlledShutdown request; resolves with the controller's answer. */
  controlledShutdown(
    brokerId: number,
    brokerEpoch: bigint,
  ): Promise<Extract<ControllerReply, { type: 'ControlledShutdown' }>> {
    const requestId = this.nextRequestId++;
    const notController = {
      type: 'ControlledShutdown',
      requestId,
      brokerId,
      error: 'NOT_CONTROLLER',
      partitionsRemaining: [],
    } as const;
    return this.call(requestId, notController, (c) =>
      c.onBrokerControlledShutdown(brokerId, brokerEpoch, requestId),
    );
  }

  /** ElectLeaders (admin): preferred or unclean election for these partitions. */
  electLeaders(
    partitions: readonly TopicPartition[],
    electionType: 'preferred' | 'unclean' = 'preferred',
  ): Promise<Extract<ControllerReply, { type: 'ElectLeaders' }>> {
    const requestId = this.nextRequestId++;
    const notController = { type: 'ElectLeaders', requestId, error: 'NOT_CONTROLLER', results: [] } as const;
    return this.call(requestId, notController, (c) =>
      c.onPreferredReplicaElection(partitions, 'admin', requestId, electionType),
    );
  }

  private call<R extends ControllerReply>(requestId: number, notController: R, input: Input): Promise<R> {
    return new Promise((resolve) => {
      this.waiting.set(requestId, { resolve: resolve as (reply: ControllerReply) => void, notController });
      void this.submit(input).then(() => {
        // Not answered (the controller is not active): NOT_CONTROLLER.
        if (this.waiting.delete(requestId)) resolve(notController);
      });
    });
  }

  /** A StopReplica (deletePartitions=true) response from a broker. */
  stopReplicaResponse(
    brokerId: number,
    requestError: string,
    partitionErrors: readonly StopReplicaPartitionError[],
  ): Promise<void> {
    return this.submit((c) => c.onStopReplicaResponse(brokerId, requestError, partitionErrors));
  }

  /** unclean.leader.election.enable turned on for a topic (dynamic config change). */
  uncleanLeaderElectionEnabled(topic: string): Promise<void> {
    return this.submit((c) => c.onUncleanLeaderElectionEnabled(topic));
  }

  // ───────────────────────── the event thread ─────────────────────────

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step).catch((error: unknown) => {
      this.options.onJournal?.([
        { type: 'controller-error', message: error instanceof Error ? error.message : String(error) },
      ]);
    });
    this.chain = next;
    return next;
  }

  private submit(input: Input): Promise<void> {
    return this.enqueue(async () => {
      const controller = this.controller;
      if (controller === undefined || !controller.isActive) return;
      await this.drive(input(controller));
    });
  }

  /** Watch notification: re-read (re-arming the watch) and feed the controller, in order. */
  private onWatch(read: () => Promise<Input | undefined>): void {
    const gen = this.generation;
    void this.enqueue(async () => {
      if (gen !== this.generation || !this.isActive) return;
      const input = await read();
      const controller = this.controller;
      if (input === undefined || controller === undefined || gen !== this.generation || !controller.isActive)
        return;
      await this.drive(input(controller));
      await this.watchTopicsAndBrokers();
    });
  }

  private async drive(first: ControllerReady): Promise<void> {
    const controller = this.controller;
    if (controller === undefined) return;
    let ready = first;
    for (;;) {
      this.deliver(ready);
      if (ready.resigned) {
        this.generation += 1;
        this.clearRebalanceTimer();
        this.options.onResigned?.();
        return;
      }
      if (ready.zkOp === undefined) return;
      const result = await executeControllerZkOp(this.kafkaZk, ready.zkOp, this.options.executor);
      ready = controller.onZkResult(result);
    }
  }

  private deliver(ready: ControllerReady): void {
    if (ready.journal.length > 0) this.options.onJournal?.(ready.journal);
    if (ready.requests.length > 0) this.options.onRequests(ready.requests);
    for (const reply of ready.replies) {
      const waiter = this.waiting.get(reply.requestId);
      if (waiter !== undefined) {
        this.waiting.delete(reply.requestId);
        waiter.resolve(reply);
      }
    }
    if (ready.scheduleAutoLeaderRebalanceMs !== undefined) {
      this.clearRebalanceTimer();
      this.rebalanceTimer = setTimeout(() => {
        this.rebalanceTimer = undefined;
        void this.submit((c) => c.onAutoLeaderRebalance());
      }, ready.scheduleAutoLeaderRebalanceMs);
      this.rebalanceTimer.unref?.();
    }
  }

  private clearRebalanceTimer(): void {
    if (this.rebalanceTimer !== undefined) clearTimeout(this.rebalanceTimer);
    this.rebalanceTimer = undefined;
  }

  /** Data watches on every known topic and live broker not watched yet. */
  private async watchTopicsAndBrokers(): Promise<void> {
    const context = this.controller?.context;
    if (context === undefined) return;
    for (const topic of [...context.allTopics].sort()) {
      if (this.watchedTopics.has(topic)) continue;
      this.watchedTopics.add(topic);
      await this.kafkaZk.getTopicAssignment(topic, this.partitionModificationsWatcher);
    }
    for (const id of context.liveOrShuttingDownBrokerIds()) {
      if (this.watchedBrokers.has(id)) continue;
      this.watchedBrokers.add(id);
      await this.kafkaZk.getBroker(id, this.brokerModificationsWatcher);
    }
    for (const id of [...this.watchedBrokers])
      if (context.liveBroker(id) === undefined) this.watchedBrokers.delete(id);
  }

  // ───────────────────────── watchers (stable functions: the client dedupes per path) ─────────────────────────

  private readonly brokerChangeWatcher: Watcher = () =>
    this.onWatch(async () => {
      const brokers = await this.kafkaZk.getAllBrokerAndEpochsInCluster(this.brokerChangeWatcher);
      return (c) => c.onBrokersChanged(brokers);
    });

  private readonly brokerModificationsWatcher: Watcher = (event: WatchEvent) =>
    this.onWatch(async () => {
      const id = Number(event.path.slice(BrokerIdsZNode.path.length + 1));
      if (event.type === 'NodeDeleted') {
        this.watchedBrokers.delete(id);
        return undefined;
      }
      const broker = await this.kafkaZk.getBroker(id, this.brokerModificationsWatcher);
      if (broker === undefined) return undefined;
      return (c) => c.onBrokerModified(broker);
    });

  private readonly topicChangeWatcher: Watcher = () =>
    this.onWatch(async () => {
      const topics = await this.kafkaZk.getAllTopicsInCluster(this.topicChangeWatcher);
      for (const topic of [...this.watchedTopics])
        if (!topics.includes(topic)) this.watchedTopics.delete(topic);
      return (c) => c.onTopicsChanged(topics);
    });

  private readonly partitionModificationsWatcher: Watcher = (event: WatchEvent) =>
    this.onWatch(async () => {
      const topic = event.path.slice(TopicsZNode.path.length + 1);
      if (event.type === 'NodeDeleted') {
        this.watchedTopics.delete(topic);
        return undefined;
      }
      await this.kafkaZk.getTopicAssignment(topic, this.partitionModificationsWatcher);
      return (c) => c.onPartitionsAdded(topic);
    });

  private readonly topicDeletionWatcher: Watcher = () =>
    this.onWatch(async () => {
      const topics = await this.kafkaZk.getTopicDeletions(this.topicDeletionWatcher);
      return (c) => c.onTopicDeletionRequested(topics);
    });

  private readonly isrChangeWatcher: Watcher = () =>
    this.onWatch(async () => {
      const sequenceNumbers = await this.kafkaZk.getAllIsrChangeNotifications(this.isrChangeWatcher);
      return (c) => c.onIsrChanged(sequenceNumbers);
    });

  private readonly preferredReplicaElectionWatcher: Watcher = () =>
    this.onWatch(async () => {
      const partitions = await this.kafkaZk.getPreferredReplicaElection(this.preferredReplicaElectionWatcher);
      if (partitions === undefined) return undefined;
      return (c) => c.onPreferredReplicaElection(partitions, 'zk');
    });
}
