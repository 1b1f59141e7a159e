import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LatencyHistogram, exactPercentile, median, spread } from './histogram.ts';
import {
  DEFAULT_ZK_BENCH_OPTIONS,
  ZkBenchArgsError,
  defaultJsonPath,
  formatZkBenchTable,
  interleave,
  parseZkBenchArgs,
  phaseNames,
  targetsFor,
  validateConnectString,
  type PhaseSummary,
  type ZkBenchResult,
} from './zk-bench.ts';

function argsError(argv: string[]): ZkBenchArgsError {
  try {
    parseZkBenchArgs(argv);
  } catch (error) {
    if (error instanceof ZkBenchArgsError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(argv)} to be rejected`);
}

describe('parseZkBenchArgs', () => {
  it('gives the documented defaults with only --connect', () => {
    const o = parseZkBenchArgs(['--connect', '127.0.0.1:2181']);
    expect(o.connect).toBe('127.0.0.1:2181');
    expect(o.seconds).toBe(5);
    expect(o.warmupSeconds).toBe(1);
    expect(o.ops).toBe(3000);
    expect(o.outstanding).toEqual([64, 256]);
    expect(o.valueBytes).toBe(100);
    expect(o.znodes).toBe(64);
    expect(o.repeat).toBe(1);
    expect(o.writeJson).toBe(true);
    expect(o.json).toBeNull();
    expect(o.prewarmSeconds).toBeNull();
    expect(o.forceSync).toBe(true);
    expect(o.compareRealZookeeper).toBe(false);
  });

  it('does not share the default arrays between calls', () => {
    const a = parseZkBenchArgs(['--connect', 'h:1']);
    a.outstanding.push(9);
    expect(parseZkBenchArgs(['--connect', 'h:1']).outstanding).toEqual([64, 256]);
    expect(DEFAULT_ZK_BENCH_OPTIONS.outstanding).toEqual([64, 256]);
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    const o = parseZkBenchArgs([
      '--connect=a:1,b:2,[::1]:2183/chroot',
      '--seconds',
      '2.5',
      '--warmup-seconds=0',
      '--ops',
      '500',
      '--warmup-ops=0',
      '--outstanding',
      '1,16,1024',
      '--json',
      'out/x.json',
      '--label=run-1',
      '--compare-real-zookeeper',
      '--start-kzlab',
      '--repeat',
      '3',
      '--prewarm-seconds',
      '20',
      '--server-pid',
      '10,20',
      '--value-bytes',
      '1024',
      '--znodes=8',
      '--force-sync',
      'no',
      '--ready-timeout-seconds',
      '30',
    ]);
    expect(o.connect).toBe('a:1,b:2,[::1]:2183/chroot');
    expect(o.seconds).toBe(2.5);
    expect(o.warmupSeconds).toBe(0);
    expect(o.ops).toBe(500);
    expect(o.warmupOps).toBe(0);
    expect(o.outstanding).toEqual([1, 16, 1024]);
    expect(o.json).toBe('out/x.json');
    expect(o.label).toBe('run-1');
    expect(o.compareRealZookeeper).toBe(true);
    expect(o.startKzlab).toBe(true);
    expect(o.repeat).toBe(3);
    expect(o.prewarmSeconds).toBe(20);
    expect(o.serverPids).toEqual([10, 20]);
    expect(o.valueBytes).toBe(1024);
    expect(o.znodes).toBe(8);
    expect(o.forceSync).toBe(false);
    expect(o.readyTimeoutSeconds).toBe(30);
  });

  it('accepts a server started here as the only target', () => {
    expect(parseZkBenchArgs(['--compare-real-zookeeper']).connect).toBeNull();
    expect(parseZkBenchArgs(['--start-kzlab']).startKzlab).toBe(true);
  });

  it('lets --help through without a target', () => {
    expect(parseZkBenchArgs(['--help']).help).toBe(true);
    expect(parseZkBenchArgs(['-h']).help).toBe(true);
  });

  it('--no-json turns the file off', () => {
    expect(parseZkBenchArgs(['--connect', 'h:1', '--no-json']).writeJson).toBe(false);
  });

  it.each([
    [['--connect', 'h:1', '--bogus'], /unknown flag --bogus/, '--bogus'],
    [['--connect'], /--connect needs a value/, '--connect'],
    [['--connect', 'h:1', '--seconds'], /--seconds needs a value/, '--seconds'],
    [['--connect', 'h:1', '--seconds', '--ops', '5'], /--seconds needs a value/, '--seconds'],
    [['--connect', 'h:1', '--seconds', 'five'], /--seconds expects a number/, '--seconds'],
    [['--connect', 'h:1', '--seconds', '0'], /--seconds must be at least 0.1/, '--seconds'],
    [['--connect', 'h:1', '--ops', '10.5'], /--ops expects a whole number/, '--ops'],
    [['--connect', 'h:1', '--ops', '0'], /--ops must be at least 1/, '--ops'],
    [['--connect', 'h:1', '--ops', ''], /--ops expects a number/, '--ops'],
    [['--connect', 'h:1', '--warmup-seconds', '-1'], /at least 0/, '--warmup-seconds'],
    [['--connect', 'h:1', '--outstanding', '64,,256'], /comma-separated whole numbers/, '--outstanding'],
    [['--connect', 'h:1', '--outstanding', '0'], /--outstanding must be at least 1/, '--outstanding'],
    [['--connect', 'h:1', '--outstanding', '64,64'], /lists a value twice/, '--outstanding'],
    [['--connect', 'h:1', '--outstanding', '8,x'], /--outstanding expects a number/, '--outstanding'],
    [['--connect', 'h:1', '--repeat', '0'], /--repeat must be at least 1/, '--repeat'],
    [['--connect', 'h:1', '--force-sync', 'maybe'], /yes or no/, '--force-sync'],
    [['--connect', 'h:1', '--ops', '5', '--ops', '6'], /--ops given twice/, '--ops'],
    [['--connect', 'h:1', '--start-kzlab=yes'], /takes no value/, '--start-kzlab'],
    [['--connect', 'localhost'], /"localhost" is not HOST:PORT/, '--connect'],
    [['--connect', 'h:1,'], /"" is not HOST:PORT/, '--connect'],
    [['--connect', 'h:70000'], /port 70000/, '--connect'],
    [['--connect', 'h:1', '--label', 'has space'], /--label must be/, '--label'],
    [['--connect', 'h:1', '--json', 'a.json', '--no-json'], /contradict/, '--no-json'],
    [
      ['--server-pid', '5', '--compare-real-zookeeper'],
      /only applies to the --connect target/,
      '--server-pid',
    ],
  ])('rejects %j', (argv, message, flag) => {
    const error = argsError(argv);
    expect(error.message).toMatch(message);
    expect(error.flag).toBe(flag);
    expect(error.code).toBe('BAD_ARGS');
    expect(error.retriable).toBe(false);
  });

  it('rejects a run with no target and a stray positional argument', () => {
    expect(argsError([]).message).toMatch(/nothing to benchmark/);
    expect(argsError(['--ops', '5']).message).toMatch(/nothing to benchmark/);
    expect(argsError(['zk', '--connect', 'h:1']).message).toMatch(/unexpected argument "zk"/);
  });
});

describe('validateConnectString', () => {
  it('accepts host lists, IPv6 in brackets and a chroot', () => {
    for (const s of ['127.0.0.1:2181', 'zk1:2181,zk2:2182', '[::1]:2181', 'a.b-c_d:1/kafka/x']) {
      expect(validateConnectString(s)).toBe(s);
    }
  });
  it('rejects bad chroots', () => {
    expect(() => validateConnectString('h:1/')).toThrow(ZkBenchArgsError);
    expect(() => validateConnectString('h:1/a//b')).toThrow(/bad chroot/);
  });
});

describe('exactPercentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
  it('picks the value at rank ceil(p/100 * n)', () => {
    expect(exactPercentile(hundred, 50)).toBe(50);
    expect(exactPercentile(hundred, 99)).toBe(99);
    expect(exactPercentile(hundred, 99.5)).toBe(100);
    expect(exactPercentile(hundred, 1)).toBe(1);
    expect(exactPercentile(hundred, 0)).toBe(1);
    expect(exactPercentile(hundred, 100)).toBe(100);
    expect(exactPercentile([5, 1, 3], 50)).toBe(3);
    expect(exactPercentile([10, 20, 30, 40], 50)).toBe(20);
    expect(exactPercentile([10, 20, 30, 40], 51)).toBe(30);
  });
  it('NaN for no samples, RangeError outside 0..100', () => {
    expect(exactPercentile([], 50)).toBeNaN();
    expect(() => exactPercentile([1], 101)).toThrow(RangeError);
    expect(() => exactPercentile([1], -1)).toThrow(RangeError);
  });
});

describe('LatencyHistogram', () => {
  it('is exact (width-1 buckets) below 2 * 2^precisionBits ns', () => {
    const h = new LatencyHistogram({ precisionBits: 4 }); // exact below 32 ns
    for (let v = 1; v <= 31; v++) h.record(v);
    expect(h.count).toBe(31);
    expect(h.percentileNanos(50)).toBe(16);
    expect(h.percentileNanos(10)).toBe(4); // rank ceil(3.1) = 4
    expect(h.percentileNanos(100)).toBe(31);
    expect(h.minNanos).toBe(1);
    expect(h.meanNanos).toBe(16);
  });

  it('bucket layout: every value lies inside its bucket, and indexes never go backwards', () => {
    const h = new LatencyHistogram();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 - 1 }),
        fc.integer({ min: 0, max: 2 ** 40 - 1 }),
        (a, b) => {
          const i = h.indexOf(a);
          const lo = h.lowerBoundOf(i);
          expect(lo).toBeLessThanOrEqual(a);
          expect(a).toBeLessThan(lo + h.widthOf(i));
          // relative width bound: <= 1/S of the lower bound once buckets are wider than 1
          if (h.widthOf(i) > 1) expect(h.widthOf(i) / lo).toBeLessThanOrEqual(1 / h.subBucketCount);
          if (a <= b) expect(h.indexOf(a)).toBeLessThanOrEqual(h.indexOf(b));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('bucket boundaries are contiguous around powers of two', () => {
    const h = new LatencyHistogram({ precisionBits: 3 });
    for (let i = 1; i < h.indexOf(2 ** 20); i++) {
      expect(h.lowerBoundOf(i)).toBe(h.lowerBoundOf(i - 1) + h.widthOf(i - 1));
    }
    // values straddling 2^32 (where floorLog2 switches method)
    const big = new LatencyHistogram();
    for (const v of [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 33 - 1]) {
      const i = big.indexOf(v);
      expect(big.lowerBoundOf(i)).toBeLessThanOrEqual(v);
      expect(v).toBeLessThan(big.lowerBoundOf(i) + big.widthOf(i));
    }
  });

  it('percentiles match the exact ones within half a bucket (0.4 %) on latency-like data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 200, noNaN: true }), { minLength: 1, maxLength: 3000 }),
        (samplesMs) => {
          const h = new LatencyHistogram();
          for (const ms of samplesMs) h.recordMs(ms);
          const ns = samplesMs.map((ms) => Math.round(ms * 1e6));
          for (const p of [1, 50, 90, 99, 99.9]) {
            const exact = exactPercentile(ns, p);
            const approx = h.percentileNanos(p);
            expect(Math.abs(approx - exact)).toBeLessThanOrEqual(exact / 256 + 1);
          }
          expect(h.percentileNanos(0)).toBe(Math.min(...ns));
          expect(h.percentileNanos(100)).toBe(Math.max(...ns));
          const exactMean = ns.reduce((a, b) => a + b, 0) / ns.length;
          expect(h.meanNanos).toBeCloseTo(exactMean, 3);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a single sample is reported exactly at every percentile', () => {
    const h = new LatencyHistogram();
    h.recordMs(1.234567);
    for (const p of [0, 1, 50, 99, 100]) expect(h.percentileMs(p)).toBeCloseTo(1.234567, 6);
  });

  it('summaryMs of a known distribution', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.recordMs(i / 100); // 0.01 .. 10 ms
    const s = h.summaryMs();
    expect(s.count).toBe(1000);
    expect(s.p50).toBeCloseTo(5, 1);
    expect(s.p99).toBeCloseTo(9.9, 1);
    expect(s.mean).toBeCloseTo(5.005, 6);
    expect(s.min).toBeCloseTo(0.01, 9);
    expect(s.max).toBeCloseTo(10, 9);
  });

  it('clamps negatives to 0, counts overflow, and NaN when empty', () => {
    const h = new LatencyHistogram({ highestTrackableNs: 2 ** 20 });
    expect(h.percentileNanos(50)).toBeNaN();
    expect(h.meanNanos).toBeNaN();
    h.record(-5);
    h.record(2 ** 30);
    expect(h.count).toBe(2);
    expect(h.overflow).toBe(1);
    expect(h.minNanos).toBe(0);
    expect(h.maxNanos).toBe(2 ** 20);
    expect(() => h.percentileNanos(101)).toThrow(RangeError);
  });

  it('add() merges counts, sums and extremes; reset() empties', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 1; i <= 50; i++) a.record(i * 1000);
    for (let i = 51; i <= 100; i++) b.record(i * 1000);
    a.add(b);
    expect(a.count).toBe(100);
    expect(a.minNanos).toBe(1000);
    expect(a.maxNanos).toBe(100_000);
    expect(a.meanNanos).toBe(50_500);
    expect(Math.abs(a.percentileNanos(50) - 50_000)).toBeLessThanOrEqual(50_000 / 256);
    expect(() => a.add(new LatencyHistogram({ precisionBits: 5 }))).toThrow(RangeError);
    a.reset();
    expect(a.count).toBe(0);
    expect(a.percentileNanos(50)).toBeNaN();
  });
});

describe('median and spread over repetitions', () => {
  it('median of odd/even counts, ignoring NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 7])).toBe(7);
    expect(median([])).toBeNaN();
  });
  it('spread gives median, min, max and n', () => {
    expect(spread([5, 1, 9])).toEqual({ median: 5, min: 1, max: 9, n: 3 });
    expect(spread([Number.NaN]).n).toBe(0);
  });
});

describe('targets and interleaving', () => {
  it('rotates the target order per repetition', () => {
    expect(interleave(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(interleave(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(interleave(['a', 'b', 'c'], 2)).toEqual(['c', 'a', 'b']);
    expect(interleave(['a', 'b', 'c'], 3)).toEqual(['a', 'b', 'c']);
    expect(interleave([], 4)).toEqual([]);
  });
  it('names the targets, using --label for the --connect one and keeping names unique', () => {
    const o = parseZkBenchArgs([
      '--connect',
      'h:1',
      '--compare-real-zookeeper',
      '--start-kzlab',
      '--label',
      'kzlab',
    ]);
    expect(targetsFor(o).map((t) => t.name)).toEqual(['kzlab', 'kzlab-2', 'zookeeper-3.8']);
    expect(targetsFor(parseZkBenchArgs(['--connect', 'h:1'])).map((t) => [t.name, t.kind])).toEqual([
      ['connect', 'external'],
    ]);
  });
  it('lists the phases in run order', () => {
    expect(phaseNames({ outstanding: [8, 32] })).toEqual([
      'create-seq',
      'setData-seq',
      'getData-seq',
      'setData@8',
      'getData@8',
      'setData@32',
      'getData@32',
    ]);
  });
});

describe('output', () => {
  it('default JSON path is bench-results/zk-<timestamp>[-label].json', () => {
    expect(defaultJsonPath({ startedAt: '2026-11-21T09:05:07.123Z', label: null }, '/r')).toBe(
      '/r/bench-results/zk-2026-11-21T09-05-07Z.json',
    );
    expect(defaultJsonPath({ startedAt: '2026-11-21T09:05:07.123Z', label: 'x1' }, '/r')).toBe(
      '/r/bench-results/zk-2026-11-21T09-05-07Z-x1.json',
    );
  });

  it('formats a side-by-side table with a ratio column and a client-bound mark', () => {
    const one = (v: number) => ({ median: v, min: v, max: v, n: 1 });
    const three = (m: number) => ({ median: m, min: m * 0.9, max: m * 1.1, n: 3 });
    const phase = (ops: number, p50: number, client: number): PhaseSummary => ({
      opsPerSecond: three(ops),
      p50Ms: three(p50),
      p99Ms: one(p50 * 4),
      meanMs: one(p50 * 1.5),
      clientCorePct: one(client),
      serverCorePct: one(120),
      otherCorePct: one(5),
      machineBusyPct: one(70),
    });
    const options = parseZkBenchArgs([
      '--connect',
      'h:1',
      '--compare-real-zookeeper',
      '--outstanding',
      '64',
      '--repeat',
      '3',
    ]);
    const { help: _h, json: _j, writeJson: _w, ...config } = options;
    const names = phaseNames(options);
    const result: ZkBenchResult = {
      tool: 'kzlab bench zk',
      schemaVersion: 1,
      label: null,
      startedAt: '2026-11-21T09:05:07.123Z',
      finishedAt: '2026-11-21T09:06:07.123Z',
      config: { ...config, phases: names, prewarm: 'x' },
      environment: {
        node: 'v24.0.0',
        nodeZookeeperClient: '1.1.3',
        hostname: 'box',
        os: 'Linux',
        arch: 'x64',
        cpus: 2,
        cpuModel: 'cpu',
        totalMemBytes: 1,
        loadavgStart: [1, 1, 1],
        loadavgEnd: [2, 2, 2],
      },
      targets: targetsFor(options),
      runs: [],
      summary: {
        connect: Object.fromEntries(names.map((n) => [n, phase(2000, 0.5, 90)])),
        'zookeeper-3.8': Object.fromEntries(names.map((n) => [n, phase(1000, 1, 30)])),
      },
      failedTargets: [],
    };
    const table = formatZkBenchTable(result);
    const lines = table.split('\n');
    const header = lines.find((l) => l.startsWith('phase'));
    expect(header).toMatch(/connect\s+zookeeper-3\.8\s+connect\/zookeeper-3\.8$/);
    const throughput = lines.find((l) => l.startsWith('setData @64'));
    expect(throughput).toMatch(/ops\/s\s+2,000 \[1,800-2,200\]\s+1,000 \[900-1,100\]\s+2\.00x$/);
    expect(table).toMatch(/create seq\s+p50\s+ms\s+0\.50 \[0\.45-0\.55\]/);
    expect(table).toContain('90% !');
    expect(table).toContain('client at >= 85% of a core');
    // fixed width: every table row between the header and the footnote has the header's length or less
    const width = header?.length ?? 0;
    for (const l of lines.slice(lines.indexOf(header ?? ''))) {
      if (l.startsWith('cpu:') || l.startsWith('!')) break;
      expect(l.length).toBeLessThanOrEqual(width);
    }
  });
});
