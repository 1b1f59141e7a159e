// A small ConfigDef in the manner of Kafka's org.apache.kafka.common.config.ConfigDef: every key has a
// type, a default (or none = required, or null = optional), and an optional validator. Parsing follows
// ConfigDef.parseType: values are trimmed; BOOLEAN is true/false in any case; INT/SHORT/LONG are decimal
// integers in range (a leading + or - is allowed, as Integer.parseInt allows); DOUBLE is a decimal number;
// LIST is split on commas with the blanks around them removed, and an empty value is an empty list.
//
// Pure: no I/O.

import { ConfigError } from '../../client/common/errors.ts';

export type ConfigType =
  'BOOLEAN' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'STRING' | 'LIST' | 'PASSWORD' | 'CLASS';

export type ConfigValue = boolean | number | string | readonly string[] | null;

/** Checks a parsed (non-null) value; returns a problem sentence, or undefined if the value is fine. */
export type ConfigValidator = (value: ConfigValue) => string | undefined;

export interface ConfigKeyDef {
  readonly key: string;
  readonly type: ConfigType;
  /**
   * The default as Kafka declares it: a value, `null` (optional, no value), or `undefined` (required:
   * Kafka refuses to start without it, e.g. zookeeper.connect).
   */
  readonly defaultValue: ConfigValue | undefined;
  readonly validator?: ConfigValidator;
  /**
   * `used`: kzlab reads this setting. `ignored`: a real Kafka 2.4 setting that kzlab accepts (and checks for
   * the right type) but does not act on (threads, TLS, quotas, …).
   */
  readonly use: 'used' | 'ignored';
}

/** Long.MAX_VALUE, Kafka's "never" / "unlimited" for LONG settings; parsed as Infinity. */
export const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;

const RANGES: Record<'INT' | 'SHORT' | 'LONG', [bigint, bigint]> = {
  SHORT: [-32768n, 32767n],
  INT: [-2147483648n, 2147483647n],
  LONG: [LONG_MIN, LONG_MAX],
};

/** Converts a parsed LONG to a JS number: Long.MAX_VALUE (Kafka's "forever") becomes Infinity. */
export function longToNumber(value: bigint): number {
  return value === LONG_MAX ? Number.POSITIVE_INFINITY : Number(value);
}

/**
 * Parses `raw` as `def.type`. Throws ConfigError (with key, value and line) when the text is not of that
 * type or the validator rejects it.
 */
export function parseConfigValue(
  def: ConfigKeyDef,
  raw: string,
  where: { file?: string; line?: number } = {},
): ConfigValue {
  const trimmed = raw.trim();
  const fail = (problem: string): never => {
    throw new ConfigError(problem, { key: def.key, value: raw, file: where.file, line: where.line });
  };
  let value: ConfigValue;
  switch (def.type) {
    case 'BOOLEAN': {
      const lower = trimmed.toLowerCase();
      if (lower !== 'true' && lower !== 'false') fail('expected true or false');
      value = lower === 'true';
      break;
    }
    case 'INT':
    case 'SHORT':
    case 'LONG': {
      if (!/^[+-]?\d+$/.test(trimmed)) fail(`not a number of type ${def.type}`);
      const big = BigInt(trimmed);
      const [min, max] = RANGES[def.type];
      if (big < min || big > max) fail(`out of range for type ${def.type} (${min} … ${max})`);
      value = def.type === 'LONG' ? longToNumber(big) : Number(big);
      break;
    }
    case 'DOUBLE': {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) fail('not a number of type DOUBLE');
      value = Number(trimmed);
      break;
    }
    case 'LIST':
      value = trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
      break;
    case 'STRING':
    case 'PASSWORD':
    case 'CLASS':
      value = trimmed;
      break;
  }
  if (def.validator) {
    const problem = def.validator(value);
    if (problem !== undefined) fail(problem);
  }
  return value;
}

// Validators with Kafka's wording.

export function atLeast(min: number): ConfigValidator {
  return (value) => (typeof value === 'number' && value < min ? `value must be at least ${min}` : undefined);
}

export function between(min: number, max: number): ConfigValidator {
  return (value) =>
    typeof value === 'number' && (value < min || value > max)
      ? `value must be between ${min} and ${max}`
      : undefined;
}

export function oneOf(...allowed: string[]): ConfigValidator {
  return (value) =>
    typeof value === 'string' && !allowed.includes(value)
      ? `string must be one of: ${allowed.join(', ')}`
      : undefined;
}

/** Case-insensitive variant of oneOf (Kafka's ValidString with case-insensitive matching). */
export function oneOfIgnoreCase(...allowed: string[]): ConfigValidator {
  const lower = allowed.map((a) => a.toLowerCase());
  return (value) =>
    typeof value === 'string' && !lower.includes(value.toLowerCase())
      ? `string must be one of: ${allowed.join(', ')}`
      : undefined;
}

export function validList(...allowed: string[]): ConfigValidator {
  return (value) => {
    if (!Array.isArray(value)) return undefined;
    const bad = value.find((item) => !allowed.includes(item));
    return bad === undefined
      ? undefined
      : `invalid value ${bad}; list items must be in: ${allowed.join(', ')}`;
  };
}
