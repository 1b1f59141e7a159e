// Every drill of `kzlab drill` against one real lab (`kzlab up --zookeepers 3 --brokers 3`, tickTime
// 500 ms), run through the CLI in process (`main(['drill', 'run', …, '--json'])`), each asserting its
// verdict and the numbers it measured. The ZooKeeper drills go last: losing the quorum disturbs the
// brokers' sessions. Each drill brings back what it broke, so the next one starts on a whole lab.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CliIo } from '../../deploy/cli/command.ts';
import { main } from '../../deploy/cli/main.ts';
import { defaultModuleLoaders } from '../../deploy/cli/modules.ts';
import type { DrillReport } from '../../deploy/drills/drill.ts';
import { startLabProcess, type LabProcess } from '../../deploy/local/lab-process.ts';
import { processExists } from '../../deploy/local/node-process.ts';
import { findFreePortBase } from '../../deploy/local/ports.ts';

/** Runs `kzlab drill run <name> --json` in process and parses the report. */
async function runDrillJson(
  dataDir: string,
  name: string,
  predict: string,
  lang: 'en' | 'ko',
  labLog: () => string,
): Promise<{ code: number; report: DrillReport }> {
  const { code, out, err } = await runCli([
    'drill',
    'run',
    name,
    '--data-dir',
    dataDir,
    '--predict',
    predict,
    '--json',
    '--lang',
    lang,
  ]);
  if (code !== 0) console.error(`drill ${name} exit ${code}\n${out}\n${err}\n${labLog().slice(-3000)}`);
  const report = JSON.parse(out) as DrillReport;
  console.log(
    `drill ${name}: ${report.verdict} ${(report.durationMs / 1000).toFixed(1)} s ${JSON.stringify(report.measured)}`,
  );
  return { code, report };
}

async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    cwd: tmpdir(),
    modules: defaultModuleLoaders,
  };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface LabOptions {
  readonly zookeepers: number;
  readonly brokers?: number;
}

/**
 * Starts a lab (tickTime 500 ms) in a fresh temporary folder before the tests of the enclosing
 * `describe` and stops it (killing whatever of it is left) after them.
 */
function useLab(prefix: string, options: LabOptions): { dataDir: () => string; log: () => string } {
  let root = '';
  let lab: LabProcess | undefined;
  const pids = new Set<number>();

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), prefix));
    const portBase = await findFreePortBase(options);
    lab = await startLabProcess({
      dataDir: path.join(root, 'data'),
      portBase,
      ...options,
      tickTimeMs: 500,
      readyTimeoutSeconds: 60,
    });
    for (const node of lab.ready.nodes) if (node.pid !== null) pids.add(node.pid);
  });

  afterAll(async () => {
    await lab?.stop('SIGTERM').catch(() => undefined);
    for (const pid of pids) if (processExists(pid)) process.kill(pid, 'SIGKILL');
    if (process.env.KZLAB_KEEP_TMP !== '1') await rm(root, { recursive: true, force: true });
  });

  return { dataDir: () => path.join(root, 'data'), log: () => lab?.stderr() ?? '' };
}

interface DrillCase<M> {
  readonly name: string;
  readonly predict: string;
  readonly lang?: 'en' | 'ko';
  /** What the report must match (`failures: []` for a clean run); the exit code must be 0 too. */
  readonly report: Partial<DrillReport>;
  /** Further checks on what the drill measured. */
  readonly measured?: (m: M, report: DrillReport) => void;
}

/** One test: runs the drill, expects `report` and exit code 0, then the checks on what it measured. */
function drillTest<M>(title: string, lab: ReturnType<typeof useLab>, c: DrillCase<M>): void {
  it(title, async () => {
    const { code, report } = await runDrillJson(lab.dataDir(), c.name, c.predict, c.lang ?? 'en', lab.log);
    expect(report).toMatchObject(c.report);
    expect(code).toBe(0);
    c.measured?.(report.measured as M, report);
  });
}

