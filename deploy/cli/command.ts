// The shapes every `kzlab` subcommand is built from. Each command lives in its own module under
// deploy/cli/commands/ and is registered in deploy/cli/main.ts.

import { formatFlagHelp, parseFlags, UsageError, type FlagSpecs, type FlagValues } from './flags.ts';
import type { ModuleLoaders } from './modules.ts';

/** Where a command writes and what it may reach. Tests pass fakes; deploy/cli.ts passes the real process. */
export interface CliIo {
  /** Writes `text` and a newline to standard output. */
  stdout(text: string): void;
  /** Writes `text` and a newline to standard error. */
  stderr(text: string): void;
  /** The directory relative paths on the command line are resolved against. */
  readonly cwd: string;
  /** Loads the modules commands start (ZooKeeper server, benchmarks). Replaced in tests. */
  readonly modules: ModuleLoaders;
  /**
   * Standard input, for the commands that read it (console-producer: records; zk-shell: commands).
   * deploy/cli/main.ts's processIo() passes process.stdin; tests pass a stream of their own.
   */
  readonly stdin?: NodeJS.ReadableStream & { readonly isTTY?: boolean };
}

/** A command that runs. Returns the process exit status: 0 ok, 1 failed, 2 usage error (thrown as UsageError). */
export interface LeafCommand {
  readonly kind: 'command';
  readonly name: string;
  /** One line for the parent's --help. */
  readonly summary: string;
  run(argv: readonly string[], io: CliIo, path: readonly string[]): Promise<number>;
}

/** A command with subcommands, e.g. `bench` with `zk`. */
export interface CommandGroup {
  readonly kind: 'group';
  readonly name: string;
  readonly summary: string;
  readonly subcommands: readonly CliCommand[];
}

export type CliCommand = LeafCommand | CommandGroup;

export interface CommandDefinition<S extends FlagSpecs> {
  readonly name: string;
  readonly summary: string;
  /** Positional arguments, e.g. `<zoo.cfg>`; shown in the usage line. */
  readonly arguments?: string;
  /** Paragraphs shown after the usage line in --help. */
  readonly description: string;
  readonly flags: S;
  /** Allowed number of positional arguments. Default 0..0. */
  readonly positionals?: { readonly min: number; readonly max: number };
  run(args: { flags: FlagValues<S>; positionals: string[] }, io: CliIo): Promise<number>;
}

/** Builds a LeafCommand that parses its flags, answers --help, and checks the positional count. */
export function defineCommand<const S extends FlagSpecs>(definition: CommandDefinition<S>): LeafCommand {
  const { min, max } = definition.positionals ?? { min: 0, max: 0 };
  return {
    kind: 'command',
    name: definition.name,
    summary: definition.summary,
    async run(argv, io, path) {
      const parsed = parseFlags(argv, definition.flags);
      if (parsed.help) {
        io.stdout(commandHelp(definition, path));
        return 0;
      }
      const count = parsed.positionals.length;
      if (count < min) {
        throw new UsageError(
          `missing argument${definition.arguments === undefined ? '' : ` ${definition.arguments}`}`,
        );
      }
      if (count > max) {
        const extra = parsed.positionals
          .slice(max)
          .map((value) => JSON.stringify(value))
          .join(' ');
        throw new UsageError(`unexpected argument${count - max === 1 ? '' : 's'} ${extra}`);
      }
      return definition.run({ flags: parsed.flags, positionals: parsed.positionals }, io);
    },
  };
}

export function commandHelp(definition: CommandDefinition<FlagSpecs>, path: readonly string[]): string {
  const usage = `Usage: ${path.join(' ')} [flags]${definition.arguments === undefined ? '' : ` ${definition.arguments}`}`;
  return `${usage}\n\n${definition.summary}\n\n${definition.description.trim()}\n\nFlags:\n${formatFlagHelp(definition.flags)}`;
}

export function groupHelp(
  group: { summary: string; subcommands: readonly CliCommand[] },
  path: readonly string[],
): string {
  const width = Math.max(...group.subcommands.map((command) => command.name.length));
  const lines = group.subcommands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    `Usage: ${path.join(' ')} <command> [flags]`,
    '',
    group.summary,
    '',
    'Commands:',
    ...lines,
    '',
    `Run '${path.join(' ')} <command> --help' for the flags of a command.`,
  ].join('\n');
}
