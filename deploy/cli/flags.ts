// A small typed command-line flag parser for the `kzlab` command.
//
//   --name value  and  --name=value      string, number and list flags
//   --flag  --flag=true|false  --no-flag  boolean flags (default false)
//   --list a,b --list c                   list flags: comma-separated and/or repeated → ['a', 'b', 'c']
//   --property k=a,b --property j=c       list flags with `repeatOnly`: repeated, commas kept → ['k=a,b', 'j=c']
//   --                                    everything after it is positional
//   -h, --help                            always recognised; sets `help`
//
// Problems (unknown flag, missing or malformed value) throw UsageError; the dispatcher prints the message
// on stderr and exits with code 2.

import { KZ_ERROR_CODES, KzError } from '../../client/common/errors.ts';

/** A mistake on the command line. The dispatcher prints it and exits with status 2. */
export class UsageError extends KzError {
  constructor(message: string) {
    super(KZ_ERROR_CODES.KZ_ERR_USAGE, message, { retriable: false, definite: true });
  }
}

interface FlagBase {
  /** One line for --help. */
  readonly description: string;
  /** Placeholder shown in --help, e.g. `DIR`. */
  readonly valueName?: string;
}
export interface StringFlag extends FlagBase {
  readonly type: 'string';
  readonly default?: string;
}
export interface NumberFlag extends FlagBase {
  readonly type: 'number';
  readonly default?: number;
  /** Reject fractions. */
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
}
export interface BooleanFlag extends FlagBase {
  readonly type: 'boolean';
}
export interface ListFlag extends FlagBase {
  readonly type: 'list';
  readonly default?: readonly string[];
  /** Each occurrence is one item, commas and all (Kafka's `--property key.separator=,`). */
  readonly repeatOnly?: boolean;
}
export type FlagSpec = StringFlag | NumberFlag | BooleanFlag | ListFlag;
/** Flag specs keyed by the long name without dashes, e.g. `'data-dir'`. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The parsed value type of one flag spec: defaults make a value always present. */
export type FlagValue<F extends FlagSpec> = F extends BooleanFlag
  ? boolean
  : F extends ListFlag
    ? string[]
    : F extends NumberFlag
      ? F extends { default: number }
        ? number
        : number | undefined
      : F extends { default: string }
        ? string
        : string | undefined;

export type FlagValues<S extends FlagSpecs> = { -readonly [K in keyof S]: FlagValue<S[K]> };

export interface ParsedArgs<S extends FlagSpecs> {
  readonly flags: FlagValues<S>;
  readonly positionals: string[];
  /** `-h` or `--help` was given (other flags are still parsed, positionals still collected). */
  readonly help: boolean;
}

export function parseFlags<const S extends FlagSpecs>(argv: readonly string[], specs: S): ParsedArgs<S> {
  const values: Record<string, unknown> = {};
  const lists = new Map<string, string[]>();
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.type === 'boolean') values[name] = false;
    else if (spec.type === 'list') values[name] = spec.default === undefined ? [] : [...spec.default];
    else values[name] = spec.default;
  }
  const positionals: string[] = [];
  let help = false;

  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--') {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown flag ${arg}`);

    const equals = arg.indexOf('=');
    const name = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
    const inlineValue = equals === -1 ? undefined : arg.slice(equals + 1);
    const spec = specs[name];

    if (spec === undefined && name.startsWith('no-') && specs[name.slice(3)]?.type === 'boolean') {
      if (inlineValue !== undefined) throw new UsageError(`--${name} takes no value`);
      values[name.slice(3)] = false;
      continue;
    }
    if (spec === undefined || name === '') throw new UsageError(`unknown flag --${name}`);

    if (spec.type === 'boolean') {
      if (inlineValue === undefined) values[name] = true;
      else if (inlineValue === 'true') values[name] = true;
      else if (inlineValue === 'false') values[name] = false;
      else
        throw new UsageError(
          `--${name} is a switch: use --${name} or --no-${name}, not --${name}=${inlineValue}`,
        );
      continue;
    }

    let text: string;
    if (inlineValue !== undefined) {
      text = inlineValue;
    } else {
      const next = argv[index + 1];
      // A following flag is not a value; a negative number is, for number flags.
      const looksLikeFlag =
        next !== undefined &&
        next.startsWith('-') &&
        next !== '-' &&
        !(spec.type === 'number' && /^-\d/.test(next));
      if (next === undefined || looksLikeFlag) {
        throw new UsageError(
          `--${name} needs a value${spec.valueName === undefined ? '' : ` (${spec.valueName})`}`,
        );
      }
      text = next;
      index++;
    }

    switch (spec.type) {
      case 'string':
        values[name] = text;
        break;
      case 'number':
        values[name] = parseNumberFlag(name, text, spec);
        break;
      case 'list': {
        // The first occurrence replaces the default; later ones append.
        let list = lists.get(name);
        if (list === undefined) {
          list = [];
          lists.set(name, list);
          values[name] = list;
        }
        if (spec.repeatOnly === true) {
          if (text === '') throw new UsageError(`--${name} needs a value`);
          list.push(text);
          break;
        }
        for (const item of text.split(',')) {
          const trimmed = item.trim();
          if (trimmed === '') throw new UsageError(`--${name} has an empty item in ${JSON.stringify(text)}`);
          list.push(trimmed);
        }
        break;
      }
    }
  }
  return { flags: values as FlagValues<S>, positionals, help };
}

function parseNumberFlag(name: string, text: string, spec: NumberFlag): number {
  const trimmed = text.trim();
  const value = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(value))
    throw new UsageError(`--${name} expects a number, got ${JSON.stringify(text)}`);
  if (spec.integer === true && !Number.isInteger(value)) {
    throw new UsageError(`--${name} expects a whole number, got ${JSON.stringify(text)}`);
  }
  if (spec.min !== undefined && value < spec.min)
    throw new UsageError(`--${name} must be at least ${spec.min}, got ${text}`);
  if (spec.max !== undefined && value > spec.max)
    throw new UsageError(`--${name} must be at most ${spec.max}, got ${text}`);
  return value;
}

/** The "Flags:" block of a --help text. */
export function formatFlagHelp(specs: FlagSpecs): string {
  const rows: [string, string][] = [];
  for (const [name, spec] of Object.entries(specs)) {
    let left = `--${name}`;
    if (spec.type !== 'boolean')
      left += ` ${spec.valueName ?? (spec.type === 'number' ? 'N' : spec.type === 'list' ? 'A,B' : 'VALUE')}`;
    let right = spec.description;
    if (spec.type !== 'boolean' && spec.default !== undefined) {
      const shown = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
      if (shown !== '') right += ` (default ${shown})`;
    }
    rows.push([left, right]);
  }
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
}
