// ControllerElector: the broker side of controller election (shared/reference/kafka-zk-era.md §2.1), as
// Kafka 2.4's KafkaController does it with its /controller watch:
//
//   start:        watch /controller (exists), then elect.
//   elect:        if /controller exists, just remember who the controller is. Otherwise run the election
//                 multi (create /controller EPHEMERAL + bump /controller_epoch with its expected version).
//                 Winning → `elected` with the new epoch and its zkVersion (the fencing token).
//   /controller created or changed → re-read it; if we were controller and are not any more → `resigned`.
//   /controller deleted → resign if needed, then elect again.
//   session expired → resign (our ephemeral /controller is gone); on the new session the broker first
//                 re-registers (the `beforeReelect` hook), then we watch and elect again.
//
// All handling runs one step at a time on a promise chain — the single "controller event thread".
// Watches are one-shot, so every handler reads /controller again with the watcher.

import { ControllerMovedError } from './errors.ts';
import type { ControllerEpochAndVersion, KafkaZkClient } from './kafka-zk-client.ts';
import type { WatchEvent } from './zk-client.ts';

export type ControllerElectionEvent =
  | {
      readonly type: 'elected';
      readonly brokerId: number;
      readonly epoch: number;
      readonly epochZkVersion: number;
    }
  | { readonly type: 'resigned'; readonly brokerId: number; readonly reason: string }
  | { readonly type: 'controller-changed'; readonly controllerId: number | undefined }
  | { readonly type: 'election-error'; readonly error: unknown };

export interface ControllerElectorOptions {
  /** Called (and awaited) on every election event, in order. */
  readonly onEvent: (event: ControllerElectionEvent) => void | Promise<void>;
  /** Called on a new ZooKeeper session before re-electing (the broker re-registers itself here). */
  readonly beforeReelect?: () => Promise<void>;
}

export class ControllerElector {
  readonly brokerId: number;
  private readonly kafkaZk: KafkaZkClient;
  private readonly options: ControllerElectorOptions;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  /** The controller as last seen in /controller (undefined = none). */
  private controllerId: number | undefined;
  private epoch: ControllerEpochAndVersion | undefined;

  constructor(kafkaZk: KafkaZkClient, brokerId: number, options: ControllerElectorOptions) {
    this.kafkaZk = kafkaZk;
    this.brokerId = brokerId;
    this.options = options;
  }

  /** True while this broker is the controller. */
  get isActive(): boolean {
    return this.epoch !== undefined;
  }

  /** Epoch and epoch zkVersion while active. */
  get controllerEpoch(): ControllerEpochAndVersion | undefined {
    return this.epoch;
  }

  get activeControllerId(): number | undefined {
    return this.controllerId;
  }

  /** Starts watching /controller and runs the first election. Resolves when that first step is done. */
  start(): Promise<void> {
    this.unsubscribe = this.kafkaZk.zk.onSessionEvent((event) => {
      if (event === 'expired') this.enqueue(() => this.resign('ZooKeeper session expired'));
      if (event === 'new-session') {
        this.enqueue(async () => {
          await this.options.beforeReelect?.();
          await this.reelect();
        });
      }
    });
    return this.enqueue(() => this.reelect());
  }

  /** Stops reacting to watches. Does not delete /controller (closing the session does). */
  stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    return this.chain;
  }

  /**
   * Called by the controller when one of its fenced writes failed with ControllerMovedError: resign and
   * re-read /controller (Kafka's "controller moved" path).
   */
  controllerMoved(): Promise<void> {
    return this.enqueue(() => this.reelect());
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(async () => {
      if (this.stopped) return;
      try {
        await step();
      } catch (error) {
        await this.options.onEvent({ type: 'election-error', error });
      }
    });
    this.chain = next;
    return next;
  }

  private readonly watcher = (event: WatchEvent): void => {
    if (this.stopped) return;
    if (event.type === 'NodeDeleted') this.enqueue(() => this.reelect());
    else this.enqueue(() => this.controllerChange());
  };

  /** /controller created or changed (ControllerChange). */
  private async controllerChange(): Promise<void> {
    await this.maybeResign();
  }

  /** /controller deleted, or a new session (Reelect). */
  private async reelect(): Promise<void> {
    await this.maybeResign();
    await this.elect();
  }

  private async readController(): Promise<number | undefined> {
    const id = await this.kafkaZk.getControllerId(this.watcher);
    if (id !== this.controllerId) {
      this.controllerId = id;
      await this.options.onEvent({ type: 'controller-changed', controllerId: id });
    }
    return id;
  }

  private async maybeResign(): Promise<void> {
    const wasActive = this.isActive;
    const id = await this.readController();
    if (wasActive && id !== this.brokerId)
      await this.resign(id === undefined ? '/controller was deleted' : `broker ${id} is controller now`);
  }

  private async resign(reason: string): Promise<void> {
    if (this.epoch === undefined) return;
    this.epoch = undefined;
    await this.options.onEvent({ type: 'resigned', brokerId: this.brokerId, reason });
  }

  private async elect(): Promise<void> {
    const id = await this.readController();
    if (id !== undefined) return;
    try {
      const won = await this.kafkaZk.registerControllerAndIncrementControllerEpoch(this.brokerId);
      this.epoch = won;
      this.controllerId = this.brokerId;
      await this.options.onEvent({ type: 'controller-changed', controllerId: this.brokerId });
      await this.options.onEvent({ type: 'elected', brokerId: this.brokerId, ...won });
    } catch (error) {
      if (error instanceof ControllerMovedError) {
        // Someone else won; /controller now names them (the watch will tell us about later changes).
        await this.maybeResign();
        return;
      }
      throw error;
    }
  }
}
