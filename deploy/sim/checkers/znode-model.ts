// One ZooKeeper znode with versioned writes (reliability.md §1.11, model (b)), and a model of the
// sequence numbers ZooKeeper appends to sequential znode names (model (c)).
//
// Pure: no node:* imports, no clock, no randomness.
//
// The znode state is `{ exists: false }` or `{ exists: true, data, version }` rather than
// `null | {data, version}`: a model's `step` returns null to mean "illegal", so a state must never be
// null. `data` is a string (record bytes as hex or UTF-8, consistently); `version` is `Stat.version`.

import { describeValue } from './describe.ts';
import { UNKNOWN, type Model, type Unknown } from './linearizability.ts';

export type ZnodeState =
  { readonly exists: false } | { readonly exists: true; readonly data: string; readonly version: number };

export const ZNODE_ABSENT: ZnodeState = Object.freeze({ exists: false });

/** `version: -1` matches any version (ZooKeeper's convention for setData and delete). */
export type ZnodeInput =
  | { readonly type: 'create'; readonly data: string }
  | { readonly type: 'setData'; readonly data: string; readonly version: number }
  | { readonly type: 'delete'; readonly version: number }
  | { readonly type: 'getData' }
  | { readonly type: 'exists' };

/**
 * Outcomes, with ZooKeeper's error names.
 * - create: OK | NODEEXISTS
 * - setData: OK with `version` = the returned `Stat.version` (must be the old version + 1) | BADVERSION | NONODE
 * - delete: OK | BADVERSION | NONODE
 * - getData: OK with `data` and `version` | NONODE
 * - exists: OK with `version` | NONODE (the real call returns a null Stat)
 * On OK, a `version` or `data` field that is present is checked; one left out is not.
 */
export type ZnodeOutput =
  | { readonly code: 'OK'; readonly version?: number; readonly data?: string }
  | { readonly code: 'NODEEXISTS' | 'NONODE' | 'BADVERSION' };

export type ZnodeErrorCode = 'NODEEXISTS' | 'NONODE' | 'BADVERSION';

function versionMatches(expected: number, actual: number): boolean {
  return expected === -1 || expected === actual;
}

/** The znode model: the node starts absent. Unknown outcomes apply iff their preconditions hold. */
export function znodeModel(): Model<ZnodeState, ZnodeInput, ZnodeOutput> {
  return {
    name: 'znode',
    init: () => ZNODE_ABSENT,
    step(state, input, output) {
      if (output === UNKNOWN) return applyIfPossible(state, input);
      switch (input.type) {
        case 'create':
          if (output.code === 'NODEEXISTS') return state.exists ? state : null;
          if (output.code !== 'OK' || state.exists) return null;
          return okFieldsMatch(output, input.data, 0) ? { exists: true, data: input.data, version: 0 } : null;
        case 'setData':
        case 'delete': {
          if (output.code === 'NONODE') return state.exists ? null : state;
          if (!state.exists) return null;
          const applies = versionMatches(input.version, state.version);
          if (output.code === 'BADVERSION') return applies ? null : state;
          if (output.code !== 'OK' || !applies) return null;
          if (input.type === 'delete') return ZNODE_ABSENT;
          // The returned Stat.version must be exactly one more than the version it replaced.
          if (!okFieldsMatch(output, input.data, state.version + 1)) return null;
          return { exists: true, data: input.data, version: state.version + 1 };
        }
        case 'getData':
        case 'exists':
          if (output.code === 'NONODE') return state.exists ? null : state;
          if (output.code !== 'OK' || !state.exists) return null;
          return okFieldsMatch(output, state.data, state.version) ? state : null;
      }
    },
    key: (state) => (state.exists ? `${state.version}:${state.data}` : '-'),
    readOnly: (input, output) =>
      input.type === 'getData' || input.type === 'exists' || (output !== UNKNOWN && output.code !== 'OK'),
    describeOperation: describeZnodeOperation,
    describeState: (state) =>
      state.exists ? `{data ${describeValue(state.data)}, version ${state.version}}` : 'absent',
  };
}

