// A deterministic replication simulation: three brokers' replication *rules* and the real controller core
// under a simulated ZooKeeper, network and clock, with seeded faults (kafka-zk-era.md §2, §3).
//
// What is real here, and what is modelled — keep this in mind when reading a result:
//  * real: the controller (broker/controller/kafka-controller.ts, run against ControllerZkModel), the
//    leader-side rules (replica-state.ts: updateFollowerFetchState, highWatermarkCandidate,
//    outOfSyncReplicas, mayJoinIsr), the follower truncation rule (truncationStep) and the leader-epoch
//    cache (broker/log/leader-epoch-cache.ts, in memory).
//  * modelled: everything the ReplicaManager/fetcher shells do around them — a log is an array of
//    {epoch, value} (offset = index, log start 0, no retention), fetch and OffsetsForLeaderEpoch are
//    closures delivered after a random delay, the produce purgatory, the HW checkpoint (every 5 s; a
//    restart resumes from it), ZooKeeper sessions, the /controller race and the leader's conditional ISR
//    write. Controller ZooKeeper operations run to completion atomically (no interleaving with leaders'
//    ISR writes inside one controller event). A leader's ISR write is atomic like Kafka 2.4's by default;
//    the `isrWrites` option models kzlab's ReplicaManager instead (a promise that settles later) and the
//    fixes for it. A crash keeps the whole log (a process crash: the page cache survives); power loss is
//    not simulated. ISR change notifications reach the controller at once (no 5 s batching).
//    None of the broker/server shell code (ReplicaManager, ReplicaFetcherManager) runs here.
// It lives in deploy/sim rather than broker/replica because it uses the real LeaderEpochFileCache
// (broker/log, outside the pure zones) and the simulator's Prng and EventQueue; it is pure all the same.
//
// Faults (chosen by the seed): kill/restart a broker, pause a broker (its session expires if the pause
// outlasts zookeeper.session.timeout.ms; it resumes as a zombie and finds out), cut a broker off from the
// other brokers and possibly from ZooKeeper. Producers reach every running broker.
//
// Invariants, checked after every step: logStartOffset (0) ≤ HW ≤ LEO on every replica; a leader's HW
// never goes backwards within one leader epoch; one controller per controller epoch (elections and every
// request delivered); every acknowledged record is, at its offset, in the log of the partition's current
// leader (per ZooKeeper); every replica's last entry below its HW is the leader's entry there; every ISR
// member's LEO ≥ the leader's HW. After a calm phase: every partition has a leader, every acknowledged record
// is below its HW, and every replica agrees with the leader below its own HW (no divergence).
//
// `npx kzlab sim replication --seed N` replays a seed.

import {
  KafkaController,
  runToCompletion,
  type ControllerReady,
} from '../../../broker/controller/kafka-controller.ts';
import { ControllerZkModel } from '../../../broker/controller/controller-zk-model.ts';
import type { ControllerRequest, LeaderAndIsrPartitionState } from '../../../broker/controller/requests.ts';
import type { LiveBroker, TopicPartition } from '../../../broker/controller/types.ts';
import { LeaderEpochFileCache } from '../../../broker/log/leader-epoch-cache.ts';
import {
  highWatermarkCandidate,
  initialFollowerState,
  mayJoinIsr,
  outOfSyncReplicas,
  truncationStep,
  updateFollowerFetchState,
  type EpochEndOffset,
  type FollowerFetchState,
} from '../../../broker/replica/replica-state.ts';
import { EventQueue } from '../event-queue.ts';
import { Prng } from '../prng.ts';

export interface ReplicationSimOptions {
  seed: number;
  /** Steps of the fault phase (STEP_MS each); a calm phase follows. */
  steps?: number;
  calmSteps?: number;
  acks?: 'all' | 1;
  minInsyncReplicas?: number;
  uncleanLeaderElection?: boolean;
  /** false: followers truncate to their own HW (pre-0.11, §3.7) instead of asking for epoch end offsets. */
  leaderEpochs?: boolean;
  /** false: no faults. */
  nemesis?: boolean;
  /**
   * How a leader's ISR change reaches ZooKeeper: 'atomic' (Kafka 2.4: the ZooKeeper write happens under
   * the partition's ISR lock, so no HW computation sees the old ISR once the new one is in ZooKeeper);
   * 'async' (kzlab's ReplicaManager: the write is a promise, and until it settles the HW is computed with
   * the old in-memory ISR); 'async-maximal' (async, but while a change is pending the HW counts the union
   * of the old and the proposed ISR, as KIP-497's AlterIsr does).
   */
  isrWrites?: 'atomic' | 'async' | 'async-maximal' | 'async-maximal-readback' | 'async-maximal-checked';
  /** With async ISR writes: the chance that ZooKeeper's answer is lost after it applied the write. */
  zkAnswerLoss?: number;
  /** With async ISR writes: the longest time a write takes to reach ZooKeeper (default: the network's). */
  zkWriteDelayMaxMs?: number;
  partitions?: number;
}

export interface ReplicationSimResult {
  seed: number;
  ok: boolean;
  /** Invariant violations, first one first (the run stops at the step of the first). */
  problems: string[];
  produced: number;
  acked: number;
  faults: number;
  leaderChanges: number;
  controllerEpochs: number;
  simulatedMs: number;
  replay: string;
  journal: string[];
}

const TOPIC = 'replicated';
const BROKER_IDS = [1, 2, 3] as const;
const ZK = 0;
const PRODUCER = 99;
const STEP_MS = 100;
const T0 = 1_000_000; // far from 0: lastCaughtUpTimeMs = 0 means "never caught up"
const LAG_MS = 10_000; // replica.lag.time.max.ms (≤ 2.4)
const SESSION_TIMEOUT_MS = 6_000; // zookeeper.session.timeout.ms (2.4)
const REQUEST_TIMEOUT_MS = 30_000; // producer request.timeout.ms / produce timeout_ms
const FETCH_TIMEOUT_MS = 2_000;
const CHECKPOINT_INTERVAL_MS = 5_000; // replica.high.watermark.checkpoint.interval.ms

interface Entry {
  readonly epoch: number;
  readonly value: number;
}

interface PendingProduce {
  readonly offset: bigint;
  readonly requestId: number;
  readonly deadlineMs: number;
}

