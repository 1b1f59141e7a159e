// What the Kafka command-line tools (`kzlab topics`, `console-producer`, `console-consumer`,
// `consumer-groups`) share: the --bootstrap-server flag, Kafka-style `--property key=value` lists, and
// checks that turn a wrong combination of flags into a UsageError (exit 2).

import { UsageError, type ListFlag, type StringFlag } from './flags.ts';

export const BOOTSTRAP_SERVER_FLAG = {
  type: 'string',
  valueName: 'HOST:PORT[,HOST:PORT…]',
  description: 'the brokers to bootstrap from (required)',
} as const satisfies StringFlag;

/** `--property`-style flags: repeated, one key=value each, commas kept (`key.separator=,`). */
export function propertyFlag(
  description: string,
  valueName = 'KEY=VALUE',
): ListFlag & { readonly repeatOnly: true } {
  return { type: 'list', repeatOnly: true, valueName, description };
}

export function requireFlag<T>(value: T | undefined, name: string, why = ''): T {
  if (value === undefined) throw new UsageError(`--${name} is required${why === '' ? '' : ` ${why}`}`);
  return value;
}

/** The broker list of --bootstrap-server, checked for HOST:PORT shape. */
export function bootstrapServers(value: string | undefined): string[] {
  const list = requireFlag(value, 'bootstrap-server')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (list.length === 0) throw new UsageError('--bootstrap-server is empty');
  for (const entry of list) {
    const match = /^(.+):(\d+)$/.exec(entry);
    const port = match === null ? Number.NaN : Number(match[2]);
    if (match === null || port < 1 || port > 65_535) {
      throw new UsageError(`--bootstrap-server expects HOST:PORT, got ${JSON.stringify(entry)}`);
    }
  }
  return list;
}

/**
 * Parses `key=value` items of the flag `--<flag>`; every key must be one of `known` (key → one line of
 * explanation, for the error message). A later item overrides an earlier one, as in Kafka's tools.
 */
export function parseProperties(
  items: readonly string[],
  flag: string,
  known: Readonly<Record<string, string>>,
): Map<string, string> {
  const properties = new Map<string, string>();
  for (const item of items) {
    const equals = item.indexOf('=');
    if (equals <= 0) throw new UsageError(`--${flag} expects KEY=VALUE, got ${JSON.stringify(item)}`);
    const key = item.slice(0, equals).trim();
    if (!Object.hasOwn(known, key)) {
      throw new UsageError(
        `--${flag}: unknown property ${JSON.stringify(key)} (known: ${Object.keys(known).join(', ')})`,
      );
    }
    properties.set(key, item.slice(equals + 1));
  }
  return properties;
}

export function booleanProperty(
  properties: ReadonlyMap<string, string>,
  key: string,
  fallback: boolean,
): boolean {
  const value = properties.get(key);
  if (value === undefined) return fallback;
  const normalized = value.trim().toLowerCase();
  if (normalized === 'true') return true;
  if (normalized === 'false') return false;
  throw new UsageError(`property ${key} must be true or false, got ${JSON.stringify(value)}`);
}

export function integerProperty(
  properties: ReadonlyMap<string, string>,
  key: string,
  min = 0,
): number | undefined {
  const value = properties.get(key);
  if (value === undefined) return undefined;
  const number = Number(value.trim());
  if (value.trim() === '' || !Number.isInteger(number) || number < min) {
    throw new UsageError(`property ${key} must be a whole number ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return number;
}

/**
 * The property's value when it is one of `choices`, undefined when it is not set; anything else is a
 * UsageError ("must be a or b" for two choices, "must be one of a, b, c" for more).
 */
export function choiceProperty<T extends string>(
  properties: ReadonlyMap<string, string>,
  key: string,
  choices: readonly T[],
): T | undefined {
  const value = properties.get(key);
  if (value === undefined) return undefined;
  const choice = choices.find((candidate) => candidate === value);
  if (choice === undefined) {
    const allowed = choices.length === 2 ? choices.join(' or ') : `one of ${choices.join(', ')}`;
    throw new UsageError(`property ${key} must be ${allowed}, got ${JSON.stringify(value)}`);
  }
  return choice;
}

/** One integer property: its key, the option it sets and the least value it may take. */
export type IntegerPropertyRule<T> = readonly [key: string, option: keyof T & string, min: number];

/** Sets `options[option]` from each integer property of `rules` that is set (see integerProperty). */
export function assignIntegerProperties<T extends object>(
  options: T,
  properties: ReadonlyMap<string, string>,
  rules: readonly IntegerPropertyRule<T>[],
): void {
  for (const [key, option, min] of rules) {
    const value = integerProperty(properties, key, min);
    if (value !== undefined) (options as Record<string, unknown>)[option] = value;
  }
}

/** Turns the escapes Kafka's tools accept in separators (`\t`, `\n`, `\\`) into the characters. */
export function unescapeSeparator(text: string): string {
  return text.replace(/\\([tnr\\])/g, (_, letter: string) =>
    letter === 't' ? '\t' : letter === 'n' ? '\n' : letter === 'r' ? '\r' : '\\',
  );
}

/** Words joined into lines of at most `width` characters, for --help texts. */
export function wrapWords(text: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

/** Exactly one of the named boolean flags is set; returns its name. */
export function exactlyOneAction<N extends string>(
  flags: Readonly<Record<N, boolean>>,
  names: readonly N[],
): N {
  const given = names.filter((name) => flags[name]);
  if (given.length !== 1) {
    const list = names.map((name) => `--${name}`).join(', ');
    throw new UsageError(
      given.length === 0
        ? `one of ${list} is required`
        : `only one of ${list} at a time (got ${given.map((name) => `--${name}`).join(', ')})`,
    );
  }
  return given[0]!;
}

/** Rejects flags that make no sense with the chosen action. */
export function rejectWith(action: string, flags: Readonly<Record<string, boolean>>): void {
  for (const [name, given] of Object.entries(flags)) {
    if (given) throw new UsageError(`--${name} cannot be used with --${action}`);
  }
}