/** An operation whose outcome is unknown took effect iff its preconditions held (else: no change). */
function applyIfPossible(state: ZnodeState, input: ZnodeInput): ZnodeState {
  switch (input.type) {
    case 'create':
      return state.exists ? state : { exists: true, data: input.data, version: 0 };
    case 'setData':
      return state.exists && versionMatches(input.version, state.version)
        ? { exists: true, data: input.data, version: state.version + 1 }
        : state;
    case 'delete':
      return state.exists && versionMatches(input.version, state.version) ? ZNODE_ABSENT : state;
    case 'getData':
    case 'exists':
      return state;
  }
}

/** The optional fields of an OK output agree with the node's data and version. */
function okFieldsMatch(
  output: { readonly version?: number; readonly data?: string },
  data: string,
  version: number,
): boolean {
  if (output.version !== undefined && output.version !== version) return false;
  if (output.data !== undefined && output.data !== data) return false;
  return true;
}

function describeZnodeOperation(input: ZnodeInput, output: ZnodeOutput | Unknown): string {
  let call: string;
  switch (input.type) {
    case 'create':
      call = `create(${describeValue(input.data)})`;
      break;
    case 'setData':
      call = `setData(${describeValue(input.data)}, version ${input.version})`;
      break;
    case 'delete':
      call = `delete(version ${input.version})`;
      break;
    case 'getData':
      call = 'getData()';
      break;
    case 'exists':
      call = 'exists()';
      break;
  }
  if (output === UNKNOWN) return `${call} → unknown`;
  if (output.code !== 'OK') return `${call} → ${output.code}`;
  const fields: string[] = [];
  if (output.data !== undefined) fields.push(`data ${describeValue(output.data)}`);
  if (output.version !== undefined) fields.push(`version ${output.version}`);
  return fields.length === 0 ? `${call} → OK` : `${call} → OK {${fields.join(', ')}}`;
}

// ---------------------------------------------------------------------------------------------------
// Sequential znodes. ZooKeeper names a sequential child `<prefix><counter>`, the counter being the
// parent's child-change count (cversion) formatted as 10 zero-padded digits. Creates and deletes both
// bump it, so numbers have gaps, are never reused, and grow in linearization order. The model checks
// exactly that, per parent (use the parent path as the operation key): the state is the highest number
// handed out so far, and a successful create must return a larger one. An unknown-outcome create and
// any error leave the state as it is (a consumed number only leaves a gap, which is always allowed).

export type SequentialInput = { readonly type: 'create'; readonly prefix?: string };

/** OK with the created path (or just its name) | an error code (no effect). */
export type SequentialOutput =
  { readonly code: 'OK'; readonly path: string } | { readonly code: ZnodeErrorCode };

/** The counter ZooKeeper appended to a sequential znode's name (its last 10 digits); throws if none. */
export function parseSequenceNumber(path: string): number {
  const match = /(\d{10})$/.exec(path);
  if (match === null) throw new RangeError(`not a sequential znode name: ${describeValue(path)}`);
  return Number(match[1]);
}

/** Sequence numbers per parent: unique and increasing in linearization order. State = highest seen. */
export function sequentialZnodeModel(): Model<number, SequentialInput, SequentialOutput> {
  return {
    name: 'sequential-znode',
    init: () => -1,
    step(state, _input, output) {
      if (output === UNKNOWN || output.code !== 'OK') return state;
      const sequence = parseSequenceNumber(output.path);
      return sequence > state ? sequence : null;
    },
    key: (state) => String(state),
    // Only a successful create moves the state; an unknown one at most leaves a gap, which constrains nothing.
    readOnly: (_input, output) => output === UNKNOWN || output.code !== 'OK',
    describeOperation: (input, output) =>
      `create(${describeValue(input.prefix ?? '')}, SEQUENTIAL) → ` +
      (output === UNKNOWN
        ? 'unknown'
        : output.code === 'OK'
          ? `OK ${describeValue(output.path)}`
          : output.code),
    describeState: (state) => (state < 0 ? 'no sequential child yet' : `highest sequence ${state}`),
  };
}