type ProduceResult = { ok: true; offset: bigint } | { ok: false; error: string };

type FetchResult =
  | { error: undefined; entries: Entry[]; hw: bigint }
  | { error: 'OFFSET_OUT_OF_RANGE'; leaderLeo: bigint }
  | { error: 'NOT_LEADER' | 'FENCED_LEADER_EPOCH' | 'UNKNOWN_LEADER_EPOCH' };

class Replica {
  readonly partition: number;
  readonly replicas: readonly number[];
  log: Entry[] = [];
  readonly cache = new LeaderEpochFileCache(null);
  hw = 0n;
  hwCheckpoint = 0n;
  truncations = 0;
  // partition state from the last LeaderAndIsr applied (reset by a restart)
  role: 'none' | 'leader' | 'follower' = 'none';
  leader = -1;
  leaderEpoch = -1;
  isr: number[] = [];
  zkVersion = 0;
  /** An ISR change sent to ZooKeeper and not yet answered (isrWrites 'async…'). */
  pendingIsr: readonly number[] | undefined;
  // leader side
  followers = new Map<number, FollowerFetchState>();
  epochStartOffset = 0n;
  purgatory: PendingProduce[] = [];
  // follower side
  phase: 'idle' | 'truncating' | 'fetching' = 'idle';
  inflight: { id: number; sentAtMs: number } | undefined;
  nextFetchAtMs = 0;

  constructor(partition: number, replicas: readonly number[]) {
    this.partition = partition;
    this.replicas = replicas;
  }

  get leo(): bigint {
    return BigInt(this.log.length);
  }

  append(entry: Entry): void {
    this.cache.assign(entry.epoch, this.leo);
    this.log.push(entry);
  }

  truncateTo(offset: bigint): boolean {
    if (offset >= this.leo) return false;
    this.log = this.log.slice(0, Number(offset));
    this.cache.truncateFromEnd(offset);
    if (this.hw > offset) this.hw = offset;
    this.truncations++;
    return true;
  }

  /** Process restart: the log, epoch cache and HW checkpoint are on disk; everything else is gone. */
  restart(): void {
    this.role = 'none';
    this.leader = -1;
    this.leaderEpoch = -1;
    this.isr = [];
    this.pendingIsr = undefined;
    this.followers = new Map();
    this.purgatory = [];
    this.phase = 'idle';
    this.inflight = undefined;
    this.hw = this.hwCheckpoint < this.leo ? this.hwCheckpoint : this.leo;
  }
}

interface Outbox {
  queue: ControllerRequest[];
  inflight: boolean;
}

class SimBroker {
  readonly id: number;
  up = true;
  paused = false;
  incarnation = 0;
  /** Our registration's epoch (czxid) as far as we know; undefined = not registered. */
  sessionEpoch: bigint | undefined;
  controllerEpochSeen = 0;
  readonly replicas = new Map<number, Replica>();
  /** UpdateMetadata cache: partition → leader. */
  readonly metadataLeader = new Map<number, number>();
  controller: KafkaController;
  lastBrokersKey = '';
  readonly outbox = new Map<number, Outbox>();
  deferred: (() => void)[] = [];
  nextShrinkAtMs: number;
  nextCheckpointAtMs: number;

  constructor(id: number, controller: KafkaController, nowMs: number, shrinkPhaseMs: number) {
    this.id = id;
    this.controller = controller;
    this.nextShrinkAtMs = nowMs + shrinkPhaseMs;
    this.nextCheckpointAtMs = nowMs + CHECKPOINT_INTERVAL_MS;
  }

  get running(): boolean {
    return this.up && !this.paused;
  }
}

interface Acked {
  readonly partition: number;
  readonly offset: bigint;
  readonly value: number;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const tp = (partition: number): TopicPartition => ({ topic: TOPIC, partition });

export class ReplicationSim {
  readonly queue = new EventQueue();
  readonly prng: Prng;
  readonly model = new ControllerZkModel();
  readonly brokers = new Map<number, SimBroker>();
  readonly journal: string[] = [];
  readonly problems: string[] = [];
  readonly acked: Acked[] = [];
  produced = 0;
  faults = 0;
  leaderChanges = 0;
  private readonly options: Required<ReplicationSimOptions>;
  private readonly cuts = new Set<string>();
  /** Chance of a fault per step and the longest pause/isolation, in steps (both chosen by the seed). */
  private readonly faultRate: number;
  private readonly maxFaultSteps: number;
  /** replica.fetch.max.bytes, in records, and the longest network delay (chosen by the seed). */
  private readonly maxFetchRecords: number;
  private readonly maxDelayMs: number;
  // simulated ZooKeeper beyond the controller's model: sessions and the /controller race
  private zxid = 100n;
  private readonly registered = new Map<number, { epoch: bigint; lastHeardMs: number }>();
  private controllerOwner: number | undefined;
  private controllerEpoch = 0;
  private readonly controllerByEpoch = new Map<number, number>();
  // producer
  private readonly producerLeader: number[];
  private readonly producerInflight = new Map<
    number,
    { partition: number; value: number; sentAtMs: number }
  >();
  private nextRequestId = 1;
  private nextValue = 1;
  // invariant bookkeeping
  private readonly leaderHw = new Map<string, { incarnation: number; epoch: number; hw: bigint }>();
  private readonly ackedChecked = new Map<number, { key: string; count: number }>();

