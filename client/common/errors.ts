// Operational errors (ARCHITECTURE.md §5, code-models.md §11 "Errors", kind 3).
//
// Shells (servers, the CLI, the local cluster runner) throw subclasses of KzError when real I/O or
// user input goes wrong. Every KzError carries:
//   code       a stable machine-readable name from KZ_ERROR_CODES (never reworded once released),
//   retriable  whether trying the same operation again may succeed,
//   definite   whether the outcome is known: `true` means the operation certainly did not happen
//              (or certainly happened); `false` means it may or may not have taken effect
//              (the CONNECTIONLOSS situation: a write was sent and no answer came back),
//   cause      the lower-level error, if any (standard ES2022 `Error.cause`).
//
// Invariant violations are NOT KzErrors: they are InvariantError (assert.ts) so that a
// `catch (e) { if (e instanceof KzError) … }` can never swallow a bug by accident.
// Protocol outcomes (NONODE, NOT_LEADER_OR_FOLLOWER, …) are not errors at all: cores return them as data.
//
// This module is part of the pure kernel: no node:* imports, no Buffer, no process.

/** The catalogue of stable error codes. Add new codes here, with one line saying when they are used. */
export const KZ_ERROR_CODES = {
  /** A configuration file or value is invalid (zoo.cfg, server.properties, CLI-generated configs). */
  KZ_ERR_CONFIG: 'KZ_ERR_CONFIG',
  /** The command line was wrong (unknown flag, missing value, unknown command). */
  KZ_ERR_USAGE: 'KZ_ERR_USAGE',
  /** A module that a command needs could not be loaded (not built yet, or missing an export). */
  KZ_ERR_MODULE_MISSING: 'KZ_ERR_MODULE_MISSING',
  /** A port a server needs is already taken by another process. */
  KZ_ERR_PORT_IN_USE: 'KZ_ERR_PORT_IN_USE',
  /** A connection was closed by the peer or the network before a reply arrived. */
  KZ_ERR_CONNECTION_CLOSED: 'KZ_ERR_CONNECTION_CLOSED',
  /** A request got no reply within its deadline. */
  KZ_ERR_REQUEST_TIMEOUT: 'KZ_ERR_REQUEST_TIMEOUT',
} as const;

export type KzErrorCode = (typeof KZ_ERROR_CODES)[keyof typeof KZ_ERROR_CODES];

export interface KzErrorOptions {
  /** The lower-level error that caused this one. */
  cause?: unknown;
  /** May the same operation succeed if tried again? Default false. */
  retriable?: boolean;
  /** Is the outcome known (true) or ambiguous (false)? Default true. */
  definite?: boolean;
}

export class KzError extends Error {
  /** Stable machine-readable code, e.g. `KZ_ERR_CONFIG`. Other packages may add their own `KZ_ERR_*` codes. */
  readonly code: string;
  readonly retriable: boolean;
  readonly definite: boolean;

  constructor(code: string, message: string, options: KzErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.definite = options.definite ?? true;
  }
}

export function isKzError(value: unknown): value is KzError {
  return value instanceof KzError;
}

export interface ConfigErrorDetails {
  /** The configuration key at fault, if the problem is about one key. */
  key?: string;
  /** The raw value as written in the file, if any. */
  value?: string;
  /** The file the configuration came from. */
  file?: string;
  /** 1-based line number inside `file`, if known. */
  line?: number;
}

/**
 * An invalid configuration. Definite (nothing was started) and not retriable (the same file fails again).
 * The message always names the file, line, key and value when they are known, so a learner can find the line.
 */
export class ConfigError extends KzError {
  readonly key: string | undefined;
  readonly value: string | undefined;
  readonly file: string | undefined;
  readonly line: number | undefined;

  constructor(problem: string, details: ConfigErrorDetails = {}, options: { cause?: unknown } = {}) {
    super(KZ_ERROR_CODES.KZ_ERR_CONFIG, formatConfigMessage(problem, details), {
      cause: options.cause,
      retriable: false,
      definite: true,
    });
    this.key = details.key;
    this.value = details.value;
    this.file = details.file;
    this.line = details.line;
  }
}

function formatConfigMessage(problem: string, details: ConfigErrorDetails): string {
  let where = '';
  if (details.file !== undefined) where += details.file;
  if (details.line !== undefined) where += (where === '' ? 'line ' : ':') + String(details.line);
  let subject = '';
  if (details.key !== undefined) subject += details.key;
  if (details.value !== undefined) subject += (subject === '' ? '' : '=') + JSON.stringify(details.value);
  const parts = [where, subject].filter((part) => part !== '');
  return parts.length === 0 ? problem : `${parts.join(': ')}: ${problem}`;
}
