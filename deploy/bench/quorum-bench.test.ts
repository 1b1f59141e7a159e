import { describe, expect, it } from 'vitest';

import { UsageError } from '../cli/flags.ts';
import {
  formatQuorumBenchTable,
  metricSamples,
  parseQuorumBenchArgs,
  quorumMetrics,
  quorumOutputPaths,
  quorumSchedule,
  quorumTargets,
  summarizeQuorumRuns,
  type QuorumBenchOptions,
  type QuorumBenchResult,
} from './quorum-bench.ts';
import type { OutageSample, QuorumPhaseResult, QuorumRun } from './quorum-phases.ts';
import { explainQuorumCost, metricChartSvg, niceScale, renderQuorumHtml } from './quorum-report.ts';

function usageError(argv: string[]): string {
  try {
    parseQuorumBenchArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('parseQuorumBenchArgs', () => {
  it('has defaults that match the issue: sizes 3,5, ours only, 3 repetitions, 64/256 outstanding', () => {
    const o = parseQuorumBenchArgs([]);
    expect(o.sizes).toEqual([3, 5]);
    expect(o.realZookeeper).toBe(false);
    expect(o.repeat).toBe(3);
    expect(o.outstanding).toEqual([64, 256]);
    expect(o.readOutstanding).toBe(256);
    expect(o.valueBytes).toBe(100);
    expect(o.opTimeoutSeconds).toBe(5);
    expect(o.forceSync).toBe(true);
    expect(o.json).toBeNull();
    expect(o.html).toBeNull();
    expect(o.help).toBe(false);
  });

  it('reads the issue command line and the longer-run flags', () => {
    const o = parseQuorumBenchArgs([
      '--sizes',
      '3,5,7',
      '--real-zookeeper',
      '--repeat',
      '5',
      '--seconds=8',
      '--prewarm-seconds',
      '5',
      '--kills',
      '4',
      '--force-sync',
      'no',
      '--json',
      'out/q.json',
      '--html',
      'out/q.html',
    ]);
    expect(o.sizes).toEqual([3, 5, 7]);
    expect(o.realZookeeper).toBe(true);
    expect(o.repeat).toBe(5);
    expect(o.seconds).toBe(8);
    expect(o.prewarmSeconds).toBe(5);
    expect(o.kills).toBe(4);
    expect(o.forceSync).toBe(false);
    expect(o.json).toBe('out/q.json');
    expect(o.html).toBe('out/q.html');
  });

  it('accepts --sizes given twice (lists append) and -h', () => {
    expect(parseQuorumBenchArgs(['--sizes', '3', '--sizes', '5']).sizes).toEqual([3, 5]);
    expect(parseQuorumBenchArgs(['-h']).help).toBe(true);
  });

  it('rejects bad values with a usage error naming the flag', () => {
    expect(usageError(['--sizes', '2'])).toBe('--sizes: 2 is not within 3..9');
    expect(usageError(['--sizes', '3,3'])).toBe('--sizes lists a value twice: 3,3');
    expect(usageError(['--sizes', 'three'])).toBe('--sizes expects whole numbers, got "three"');
    expect(usageError(['--sizes', '3,,5'])).toMatch(/empty item/);
    expect(usageError(['--repeat', '0'])).toBe('--repeat must be at least 1, got 0');
    expect(usageError(['--repeat', '2.5'])).toMatch(/whole number/);
    expect(usageError(['--seconds'])).toMatch(/--seconds needs a value/);
    expect(usageError(['--force-sync', 'maybe'])).toMatch(/--force-sync expects yes or no/);
    expect(usageError(['--frobnicate'])).toBe('unknown flag --frobnicate');
    expect(usageError(['3,5'])).toMatch(/unexpected argument "3,5"/);
    expect(usageError(['--real-zookeeper=yes'])).toMatch(/is a switch/);
  });
});

describe('schedule', () => {
  const options = { sizes: [3, 5], realZookeeper: true, repeat: 3 } as const;

  it('alternates implementations within a size, ours first', () => {
    expect(quorumTargets(options).map((t) => t.name)).toEqual(['kzlab-3', 'apache-3', 'kzlab-5', 'apache-5']);
    expect(quorumTargets({ sizes: [5, 3], realZookeeper: false }).map((t) => t.name)).toEqual([
      'kzlab-5',
      'kzlab-3',
    ]);
  });

  it('rotates the order by one target per repetition', () => {
    const schedule = quorumSchedule(options);
    const byRep = [0, 1, 2].map((rep) =>
      schedule.filter((s) => s.repetition === rep).map((s) => s.target.name),
    );
    expect(byRep).toEqual([
      ['kzlab-3', 'apache-3', 'kzlab-5', 'apache-5'],
      ['apache-3', 'kzlab-5', 'apache-5', 'kzlab-3'],
      ['kzlab-5', 'apache-5', 'kzlab-3', 'apache-3'],
    ]);
    expect(schedule.map((s) => s.order)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('runs every target once per repetition and puts each first in turn', () => {
    const schedule = quorumSchedule({ sizes: [3, 5], realZookeeper: false, repeat: 4 });
    expect(schedule).toHaveLength(8);
    for (let rep = 0; rep < 4; rep++) {
      expect(new Set(schedule.filter((s) => s.repetition === rep).map((s) => s.target.name))).toEqual(
        new Set(['kzlab-3', 'kzlab-5']),
      );
    }
    expect(schedule.filter((s) => s.order === 0).map((s) => s.target.name)).toEqual([
      'kzlab-3',
      'kzlab-5',
      'kzlab-3',
      'kzlab-5',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Aggregation over fabricated runs

const OPTIONS: Pick<QuorumBenchOptions, 'outstanding' | 'readOutstanding' | 'spreadSessions'> = {
  outstanding: [64, 256],
  readOutstanding: 256,
  spreadSessions: 15,
};

function phase(name: string, opsPerSecond: number, p50: number, p99 = p50 * 5): QuorumPhaseResult {
  return {
    name,
    op: name.startsWith('get') ? 'getData' : 'setData',
    mode: name.endsWith('-seq') ? 'sequential' : 'pipelined',
    outstanding: 1,
    ops: 1000,
    seconds: 1,
    opsPerSecond,
    latencyMs: { count: 1000, p50, p90: p50, p99, p999: p99, mean: p50, min: p50, max: p99 },
    cpu: {
      wallSeconds: 1,
      clientCorePct: 30,
      serverCorePct: 120,
      otherCorePct: 40,
      machineBusyPct: 95,
      cores: 2,
    },
    inFlightMin: 1,
    inFlightMax: 1,
    leaderCorePct: 50,
    followersCorePct: 70,
    sessions: 1,
  };
}

function outage(ms: number | null): OutageSample {
  return {
    killed: 'zk3',
    writerOn: 'zk1',
    killConfirmedMs: 5,
    outageMs: ms,
    leaderVisibleMs: ms === null ? null : ms - 10,
    newLeader: 'zk2',
    writesBefore: 100,
    timedOutOps: 0,
    errors: 1,
    rejoinMs: 400,
  };
}

function run(
  impl: 'kzlab' | 'apache',
  size: number,
  repetition: number,
  v: {
    start: number;
    p50: number;
    w256: number;
    read: number;
    outages: (number | null)[];
    survived: number | null;
  },
  error: string | null = null,
): QuorumRun {
  return {
    target: `${impl}-${size}`,
    impl,
    size,
    repetition,
    order: 0,
    portBase: 20_000,
    dataDir: null,
    disk: { syncs: 200, p50Ms: 0.3, p99Ms: 4, maxMs: 9 },
    startToServingMs: v.start,
    answeringMs: v.start / 2,
    labReadyMs: v.start + 30,
    leader: `zk${size}`,
    follower: 'zk1',
    version: '3.8.0',
    prewarm: null,
    phases: [
      phase('setData-seq', 1000 / v.p50, v.p50),
      phase('setData@64', v.w256 * 0.8, 5),
      phase('setData@256', v.w256, 20),
      phase('getData@256', v.read, 8),
      phase('getData@256-spread', v.read * 1.1, 8),
    ],
    outages: v.outages.map(outage),
    failureChecks: [],
    failuresSurvived: v.survived,
    error,
  };
}

const targets = quorumTargets({ sizes: [3, 5], realZookeeper: true });
const runs: QuorumRun[] = [
  run('kzlab', 3, 0, { start: 900, p50: 0.5, w256: 21_000, read: 31_000, outages: [250, 310], survived: 1 }),
  run('kzlab', 3, 1, { start: 1100, p50: 0.7, w256: 19_000, read: 29_000, outages: [200, 260], survived: 1 }),
  run('kzlab', 3, 2, {
    start: 1000,
    p50: 0.55,
    w256: 25_000,
    read: 35_000,
    outages: [280, null],
    survived: 1,
  }),
  run('kzlab', 5, 0, { start: 1500, p50: 0.8, w256: 14_000, read: 30_000, outages: [300, 320], survived: 2 }),
  // failed after its load phases: what it measured still counts
  run(
    'kzlab',
    5,
    1,
    { start: 1400, p50: 0.9, w256: 12_000, read: 28_000, outages: [], survived: null },
    'Error: boom',
  ),
  run('apache', 3, 0, { start: 2400, p50: 1.5, w256: 4800, read: 7400, outages: [800], survived: 1 }),
];

describe('metricSamples', () => {
  it('takes one value per run, and every kill for the pooled leader-kill metrics', () => {
    expect(metricSamples(runs[0], 'startMs', OPTIONS)).toEqual([900]);
    expect(metricSamples(runs[0], 'writeP50Ms', OPTIONS)).toEqual([0.5]);
    expect(metricSamples(runs[0], 'write@256', OPTIONS)).toEqual([21_000]);
    expect(metricSamples(runs[0], 'write@64', OPTIONS)).toEqual([16_800]);
    expect(metricSamples(runs[0], 'readOne', OPTIONS)).toEqual([31_000]);
    expect(metricSamples(runs[0], 'readSpread', OPTIONS)[0]).toBeCloseTo(34_100);
    expect(metricSamples(runs[0], 'outageMs', OPTIONS)).toEqual([250, 310]);
    expect(metricSamples(runs[2], 'outageMs', OPTIONS)).toEqual([280]); // a failover that never came back is not a number
    expect(metricSamples(runs[0], 'failuresSurvived', OPTIONS)).toEqual([1]);
    expect(metricSamples(runs[4], 'failuresSurvived', OPTIONS)).toEqual([]);
    expect(metricSamples(runs[0], 'fsyncP99Ms', OPTIONS)).toEqual([4]);
  });
});

describe('summarizeQuorumRuns', () => {
  const summary = summarizeQuorumRuns(runs, targets, OPTIONS);

  it('gives the median with min and max over repetitions', () => {
    expect(summary.metrics['kzlab-3'].startMs).toEqual({ median: 1000, min: 900, max: 1100, n: 3 });
    expect(summary.metrics['kzlab-3'].writeP50Ms).toEqual({ median: 0.55, min: 0.5, max: 0.7, n: 3 });
    expect(summary.metrics['kzlab-3']['write@256']).toEqual({
      median: 21_000,
      min: 19_000,
      max: 25_000,
      n: 3,
    });
  });

  it('pools every kill of every repetition for the outage', () => {
    expect(summary.metrics['kzlab-3'].outageMs).toEqual({ median: 260, min: 200, max: 310, n: 5 });
  });

  it('averages the two middle values for an even count, and keeps partial runs', () => {
    expect(summary.metrics['kzlab-5'].startMs).toEqual({ median: 1450, min: 1400, max: 1500, n: 2 });
    expect(summary.metrics['kzlab-5'].failuresSurvived).toEqual({ median: 2, min: 2, max: 2, n: 1 });
    expect(summary.metrics['apache-5']).toEqual({});
  });

  it('summarises CPU per phase', () => {
    expect(summary.cpu['kzlab-3']['setData@256'].servers.median).toBe(120);
    expect(summary.cpu['kzlab-3']['setData@256'].leader.median).toBe(50);
    expect(summary.cpu['apache-5']).toEqual({});
  });

  it("checks the issue's targets for ours only, per size", () => {
    const check = (metric: string, size: number) =>
      summary.checks.find((c) => c.metric === metric && c.size === size);
    expect(summary.checks.every((c) => targets.some((t) => t.impl === 'kzlab' && t.size === c.size))).toBe(
      true,
    );
    expect(check('writeP50Ms', 3)).toMatchObject({ target: 0.6, median: 0.55, met: true });
    expect(check('writeP50Ms', 5)).toMatchObject({ target: 0.7, met: false });
    expect(check('write@256', 3)).toMatchObject({ target: 20_000, met: true });
    expect(check('write@256', 5)).toMatchObject({ target: 15_000, median: 13_000, met: false });
    expect(check('write@64', 3)).toBeUndefined(); // the target applies to the deepest pipeline
    expect(check('outageMs', 3)).toMatchObject({ target: 300, met: true });
    expect(check('startMs', 3)).toMatchObject({ target: 500, met: false });
    expect(check('readOne', 5)).toMatchObject({ target: 30_000, median: 29_000, met: false });
  });
});

function fakeResult(): QuorumBenchResult {
  const options = parseQuorumBenchArgs(['--real-zookeeper']);
  const { help: _h, json: _j, html: _x, ...config } = options;
  return {
    tool: 'kzlab bench quorum',
    schemaVersion: 1,
    startedAt: '2026-11-21T10:00:00.000Z',
    finishedAt: '2026-11-21T10:09:00.000Z',
    config: {
      ...config,
      phases: ['setData-seq', 'setData@64', 'setData@256', 'getData@256', 'getData@256-spread'],
    },
    environment: {
      node: 'v24.21.0',
      nodeZookeeperClient: '1.1.3',
      hostname: 'vm',
      os: 'Linux',
      arch: 'x64',
      cpus: 2,
      cpuModel: 'AMD EPYC',
      totalMemBytes: 1,
      loadavgStart: [1, 2, 3],
      loadavgEnd: [1, 2, 3],
    },
    targets,
    metrics: quorumMetrics(options),
    runs,
    summary: summarizeQuorumRuns(runs, targets, options),
    failedTargets: ['kzlab-5'],
  };
}

describe('formatQuorumBenchTable', () => {
  it('has one column per target, the 5/3 ratios and our targets', () => {
    const text = formatQuorumBenchTable(fakeResult());
    expect(text).toMatch(
      /metric +unit +kzlab 3 +ZooKeeper 3\.8 3 +kzlab 5 +ZooKeeper 3\.8 5 +kzlab 5\/3 +ZooKeeper 3\.8 5\/3 +kzlab target 3\/5/,
    );
    expect(text).toMatch(
      /sequential setData p50 +ms +0\.55 \[0\.50-0\.70\] ok +1\.50 +0\.85 \[0\.80-0\.90\] MISS +-/,
    );
    expect(text).toMatch(/write outage after kill -9 of the leader +ms +260 \[200-310\] ok/);
    expect(text).toMatch(/<= 0\.60 \/ 0\.70/);
    expect(text).toContain('kzlab-5 rep 2 FAILED: Error: boom');
    expect(text).toMatch(/kzlab targets: \d+ of \d+ met; missed: /);
  });
});

describe('quorumOutputPaths', () => {
  it('defaults to bench-results/quorum-<time>.{json,html}', () => {
    expect(quorumOutputPaths({ json: null, html: null }, '2026-11-21T10:00:00.123Z', '/w')).toEqual({
      json: '/w/bench-results/quorum-2026-11-21T10-00-00Z.json',
      html: '/w/bench-results/quorum-2026-11-21T10-00-00Z.html',
    });
  });

  it('puts the page next to --json unless --html is given', () => {
    expect(quorumOutputPaths({ json: 'r/q.json', html: null }, '2026-11-21T10:00:00Z', '/w')).toEqual({
      json: '/w/r/q.json',
      html: '/w/r/q.html',
    });
    expect(quorumOutputPaths({ json: null, html: '/tmp/x.html' }, '2026-11-21T10:00:00Z', '/w').html).toBe(
      '/tmp/x.html',
    );
  });
});

describe('report', () => {
  it('explains 3 vs 5 in one paragraph with the measured numbers, in English and Korean', () => {
    const result = fakeResult();
    const en = explainQuorumCost(result, 'en');
    expect(en).not.toContain('\n');
    expect(en).toContain('2 of 3 servers, 3 of 5');
    expect(en).toContain('0.55 → 0.85 ms, +55 %');
    expect(en).toContain('21,000 → 13,000 ops/s, −38 %');
    expect(en).toContain('(measured: 2 and 1)');
    const ko = explainQuorumCost(result, 'ko');
    expect(ko).toMatch(/[가-힣]/);
    expect(ko).toContain('0.55 → 0.85 ms, +55 %');
    expect(ko).toContain('측정: 2대, 1대');
  });

  it('renders a self-contained page: inline SVG per metric and per load phase, no scripts or fetches', () => {
    const result = fakeResult();
    const html = renderQuorumHtml(result);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    const svgs = html.match(/<svg /g) ?? [];
    expect(svgs).toHaveLength(result.metrics.length + 4);
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|@import|url\(/i);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\//);
    expect(html).toContain('lang="ko"');
    expect(html).toContain('Error: boom');
    expect(html).toContain('stroke-dasharray'); // a kzlab target line
  });

  it('draws min–max whiskers only where repetitions differ', () => {
    const result = fakeResult();
    const start = result.metrics.find((m) => m.key === 'startMs')!;
    const svg = metricChartSvg(result, start);
    expect((svg.match(/<g stroke="#111827"/g) ?? []).length).toBe(2); // kzlab 3 and kzlab 5; Apache ran once
    expect(svg).toContain('median 1000 ms, min 900, max 1100, n=3');
  });

  it('picks round axis scales', () => {
    expect(niceScale(4.2)).toEqual({ max: 5, step: 1 });
    expect(niceScale(38_000)).toEqual({ max: 40_000, step: 10_000 });
    expect(niceScale(0.33)).toEqual({ max: 0.4, step: 0.1 });
    expect(niceScale(0)).toEqual({ max: 1, step: 0.25 });
  });
});