  constructor(options: ReplicationSimOptions) {
    this.options = {
      steps: 400,
      calmSteps: 400,
      acks: 'all',
      minInsyncReplicas: 2,
      uncleanLeaderElection: false,
      leaderEpochs: true,
      nemesis: true,
      partitions: 2,
      isrWrites: 'atomic',
      zkWriteDelayMaxMs: 0,
      zkAnswerLoss: 0,
      ...(Object.fromEntries(
        Object.entries(options).filter(([, v]) => v !== undefined),
      ) as ReplicationSimOptions),
    };
    this.prng = new Prng(options.seed);
    this.faultRate = this.prng.pick([0.01, 0.03, 0.08]);
    this.maxFaultSteps = this.prng.pick([20, 80, 150]);
    this.maxFetchRecords = this.prng.pick([1, 3, 20]);
    this.maxDelayMs = this.prng.pick([15, 60, 250]);
    this.queue.nowMs = T0;
    this.producerLeader = Array.from({ length: this.options.partitions }, () => -1);
    const assignment = new Map<number, number[]>();
    for (let p = 0; p < this.options.partitions; p++)
      assignment.set(
        p,
        BROKER_IDS.map((_, i) => BROKER_IDS[(p + i) % BROKER_IDS.length]),
      );
    for (const id of BROKER_IDS) {
      const broker = new SimBroker(
        id,
        this.newController(id),
        T0,
        this.prng.int(1, LAG_MS / 2 / STEP_MS) * STEP_MS,
      );
      for (const [p, replicas] of assignment) broker.replicas.set(p, new Replica(p, replicas));
      this.brokers.set(id, broker);
      this.register(broker);
    }
    this.model.createTopic(TOPIC, assignment, {
      'unclean.leader.election.enable': String(this.options.uncleanLeaderElection),
      'min.insync.replicas': String(this.options.minInsyncReplicas),
    });
    this.electController();
    const owner = this.brokers.get(this.controllerOwner!)!;
    this.runController(owner, owner.controller.onTopicsChanged([TOPIC]));
  }

  get now(): number {
    return this.queue.nowMs;
  }

  // ───────────── running ─────────────

  run(): ReplicationSimResult {
    const { steps, calmSteps } = this.options;
    for (let step = 0; step < steps + calmSteps && this.problems.length === 0; step++) {
      if (step < steps) {
        if (this.options.nemesis) this.nemesis();
      } else if (step === steps) this.calmDown();
      this.step(step < steps + calmSteps - 50); // the last 5 s: no new records, let the HW catch up
    }
    if (this.problems.length === 0) this.finalChecks();
    return {
      seed: this.options.seed,
      ok: this.problems.length === 0,
      problems: this.problems,
      produced: this.produced,
      acked: this.acked.length,
      faults: this.faults,
      leaderChanges: this.leaderChanges,
      controllerEpochs: this.controllerEpoch,
      simulatedMs: this.now - T0,
      replay: replayCommand(this.options),
      journal: this.journal,
    };
  }

  private step(produce: boolean): void {
    this.zooKeeperTick();
    for (const broker of this.brokers.values()) if (broker.running) this.brokerTick(broker);
    if (produce) this.produce();
    this.producerTimeouts();
    this.queue.runUntil(this.now + STEP_MS);
    this.checkInvariants();
  }

  private log(line: string): void {
    this.journal.push(`${((this.now - T0) / 1000).toFixed(1)}s ${line}`);
  }

  private problem(line: string): void {
    this.problems.push(`${((this.now - T0) / 1000).toFixed(1)}s ${line}`);
  }

  // ───────────── network ─────────────

  private linked(a: number, b: number): boolean {
    return !this.cuts.has(a < b ? `${a}-${b}` : `${b}-${a}`);
  }

  /** Delivers `run` at broker `to` after a small delay, if it is still the same running process and reachable. */
  private send(from: number, to: number, run: () => void, onDrop?: () => void): void {
    const target = this.brokers.get(to)!;
    const incarnation = target.incarnation;
    this.queue.after(this.prng.int(1, this.maxDelayMs), () => {
      if (!target.up || target.incarnation !== incarnation || !this.linked(from, to)) {
        onDrop?.();
        return;
      }
      if (target.paused)
        target.deferred.push(run); // the socket buffers until the process resumes
      else run();
    });
  }

  // ───────────── ZooKeeper: sessions, /controller, watches ─────────────

  private liveBroker(id: number, epoch: bigint): LiveBroker {
    return {
      id,
      epoch,
      rack: undefined,
      endPoints: [
        { listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: `broker-${id}`, port: 9092 },
      ],
    };
  }

  private register(broker: SimBroker): void {
    const epoch = ++this.zxid;
    this.registered.set(broker.id, { epoch, lastHeardMs: this.now });
    this.model.addBroker(this.liveBroker(broker.id, epoch));
    broker.sessionEpoch = epoch;
    this.log(`broker ${broker.id} registered (epoch ${epoch})`);
  }

  private sessionValid(broker: SimBroker): boolean {
    return (
      broker.running &&
      broker.sessionEpoch !== undefined &&
      this.linked(broker.id, ZK) &&
      this.registered.get(broker.id)?.epoch === broker.sessionEpoch
    );
  }

  private zooKeeperTick(): void {
    for (const [id, session] of this.registered) {
      const broker = this.brokers.get(id)!;
      if (broker.running && this.linked(id, ZK) && broker.sessionEpoch === session.epoch)
        session.lastHeardMs = this.now;
      else if (this.now - session.lastHeardMs > SESSION_TIMEOUT_MS) {
        this.registered.delete(id);
        this.model.removeBroker(id);
        this.log(`broker ${id}: session expired`);
        if (this.controllerOwner === id) this.controllerOwner = undefined;
      }
    }
    if (this.controllerOwner === undefined) this.electController();
    const owner = this.controllerOwner === undefined ? undefined : this.brokers.get(this.controllerOwner)!;
    if (owner !== undefined && this.sessionValid(owner) && owner.controller.isActive) {
      // Watches, level-triggered: /brokers/ids children and /isr_change_notification.
      const live = [...this.registered]
        .sort(([a], [b]) => a - b)
        .map(([id, s]) => this.liveBroker(id, s.epoch));
      const key = live.map((b) => `${b.id}@${b.epoch}`).join(',');
      if (key !== owner.lastBrokersKey) {
        owner.lastBrokersKey = key;
        this.runController(owner, owner.controller.onBrokersChanged(live));
      }
      if (this.model.isrChangeNotifications.size > 0 && owner.controller.isActive)
        this.runController(
          owner,
          owner.controller.onIsrChanged([...this.model.isrChangeNotifications.keys()]),
        );
    }
  }

