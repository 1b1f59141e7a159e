// `kzlab bench …`: benchmarks. `bench zk` measures a ZooKeeper-protocol server; its flags belong to
// deploy/bench/zk-bench.ts, which this command only loads and drives.

import type { CommandGroup, LeafCommand } from '../command.ts';
import { UsageError } from '../flags.ts';

const zkBenchCommand: LeafCommand = {
  kind: 'command',
  name: 'zk',
  summary: 'Latency and throughput of a ZooKeeper server (ours or Apache ZooKeeper).',
  async run(argv, io) {
    const bench = await io.modules.zkBench();
    let options;
    try {
      options = bench.parseZkBenchArgs(argv);
    } catch (error) {
      // The benchmark's own argument errors are usage errors (exit 2).
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    if (options.help) {
      io.stdout(
        (bench.ZK_BENCH_USAGE ?? 'Usage: kzlab bench zk [flags] (see deploy/bench/zk-bench.ts)').trimEnd(),
      );
      return 0;
    }
    // Progress goes to stderr so that stdout carries only the result table.
    const result = await bench.runZkBench(options as never, { log: (line) => io.stderr(line) });
    io.stdout(bench.formatZkBenchTable(result as never).trimEnd());
    if (options.writeJson !== false && bench.writeZkBenchJson !== undefined) {
      const file = bench.writeZkBenchJson(result as never, options.json ?? null);
      io.stderr(`results written to ${file}`);
    }
    return (result.failedTargets?.length ?? 0) > 0 ? 1 : 0;
  },
};

// `bench quorum`: 3 vs 5 servers (and Apache ZooKeeper side by side); its flags belong to
// deploy/bench/quorum-bench.ts, loaded only when the command runs.
const quorumBenchCommand: LeafCommand = {
  kind: 'command',
  name: 'quorum',
  summary: 'What 5 servers cost and buy vs 3: latency, throughput, failover, start-up, failures survived.',
  async run(argv, io) {
    const { quorumBenchCli } = await import('../../bench/quorum-cli.ts');
    return quorumBenchCli(argv, io);
  },
};

// `bench produce`: Kafka produce throughput and latency (kafkajs or our client) against running brokers.
const produceBenchCommand: LeafCommand = {
  kind: 'command',
  name: 'produce',
  summary: 'Produce throughput and latency against running brokers, next to the kafkajs encode ceiling.',
  async run(argv, io) {
    const { produceBenchCli } = await import('../../bench/produce-bench.ts');
    return produceBenchCli(argv, io);
  },
};

export const benchCommand: CommandGroup = {
  kind: 'group',
  name: 'bench',
  summary: 'Benchmarks (ZooKeeper latency and throughput; ensembles 3 vs 5; Kafka produce).',
  subcommands: [zkBenchCommand, quorumBenchCommand, produceBenchCommand],
};