describe('kzlab drill run, on a lab of 3 ZooKeeper servers and 3 brokers', () => {
  const lab = useLab('kzlab-drills-', { zookeepers: 3, brokers: 3 });

  drillTest<{ murmur2Partition: number; keyed: Record<string, number>; roundRobin: Record<string, number> }>(
    'same-key: one key, one partition (murmur2); round robin spreads null keys, sticky keeps a batch together',
    lab,
    {
      name: 'same-key',
      predict: 'a',
      report: { verdict: 'pass', answer: 'a', predictionCorrect: true, failures: [] },
      measured: (m) => {
        expect(m.keyed).toEqual({ [String(m.murmur2Partition)]: 30 });
        expect(Object.keys(m.roundRobin)).toHaveLength(6);
      },
    },
  );

  it('text output in Korean: the question, the steps as they happen, the verdict and the explanation', async () => {
    const { code, out } = await runCli([
      'drill',
      'run',
      'same-key',
      '--data-dir',
      lab.dataDir(),
      '--lang',
      'ko',
    ]);
    expect(code).toBe(0);
    expect(out).toMatch(/^== 같은 키 → 같은 파티션, null 키는 흩어짐 \(same-key\) ==/);
    expect(out).toMatch(/\n {2}\[a\] 키: 모두 한 파티션/);
    expect(out).toMatch(/\n {2}\+\d+\.\ds {2}키 "user-42": \{"\d":30\}/);
    expect(out).toMatch(/\n판정: PASS \(/);
    expect(out).toMatch(/예측 없음 — 정답: \[a\]/);
    expect(out).toMatch(/murmur2\(키\) mod 6/);
  });

  drillTest<{
    oldController: number;
    newController: number;
    oldEpoch: number;
    newEpoch: number;
    failoverMs: number;
  }>(
    'controller-kill: another broker holds /controller, controller_epoch + 1, after the session timeout',
    lab,
    {
      name: 'controller-kill',
      predict: 'b',
      report: { verdict: 'pass', answer: 'a', predictionCorrect: false },
      measured: (m, report) => {
        expect(m.newController).not.toBe(m.oldController);
        expect(m.newEpoch).toBe(m.oldEpoch + 1);
        // The lab's own journal recorded the kill and the restart.
        const journal = report.journal.map((entry) => entry.text);
        expect(journal).toContainEqual(`broker${m.oldController} SIGKILL (kill)`);
        expect(journal).toContainEqual(
          expect.stringMatching(new RegExp(`^broker${m.oldController} started \\(pid \\d+\\)$`)),
        );
        // The ephemeral /controller lasts until the killed broker's 6 s session expires.
        expect(m.failoverMs).toBeGreaterThan(3_000);
      },
    },
  );

  drillTest<{ oldEpoch: number; newEpoch: number; acknowledged: number; lost: number; read: number }>(
    'leader-kill: an ISR member leads with epoch + 1, no acknowledged record lost',
    lab,
    {
      name: 'leader-kill',
      predict: 'a',
      report: { failures: [] },
      measured: (m) => {
        expect(m.newEpoch).toBe(m.oldEpoch + 1);
        expect(m.acknowledged).toBeGreaterThanOrEqual(40);
        expect(m.lost).toBe(0);
        expect(m.read).toBeGreaterThanOrEqual(m.acknowledged);
      },
    },
  );

  drillTest<Record<string, unknown>>(
    'isr-below-min: acks=all gets NOT_ENOUGH_REPLICAS, acks=1 is acknowledged, writes resume after the restart',
    lab,
    {
      name: 'isr-below-min',
      predict: 'b',
      report: { failures: [] },
      measured: (m) => {
        expect(m).toMatchObject({ acksAll: 'NOT_ENOUGH_REPLICAS', acksOne: 'acknowledged' });
        expect(m.writesResumedMs).toEqual(expect.any(Number));
      },
    },
  );

  drillTest<{
    uncleanLost: number;
    acknowledgedOnlyByLeader: number;
    safeLost: number;
    safeLeaderWhileDown: number;
    uncleanEpoch: number;
    epochBefore: number;
    oldLeader: number;
    uncleanLeader: number;
  }>(
    'unclean-election: unclean=true elects an out-of-sync replica and loses S; false stays offline and loses none',
    lab,
    {
      name: 'unclean-election',
      predict: 'b',
      report: { verdict: 'pass', predictionCorrect: false, failures: [] },
      measured: (m) => {
        expect(m.uncleanLost).toBe(m.acknowledgedOnlyByLeader);
        expect(m.safeLost).toBe(0);
        expect(m.safeLeaderWhileDown).toBe(-1);
        expect(m.uncleanLeader).not.toBe(m.oldLeader);
        expect(m.uncleanEpoch).toBeGreaterThan(m.epochBefore);
      },
    },
  );

  drillTest<{
    acksAll: string;
    acksOneAcknowledged: number;
    acksOneLost: number;
    acksAllLost: number;
    zombieStillLeads: boolean;
    newEpoch: number;
    oldEpoch: number;
  }>(
    'zombie-leader: cut off, it still believes it leads; acks=all is never acknowledged there, acks=1 is and is lost',
    lab,
    {
      name: 'zombie-leader',
      predict: 'a',
      report: { verdict: 'pass', predictionCorrect: true, failures: [] },
      measured: (m) => {
        expect(m.acksAll).toBe('REQUEST_TIMED_OUT');
        expect(m.zombieStillLeads).toBe(true);
        expect(m.acksOneAcknowledged).toBeGreaterThan(0);
        expect(m.acksOneLost).toBe(m.acksOneAcknowledged);
        expect(m.acksAllLost).toBe(0);
        expect(m.newEpoch).toBeGreaterThan(m.oldEpoch);
      },
    },
  );

  drillTest<{
    registrationGoneMs: number;
    leadershipMovedMs: number;
    reRegisteredMs: number;
    broker: number;
    newLeader: number;
  }>(
    'session-expiry: /brokers/ids/N vanishes, the leadership moves, the broker re-registers (Korean text)',
    lab,
    {
      name: 'session-expiry',
      predict: 'b',
      lang: 'ko',
      report: { failures: [] },
      measured: (m, report) => {
        expect(m.registrationGoneMs).toBeGreaterThan(3_000);
        expect(m.leadershipMovedMs).toBeGreaterThanOrEqual(m.registrationGoneMs - 500);
        expect(m.newLeader).not.toBe(m.broker);
        expect(report.explanation.ko).toMatch(/세션을 만료/);
      },
    },
  );

  drillTest<{
    committedAtDeath: number;
    survivorFirstOffset: number;
    victimLastProcessed: number;
    redelivered: number;
    skipped: number;
    rebalanceMs: number;
  }>(
    'consumer-dies: after the rebalance the survivor starts at the last committed offset; nothing skipped',
    lab,
    {
      name: 'consumer-dies',
      predict: 'b',
      report: { verdict: 'pass', answer: 'b', predictionCorrect: true, failures: [] },
      measured: (m) => {
        expect(m.survivorFirstOffset).toBe(m.committedAtDeath);
        expect(m.skipped).toBe(0);
        expect(m.redelivered).toBe(m.victimLastProcessed + 1 - m.committedAtDeath);
        expect(m.redelivered).toBeGreaterThan(0);
        // The coordinator waits for the dead member's session to time out.
        expect(m.rebalanceMs).toBeGreaterThan(3_000);
      },
    },
  );

  drillTest<{
    syncLimitMs: number;
    droppedAfterMs: number;
    writeWhilePaused: string;
    rejoinedAfterMs: number;
  }>(
    'zk-follower-pause: the leader drops the paused follower after syncLimit, writes go on, it rejoins',
    lab,
    {
      name: 'zk-follower-pause',
      predict: 'b',
      report: { failures: [] },
      measured: (m) => {
        // syncLimit 5 (the lab's zoo.cfg) × tickTime 500 ms.
        expect(m.syncLimitMs).toBe(2_500);
        // Not before syncLimit, less the up to one tick since the leader last heard from it.
        expect(m.droppedAfterMs).toBeGreaterThanOrEqual(2_000);
        expect(m.droppedAfterMs).toBeLessThan(10_000);
        expect(m.writeWhilePaused).toMatch(/^ok in \d+ ms$/);
        expect(m.rejoinedAfterMs).toEqual(expect.any(Number));
      },
    },
  );

  drillTest<{
    ensembleSize: number;
    oldLeader: string;
    newLeader: string;
    electionMs: number;
    oldLeaderRejoinedAs: string;
  }>('zk-leader-kill: a new leader serves within seconds; the old one rejoins as a follower', lab, {
    name: 'zk-leader-kill',
    predict: 'a',
    report: { failures: [] },
    measured: (m) => {
      expect(m.ensembleSize).toBe(3);
      expect(m.newLeader).not.toBe(m.oldLeader);
      expect(m.electionMs).toBeLessThan(20_000);
      expect(m.oldLeaderRejoinedAs).toBe('follower');
    },
  });

  drillTest<Record<string, unknown>>(
    'zk-quorum-loss: a write with a minority down succeeds, with a majority down gets no answer, then resumes',
    lab,
    {
      name: 'zk-quorum-loss',
      predict: 'b',
      report: { failures: [] },
      measured: (m) => {
        expect(m.minorityWrite).toMatch(/^ok in \d+ ms$/);
        expect(m.majorityWrite).toMatch(
          /^(failed: (CONNECTIONLOSS|OPERATIONTIMEOUT|SESSIONEXPIRED)|no answer within \d+ ms)$/,
        );
        expect(m.restoreMs).toEqual(expect.any(Number));
      },
    },
  );
});

describe('kzlab drill run zk-leader-kill on five ZooKeeper servers (3 vs 5)', () => {
  const lab = useLab('kzlab-drills5-', { zookeepers: 5 });

  drillTest<Record<string, unknown>>(
    'a new leader among four survivors; five servers survive two failures',
    lab,
    {
      name: 'zk-leader-kill',
      predict: 'a',
      report: { failures: [] },
      measured: (m) => {
        expect(m).toMatchObject({ ensembleSize: 5, survivesFailures: 2, oldLeaderRejoinedAs: 'follower' });
        expect(m.electionMs).toBeLessThan(20_000);
      },
    },
  );

  it('a drill that needs brokers says so and exits 1', async () => {
    const { code, err } = await runCli([
      'drill',
      'run',
      'leader-kill',
      '--data-dir',
      lab.dataDir(),
      '--json',
    ]);
    expect(code).toBe(1);
    expect(err).toMatch(/needs a lab with at least 1 ZooKeeper servers and 3 brokers; this one has 5 and 0/);
  });
});