  private electController(): void {
    const candidates = [...this.brokers.values()].filter((b) => this.sessionValid(b));
    if (candidates.length === 0) return;
    const winner = this.prng.pick(candidates);
    this.controllerOwner = winner.id;
    this.controllerEpoch++;
    this.model.controllerEpochZkVersion++;
    const previous = this.controllerByEpoch.get(this.controllerEpoch);
    if (previous !== undefined && previous !== winner.id)
      this.problem(
        `two controllers for controller epoch ${this.controllerEpoch}: ${previous} and ${winner.id}`,
      );
    this.controllerByEpoch.set(this.controllerEpoch, winner.id);
    this.log(`broker ${winner.id} is controller (epoch ${this.controllerEpoch})`);
    winner.lastBrokersKey = [...this.registered]
      .sort(([a], [b]) => a - b)
      .map(([id, s]) => `${id}@${s.epoch}`)
      .join(',');
    winner.outbox.clear();
    this.runController(
      winner,
      winner.controller.onControllerElected(this.controllerEpoch, this.model.controllerEpochZkVersion),
    );
  }

  private newController(id: number): KafkaController {
    return new KafkaController({
      brokerId: id,
      autoLeaderRebalanceEnable: false,
      uncleanLeaderElectionEnable: false, // the topic config decides
    });
  }

  private runController(broker: SimBroker, ready: ControllerReady): void {
    const out = runToCompletion(broker.controller, ready, (op) => this.model.apply(op));
    for (const event of out.journal) {
      if (event.type === 'leader-changed') {
        this.leaderChanges++;
        this.log(
          `controller ${broker.id}: ${event.topic}-${event.partition} leader ${event.previousLeader}→${event.leader} epoch ${event.leaderEpoch} isr [${event.isr}] (${event.reason})`,
        );
      } else if (event.type === 'partition-offline')
        this.log(`controller ${broker.id}: ${event.topic}-${event.partition} offline`);
      else if (event.type === 'controller-moved') this.log(`controller ${broker.id} resigned`);
    }
    if (out.resigned) {
      broker.outbox.clear();
      return;
    }
    for (const request of out.requests) {
      let box = broker.outbox.get(request.brokerId);
      if (box === undefined) broker.outbox.set(request.brokerId, (box = { queue: [], inflight: false }));
      box.queue.push(request);
    }
  }

  /** The leader's own ISR change: a conditional write on its cached zkVersion (§3.4). */
  private writeIsr(broker: SimBroker, replica: Replica, isr: number[], why: string): boolean {
    if (this.options.isrWrites !== 'atomic') {
      this.writeIsrAsync(broker, replica, isr, why);
      return false;
    }
    if (!this.sessionValid(broker)) return false;
    const partition = tp(replica.partition);
    const state = this.model.state(partition);
    if (state === undefined || state.leaderAndIsr.zkVersion !== replica.zkVersion) {
      this.log(
        `broker ${broker.id}: ${why} ISR [${isr}] of p${replica.partition}: BADVERSION, keeps [${replica.isr}]`,
      );
      return false;
    }
    this.model.leaderUpdatesIsr(partition, isr);
    this.model.addIsrChangeNotification([partition]);
    replica.zkVersion = state.leaderAndIsr.zkVersion + 1;
    this.log(`broker ${broker.id}: ${why} ISR of p${replica.partition} [${replica.isr}]→[${isr}]`);
    replica.isr = [...isr];
    return true;
  }

  /**
   * The write travels to ZooKeeper, is applied there, and the answer travels back (isrWrites 'async…').
   * With `zkAnswerLoss`, the answer may be lost (CONNECTION_LOSS) although ZooKeeper applied the write:
   * 'async' and 'async-maximal' then give up and keep the old ISR (main's ReplicaManager); 'async-maximal-
   * readback' too, but a later write with the same ISR takes a BADVERSION whose znode holds it as success
   * (this branch's kafka-zk-client alone);
   * 'async-maximal-checked' retries, and takes a BADVERSION whose znode already holds its own leader, epoch
   * and ISR as success (Kafka 2.4's retry-until-connected and checkLeaderAndIsrZkData); if its session
   * is gone it keeps the pending ISR (outcome unknown) until the next LeaderAndIsr (this branch's
   * ReplicaManager, which retries every replica.lag.time.max.ms / 2 instead of at once).
   */
  private writeIsrAsync(broker: SimBroker, replica: Replica, isr: number[], why: string): void {
    if (replica.pendingIsr !== undefined || !this.sessionValid(broker)) return;
    const pending = [...isr];
    replica.pendingIsr = pending;
    const partition = tp(replica.partition);
    const expectedVersion = replica.zkVersion;
    const sessionEpoch = broker.sessionEpoch;
    const incarnation = broker.incarnation;
    const previousIsr = replica.isr;
    const checked = this.options.isrWrites === 'async-maximal-checked';
    const readBack = checked || this.options.isrWrites === 'async-maximal-readback';
    const attempt = () => {
      this.queue.after(this.prng.int(1, this.options.zkWriteDelayMaxMs || this.maxDelayMs), () => {
        let newVersion: number | undefined;
        const state = this.model.state(partition);
        if (this.registered.get(broker.id)?.epoch !== sessionEpoch || state === undefined) {
          // the session is gone: the write fails
        } else if (state.leaderAndIsr.zkVersion === expectedVersion) {
          this.model.leaderUpdatesIsr(partition, pending);
          this.model.addIsrChangeNotification([partition]);
          newVersion = expectedVersion + 1;
          this.log(
            `broker ${broker.id}: ${why} ISR of p${replica.partition} [${previousIsr}]→[${pending}] written to ZooKeeper`,
          );
        } else if (
          readBack &&
          state.leaderAndIsr.leader === broker.id &&
          state.leaderAndIsr.leaderEpoch === replica.leaderEpoch &&
          state.leaderAndIsr.isr.join(',') === pending.join(',')
        ) {
          newVersion = state.leaderAndIsr.zkVersion; // our own earlier attempt went through
        }
        const lost = this.options.zkAnswerLoss > 0 && this.prng.chance(this.options.zkAnswerLoss);
        this.queue.after(this.prng.int(1, this.maxDelayMs), () => {
          if (broker.incarnation !== incarnation) return;
          const settle = () => {
            if (replica.pendingIsr !== pending) return; // superseded by a LeaderAndIsr
            if (lost) {
              this.log(`broker ${broker.id}: ${why} ISR [${pending}] of p${replica.partition}: answer lost`);
              if (!checked) {
                replica.pendingIsr = undefined;
                return;
              }
              // Outcome unknown: retry while our session lives; otherwise keep counting the union
              // until a LeaderAndIsr tells us the truth (the controller sees our re-registration).
              if (this.sessionValid(broker) && broker.sessionEpoch === sessionEpoch) attempt();
              return;
            }
            replica.pendingIsr = undefined;
            if (newVersion === undefined) {
              this.log(
                `broker ${broker.id}: ${why} ISR [${pending}] of p${replica.partition}: BADVERSION, keeps [${replica.isr}]`,
              );
              return;
            }
            replica.isr = [...pending];
            replica.zkVersion = newVersion;
            this.maybeIncrementHw(broker, replica);
          };
          if (broker.paused) broker.deferred.push(settle);
          else settle();
        });
      });
    };
    attempt();
  }

