// A small driver for GroupCoordinator tests (and drills): it plays the broker shell — numbers requests,
// keeps every response under a label, checks that each response encodes with its client/protocol schema
// at the request's version and that every request is answered at most once, keeps an in-memory
// `__consumer_offsets` log, and (by default) completes appends at once, as a one-broker ISR would.
//
// Pure: no vitest and no node:* imports, so drills and the simulator can use it too.

import { assert } from '../../client/common/assert.ts';
import { ErrorCode } from '../../client/protocol/error-codes.ts';
import { encodeSubscription } from './consumer-protocol.ts';
import {
  type AppendResult,
  encodeGroupResponse,
  type GroupCoordinatorOptions,
  type GroupCoordinatorReady,
  type GroupResponse,
  type LoadedRecord,
  type OffsetsTopicAppend,
  type OffsetCommitRequestData,
  type OffsetFetchRequestData,
  GroupCoordinator,
} from './group-coordinator.ts';
import type { JoinProtocol, RequestToken } from './group-metadata.ts';
import type { GroupJournalEvent } from './journal.ts';

type BodyOf<A extends GroupResponse['api']> = Extract<GroupResponse, { api: A }>['body'];

export interface HarnessOptions extends GroupCoordinatorOptions {
  /** Complete every append at once with success (default true). */
  readonly autoCompleteAppends?: boolean;
  /** Offsets partitions to own from the start (default: all of them). */
  readonly ownedPartitions?: readonly number[];
  /** A `__consumer_offsets` log shared with other harnesses (brokers replicating the same partitions). */
  readonly log?: Map<number, LogEntry[]>;
}

export interface LogEntry {
  readonly offset: bigint;
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
  readonly timestamp: bigint;
}

export interface JoinArgs {
  readonly group: string;
  readonly clientId?: string;
  readonly memberId?: string;
  readonly version?: number;
  readonly sessionTimeoutMs?: number;
  readonly rebalanceTimeoutMs?: number;
  readonly protocolType?: string;
  readonly protocols?: readonly JoinProtocol[];
  readonly groupInstanceId?: string | null;
}

/** A consumer Subscription for `topics` under each named assignor. */
export function consumerProtocols(
  names: readonly string[],
  topics: readonly string[] = ['orders'],
): JoinProtocol[] {
  const metadata = encodeSubscription({ topics });
  return names.map((name) => ({ name, metadata }));
}

export class CoordinatorHarness {
  readonly coordinator: GroupCoordinator;
  nowMs = 0;
  autoCompleteAppends: boolean;
  readonly events: GroupJournalEvent[] = [];
  /** Appends with requiredAcks −1 not completed yet (when autoCompleteAppends is off). */
  readonly pendingAppends: OffsetsTopicAppend[] = [];
  /** Every append as the shell received it, in order. */
  readonly appends: OffsetsTopicAppend[] = [];
  /** The `__consumer_offsets` log per partition (each append is written when the shell receives it). */
  readonly log: Map<number, LogEntry[]>;
  private readonly baseOffsets = new Map<OffsetsTopicAppend, bigint>();
  private readonly responses = new Map<string, GroupResponse>();
  private readonly labels = new Map<RequestToken, string>();
  private nextToken = 1;

  constructor(options: HarnessOptions = {}) {
    this.coordinator = new GroupCoordinator(options);
    this.autoCompleteAppends = options.autoCompleteAppends ?? true;
    this.log = options.log ?? new Map();
    const partitions = options.ownedPartitions ?? [
      ...Array(this.coordinator.config.offsetsTopicNumPartitions).keys(),
    ];
    for (const partition of partitions) this.apply(this.coordinator.loadGroupsFromRecords(partition, [], 0));
    this.events.length = 0;
  }

  at(nowMs: number): this {
    assert(nowMs >= this.nowMs, `time goes forward only (${nowMs} < ${this.nowMs})`);
    this.nowMs = nowMs;
    return this;
  }

  tick(nowMs = this.nowMs): GroupCoordinatorReady {
    this.at(nowMs);
    return this.apply(this.coordinator.tick(nowMs));
  }

  // ---- requests ----

  /** Any input, under a label: `send` gets the token and the current time. */
  request(label: string, send: (token: RequestToken, nowMs: number) => GroupCoordinatorReady): void {
    this.apply(send(this.token(label), this.nowMs));
  }

  join(label: string, args: JoinArgs): void {
    const version = args.version ?? 5;
    const token = this.token(label);
    this.apply(
      this.coordinator.joinGroup(
        token,
        version,
        {
          groupId: args.group,
          sessionTimeoutMs: args.sessionTimeoutMs ?? 10_000,
          rebalanceTimeoutMs: args.rebalanceTimeoutMs ?? 60_000,
          memberId: args.memberId ?? '',
          groupInstanceId: args.groupInstanceId ?? null,
          protocolType: args.protocolType ?? 'consumer',
          protocols: args.protocols ?? consumerProtocols(['range']),
        },
        { clientId: args.clientId ?? 'client', clientHost: '/127.0.0.1' },
        this.nowMs,
      ),
    );
  }

  /** JoinGroup v4+ as a real client does it: an empty id, MEMBER_ID_REQUIRED, then again with the id. */
  joinWithMemberId(label: string, args: JoinArgs): string {
    this.join(`${label}:probe`, { ...args, memberId: '' });
    const probe = this.body('JoinGroup', `${label}:probe`);
    assert(
      probe.errorCode === ErrorCode.MEMBER_ID_REQUIRED,
      `expected MEMBER_ID_REQUIRED, got ${probe.errorCode}`,
    );
    this.join(label, { ...args, memberId: probe.memberId });
    return probe.memberId;
  }

