// Invariant checks (ARCHITECTURE.md §5, code-models.md §11 "Errors", kind 1).
//
// An invariant violation is a bug in our code, never a user or network problem. It throws
// InvariantError, which is deliberately NOT a KzError: shells catch KzErrors to report or retry them,
// and must never catch these. In simulation the failing seed is printed; in a real process it crashes.
//
// Pure kernel: no node:* imports.

export class InvariantError extends Error {
  readonly code = 'KZ_ERR_INVARIANT';

  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

/** Throws InvariantError unless `condition` is truthy. Narrows `condition` for the type checker. */
export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new InvariantError(message);
}

/** Throws InvariantError unless `actual === expected` (Object.is semantics, so NaN equals NaN). */
export function assertEqual<T>(actual: T, expected: T, message = 'values differ'): void {
  if (!Object.is(actual, expected)) {
    throw new InvariantError(`${message}: expected ${describe(expected)}, got ${describe(actual)}`);
  }
}

/** Marks a branch that the type checker proves impossible (exhaustive switch over a union). */
export function unreachable(value: never, message = 'unreachable code reached'): never {
  throw new InvariantError(`${message}: ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text;
  } catch {
    return String(value);
  }
}
