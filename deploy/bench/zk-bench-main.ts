// Standalone entry for the ZooKeeper benchmark (until/besides `kzlab bench zk`):
//   npx node deploy/bench/zk-bench-main.ts --connect 127.0.0.1:2181
//   npx node deploy/bench/zk-bench-main.ts --compare-real-zookeeper
// Progress goes to stderr, the table to stdout, the JSON to bench-results/ (or --json FILE).
// Exit code: 0 ok, 1 some target failed, 2 bad arguments.

import {
  ZK_BENCH_USAGE,
  ZkBenchArgsError,
  formatZkBenchTable,
  parseZkBenchArgs,
  runZkBench,
  writeZkBenchJson,
  type ZkBenchOptions,
} from './zk-bench.ts';
import { killAllStartedServersSync } from './zk-servers.ts';

export async function main(argv: readonly string[]): Promise<number> {
  let options: ZkBenchOptions;
  try {
    options = parseZkBenchArgs(argv);
  } catch (error) {
    if (error instanceof ZkBenchArgsError) {
      process.stderr.write(`kzlab bench zk: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(ZK_BENCH_USAGE);
    return 0;
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nkzlab bench zk: ${signal}, stopping servers started here\n`);
      killAllStartedServersSync();
      process.exit(130);
    });
  }
  const result = await runZkBench(options, { log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`\n${formatZkBenchTable(result)}\n`);
  if (options.writeJson) {
    const path = writeZkBenchJson(result, options.json);
    process.stdout.write(`\nJSON: ${path}\n`);
  }
  return result.failedTargets.length > 0 ? 1 : 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `kzlab bench zk: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