  // ───────────── brokers ─────────────

  private brokerTick(broker: SimBroker): void {
    // Session: a broker that can reach ZooKeeper finds out that its session expired, and re-registers.
    if (broker.sessionEpoch !== undefined && this.linked(broker.id, ZK)) {
      if (this.registered.get(broker.id)?.epoch !== broker.sessionEpoch) {
        this.log(`broker ${broker.id}: finds its session expired`);
        broker.sessionEpoch = undefined;
        if (broker.controller.isActive)
          this.runController(broker, broker.controller.resign('session expired'));
        broker.outbox.clear();
      }
    }
    if (broker.sessionEpoch === undefined && this.linked(broker.id, ZK) && !this.registered.has(broker.id))
      this.register(broker);

    for (const replica of broker.replicas.values()) {
      if (replica.role === 'follower' && replica.phase !== 'idle') {
        if (replica.inflight !== undefined && this.now - replica.inflight.sentAtMs > FETCH_TIMEOUT_MS)
          replica.inflight = undefined;
        if (replica.inflight === undefined && this.now >= replica.nextFetchAtMs)
          this.sendFollowerRequest(broker, replica);
      }
      if (replica.role === 'leader') {
        for (const pending of replica.purgatory.filter((p) => p.deadlineMs <= this.now)) {
          replica.purgatory.splice(replica.purgatory.indexOf(pending), 1);
          this.reply(pending.requestId, { ok: false, error: 'REQUEST_TIMED_OUT' });
        }
      }
    }
    if (this.now >= broker.nextShrinkAtMs) {
      broker.nextShrinkAtMs += LAG_MS / 2;
      for (const replica of broker.replicas.values()) {
        if (replica.role !== 'leader') continue;
        const out = outOfSyncReplicas(this.leaderView(broker, replica));
        if (out.length === 0) continue;
        if (
          this.writeIsr(
            broker,
            replica,
            replica.isr.filter((id) => !out.includes(id)),
            'shrink',
          )
        )
          this.maybeIncrementHw(broker, replica);
      }
    }
    if (this.now >= broker.nextCheckpointAtMs) {
      broker.nextCheckpointAtMs += CHECKPOINT_INTERVAL_MS;
      for (const replica of broker.replicas.values()) replica.hwCheckpoint = replica.hw;
    }
    for (const [destination, box] of broker.outbox) this.pumpOutbox(broker, destination, box);
  }

  private pumpOutbox(controller: SimBroker, destination: number, box: Outbox): void {
    if (box.inflight || box.queue.length === 0) return;
    const request = box.queue[0];
    // The channel to a broker goes away when the broker does (or re-registers).
    if (this.registered.get(destination)?.epoch !== request.brokerEpoch) {
      box.queue.shift();
      return;
    }
    box.inflight = true;
    this.send(
      controller.id,
      destination,
      () => {
        box.inflight = false;
        if (box.queue[0] === request) box.queue.shift();
        this.onControllerRequest(this.brokers.get(destination)!, request);
      },
      () => (box.inflight = false),
    );
  }

  private onControllerRequest(broker: SimBroker, request: ControllerRequest): void {
    const elected = this.controllerByEpoch.get(request.controllerEpoch);
    if (elected !== request.controllerId)
      this.problem(
        `request from controller ${request.controllerId} with epoch ${request.controllerEpoch}, which belongs to ${elected}`,
      );
    if (request.controllerEpoch < broker.controllerEpochSeen) return; // STALE_CONTROLLER_EPOCH
    broker.controllerEpochSeen = request.controllerEpoch;
    if (broker.sessionEpoch === undefined || request.brokerEpoch < broker.sessionEpoch) return; // STALE_BROKER_EPOCH
    if (request.type === 'UpdateMetadata') {
      for (const state of request.partitionStates)
        if (state.topicName === TOPIC) broker.metadataLeader.set(state.partitionIndex, state.leader);
    } else if (request.type === 'LeaderAndIsr') {
      for (const state of request.partitionStates) {
        const replica = state.topicName === TOPIC ? broker.replicas.get(state.partitionIndex) : undefined;
        if (replica === undefined || state.leaderEpoch <= replica.leaderEpoch) continue;
        if (state.leader === broker.id) this.makeLeader(broker, replica, state);
        else this.makeFollower(broker, replica, state);
      }
    }
  }

  private makeLeader(broker: SimBroker, replica: Replica, state: LeaderAndIsrPartitionState): void {
    if (replica.role !== 'leader') replica.purgatory = [];
    replica.role = 'leader';
    replica.pendingIsr = undefined;
    replica.leader = broker.id;
    replica.leaderEpoch = state.leaderEpoch;
    replica.isr = [...state.isr];
    replica.zkVersion = state.zkVersion;
    replica.cache.assign(state.leaderEpoch, replica.leo); // KIP-279: before any append
    replica.epochStartOffset = replica.leo;
    replica.followers = new Map(
      replica.replicas
        .filter((id) => id !== broker.id)
        .map((id) => [id, initialFollowerState(state.isr.includes(id), this.now)]),
    );
    replica.phase = 'idle';
    replica.inflight = undefined;
    this.log(
      `broker ${broker.id}: leads p${replica.partition} epoch ${state.leaderEpoch} from LEO ${replica.leo} HW ${replica.hw} isr [${state.isr}]`,
    );
    this.maybeIncrementHw(broker, replica);
  }