  sync(
    label: string,
    args: {
      group: string;
      memberId: string;
      generationId: number;
      version?: number;
      assignments?: readonly { memberId: string; assignment: Uint8Array }[];
      protocolType?: string | null;
      protocolName?: string | null;
    },
  ): void {
    const version = args.version ?? 3;
    this.apply(
      this.coordinator.syncGroup(
        this.token(label),
        version,
        {
          groupId: args.group,
          generationId: args.generationId,
          memberId: args.memberId,
          groupInstanceId: null,
          protocolType: args.protocolType ?? null,
          protocolName: args.protocolName ?? null,
          assignments: args.assignments ?? [],
        },
        this.nowMs,
      ),
    );
  }

  heartbeat(
    label: string,
    args: { group: string; memberId: string; generationId: number; version?: number },
  ): number {
    this.apply(
      this.coordinator.heartbeat(
        this.token(label),
        args.version ?? 3,
        { groupId: args.group, generationId: args.generationId, memberId: args.memberId },
        this.nowMs,
      ),
    );
    return this.body('Heartbeat', label).errorCode;
  }

  leave(label: string, args: { group: string; memberIds: readonly string[]; version?: number }): void {
    const version = args.version ?? 3;
    this.apply(
      this.coordinator.leaveGroup(
        this.token(label),
        version,
        version >= 3
          ? {
              groupId: args.group,
              members: args.memberIds.map((memberId) => ({ memberId, groupInstanceId: null })),
            }
          : { groupId: args.group, memberId: args.memberIds[0] },
        this.nowMs,
      ),
    );
  }

  commit(label: string, version: number, request: OffsetCommitRequestData): void {
    this.apply(this.coordinator.offsetCommit(this.token(label), version, request, this.nowMs));
  }

  fetch(label: string, version: number, request: OffsetFetchRequestData): BodyOf<'OffsetFetch'> {
    this.apply(this.coordinator.offsetFetch(this.token(label), version, request, this.nowMs));
    return this.body('OffsetFetch', label);
  }

  describe(label: string, version: number, groups: readonly string[]): BodyOf<'DescribeGroups'> {
    this.apply(this.coordinator.describeGroups(this.token(label), version, { groups }, this.nowMs));
    return this.body('DescribeGroups', label);
  }

  list(label: string, version: number, statesFilter: readonly string[] = []): BodyOf<'ListGroups'> {
    this.apply(this.coordinator.listGroups(this.token(label), version, { statesFilter }, this.nowMs));
    return this.body('ListGroups', label);
  }

  // ---- appends ----

  /** Completes the oldest pending append (success unless `result` says otherwise). */
  completeNextAppend(result?: AppendResult): void {
    const append = this.pendingAppends.shift();
    assert(append, 'no pending append');
    this.completeAppend(append, result);
  }

  completeAppend(append: OffsetsTopicAppend, result?: AppendResult): void {
    const index = this.pendingAppends.indexOf(append);
    if (index >= 0) this.pendingAppends.splice(index, 1);
    let outcome = result ?? { errorCode: ErrorCode.NONE };
    if (outcome.errorCode === ErrorCode.NONE) {
      outcome = { errorCode: ErrorCode.NONE, baseOffset: outcome.baseOffset ?? this.baseOffsets.get(append) };
    }
    this.apply(this.coordinator.completeAppend(append.appendId, outcome, this.nowMs));
  }

  logOf(partition: number): LoadedRecord[] {
    return (this.log.get(partition) ?? []).map(({ offset, key, value }) => ({ offset, key, value }));
  }

  // ---- results ----

  response(label: string): GroupResponse | undefined {
    return this.responses.get(label);
  }

  answered(label: string): boolean {
    return this.responses.has(label);
  }

  body<A extends GroupResponse['api']>(api: A, label: string): BodyOf<A> {
    const response = this.responses.get(label);
    assert(response, `request ${label} has no response yet`);
    assert(response.api === api, `request ${label} is ${response.api}, not ${api}`);
    return response.body as BodyOf<A>;
  }

  eventsOf<T extends GroupJournalEvent['type']>(type: T): Extract<GroupJournalEvent, { type: T }>[] {
    return this.events.filter(
      (event): event is Extract<GroupJournalEvent, { type: T }> => event.type === type,
    );
  }

  apply(ready: GroupCoordinatorReady): GroupCoordinatorReady {
    for (const response of ready.responses) {
      const label = this.labels.get(response.token);
      assert(label !== undefined, `response for unknown token ${String(response.token)}`);
      assert(!this.responses.has(label), `request ${label} answered twice`);
      // The body must be encodable at the request's version.
      encodeGroupResponse(response);
      this.responses.set(label, response);
    }
    this.events.push(...ready.events);
    for (const append of ready.appends) {
      this.appends.push(append);
      // The leader writes the batch at once, in the order given; acks=all only delays the answer.
      this.baseOffsets.set(append, this.writeToLog(append));
      if (append.requiredAcks === -1) this.pendingAppends.push(append);
    }
    if (this.autoCompleteAppends) {
      for (const append of ready.appends) if (append.requiredAcks === -1) this.completeAppend(append);
    }
    return ready;
  }

  private writeToLog(append: OffsetsTopicAppend): bigint {
    let entries = this.log.get(append.partition);
    if (!entries) {
      entries = [];
      this.log.set(append.partition, entries);
    }
    const baseOffset = BigInt(entries.length);
    append.records.forEach((record, index) =>
      entries.push({ offset: baseOffset + BigInt(index), ...record }),
    );
    return baseOffset;
  }

  private token(label: string): RequestToken {
    assert(![...this.labels.values()].includes(label), `label ${label} used twice`);
    const token = this.nextToken++;
    this.labels.set(token, label);
    return token;
  }
}
