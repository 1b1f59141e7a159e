// One simulation run: an ensemble, clients doing versioned writes and sync+reads, a nemesis injecting
// crashes, pauses and partitions (all chosen by the seed), then a calm phase; afterwards the checkers.
// `npx kzlab sim --seed N --size 3` replays any failing seed.
import { checkLinearizability } from './checkers/linearizability.ts';
import { checkMonotonicReads } from './checkers/monotonic-reads.ts';
import { znodeModel } from './checkers/znode-model.ts';
import { HistoryRecorder } from './checkers/linearizability.ts';
import type { ZnodeInput, ZnodeOutput } from './checkers/znode-model.ts';
import { Prng } from './prng.ts';
import { SimClient, type ClientObservation } from './sim-client.ts';
import { SimCluster, type SimFaults } from './sim-cluster.ts';

export interface SeedOptions {
  seed: number;
  size: number;
  /** Inject faults (the default); false runs a calm cluster. */
  nemesis?: boolean;
  clients?: number;
  opsPerClient?: number;
  /** Simulated ms of the fault phase; a calm phase follows. */
  faultPhaseMs?: number;
  calmPhaseMs?: number;
}

export interface SeedResult {
  seed: number;
  size: number;
  ok: boolean;
  problems: string[];
  operations: number;
  completed: number;
  faults: number;
  leaders: number;
  simulatedMs: number;
  replay: string;
  journal: string[];
}

function faultsFor(prng: Prng, nemesis: boolean): Partial<SimFaults> {
  if (!nemesis) return {};
  return {
    electionDrop: prng.pick([0, 0.05, 0.2]),
    electionDuplicate: prng.pick([0, 0.05, 0.2]),
    connectionReset: prng.pick([0, 0, 0.002, 0.01]),
    delayMinMs: 0.05,
    delayMaxMs: prng.pick([0.5, 2, 10]),
    fsyncMinMs: 0.1,
    fsyncMaxMs: prng.pick([0.5, 2, 8]),
  };
}

export function runSeed(options: SeedOptions): SeedResult {
  const { seed, size } = options;
  const nemesis = options.nemesis ?? true;
  const faultPhaseMs = options.faultPhaseMs ?? 6000;
  const calmPhaseMs = options.calmPhaseMs ?? 6000;
  const setup = new Prng(seed ^ 0x5eed);
  const cluster = new SimCluster({ seed, size, faults: faultsFor(setup, nemesis) });
  const history = new HistoryRecorder<ZnodeInput, ZnodeOutput>();
  const observations: ClientObservation[] = [];
  const keys = ['k0', 'k1', 'k2'];
  const clients: SimClient[] = [];
  for (let i = 0; i < (options.clients ?? 3); i++) {
    clients.push(
      new SimClient(`c${i + 1}`, cluster, history, keys, options.opsPerClient ?? 30, observations),
    );
  }
  cluster.startAll();
  for (const client of clients) cluster.queue.after(setup.int(1, 200), () => client.start());
  let faults = 0;
  if (nemesis) faults = scheduleNemesis(cluster, setup, faultPhaseMs);
  cluster.queue.runUntil(faultPhaseMs);
  // Calm phase: every server up and connected; the ensemble must converge and clients finish.
  cluster.heal();
  cluster.calm();
  for (const sid of cluster.voters) {
    if (cluster.nodes.get(sid)!.paused) cluster.resume(sid);
    if (!cluster.nodes.get(sid)!.peer) cluster.start(sid);
  }
  cluster.queue.runUntil(faultPhaseMs + calmPhaseMs);
  for (const client of clients) client.stop();

  const problems: string[] = [...cluster.violations];
  cluster.checkHistories();
  problems.push(...cluster.violations.slice(problems.length));
  const leaders = cluster.servingLeaders();
  if (leaders.length !== 1)
    problems.push(`liveness: ${leaders.length} serving leaders after the calm phase (${cluster.status()})`);
  const zxids = new Set([...cluster.nodes.values()].map((n) => n.peer?.zk.lastProcessedZxid));
  const notServing = [...cluster.nodes.values()].filter((n) => !n.peer?.serving).map((n) => `zk${n.sid}`);
  if (notServing.length > 0)
    problems.push(
      `liveness: not serving after the calm phase: ${notServing.join(',')} (${cluster.status()})`,
    );
  else if (zxids.size !== 1)
    problems.push(`liveness: servers disagree on the last zxid after the calm phase (${cluster.status()})`);
  const unfinished = clients.filter((c) => !c.done).map((c) => c.name);
  if (unfinished.length > 0)
    problems.push(`liveness: clients ${unfinished.join(',')} did not finish their operations`);

  const operations = history.history();
  const linearizable = checkLinearizability(znodeModel(), operations, { maxStepsPerKey: 200_000 });
  if (linearizable.ok === false) problems.push(`not linearizable:\n${linearizable.explanation}`);
  const monotonic = checkMonotonicReads(observations.map((o) => ({ sessionId: o.session, zxid: o.zxid })));
  if (!monotonic.ok)
    problems.push(
      `zxids went backwards within a session: ${JSON.stringify(monotonic.violations.slice(0, 3), bigintJson)}`,
    );

  return {
    seed,
    size,
    ok: problems.length === 0,
    problems,
    operations: operations.length,
    completed: clients.reduce((sum, c) => sum + c.opsCompleted, 0),
    faults,
    leaders: cluster.leadersByEpoch.size,
    simulatedMs: cluster.nowMs,
    replay: `npx kzlab sim --seed ${seed} --size ${size}${nemesis ? '' : ' --calm'}`,
    journal: cluster.journal,
  };
}

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `0x${value.toString(16)}` : value;
}

/** Faults at random times: crash/restart, pause/resume, partitions (often around the leader), heal. */
function scheduleNemesis(cluster: SimCluster, prng: Prng, untilMs: number): number {
  let count = 0;
  let at = prng.int(300, 800);
  while (at < untilMs - 500) {
    const when = at;
    const kind = prng.pick([
      'crash',
      'crash-leader',
      'pause',
      'partition',
      'partition-leader',
      'reset-all',
    ] as const);
    const sid = prng.int(1, cluster.options.size);
    const duration = prng.int(100, 1500);
    count++;
    cluster.queue.schedule(when, () => {
      const leader = cluster.servingLeaders()[0] ?? sid;
      switch (kind) {
        case 'crash':
        case 'crash-leader': {
          const victim = kind === 'crash' ? sid : leader;
          cluster.crash(victim);
          cluster.queue.after(duration, () => cluster.start(victim));
          return;
        }
        case 'pause':
          cluster.pause(sid);
          cluster.queue.after(duration, () => cluster.resume(sid));
          return;
        case 'partition':
        case 'partition-leader': {
          const isolated = kind === 'partition' ? randomMinorityOrMajority(cluster, prng) : [leader];
          const rest = cluster.voters.filter((v) => !isolated.includes(v));
          cluster.partition(isolated, rest);
          cluster.queue.after(duration, () => cluster.heal());
          return;
        }
        case 'reset-all':
          cluster.heal();
          return;
      }
    });
    at += prng.int(200, 1200);
  }
  return count;
}

function randomMinorityOrMajority(cluster: SimCluster, prng: Prng): number[] {
  const shuffled = prng.shuffle([...cluster.voters]);
  return shuffled.slice(0, prng.int(1, cluster.options.size - 1));
}
