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

describe('kzlab drill run, on a lab of 3 ZooKeeper servers and 3 brokers', () => {
  let root = '';
  let dataDir = '';
  let lab: LabProcess | undefined;
  const pids = new Set<number>();

  const drill = (name: string, predict: string, lang: 'en' | 'ko' = 'en') =>
    runDrillJson(dataDir, name, predict, lang, () => lab?.stderr() ?? '');

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kzlab-drills-'));
    dataDir = path.join(root, 'data');
    const portBase = await findFreePortBase({ zookeepers: 3, brokers: 3 });
    lab = await startLabProcess({
      dataDir,
      portBase,
      zookeepers: 3,
      brokers: 3,
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

  it('same-key: one key, one partition (murmur2); round robin spreads null keys, sticky keeps a batch together', async () => {
    const { code, report } = await drill('same-key', 'a');
    expect(report).toMatchObject({ verdict: 'pass', answer: 'a', predictionCorrect: true, failures: [] });
    expect(code).toBe(0);
    const measured = report.measured as {
      murmur2Partition: number;
      keyed: Record<string, number>;
      roundRobin: Record<string, number>;
    };
    expect(measured.keyed).toEqual({ [String(measured.murmur2Partition)]: 30 });
    expect(Object.keys(measured.roundRobin)).toHaveLength(6);
  });

  it('text output in Korean: the question, the steps as they happen, the verdict and the explanation', async () => {
    const { code, out } = await runCli(['drill', 'run', 'same-key', '--data-dir', dataDir, '--lang', 'ko']);
    expect(code).toBe(0);
    expect(out).toMatch(/^== 같은 키 → 같은 파티션, null 키는 흩어짐 \(same-key\) ==/);
    expect(out).toMatch(/\n {2}\[a\] 키: 모두 한 파티션/);
    expect(out).toMatch(/\n {2}\+\d+\.\ds {2}키 "user-42": \{"\d":30\}/);
    expect(out).toMatch(/\n판정: PASS \(/);
    expect(out).toMatch(/예측 없음 — 정답: \[a\]/);
    expect(out).toMatch(/murmur2\(키\) mod 6/);
  });

  it('controller-kill: another broker holds /controller, controller_epoch + 1, after the session timeout', async () => {
    const { code, report } = await drill('controller-kill', 'b');
    expect(report).toMatchObject({ verdict: 'pass', answer: 'a', predictionCorrect: false });
    expect(code).toBe(0);
    const m = report.measured as {
      oldController: number;
      newController: number;
      oldEpoch: number;
      newEpoch: number;
      failoverMs: number;
    };
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
  });

  it('leader-kill: an ISR member leads with epoch + 1, no acknowledged record lost', async () => {
    const { code, report } = await drill('leader-kill', 'a');
    expect(report.failures).toEqual([]);
    expect(code).toBe(0);
    const m = report.measured as {
      oldEpoch: number;
      newEpoch: number;
      acknowledged: number;
      lost: number;
      read: number;
    };
    expect(m.newEpoch).toBe(m.oldEpoch + 1);
    expect(m.acknowledged).toBeGreaterThanOrEqual(40);
    expect(m.lost).toBe(0);
    expect(m.read).toBeGreaterThanOrEqual(m.acknowledged);
  });

  it('isr-below-min: acks=all gets NOT_ENOUGH_REPLICAS, acks=1 is acknowledged, writes resume after the restart', async () => {
    const { code, report } = await drill('isr-below-min', 'b');
    expect(report.failures).toEqual([]);
    expect(code).toBe(0);
    expect(report.measured).toMatchObject({ acksAll: 'NOT_ENOUGH_REPLICAS', acksOne: 'acknowledged' });
    expect(report.measured.writesResumedMs).toEqual(expect.any(Number));
  });

  it('unclean-election: unclean=true elects an out-of-sync replica and loses S; false stays offline and loses none', async () => {
    const { code, report } = await drill('unclean-election', 'b');
    expect(report).toMatchObject({ verdict: 'pass', predictionCorrect: false, failures: [] });
    expect(code).toBe(0);
    const m = report.measured as {
      uncleanLost: number;
      acknowledgedOnlyByLeader: number;
      safeLost: number;
      safeLeaderWhileDown: number;
      uncleanEpoch: number;
      epochBefore: number;
      oldLeader: number;
      uncleanLeader: number;
    };
    expect(m.uncleanLost).toBe(m.acknowledgedOnlyByLeader);
    expect(m.safeLost).toBe(0);
    expect(m.safeLeaderWhileDown).toBe(-1);
    expect(m.uncleanLeader).not.toBe(m.oldLeader);
    expect(m.uncleanEpoch).toBeGreaterThan(m.epochBefore);
  });

  it('session-expiry: /brokers/ids/N vanishes, the leadership moves, the broker re-registers (Korean text)', async () => {
    const { code, report } = await drill('session-expiry', 'b', 'ko');
    expect(report.failures).toEqual([]);
    expect(code).toBe(0);
    const m = report.measured as {
      registrationGoneMs: number;
      leadershipMovedMs: number;
      reRegisteredMs: number;
      broker: number;
      newLeader: number;
    };
    expect(m.registrationGoneMs).toBeGreaterThan(3_000);
    expect(m.leadershipMovedMs).toBeGreaterThanOrEqual(m.registrationGoneMs - 500);
    expect(m.newLeader).not.toBe(m.broker);
    expect(report.explanation.ko).toMatch(/세션을 만료/);
  });

  it('consumer-dies: after the rebalance the survivor starts at the last committed offset; nothing skipped', async () => {
    const { code, report } = await drill('consumer-dies', 'b');
    expect(report).toMatchObject({ verdict: 'pass', answer: 'b', predictionCorrect: true, failures: [] });
    expect(code).toBe(0);
    const m = report.measured as {
      committedAtDeath: number;
      survivorFirstOffset: number;
      victimLastProcessed: number;
      redelivered: number;
      skipped: number;
      rebalanceMs: number;
    };
    expect(m.survivorFirstOffset).toBe(m.committedAtDeath);
    expect(m.skipped).toBe(0);
    expect(m.redelivered).toBe(m.victimLastProcessed + 1 - m.committedAtDeath);
    expect(m.redelivered).toBeGreaterThan(0);
    // The coordinator waits for the dead member's session to time out.
    expect(m.rebalanceMs).toBeGreaterThan(3_000);
  });

  it('zk-follower-pause: the leader drops the paused follower after syncLimit, writes go on, it rejoins', async () => {
    const { code, report } = await drill('zk-follower-pause', 'b');
    expect(report.failures).toEqual([]);
    expect(code).toBe(0);
    const m = report.measured as {
      syncLimitMs: number;
      droppedAfterMs: number;
      writeWhilePaused: string;
      rejoinedAfterMs: number;
    };
    // syncLimit 5 (the lab's zoo.cfg) × tickTime 500 ms.
    expect(m.syncLimitMs).toBe(2_500);
    // Not before syncLimit, less the up to one tick since the leader last heard from it.
    expect(m.droppedAfterMs).toBeGreaterThanOrEqual(2_000);
    expect(m.droppedAfterMs).toBeLessThan(10_000);
    expect(m.writeWhilePaused).toMatch(/^ok in \d+ ms$/);
    expect(m.rejoinedAfterMs).toEqual(expect.any(Number));
  });

  it('zk-leader-kill: a new leader serves within seconds; the old one rejoins as a follower', async () => {
    const { code, report } = await drill('zk-leader-kill', 'a');
    expect(report.failures).toEqual([]);
    expect(code).toBe(0);
    const m = report.measured as {
      ensembleSize: number;
      oldLeader: string;
      newLeader: string;
      electionMs: number;
      oldLeaderRejoinedAs: string;
    };
    expect(m.ensembleSize).toBe(3);
    expect(m.newLeader).not.toBe(m.oldLeader);
    expect(m.electionMs).toBeLessThan(20_000);
    expect(m.oldLeaderRejoinedAs).toBe('follower');
  });

  it('zk-quorum-loss: a write with a minority down succeeds, with a majority down gets no answer, then resumes', async () => {
    const { code, report } = await drill('zk-quorum-loss', 'b');
    expect(report.failures).toEqual([]);
    expect(code).toBe(0);
    expect(report.measured.minorityWrite).toMatch(/^ok in \d+ ms$/);
    expect(report.measured.majorityWrite).toMatch(
      /^(failed: (CONNECTIONLOSS|OPERATIONTIMEOUT|SESSIONEXPIRED)|no answer within \d+ ms)$/,
    );
    expect(report.measured.restoreMs).toEqual(expect.any(Number));
  });
});

describe('kzlab drill run zk-leader-kill on five ZooKeeper servers (3 vs 5)', () => {
  let root = '';
  let lab: LabProcess | undefined;
  const pids = new Set<number>();

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kzlab-drills5-'));
    const portBase = await findFreePortBase({ zookeepers: 5 });
    lab = await startLabProcess({
      dataDir: path.join(root, 'data'),
      portBase,
      zookeepers: 5,
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

  it('a new leader among four survivors; five servers survive two failures', async () => {
    const { code, report } = await runDrillJson(
      path.join(root, 'data'),
      'zk-leader-kill',
      'a',
      'en',
      () => lab?.stderr() ?? '',
    );
    expect(report.failures).toEqual([]);
    expect(code).toBe(0);
    expect(report.measured).toMatchObject({
      ensembleSize: 5,
      survivesFailures: 2,
      oldLeaderRejoinedAs: 'follower',
    });
    expect(report.measured.electionMs).toBeLessThan(20_000);
  });

  it('a drill that needs brokers says so and exits 1', async () => {
    const { code, err } = await runCli([
      'drill',
      'run',
      'leader-kill',
      '--data-dir',
      path.join(root, 'data'),
      '--json',
    ]);
    expect(code).toBe(1);
    expect(err).toMatch(/needs a lab with at least 1 ZooKeeper servers and 3 brokers; this one has 5 and 0/);
  });
});
