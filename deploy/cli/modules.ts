// Modules the CLI starts, loaded with a dynamic import() so that `kzlab --help` stays fast, a broken
// benchmark cannot break `kzlab up`, and a module that does not exist yet gives a clear message.
//
// The specifiers are computed (not string literals) on purpose: the ZooKeeper entry point may not exist
// while the repository is being built up, and a literal would make `tsc` fail. The interfaces below are
// the contracts; deploy/cli/modules.test.ts checks at type level that zk-bench.ts still satisfies its own.

import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import type { Logger } from 'pino';

import { KZ_ERROR_CODES, KzError } from '../../client/common/errors.ts';

/** zookeeper-ensemble/main.ts: the process entry point of our ZooKeeper server. */
export interface ZooKeeperMainModule {
  /**
   * Reads the zoo.cfg at `configPath` and starts the server. Resolves when the server has stopped (or,
   * for some callers, once it serves); `kzlab up` copes with either.
   */
  runZooKeeperServer(configPath: string, options?: { log?: Logger }): Promise<void>;
}

/** deploy/bench/zk-bench.ts, as far as the CLI uses it. */
export interface ZkBenchModule {
  /** Parses everything after `bench zk`; throws on bad flags; sets `help` for -h/--help. */
  parseZkBenchArgs(argv: readonly string[]): ZkBenchCliOptions;
  runZkBench(options: never, hooks?: { log?: (line: string) => void }): Promise<ZkBenchCliResult>;
  formatZkBenchTable(result: never): string;
  /** Writes the JSON result file and returns its path (optional export). */
  writeZkBenchJson?: (result: never, file: string | null) => string;
  /** The --help text (optional export). */
  ZK_BENCH_USAGE?: string;
}
export interface ZkBenchCliOptions {
  readonly help: boolean;
  readonly writeJson?: boolean;
  readonly json?: string | null;
}
export interface ZkBenchCliResult {
  readonly failedTargets?: readonly string[];
}

export interface ModuleLoaders {
  zookeeperMain(): Promise<ZooKeeperMainModule>;
  zkBench(): Promise<ZkBenchModule>;
  /**
   * The process's root pino logger writing to stderr, for commands whose stdout carries their result
   * (`kzlab up` prints the connect string there). Absent in tests: the server then picks its own logger.
   */
  stderrLogger?(): Promise<Logger>;
}

/**
 * Imports the module at `url` (a file: URL) and checks that it exports functions named `functionNames`.
 * Throws KzError KZ_ERR_MODULE_MISSING, naming `displayName`, when the file is missing or lacks an export.
 * Errors raised while the module itself loads (syntax errors, its own missing imports) pass through.
 */
export async function importModule<T>(
  url: URL,
  displayName: string,
  functionNames: readonly string[],
): Promise<T> {
  const file = fileURLToPath(url);
  try {
    await access(file);
  } catch {
    throw new KzError(
      KZ_ERROR_CODES.KZ_ERR_MODULE_MISSING,
      `${displayName} is not there (${file} does not exist): this part of kzlab is not built yet`,
    );
  }
  const module = (await import(url.href)) as Record<string, unknown>;
  const missing = functionNames.filter((name) => typeof module[name] !== 'function');
  if (missing.length > 0) {
    throw new KzError(
      KZ_ERROR_CODES.KZ_ERR_MODULE_MISSING,
      `${displayName} does not export ${missing.map((name) => `${name}()`).join(', ')}: this part of kzlab is not finished yet`,
    );
  }
  return module as T;
}

export const defaultModuleLoaders: ModuleLoaders = {
  zookeeperMain: () =>
    importModule<ZooKeeperMainModule>(
      new URL('../../zookeeper-ensemble/main.ts', import.meta.url),
      'zookeeper-ensemble/main.ts',
      ['runZooKeeperServer'],
    ),
  zkBench: () =>
    importModule<ZkBenchModule>(
      new URL('../bench/zk-bench.ts', import.meta.url),
      'deploy/bench/zk-bench.ts',
      ['parseZkBenchArgs', 'runZkBench', 'formatZkBenchTable'],
    ),
  stderrLogger: async () => {
    const { createLogger } = await importModule<{ createLogger(options: { destination: number }): Logger }>(
      new URL('../../client/logging/logger.ts', import.meta.url),
      'client/logging/logger.ts',
      ['createLogger'],
    );
    return createLogger({ destination: 2 });
  },
};
