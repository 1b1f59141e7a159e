// GroupCoordinatorShell: the I/O around the pure GroupCoordinator (broker/group), doing what Kafka 2.4's
// GroupCoordinator and GroupMetadataManager do with threads, purgatories and the scheduler:
//   * requests: each one gets a token; the core's Ready answers it now or later (a parked JoinGroup or
//     SyncGroup), and `submit` resolves the caller's promise with the response for that token;
//   * time: one timer at the core's nextDeadlineMs() (join-phase ends, session expiries, offset expiry);
//   * appends (Kafka's appendForGroup): each batch for `__consumer_offsets-<p>` goes through the
//     ReplicaManager as an acks=-1 produce with offsets.commit.timeout.ms; its outcome goes back to the core
//     with completeAppend (REQUEST_TIMED_OUT, NOT_LEADER_OR_FOLLOWER, … become the core's error mapping);
//   * leadership (Kafka's onElection / onResignation, called after LeaderAndIsr and StopReplica): when this
//     broker starts leading an offsets partition it loads it — requests for its groups get
//     COORDINATOR_LOAD_IN_PROGRESS meanwhile — by reading the log from its start into the core; when it
//     stops leading, the partition's groups are unloaded (members then get NOT_COORDINATOR and look again).
// Journal events are logged on a pino child logger (component group-coordinator).
import { randomUUID } from 'node:crypto';

import type { Logger } from 'pino';

import { ErrorCode, type RequestBody } from '../../client/protocol/index.ts';
import { buildRecordBatch, decodeRecordBatches, nextOffsetOf } from '../../client/protocol/records/index.ts';
import { nativeCodecs } from '../../client/node/native-codecs.ts';
import {
  type AppendResult,
  GroupCoordinator,
  type GroupCoordinatorConfig,
  type GroupCoordinatorReady,
  type GroupResponse,
  type LoadedRecord,
  type OffsetsTopicAppend,
} from '../group/group-coordinator.ts';
import { GROUP_METADATA_TOPIC_NAME } from '../group/group-metadata-records.ts';
import type { RequestToken } from '../group/group-metadata.ts';
import type { GroupJournalEvent } from '../group/journal.ts';
import type { ReplicaManager } from './replica-manager.ts';

/** The produce version the internal appends are validated as (RecordBatch v2, one batch). */
const INTERNAL_PRODUCE_VERSION = 7;
/** How much of the log one read takes while loading (Kafka's offsets.load.buffer.size). */
const LOAD_BUFFER_BYTES = 5 * 1024 * 1024;

export interface GroupCoordinatorShellOptions {
  readonly brokerId: number;
  /** The coordinator settings (a BrokerConfig fits) and offsets.commit.timeout.ms. */
  readonly config: Partial<GroupCoordinatorConfig> & {
    readonly offsetsTopicNumPartitions: number;
    readonly offsetsCommitTimeoutMs: number;
  };
  readonly replicaManager: ReplicaManager;
  /** Whether a topic-partition exists (commits to others get UNKNOWN_TOPIC_OR_PARTITION). */
  readonly partitionExists?: (topic: string, partition: number) => boolean;
  readonly log: Logger;
  /** Every journal event, after it was logged (dashboards, tests). */
  readonly onJournal?: (events: readonly GroupJournalEvent[]) => void;
  /** The clock (tests may drive it). */
  readonly now?: () => number;
}

/** One offsets partition this broker leads; a new object per election, so a stale load can tell. */
type Led = { loaded: boolean };

export class GroupCoordinatorShell {
  readonly core: GroupCoordinator;
  private readonly options: GroupCoordinatorShellOptions;
  private readonly now: () => number;
  private readonly waiting = new Map<RequestToken, (response: GroupResponse) => void>();
  private nextToken = 1;
  private timer: NodeJS.Timeout | undefined;
  private timerDeadlineMs: number | null = null;
  /** The offsets partitions this broker leads (loading or loaded). */
  private readonly led = new Map<number, Led>();
  private readonly loadWaiters = new Set<() => void>();
  private stopped = false;

  constructor(options: GroupCoordinatorShellOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.core = new GroupCoordinator({
      config: options.config,
      memberIdSuffix: () => randomUUID(),
      ...(options.partitionExists === undefined ? {} : { partitionExists: options.partitionExists }),
    });
  }