  private makeFollower(broker: SimBroker, replica: Replica, state: LeaderAndIsrPartitionState): void {
    for (const pending of replica.purgatory)
      this.reply(pending.requestId, { ok: false, error: 'NOT_LEADER_FOR_PARTITION' });
    replica.purgatory = [];
    replica.role = 'follower';
    replica.pendingIsr = undefined;
    replica.leader = state.leader;
    replica.leaderEpoch = state.leaderEpoch;
    replica.isr = [...state.isr];
    replica.zkVersion = state.zkVersion;
    replica.followers = new Map();
    replica.inflight = undefined;
    replica.nextFetchAtMs = this.now;
    if (state.leader < 0) replica.phase = 'idle';
    else if (this.options.leaderEpochs) replica.phase = 'truncating';
    else {
      const hw = replica.hw;
      if (replica.truncateTo(hw))
        this.log(`broker ${broker.id}: p${replica.partition} truncated to its HW ${hw}`);
      replica.phase = 'fetching';
    }
  }

  private leaderView(broker: SimBroker, replica: Replica) {
    const pending = this.options.isrWrites.startsWith('async-maximal') ? replica.pendingIsr : undefined;
    return {
      leaderId: broker.id,
      leaderLogEndOffset: replica.leo,
      isr: pending === undefined ? replica.isr : [...new Set([...replica.isr, ...pending])],
      followers: replica.followers,
      replicaLagTimeMaxMs: LAG_MS,
      nowMs: this.now,
    };
  }

