// The `kzlab` dispatcher: finds the (sub)command, runs it, and turns what it throws into a message on
// stderr and an exit status. `main(argv, io)` never calls process.exit, so tests call it directly.
//
// Exit status: 0 success · 1 the command failed · 2 usage error (unknown command or flag, missing value)
// or invalid configuration (KZ_ERR_CONFIG), as Apache ZooKeeper's ZooKeeperServerMain exits 2 on a bad zoo.cfg.

import { readFile } from 'node:fs/promises';
import process from 'node:process';

import { InvariantError } from '../../client/common/assert.ts';
import { KZ_ERROR_CODES, KzError } from '../../client/common/errors.ts';
import { groupHelp, type CliCommand, type CliIo, type CommandGroup } from './command.ts';
import { benchCommand } from './commands/bench.ts';
import { consoleConsumerCommand } from './commands/console-consumer.ts';
import { consoleProducerCommand } from './commands/console-producer.ts';
import { consumerGroupsCommand } from './commands/consumer-groups.ts';
import { drillCommand } from './commands/drill.ts';
import { healCommand } from './commands/heal.ts';
import { kafkaServerCommand } from './commands/kafka-server.ts';
import { killCommand } from './commands/kill.ts';
import { partitionCommand } from './commands/partition.ts';
import { pauseCommand } from './commands/pause.ts';
import { restartCommand } from './commands/restart.ts';
import { resumeCommand } from './commands/resume.ts';
import { statusCommand } from './commands/status.ts';
import { topicsCommand } from './commands/topics.ts';
import { simCommand } from './commands/sim.ts';
import { upCommand } from './commands/up.ts';
import { zkShellCommand } from './commands/zk-shell.ts';
import { zookeeperServerCommand } from './commands/zookeeper-server.ts';
import { UsageError } from './flags.ts';
import { defaultModuleLoaders } from './modules.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export const ROOT_COMMAND: CommandGroup = {
  kind: 'group',
  name: 'kzlab',
  summary:
    'kzlab: a ZooKeeper ensemble and Kafka brokers as real processes, for learning and failure drills.',
  subcommands: [
    upCommand,
    statusCommand,
    killCommand,
    pauseCommand,
    resumeCommand,
    restartCommand,
    partitionCommand,
    healCommand,
    zookeeperServerCommand,
    kafkaServerCommand,
    benchCommand,
    simCommand,
    topicsCommand,
    consoleProducerCommand,
    consoleConsumerCommand,
    consumerGroupsCommand,
    zkShellCommand,
    drillCommand,
  ],
};

/** Runs the command line `argv` (without `node` and the script) and returns the exit status. */
export async function main(
  argv: readonly string[],
  io: CliIo,
  root: CommandGroup = ROOT_COMMAND,
): Promise<number> {
  let group = root;
  const path = [root.name];
  let rest = [...argv];

  for (;;) {
    const [first, ...tail] = rest;
    if (first === undefined) {
      io.stderr(groupHelp(group, path));
      return EXIT_USAGE;
    }
    if (first === '-h' || first === '--help' || (first === 'help' && tail.length === 0)) {
      io.stdout(groupHelp(group, path));
      return EXIT_OK;
    }
    if (first === 'help') {
      // `kzlab help bench zk` is `kzlab bench zk --help`
      rest = [...tail, '--help'];
      continue;
    }
    if (first === '--version' && path.length === 1) {
      io.stdout(await packageVersion());
      return EXIT_OK;
    }
    if (first.startsWith('-')) {
      return reportUsage(`unknown flag ${first}`, path, io);
    }
    const command: CliCommand | undefined = group.subcommands.find((candidate) => candidate.name === first);
    if (command === undefined) {
      const known = group.subcommands.map((candidate) => candidate.name).join(', ');
      return reportUsage(`unknown command ${JSON.stringify(first)} (commands: ${known})`, path, io);
    }
    path.push(command.name);
    rest = tail;
    if (command.kind === 'group') {
      group = command;
      continue;
    }
    try {
      return await command.run(rest, io, path);
    } catch (error) {
      return reportError(error, path, io);
    }
  }
}

function reportUsage(message: string, path: readonly string[], io: CliIo): number {
  io.stderr(`${path.join(' ')}: ${message}`);
  io.stderr(`Run '${path.join(' ')} --help' for usage.`);
  return EXIT_USAGE;
}

function reportError(error: unknown, path: readonly string[], io: CliIo): number {
  if (error instanceof UsageError) return reportUsage(error.message, path, io);
  const prefix = path.join(' ');
  if (error instanceof KzError) {
    io.stderr(`${prefix}: ${error.message} [${error.code}]`);
    let cause = error.cause;
    while (cause !== undefined) {
      io.stderr(`  caused by: ${cause instanceof Error ? cause.message : String(cause)}`);
      cause = cause instanceof Error ? cause.cause : undefined;
    }
    return error.code === KZ_ERROR_CODES.KZ_ERR_CONFIG ? EXIT_USAGE : EXIT_FAILURE;
  }
  // Anything else is a bug (InvariantError) or an unexpected failure: show the whole stack.
  const kind = error instanceof InvariantError ? 'invariant violated (a kzlab bug)' : 'unexpected error';
  io.stderr(`${prefix}: ${kind}:`);
  io.stderr(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return EXIT_FAILURE;
}

async function packageVersion(): Promise<string> {
  const text = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** The real process: stdout/stderr, the current directory, the real modules. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    cwd: process.cwd(),
    modules: defaultModuleLoaders,
    stdin: process.stdin,
  };
}