  /** The `__consumer_offsets` partition of a group. */
  partitionFor(groupId: string): number {
    return this.core.partitionFor(groupId);
  }

  /** Offsets partitions loaded and coordinated here. */
  get ownedPartitions(): readonly number[] {
    return this.core.ownedOffsetsPartitions;
  }

  /**
   * Runs one request through the core and resolves with its response, which may come later (a JoinGroup
   * parked until the join phase ends, a SyncGroup waiting for the leader or the group-metadata append).
   */
  submit(run: (token: RequestToken, nowMs: number) => GroupCoordinatorReady): Promise<GroupResponse> {
    const token = this.nextToken++;
    const answered = new Promise<GroupResponse>((resolve) => this.waiting.set(token, resolve));
    let ready: GroupCoordinatorReady;
    try {
      ready = run(token, this.now());
    } catch (error) {
      // An invariant of the core broke (a bug, never bad input): say so loudly; the connection closes.
      this.waiting.delete(token);
      this.options.log.fatal({ err: error }, 'group coordinator invariant violated');
      throw error;
    }
    this.apply(ready);
    return answered;
  }

  // ───────────────────────── leadership ─────────────────────────

  /**
   * Compares the partitions the ReplicaManager says this broker leads with what the coordinator holds, and
   * loads (onElection) or unloads (onResignation) the difference. Called after every LeaderAndIsr,
   * StopReplica and UpdateMetadata; cheap when nothing changed.
   */
  onLeadershipChange(): void {
    if (this.stopped) return;
    const { replicaManager, brokerId } = this.options;
    for (let partition = 0; partition < this.options.config.offsetsTopicNumPartitions; partition++) {
      const state = replicaManager.partition(GROUP_METADATA_TOPIC_NAME, partition);
      const leading = state !== undefined && state.leader === brokerId;
      const current = this.led.get(partition);
      // A new leader epoch while still leading keeps what is loaded (Kafka's onElection does the same).
      if (leading && current === undefined) this.onElection(partition);
      else if (!leading && current !== undefined) this.onResignation(partition);
    }
  }

  private onElection(partition: number): void {
    const led: Led = { loaded: false };
    this.led.set(partition, led);
    this.apply(this.core.beginLoading(partition, this.now()));
    // Read the log outside the LeaderAndIsr request, as Kafka's scheduler thread does.
    setImmediate(() => this.loadGroupsAndOffsets(partition, led));
  }

  private onResignation(partition: number): void {
    this.led.delete(partition);
    this.apply(this.core.unloadPartition(partition, this.now()));
    this.wakeLoadWaiters();
  }

  private loadGroupsAndOffsets(partition: number, led: Led): void {
    if (this.stopped || this.led.get(partition) !== led) return; // resigned (or stopped) meanwhile
    const state = this.options.replicaManager.partition(GROUP_METADATA_TOPIC_NAME, partition);
    const records: LoadedRecord[] = [];
    if (state !== undefined) {
      try {
        records.push(...readOffsetsPartition(state.log));
      } catch (error) {
        // Kafka would fail the load; we keep what was readable so the groups stay reachable, loudly.
        this.options.log.error(
          { err: error, partition, recordsRead: records.length },
          'could not read the whole offsets partition',
        );
      }
    }
    this.apply(this.core.loadGroupsFromRecords(partition, records, this.now()));
    led.loaded = true; // the core's partition-loaded event says what was loaded
    this.wakeLoadWaiters();
  }

