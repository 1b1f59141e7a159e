// `kzlab bench quorum` as a command: parse, run, print the table and the explanation, write JSON and HTML.
// deploy/cli/commands/bench.ts loads this module when the subcommand runs.

import { killAllBenchEnsemblesSync } from './quorum-ensemble.ts';
import {
  QUORUM_BENCH_USAGE,
  formatQuorumBenchTable,
  parseQuorumBenchArgs,
  quorumOutputPaths,
  runQuorumBench,
  writeTextFile,
} from './quorum-bench.ts';
import { explainQuorumCost, renderQuorumHtml } from './quorum-report.ts';

export interface QuorumCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly cwd: string;
}

/** Runs the benchmark. Throws UsageError on bad flags; returns 0, or 1 when a run failed. */
export async function quorumBenchCli(argv: readonly string[], io: QuorumCliIo): Promise<number> {
  const options = parseQuorumBenchArgs(argv);
  if (options.help) {
    io.stdout(QUORUM_BENCH_USAGE.trimEnd());
    return 0;
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    io.stderr(`kzlab bench quorum: ${signal}, killing the servers started here`);
    killAllBenchEnsemblesSync();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await runQuorumBench(options, { log: (line) => io.stderr(line) });
    io.stdout(formatQuorumBenchTable(result));
    io.stdout('');
    io.stdout(explainQuorumCost(result, 'en'));
    const paths = quorumOutputPaths(options, result.startedAt, io.cwd);
    writeTextFile(paths.json, `${JSON.stringify(result, null, 2)}\n`);
    writeTextFile(paths.html, renderQuorumHtml(result));
    io.stdout('');
    io.stdout(`JSON: ${paths.json}`);
    io.stdout(`HTML: ${paths.html}`);
    return result.failedTargets.length > 0 ? 1 : 0;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