  private maybeIncrementHw(broker: SimBroker, replica: Replica): void {
    const candidate = highWatermarkCandidate(this.leaderView(broker, replica));
    if (candidate <= replica.hw) return;
    replica.hw = candidate;
    const done = replica.purgatory.filter((p) => p.offset < replica.hw);
    replica.purgatory = replica.purgatory.filter((p) => p.offset >= replica.hw);
    for (const pending of done) {
      if (replica.isr.length >= this.options.minInsyncReplicas)
        this.reply(pending.requestId, { ok: true, offset: pending.offset });
      else this.reply(pending.requestId, { ok: false, error: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND' });
    }
  }

  private fenced(
    replica: Replica,
    epoch: number,
  ): 'NOT_LEADER' | 'FENCED_LEADER_EPOCH' | 'UNKNOWN_LEADER_EPOCH' | undefined {
    if (replica.role !== 'leader') return 'NOT_LEADER';
    if (epoch < replica.leaderEpoch) return 'FENCED_LEADER_EPOCH';
    if (epoch > replica.leaderEpoch) return 'UNKNOWN_LEADER_EPOCH';
    return undefined;
  }

  private sendFollowerRequest(broker: SimBroker, replica: Replica): void {
    const id = this.nextRequestId++;
    replica.inflight = { id, sentAtMs: this.now };
    const leader = this.brokers.get(replica.leader)!;
    const epoch = replica.leaderEpoch;
    const partition = replica.partition;
    if (replica.phase === 'truncating') {
      const asked = replica.cache.latestEpoch;
      this.send(broker.id, leader.id, () => {
        const leaderReplica = leader.replicas.get(partition)!;
        const error = this.fenced(leaderReplica, epoch);
        const answer =
          error === undefined ? leaderReplica.cache.endOffsetFor(asked, leaderReplica.leo) : undefined;
        this.send(leader.id, broker.id, () => this.onEpochAnswer(broker, replica, id, answer));
      });
    } else {
      const fetchOffset = replica.leo;
      this.send(broker.id, leader.id, () => {
        const result = this.handleFetch(
          leader,
          leader.replicas.get(partition)!,
          broker.id,
          epoch,
          fetchOffset,
        );
        this.send(leader.id, broker.id, () => this.onFetchResponse(broker, replica, id, fetchOffset, result));
      });
    }
  }

  private onEpochAnswer(
    broker: SimBroker,
    replica: Replica,
    id: number,
    answer: EpochEndOffset | undefined,
  ): void {
    if (replica.inflight?.id !== id) return;
    replica.inflight = undefined;
    if (replica.role !== 'follower' || replica.phase !== 'truncating') return;
    if (answer === undefined) {
      replica.nextFetchAtMs = this.now + 200;
      return;
    }
    const local = replica.cache.endOffsetFor(answer.leaderEpoch, replica.leo);
    const step = truncationStep(answer, local, replica.leo, replica.hw);
    if (replica.truncateTo(step.offset))
      this.log(
        `broker ${broker.id}: p${replica.partition} truncated to ${step.offset} (leader said epoch ${answer.leaderEpoch} ends at ${answer.endOffset})`,
      );
    if (step.kind === 'truncate-and-fetch') replica.phase = 'fetching';
    this.sendFollowerRequest(broker, replica);
  }

  private handleFetch(
    leader: SimBroker,
    replica: Replica,
    followerId: number,
    epoch: number,
    fetchOffset: bigint,
  ): FetchResult {
    const error = this.fenced(replica, epoch);
    if (error !== undefined) return { error };
    if (fetchOffset > replica.leo) return { error: 'OFFSET_OUT_OF_RANGE', leaderLeo: replica.leo };
    // Read first (records up to the LEO, and the HW as it is now), then record the follower's position.
    const hw = replica.hw;
    const entries = replica.log.slice(Number(fetchOffset), Number(fetchOffset) + this.maxFetchRecords);
    const previous = replica.followers.get(followerId) ?? initialFollowerState(false, this.now);
    replica.followers.set(followerId, updateFollowerFetchState(previous, fetchOffset, replica.leo, this.now));
    if (!replica.isr.includes(followerId) && mayJoinIsr(fetchOffset, replica.hw, replica.epochStartOffset))
      this.writeIsr(
        leader,
        replica,
        [...replica.isr, followerId].sort((a, b) => a - b),
        'expand',
      );
    this.maybeIncrementHw(leader, replica);
    return { error: undefined, entries, hw };
  }

  private onFetchResponse(
    broker: SimBroker,
    replica: Replica,
    id: number,
    fetchOffset: bigint,
    result: FetchResult,
  ): void {
    if (replica.inflight?.id !== id) return;
    replica.inflight = undefined;
    if (replica.role !== 'follower' || replica.phase !== 'fetching') return;
    if (result.error === 'OFFSET_OUT_OF_RANGE') {
      if (replica.leo > result.leaderLeo && replica.truncateTo(result.leaderLeo))
        this.log(
          `broker ${broker.id}: p${replica.partition} OFFSET_OUT_OF_RANGE, truncated to the leader's end ${result.leaderLeo}`,
        );
      replica.nextFetchAtMs = this.now;
      return;
    }
    if (result.error !== undefined) {
      replica.nextFetchAtMs = this.now + 200;
      return;
    }
    if (replica.leo !== fetchOffset) return;
    for (const entry of result.entries) replica.append(entry);
    replica.hw = min(result.hw, replica.leo);
    if (result.entries.length > 0) this.sendFollowerRequest(broker, replica);
    else replica.nextFetchAtMs = this.now + this.prng.int(50, 500); // the fetch waited in purgatory
  }

  // ───────────── producer ─────────────

  private produce(): void {
    if (!this.prng.chance(0.8)) return;
    const partition = this.prng.int(0, this.options.partitions - 1);
    let leaderId = this.producerLeader[partition];
    if (leaderId < 0 || !this.brokers.get(leaderId)!.up) {
      this.refreshMetadata(partition);
      leaderId = this.producerLeader[partition];
      if (leaderId < 0) return;
    }
    const requestId = this.nextRequestId++;
    const value = this.nextValue++;
    this.produced++;
    this.producerInflight.set(requestId, { partition, value, sentAtMs: this.now });
    const broker = this.brokers.get(leaderId)!;
    this.send(
      PRODUCER,
      leaderId,
      () => this.handleProduce(broker, broker.replicas.get(partition)!, value, requestId),
      () => this.reply(requestId, { ok: false, error: 'NETWORK_EXCEPTION' }),
    );
  }

  private handleProduce(broker: SimBroker, replica: Replica, value: number, requestId: number): void {
    if (replica.role !== 'leader')
      return this.reply(requestId, { ok: false, error: 'NOT_LEADER_FOR_PARTITION' });
    if (this.options.acks === 'all' && replica.isr.length < this.options.minInsyncReplicas)
      return this.reply(requestId, { ok: false, error: 'NOT_ENOUGH_REPLICAS' });
    const offset = replica.leo;
    replica.append({ epoch: replica.leaderEpoch, value });
    if (this.options.acks === 1) this.reply(requestId, { ok: true, offset });
    else replica.purgatory.push({ offset, requestId, deadlineMs: this.now + REQUEST_TIMEOUT_MS });
    this.maybeIncrementHw(broker, replica);
  }

  private reply(requestId: number, result: ProduceResult): void {
    this.queue.after(this.prng.int(1, this.maxDelayMs), () => {
      const request = this.producerInflight.get(requestId);
      if (request === undefined) return;
      this.producerInflight.delete(requestId);
      if (result.ok)
        this.acked.push({ partition: request.partition, offset: result.offset, value: request.value });
      else this.refreshMetadata(request.partition);
    });
  }

  private refreshMetadata(partition: number): void {
    const running = [...this.brokers.values()].filter((b) => b.running);
    if (running.length === 0) return;
    this.producerLeader[partition] = this.prng.pick(running).metadataLeader.get(partition) ?? -1;
  }

  private producerTimeouts(): void {
    for (const [requestId, request] of this.producerInflight) {
      if (this.now - request.sentAtMs > REQUEST_TIMEOUT_MS + 5_000) {
        this.producerInflight.delete(requestId);
        this.refreshMetadata(request.partition);
      }
    }
  }

  // ───────────── faults ─────────────

  private nemesis(): void {
    if (!this.prng.chance(this.faultRate)) return;
    const all = [...this.brokers.values()];
    const running = all.filter((b) => b.running);
    const down = all.filter((b) => !b.up);
    const choice = this.prng.int(0, 5);
    this.faults++;
    if (choice === 0 && running.length > 0) this.kill(this.prng.pick(running));
    else if (choice === 1 && down.length > 0) this.restart(this.prng.pick(down));
    else if (choice === 2 && running.length > 0) {
      const broker = this.prng.pick(running);
      const duration = this.prng.int(5, this.maxFaultSteps) * STEP_MS;
      broker.paused = true;
      this.log(`NEMESIS pause broker ${broker.id} for ${duration} ms`);
      const incarnation = broker.incarnation;
      this.queue.after(duration, () => {
        if (broker.incarnation === incarnation) this.resume(broker);
      });
    } else if (choice === 3 && this.cuts.size === 0) {
      const isolated = this.prng.pick(all).id;
      const fromZk = this.prng.chance(0.5);
      for (const other of BROKER_IDS)
        if (other !== isolated) this.cuts.add(`${Math.min(other, isolated)}-${Math.max(other, isolated)}`);
      if (fromZk) this.cuts.add(`${ZK}-${isolated}`);
      const duration = this.prng.int(5, this.maxFaultSteps) * STEP_MS;
      this.log(
        `NEMESIS isolate broker ${isolated} from the other brokers${fromZk ? ' and ZooKeeper' : ''} for ${duration} ms`,
      );
      this.queue.after(duration, () => this.heal());
    } else if (choice === 4) {
      // Aim at a partition's current leader: quick successive leader failures are where truncation matters.
      const leader = this.brokers.get(this.zkLeader(this.prng.int(0, this.options.partitions - 1)));
      if (leader?.running) this.kill(leader);
      else this.faults--;
    } else this.faults--;
  }

  private kill(broker: SimBroker): void {
    this.log(`NEMESIS kill broker ${broker.id}`);
    broker.up = false;
    broker.paused = false;
    broker.incarnation++;
    broker.deferred = [];
    broker.sessionEpoch = undefined;
    broker.outbox.clear();
    broker.metadataLeader.clear();
    broker.controller = this.newController(broker.id);
    broker.controllerEpochSeen = 0;
    broker.lastBrokersKey = '';
    for (const replica of broker.replicas.values()) replica.restart();
  }

  private restart(broker: SimBroker): void {
    this.log(`NEMESIS restart broker ${broker.id}`);
    broker.up = true;
    broker.nextShrinkAtMs = this.now + LAG_MS / 2;
    broker.nextCheckpointAtMs = this.now + CHECKPOINT_INTERVAL_MS;
  }

  private resume(broker: SimBroker): void {
    if (!broker.paused) return;
    broker.paused = false;
    this.log(`resume broker ${broker.id}`);
    const deferred = broker.deferred;
    broker.deferred = [];
    for (const run of deferred) if (broker.running) run();
  }

  private heal(): void {
    if (this.cuts.size > 0) this.log('heal the network');
    this.cuts.clear();
  }

  private calmDown(): void {
    this.log('calm phase: heal, resume, restart');
    this.heal();
    for (const broker of this.brokers.values()) {
      if (broker.paused) this.resume(broker);
      if (!broker.up) this.restart(broker);
    }
  }

  // ───────────── invariants ─────────────

  private zkLeader(partition: number): number {
    return this.model.state(tp(partition))?.leaderAndIsr.leader ?? -1;
  }

  private checkInvariants(): void {
    for (const broker of this.brokers.values()) {
      for (const replica of broker.replicas.values()) {
        if (replica.hw < 0n || replica.hw > replica.leo)
          this.problem(
            `broker ${broker.id} p${replica.partition}: HW ${replica.hw} outside [0, LEO ${replica.leo}]`,
          );
        const key = `${broker.id}/${replica.partition}`;
        if (!broker.up || replica.role !== 'leader') {
          this.leaderHw.delete(key);
          continue;
        }
        const last = this.leaderHw.get(key);
        if (
          last !== undefined &&
          last.incarnation === broker.incarnation &&
          last.epoch === replica.leaderEpoch &&
          replica.hw < last.hw
        )
          this.problem(
            `broker ${broker.id} p${replica.partition}: leader HW went back ${last.hw}→${replica.hw} in epoch ${replica.leaderEpoch}`,
          );
        this.leaderHw.set(key, {
          incarnation: broker.incarnation,
          epoch: replica.leaderEpoch,
          hw: replica.hw,
        });
      }
    }
    for (let partition = 0; partition < this.options.partitions; partition++) {
      const leaderId = this.zkLeader(partition);
      if (leaderId < 0) continue;
      const replica = this.brokers.get(leaderId)!.replicas.get(partition)!;
      // The last committed entry of every replica (values are unique) is the leader's entry there too.
      for (const other of this.brokers.values()) {
        const committed = other.replicas.get(partition)!;
        if (committed.hw === 0n) continue;
        const mine = committed.log[Number(committed.hw) - 1];
        const theirs = replica.log[Number(committed.hw) - 1];
        if (mine.value !== theirs?.value || mine.epoch !== theirs.epoch)
          this.problem(
            `p${partition} offset ${committed.hw - 1n} (broker ${other.id}'s last below its HW) is ${mine.value}@${mine.epoch}, the leader ${leaderId} has ${theirs === undefined ? 'nothing' : `${theirs.value}@${theirs.epoch}`}`,
          );
      }
      const zkState = this.model.state(tp(partition))!.leaderAndIsr;
      const epoch = zkState.leaderEpoch;
      // §3.1: every ISR member's LEO ≥ the leader's HW (once the leader acts on the epoch ZooKeeper has).
      if (replica.role === 'leader' && replica.leaderEpoch === epoch) {
        for (const member of zkState.isr) {
          const leo = this.brokers.get(member)!.replicas.get(partition)!.leo;
          if (leo < replica.hw)
            this.problem(
              `p${partition}: ISR member ${member} has LEO ${leo} < leader ${leaderId}'s HW ${replica.hw}`,
            );
        }
      }
      const key = `${leaderId}/${epoch}/${replica.truncations}`;
      const checked = this.ackedChecked.get(partition);
      const from = checked?.key === key ? checked.count : 0;
      for (let i = from; i < this.acked.length; i++)
        this.checkAcked(this.acked[i], partition, leaderId, replica);
      this.ackedChecked.set(partition, { key, count: this.acked.length });
    }
  }

  private checkAcked(acked: Acked, partition: number, leaderId: number, replica: Replica): void {
    if (acked.partition !== partition) return;
    const entry = replica.log[Number(acked.offset)];
    if (entry?.value !== acked.value)
      this.problem(
        `acknowledged record ${acked.value} at p${partition} offset ${acked.offset} is lost: the leader (broker ${leaderId}) has ${entry === undefined ? 'nothing' : `record ${entry.value}`} there`,
      );
  }

  private finalChecks(): void {
    for (let partition = 0; partition < this.options.partitions; partition++) {
      const leaderId = this.zkLeader(partition);
      if (leaderId < 0) {
        this.problem(`p${partition} has no leader after the calm phase`);
        continue;
      }
      const leader = this.brokers.get(leaderId)!.replicas.get(partition)!;
      for (const acked of this.acked) {
        if (acked.partition === partition && acked.offset >= leader.hw)
          this.problem(
            `acknowledged record ${acked.value} at p${partition} offset ${acked.offset} is not below the leader's HW ${leader.hw}`,
          );
      }
      for (const broker of this.brokers.values()) {
        const replica = broker.replicas.get(partition)!;
        for (let offset = 0; offset < Number(replica.hw); offset++) {
          const mine = replica.log[offset];
          const theirs = leader.log[offset];
          if (mine?.value !== theirs?.value || mine?.epoch !== theirs?.epoch) {
            this.problem(
              `p${partition} offset ${offset} (below broker ${broker.id}'s HW ${replica.hw}) differs from the leader ${leaderId}: ${mine?.value}@${mine?.epoch} vs ${theirs?.value}@${theirs?.epoch}`,
            );
            break;
          }
        }
      }
    }
  }
}

function replayCommand(options: Required<ReplicationSimOptions>): string {
  const flags = [`--seed ${options.seed}`];
  if (options.acks !== 'all') flags.push(`--acks ${options.acks}`);
  if (options.minInsyncReplicas !== 2) flags.push(`--min-isr ${options.minInsyncReplicas}`);
  if (options.uncleanLeaderElection) flags.push('--unclean');
  if (!options.leaderEpochs) flags.push('--truncate-to-hw');
  if (!options.nemesis) flags.push('--calm');
  if (options.isrWrites !== 'atomic') flags.push(`--isr-writes ${options.isrWrites}`);
  if (options.zkWriteDelayMaxMs > 0) flags.push(`--zk-write-delay ${options.zkWriteDelayMaxMs}`);
  if (options.zkAnswerLoss > 0) flags.push(`--zk-answer-loss ${options.zkAnswerLoss}`);
  return `npx kzlab sim replication ${flags.join(' ')}`;
}

export function runReplicationSeed(options: ReplicationSimOptions): ReplicationSimResult {
  return new ReplicationSim(options).run();
}
