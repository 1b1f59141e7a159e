// The plumbing shared by the controller's state machines.
//
// Kafka's controller calls ZooKeeper synchronously from its event thread. Our core is pure, so each event
// handler is a generator: where Kafka would call ZooKeeper, the handler `yield`s a ZkOp and receives the
// ZkOpResult when the shell resumes it (KafkaController.onZkResult). The code therefore reads in the same
// order as Kafka's, one ZooKeeper round trip per yield, and the whole controller can run under a simulated
// ZooKeeper in tests.
//
// Pure: no I/O.

import { InvariantError } from '../../client/common/assert.ts';
import type { ControllerContext } from './controller-context.ts';
import type { ControllerJournalEvent } from './journal.ts';
import type { ControllerBrokerRequestBatch } from './request-batch.ts';
import type { ControllerRequest } from './requests.ts';
import type { ZkOp, ZkOpResult } from './zk-ops.ts';

/** A controller computation that may ask ZooKeeper for things and finally returns T. */
export type ZkCall<T> = Generator<ZkOp, T, ZkOpResult>;

/** Thrown inside a handler when a fenced write found another controller: the controller must resign. */
export class ControllerMovedSignal extends Error {
  constructor() {
    super('controller moved');
    this.name = 'ControllerMovedSignal';
  }
}

/** Thrown inside a handler when a ZooKeeper operation failed as a whole; the event is abandoned. */
export class ZkOpFailedSignal extends Error {
  constructor(op: string, message: string) {
    super(`${op} failed: ${message}`);
    this.name = 'ZkOpFailedSignal';
  }
}

/** Performs one ZooKeeper operation and returns its result of the expected kind. */
export function* zkCall<K extends Exclude<ZkOpResult['kind'], 'controller-moved' | 'error'>>(
  op: ZkOp,
  kind: K,
): ZkCall<Extract<ZkOpResult, { kind: K }>> {
  const result = yield op;
  if (result.kind === 'controller-moved') throw new ControllerMovedSignal();
  if (result.kind === 'error') throw new ZkOpFailedSignal(op.op, result.message);
  if (result.kind !== kind) {
    throw new InvariantError(
      `KafkaController: expected a '${kind}' result for ${op.op}, got '${result.kind}'`,
    );
  }
  return result as Extract<ZkOpResult, { kind: K }>;
}

export interface ControllerConfig {
  /** This broker's id (the controller id in requests). */
  readonly brokerId: number;
  /** `unclean.leader.election.enable` broker default (topics may override in /config/topics). */
  readonly uncleanLeaderElectionEnable: boolean;
  /** `delete.topic.enable`. */
  readonly deleteTopicEnable: boolean;
  /** `auto.leader.rebalance.enable`. */
  readonly autoLeaderRebalanceEnable: boolean;
  /** `leader.imbalance.per.broker.percentage`. */
  readonly leaderImbalancePerBrokerPercentage: number;
  /** `leader.imbalance.check.interval.seconds`. */
  readonly leaderImbalanceCheckIntervalSeconds: number;
  /** Listener whose end point LeaderAndIsr's liveLeaders carry. */
  readonly interBrokerListenerName: string;
}

export const DEFAULT_CONTROLLER_CONFIG: Omit<ControllerConfig, 'brokerId'> = {
  uncleanLeaderElectionEnable: false,
  deleteTopicEnable: true,
  autoLeaderRebalanceEnable: true,
  leaderImbalancePerBrokerPercentage: 10,
  leaderImbalanceCheckIntervalSeconds: 300,
  interBrokerListenerName: 'PLAINTEXT',
};

/** What the state machines share: the context, the request batch, the config and the output sinks. */
export interface ControllerRuntime {
  readonly config: ControllerConfig;
  readonly context: ControllerContext;
  readonly batch: ControllerBrokerRequestBatch;
  /** Requests ready to send, in order. */
  readonly requests: ControllerRequest[];
  readonly journal: ControllerJournalEvent[];
}

/** Builds the current batch's requests into the runtime's output (Kafka's sendRequestsToBrokers). */
export function sendRequestsToBrokers(runtime: ControllerRuntime): void {
  runtime.requests.push(...runtime.batch.sendRequestsToBrokers(runtime.context.epoch));
}
