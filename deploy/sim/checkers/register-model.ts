// A read/write/compare-and-set register, the textbook linearizability model (reliability.md §1.11).
//
// Pure: no node:* imports, no clock, no randomness.

import { describeValue } from './describe.ts';
import { UNKNOWN, type Model, type Unknown } from './linearizability.ts';

/** Register values; never null (a model step returns null for "illegal"). */
export type RegisterValue = string | number | bigint | boolean;

export type RegisterInput =
  | { readonly type: 'read' }
  | { readonly type: 'write'; readonly value: RegisterValue }
  | { readonly type: 'cas'; readonly expected: RegisterValue; readonly value: RegisterValue };

/**
 * `read` → `{ ok: true, value }`; `write` → `{ ok: true }`; `cas` → `{ ok: true }` if it swapped,
 * `{ ok: false }` if the register did not hold `expected`.
 */
export type RegisterOutput = { readonly ok: true; readonly value?: RegisterValue } | { readonly ok: false };

/** The register model; the register starts at `initial`. Values are compared with `===`. */
export function registerModel(
  initial: RegisterValue = 0,
): Model<RegisterValue, RegisterInput, RegisterOutput> {
  return {
    name: 'register',
    init: () => initial,
    step(state, input, output) {
      switch (input.type) {
        case 'read':
          if (output === UNKNOWN) return state;
          return output.ok && output.value === state ? state : null;
        case 'write':
          if (output === UNKNOWN) return input.value;
          return output.ok ? input.value : null;
        case 'cas': {
          const matches = state === input.expected;
          if (output === UNKNOWN) return matches ? input.value : state;
          if (output.ok) return matches ? input.value : null;
          return matches ? null : state;
        }
      }
    },
    key: (state) => `${typeof state}:${String(state)}`,
    readOnly: (input, output) =>
      input.type === 'read' || (input.type === 'cas' && output !== UNKNOWN && !output.ok),
    describeOperation: (input, output) => describeRegisterOperation(input, output),
    describeState: (state) => describeValue(state),
  };
}

function describeRegisterOperation(input: RegisterInput, output: RegisterOutput | Unknown): string {
  const result = output === UNKNOWN ? 'unknown' : output.ok ? 'ok' : 'fail';
  switch (input.type) {
    case 'read':
      return output !== UNKNOWN && output.ok ? `read → ${describeValue(output.value)}` : `read → ${result}`;
    case 'write':
      return `write(${describeValue(input.value)}) → ${result}`;
    case 'cas':
      return `cas(${describeValue(input.expected)} → ${describeValue(input.value)}) → ${result}`;
  }
}