  /** Resolves once no offsets partition this broker leads is still loading (tests, drills). */
  whenLoaded(): Promise<void> {
    if ([...this.led.values()].every((led) => led.loaded)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if ([...this.led.values()].every((led) => led.loaded)) {
          this.loadWaiters.delete(check);
          resolve();
        }
      };
      this.loadWaiters.add(check);
    });
  }

  private wakeLoadWaiters(): void {
    for (const check of [...this.loadWaiters]) check();
  }

  // ───────────────────────── Ready ─────────────────────────

  private apply(ready: GroupCoordinatorReady): void {
    for (const event of ready.events) this.logEvent(event);
    if (ready.events.length > 0) this.options.onJournal?.(ready.events);
    for (const append of ready.appends) this.appendForGroup(append);
    for (const response of ready.responses) {
      const resolve = this.waiting.get(response.token);
      if (resolve === undefined) {
        this.options.log.error(
          { token: response.token, api: response.api },
          'response for an unknown request token',
        );
        continue;
      }
      this.waiting.delete(response.token);
      resolve(response);
    }
    this.scheduleTick();
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    const deadline = this.core.nextDeadlineMs();
    if (deadline === this.timerDeadlineMs) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDeadlineMs = deadline;
    if (deadline === null) return;
    const delay = Math.min(Math.max(0, deadline - this.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDeadlineMs = null;
      this.apply(this.core.tick(this.now()));
    }, delay);
    this.timer.unref();
  }

  /** One batch to `__consumer_offsets-<p>`, appended at once (in Ready order) by the leader. */
  private appendForGroup(append: OffsetsTopicAppend): void {
    const nowMs = this.now();
    const batch = buildRecordBatch(
      {
        records: append.records.map((record) => ({
          key: record.key,
          value: record.value,
          timestamp: record.timestamp,
        })),
        defaultTimestamp: BigInt(nowMs),
      },
      nativeCodecs,
    );
    const body = {
      transactionalId: null,
      acks: append.requiredAcks === -1 ? -1 : 1,
      timeoutMs: this.options.config.offsetsCommitTimeoutMs,
      topicData: [{ name: append.topic, partitionData: [{ index: append.partition, records: batch }] }],
    } as RequestBody<0>;
    // appendRecords writes to the log synchronously; only the acks=-1 wait is asynchronous.
    const done = this.options.replicaManager.appendRecords(body, INTERNAL_PRODUCE_VERSION).then(
      (topics): AppendResult => {
        const result = topics[0]?.partitionResponses[0];
        if (result === undefined) return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR };
        return result.errorCode === ErrorCode.NONE
          ? { errorCode: ErrorCode.NONE, baseOffset: result.baseOffset }
          : { errorCode: result.errorCode };
      },
      (error: unknown): AppendResult => {
        this.options.log.error(
          { err: error, partition: append.partition },
          'append to the offsets topic failed',
        );
        return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR };
      },
    );
    if (append.requiredAcks !== -1) return;
    void done.then((result) => {
      if (result.errorCode !== ErrorCode.NONE) {
        this.options.log.warn(
          {
            groupId: append.groupId,
            partition: append.partition,
            purpose: append.purpose,
            errorCode: result.errorCode,
          },
          'append to the offsets topic did not complete',
        );
      }
      this.apply(this.core.completeAppend(append.appendId, result, this.now()));
    });
  }

  private logEvent(event: GroupJournalEvent): void {
    // offsets-committed is per commit (every few seconds per member): debug, the rest is info.
    const level =
      event.type === 'member-expired' ? 'warn' : event.type === 'offsets-committed' ? 'debug' : 'info';
    this.options.log[level]({ event: toLoggable(event) }, event.type);
  }

  shutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const check of [...this.loadWaiters]) check();
  }
}

/** Every record of an offsets partition from its log start to its log end, control batches skipped. */
export function readOffsetsPartition(log: {
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  read: LogRead;
}): LoadedRecord[] {
  const records: LoadedRecord[] = [];
  const end = log.logEndOffset;
  let position = log.logStartOffset;
  while (position < end) {
    const read = log.read(position, { maxBytes: LOAD_BUFFER_BYTES, maxOffset: end, minOneMessage: true });
    if (read.error !== null || read.records.length === 0) break;
    const batches = decodeRecordBatches(read.records, { compression: nativeCodecs.compression });
    if (batches.length === 0) break;
    for (const batch of batches) {
      if (!batch.isControl) {
        for (const record of batch.records) {
          if (record.offset >= position && record.offset < end) {
            records.push({ key: record.key, value: record.value, offset: record.offset });
          }
        }
      }
    }
    const next = nextOffsetOf(batches[batches.length - 1].header);
    if (next <= position) break;
    position = next;
  }
  return records;
}

type LogRead = (
  offset: bigint,
  options: { maxBytes: number; maxOffset?: bigint; minOneMessage?: boolean },
) => { error: null; records: Uint8Array } | { error: string };

function toLoggable(event: GroupJournalEvent): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(event, (_key, value: unknown) =>
      typeof value === 'bigint'
        ? String(value)
        : value instanceof Uint8Array
          ? `${value.length} bytes`
          : value,
    ),
  ) as Record<string, unknown>;
}
