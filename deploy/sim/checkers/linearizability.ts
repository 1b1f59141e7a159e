// Linearizability checker: the Wing–Gong search with Lowe's memoisation (the algorithm Porcupine and
// Knossos use), partitioned by key (P-compositionality, Horn & Kroening). See reliability.md §1.11.
//
// Pure: no node:* imports, no clock, no randomness — the deterministic simulator and the multi-process
// tests both feed it a recorded history and get a verdict back.
//
// Times. `callTime`/`returnTime` come from ONE monotonic clock and may be `number` (simulator ticks,
// `performance.now()` milliseconds) or `bigint` (`process.hrtime.bigint()` nanoseconds); they are only
// ever compared with `<`, which JavaScript defines across the two types, so `returnTime: Infinity` works
// with either. Do not mix clocks. Two events at the same instant are treated as concurrent (an operation
// that returns at t and another invoked at t may be ordered either way) — the permissive choice, so a
// coarse clock never produces a false "not linearizable".
//
// Indeterminate outcomes. An operation whose outcome is unknown (timeout, CONNECTIONLOSS, socket
// closed) has `output: 'unknown'`. Whatever its recorded `returnTime`, it is treated as returning at +∞:
// it may have taken effect at any point after its call, or never. "Never" is expressed by linearizing it
// after everything else, where no other operation can observe it; so a model's `step` must accept an
// unknown output in every state (apply the operation if its preconditions hold, otherwise leave the
// state unchanged). Unknown-outcome operations that the model declares read-only (`Model.readOnly`)
// constrain nothing and are dropped before the search.

import { describeTime, describeValue } from './describe.ts';

/** A timestamp from the single monotonic clock of a history (see the header). */
export type Time = number | bigint;

/** The output recorded for an operation whose outcome is indeterminate. */
export const UNKNOWN = 'unknown';
export type Unknown = typeof UNKNOWN;

export type OperationId = number | string;

/** One client operation on one key. */
export interface Operation<Input, Output> {
  /** Unique within the history. */
  readonly id: OperationId;
  /** The client (process, session) that issued it; used in explanations only. */
  readonly clientId: string | number;
  /** The object operated on (a register name, a znode path); each key is checked independently. */
  readonly key: string;
  readonly input: Input;
  /** The observed result, or `'unknown'` (model outputs must never be the bare string 'unknown'). */
  readonly output: Output | Unknown;
  readonly callTime: Time;
  /** `Infinity` when the operation never returned. */
  readonly returnTime: Time;
}

/**
 * A sequential specification. `step` returns the next state if `input` may produce `output` in `state`,
 * or `null` if that output is impossible there (so a model's state itself must never be `null`).
 * `key(state)` is a canonical string: equal keys mean equal states (it drives the memo table).
 */
export interface Model<State, Input, Output> {
  readonly name: string;
  init(): State;
  step(state: State, input: Input, output: Output | Unknown): State | null;
  key(state: State): string;
  /**
   * True when this operation, with this output, never changes the state: `step` returns the state it
   * was given, or null (reads; failed compare-and-sets; error replies). Optional, but it makes the
   * search much faster: with an unknown output such operations constrain nothing and are dropped before
   * the search; with a known output one that is legal where it could go next is linearized there at
   * once, without ever trying alternatives (moving a state-preserving operation earlier, to a point
   * where it is legal and still concurrent with everything pending, cannot break a linearization).
   */
  readOnly?(input: Input, output: Output | Unknown): boolean;
  describeOperation?(input: Input, output: Output | Unknown): string;
  describeState?(state: State): string;
}

/** `true`, `false`, or `'unknown'` when the search hit its step cap. */
export type Verdict = boolean | 'unknown';

export interface CheckOptions {
  /** Cap on model steps per key; past it the key's verdict is 'unknown'. Default 1,000,000. */
  readonly maxStepsPerKey?: number;
  /** How many operations of the longest prefix an explanation prints (the last ones). Default 20. */
  readonly explainPrefixLimit?: number;
}

export interface PlacedOperation<State, Input, Output> {
  readonly operation: Operation<Input, Output>;
  readonly stateAfter: State;
}

export interface FailureExplanation<State, Input, Output> {
  /** The longest linearizable prefix the search found, in linearization order. */
  readonly longestPrefix: readonly PlacedOperation<State, Input, Output>[];
  readonly stateAfterPrefix: State;
  /**
   * The known-outcome operations that could come next after that prefix (invoked before the earliest
   * return among the remaining operations): each is either illegal in `stateAfterPrefix`, or legal
   * there but every continuation fails.
   */
  readonly unplaced: readonly UnplacedOperation<Input, Output>[];
  /** Unknown-outcome operations also pending after the prefix (they may go anywhere, or nowhere). */
  readonly pendingUnknown: number;
  /** The remaining operation with the earliest return: everything linearized next must precede it. */
  readonly bound: Operation<Input, Output> | undefined;
  /** How many operations are outside the prefix. */
  readonly remaining: number;
}

export interface UnplacedOperation<Input, Output> {
  readonly operation: Operation<Input, Output>;
  readonly reason: 'illegal' | 'dead-end';
}

export interface KeyResult<State, Input, Output> {
  readonly key: string;
  readonly ok: Verdict;
  /** Operations searched (after dropping unknown-outcome read-only ones). */
  readonly operations: number;
  /** Unknown-outcome read-only operations (see `Model.readOnly`) dropped before the search. */
  readonly dropped: number;
  /** Model steps the search took. */
  readonly steps: number;
  /** A witness order when `ok === true`. */
  readonly linearization?: readonly Operation<Input, Output>[];
  /** Present when `ok === false`. */
  readonly failure?: FailureExplanation<State, Input, Output>;
  /** Readable text when `ok !== true`. */
  readonly explanation?: string;
}

export interface LinearizabilityResult<State, Input, Output> {
  /** false if any key is not linearizable; else 'unknown' if any key hit the cap; else true. */
  readonly ok: Verdict;
  /** One entry per key, in order of first appearance in the history. */
  readonly perKey: ReadonlyMap<string, KeyResult<State, Input, Output>>;
  /** Readable text for every key whose verdict is not `true` ('' when all are). */
  readonly explanation: string;
  readonly steps: number;
}

const DEFAULT_MAX_STEPS = 1_000_000;
const DEFAULT_PREFIX_LIMIT = 20;

/** Checks a whole history, one key at a time. Throws RangeError on a malformed history. */
export function checkLinearizability<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: Iterable<Operation<Input, Output>>,
  options: CheckOptions = {},
): LinearizabilityResult<State, Input, Output> {
  const byKey = new Map<string, Operation<Input, Output>[]>();
  const ids = new Set<OperationId>();
  for (const operation of history) {
    validate(operation, ids);
    let bucket = byKey.get(operation.key);
    if (bucket === undefined) {
      bucket = [];
      byKey.set(operation.key, bucket);
    }
    bucket.push(operation);
  }

  const perKey = new Map<string, KeyResult<State, Input, Output>>();
  let sawUnknown = false;
  let sawFailure = false;
  let steps = 0;
  const texts: string[] = [];
  for (const [key, operations] of byKey) {
    const result = checkKey(model, key, operations, options);
    perKey.set(key, result);
    steps += result.steps;
    if (result.ok === false) sawFailure = true;
    if (result.ok === 'unknown') sawUnknown = true;
    if (result.explanation !== undefined) texts.push(result.explanation);
  }
  const ok: Verdict = sawFailure ? false : sawUnknown ? 'unknown' : true;
  return { ok, perKey, explanation: texts.join('\n\n'), steps };
}

/** Checks the operations of one key (all must carry that key). */
export function checkKey<State, Input, Output>(
  model: Model<State, Input, Output>,
  key: string,
  history: readonly Operation<Input, Output>[],
  options: CheckOptions = {},
): KeyResult<State, Input, Output> {
  const maxSteps = options.maxStepsPerKey ?? DEFAULT_MAX_STEPS;
  const operations = history.filter(
    (operation) => !(operation.output === UNKNOWN && model.readOnly?.(operation.input, UNKNOWN) === true),
  );
  const dropped = history.length - operations.length;
  const search = new Search(model, operations, maxSteps);
  const outcome = search.run();
  const base = { key, operations: operations.length, dropped, steps: search.steps };

  if (outcome === true) {
    return { ...base, ok: true, linearization: search.witness.map((index) => operations[index]) };
  }
  if (outcome === 'unknown') {
    const explanation =
      `key ${describeValue(key)}: UNKNOWN — search gave up after ${search.steps} steps ` +
      `(maxStepsPerKey ${maxSteps}); ${search.best.length} of ${operations.length} operations linearized ` +
      `at best. Fewer concurrent clients or unknown outcomes per key, or a fresh key more often, help.`;
    return { ...base, ok: 'unknown', explanation };
  }
  const failure = explainFailure(model, operations, search.best);
  const explanation = formatFailure(model, key, failure, operations.length, search.steps, options);
  return { ...base, ok: false, failure, explanation };
}

function validate<Input, Output>(operation: Operation<Input, Output>, ids: Set<OperationId>): void {
  const { id, callTime, returnTime } = operation;
  if (ids.has(id)) throw new RangeError(`operation id ${describeValue(id)} appears twice in the history`);
  ids.add(id);
  if (typeof callTime === 'number' && !Number.isFinite(callTime)) {
    throw new RangeError(`operation ${describeValue(id)}: callTime must be finite, got ${callTime}`);
  }
  if (typeof returnTime === 'number' && Number.isNaN(returnTime)) {
    throw new RangeError(`operation ${describeValue(id)}: returnTime is NaN`);
  }
  if (returnTime < callTime) {
    throw new RangeError(
      `operation ${describeValue(id)}: returns (${describeTime(returnTime)}) before it is called (${describeTime(callTime)})`,
    );
  }
}

function effectiveReturn<Input, Output>(operation: Operation<Input, Output>): Time {
  return operation.output === UNKNOWN ? Infinity : operation.returnTime;
}

/** Orders events by time; at equal times calls come first (so touching operations count as concurrent). */
function compareEvents(a: { time: Time; isCall: boolean; op: number }, b: typeof a): number {
  if (a.time < b.time) return -1;
  if (b.time < a.time) return 1;
  if (a.isCall !== b.isCall) return a.isCall ? -1 : 1;
  return a.op - b.op;
}

/** 32-bit finaliser (MurmurHash3 fmix32): a fixed, well-mixed hash per operation index. */
function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Candidate classes, tried in this order at every node of the search. */
const READ_ONLY = 0; // known output, never changes the state (Model.readOnly)
const UPDATE = 1; // known output, may change the state
const INDETERMINATE = 2; // unknown output
const EXHAUSTED = 3; // no candidates left to try at this node

/** A visited node of the search: which operations are linearized, split by outcome kind. */
interface MemoEntry {
  readonly known: Uint32Array;
  readonly unknown: Uint32Array;
  /** Fully explored without success (popped off the stack). */
  done: boolean;
}

/**
 * The depth-first search. Events (calls, and returns of operations that returned) sit in a doubly linked
 * list sorted by time; linearizing an operation unlinks its call and return ("lift"), backtracking links
 * them back in exact reverse order (dancing links). The candidates at any point are the call events
 * before the first return event. Each (linearized set, state) node is expanded at most once (the memo).
 *
 * Prunings, all sound and complete given the model contract (unknown outputs are legal in every state):
 * - a read-only candidate that is legal is linearized at once and its alternatives are never tried
 *   (see `Model.readOnly`); if it leads to a node already known to fail, so does the current node;
 * - an unknown-outcome candidate is never placed where it leaves the state as it is while operations
 *   with known outcomes remain: the operation could as well go at the very end;
 * - a node is skipped if a failed node had the same state, the same known-outcome operations and a
 *   subset of its unknown-outcome ones (the extra unknown operations could go at the very end, so the
 *   smaller node could have finished whatever the larger one can).
 * Known-outcome candidates are tried before unknown-outcome ones, which keeps unknown writes late, where
 * valid histories usually want them.
 */
class Search<State, Input, Output> {
  steps = 0;
  /** Operation indexes of the deepest prefix reached (the witness when the search succeeds). */
  best: number[] = [];
  witness: number[] = [];

  private readonly model: Model<State, Input, Output>;
  private readonly operations: readonly Operation<Input, Output>[];
  private readonly maxSteps: number;
  // Event list: entry 0 is the head sentinel, entry `tail` the tail sentinel.
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly entryOp: Int32Array;
  private readonly entryIsCall: Uint8Array;
  private readonly tail: number;
  private readonly callEntry: Int32Array;
  private readonly returnEntry: Int32Array;
  private readonly kind: Uint8Array;
  /** Position of the operation in the known-outcome or the unknown-outcome bitset. */
  private readonly bit: Int32Array;
  private readonly knownTotal: number;
  private readonly unknownTotal: number;
  private readonly hashLow: Uint32Array;
  private readonly hashHigh: Uint32Array;

  constructor(
    model: Model<State, Input, Output>,
    operations: readonly Operation<Input, Output>[],
    maxSteps: number,
  ) {
    this.model = model;
    this.operations = operations;
    this.maxSteps = maxSteps;
    const n = operations.length;
    const events: { time: Time; isCall: boolean; op: number }[] = [];
    this.kind = new Uint8Array(n);
    this.bit = new Int32Array(n);
    this.hashLow = new Uint32Array(n);
    this.hashHigh = new Uint32Array(n);
    let knownTotal = 0;
    let unknownTotal = 0;
    for (let op = 0; op < n; op++) {
      const operation = operations[op];
      if (operation.output === UNKNOWN) {
        this.kind[op] = INDETERMINATE;
        this.bit[op] = unknownTotal++;
      } else {
        this.kind[op] = model.readOnly?.(operation.input, operation.output) === true ? READ_ONLY : UPDATE;
        this.bit[op] = knownTotal++;
      }
      this.hashLow[op] = mix32(2 * op + 1);
      this.hashHigh[op] = mix32(2 * op + 2 + 0x9e3779b9);
      events.push({ time: operation.callTime, isCall: true, op });
      const returned = effectiveReturn(operation);
      if (returned !== Infinity) events.push({ time: returned, isCall: false, op });
    }
    this.knownTotal = knownTotal;
    this.unknownTotal = unknownTotal;
    events.sort(compareEvents);
    const size = events.length + 2;
    this.tail = size - 1;
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.entryOp = new Int32Array(size).fill(-1);
    this.entryIsCall = new Uint8Array(size);
    this.callEntry = new Int32Array(n);
    this.returnEntry = new Int32Array(n).fill(-1);
    for (let entry = 0; entry < size; entry++) {
      this.next[entry] = entry + 1;
      this.prev[entry] = entry - 1;
    }
    events.forEach((event, index) => {
      const entry = index + 1;
      this.entryOp[entry] = event.op;
      this.entryIsCall[entry] = event.isCall ? 1 : 0;
      if (event.isCall) this.callEntry[event.op] = entry;
      else this.returnEntry[event.op] = entry;
    });
  }

  run(): boolean | 'unknown' {
    const { model, operations, next, entryOp, entryIsCall, tail, kind, bit } = this;
    const n = operations.length;
    const known = new Uint32Array(Math.max(1, Math.ceil(this.knownTotal / 32)));
    const unknown = new Uint32Array(Math.max(1, Math.ceil(this.unknownTotal / 32)));
    // Hash of the known-outcome set only: nodes that differ in unknown-outcome operations share a bucket.
    let low = 0;
    let high = 0;
    let knownLeft = this.knownTotal;
    const memo = new Map<string, MemoEntry[]>();

    // One frame per linearized operation: the operation, the node it was chosen at, the node it led to.
    const stackOp: number[] = [];
    const stackState: State[] = [];
    const stackStateKey: string[] = [];
    const stackPass: number[] = [];
    const stackEntry: MemoEntry[] = [];

    const toggle = (op: number): void => {
      const index = bit[op];
      if (kind[op] === INDETERMINATE) {
        unknown[index >>> 5] ^= 1 << (index & 31);
      } else {
        known[index >>> 5] ^= 1 << (index & 31);
        low ^= this.hashLow[op];
        high ^= this.hashHigh[op];
      }
    };

    let state = model.init();
    let stateKey = model.key(state);
    let pass = READ_ONLY;
    let entry = next[0];

    for (;;) {
      if (stackOp.length === n) {
        this.witness = stackOp.slice();
        this.best = this.witness;
        return true;
      }
      // The next candidate of the current class, moving to the next class at the first return event.
      let candidate = -1;
      while (candidate === -1 && pass !== EXHAUSTED) {
        if (entry === tail || entryIsCall[entry] === 0) {
          pass++;
          entry = next[0];
        } else if (kind[entryOp[entry]] === pass) {
          candidate = entry;
        } else {
          entry = next[entry];
        }
      }

      if (candidate === -1) {
        // Dead end: undo the last choice and try the candidate after it (none after a read-only one).
        const op = stackOp.pop();
        if (op === undefined) return false;
        (stackEntry.pop() as MemoEntry).done = true;
        state = stackState.pop() as State;
        stateKey = stackStateKey.pop() as string;
        pass = stackPass.pop() as number;
        toggle(op);
        if (kind[op] !== INDETERMINATE) knownLeft++;
        this.unlift(op);
        entry = next[this.callEntry[op]];
        if (pass === READ_ONLY) pass = EXHAUSTED;
        continue;
      }

      const op = entryOp[candidate];
      const operation = operations[op];
      if (this.steps === this.maxSteps) return 'unknown';
      this.steps++;
      const nextState = model.step(state, operation.input, operation.output);
      if (nextState === null) {
        if (pass === INDETERMINATE) {
          throw new Error(
            `linearizability: model ${model.name} rejected an unknown outcome (op ${describeValue(operation.id)}); ` +
              'unknown outcomes must be legal in every state',
          );
        }
        entry = next[candidate];
        continue;
      }
      const nextKey = model.key(nextState);
      if (pass === INDETERMINATE && knownLeft > 0 && nextKey === stateKey) {
        entry = next[candidate];
        continue;
      }
      toggle(op);
      const memoKey = `${low}:${high}:${nextKey}`;
      let bucket = memo.get(memoKey);
      if (bucket !== undefined && bucket.some((seen) => covers(seen, known, unknown))) {
        toggle(op);
        // A legal read-only candidate dominates its siblings: if it leads nowhere, neither does this node.
        if (pass === READ_ONLY) pass = EXHAUSTED;
        else entry = next[candidate];
        continue;
      }
      if (bucket === undefined) {
        bucket = [];
        memo.set(memoKey, bucket);
      }
      const visited: MemoEntry = { known: known.slice(), unknown: unknown.slice(), done: false };
      bucket.push(visited);
      stackOp.push(op);
      stackState.push(state);
      stackStateKey.push(stateKey);
      stackPass.push(pass);
      stackEntry.push(visited);
      if (stackOp.length > this.best.length) this.best = stackOp.slice();
      if (kind[op] !== INDETERMINATE) knownLeft--;
      state = nextState;
      stateKey = nextKey;
      this.lift(op);
      pass = READ_ONLY;
      entry = next[0];
    }
  }

  private unlink(entry: number): void {
    this.next[this.prev[entry]] = this.next[entry];
    this.prev[this.next[entry]] = this.prev[entry];
  }

  private relink(entry: number): void {
    this.next[this.prev[entry]] = entry;
    this.prev[this.next[entry]] = entry;
  }

  private lift(op: number): void {
    this.unlink(this.callEntry[op]);
    const returned = this.returnEntry[op];
    if (returned !== -1) this.unlink(returned);
  }

  private unlift(op: number): void {
    const returned = this.returnEntry[op];
    if (returned !== -1) this.relink(returned);
    this.relink(this.callEntry[op]);
  }
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isSubset(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i] & ~b[i]) !== 0) return false;
  return true;
}

/** The node (known, unknown) was visited already, or is dominated by a failed node (see Search). */
function covers(seen: MemoEntry, known: Uint32Array, unknown: Uint32Array): boolean {
  if (!sameBits(seen.known, known)) return false;
  return seen.done ? isSubset(seen.unknown, unknown) : sameBits(seen.unknown, unknown);
}

function explainFailure<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  best: readonly number[],
): FailureExplanation<State, Input, Output> {
  let state = model.init();
  const longestPrefix: PlacedOperation<State, Input, Output>[] = [];
  const placed = new Set<number>();
  for (const index of best) {
    const operation = operations[index];
    const next = model.step(state, operation.input, operation.output);
    if (next === null)
      throw new Error('linearizability: the recorded prefix does not replay (model is not deterministic?)');
    state = next;
    placed.add(index);
    longestPrefix.push({ operation, stateAfter: state });
  }
  const remaining = operations.filter((_operation, index) => !placed.has(index));
  let bound: Operation<Input, Output> | undefined;
  for (const operation of remaining) {
    const returned = effectiveReturn(operation);
    if (returned === Infinity) continue;
    if (bound === undefined || returned < effectiveReturn(bound)) bound = operation;
  }
  const boundTime = bound === undefined ? Infinity : effectiveReturn(bound);
  const unplaced: UnplacedOperation<Input, Output>[] = [];
  let pendingUnknown = 0;
  for (const operation of remaining) {
    if (operation.output === UNKNOWN) pendingUnknown++;
    else if (!(boundTime < operation.callTime)) {
      const legal = model.step(state, operation.input, operation.output) !== null;
      unplaced.push({ operation, reason: legal ? 'dead-end' : 'illegal' });
    }
  }
  return {
    longestPrefix,
    stateAfterPrefix: state,
    unplaced,
    pendingUnknown,
    bound,
    remaining: remaining.length,
  };
}

function describeOperation<State, Input, Output>(
  model: Model<State, Input, Output>,
  operation: Operation<Input, Output>,
): string {
  const body =
    model.describeOperation?.(operation.input, operation.output) ??
    `${describeValue(operation.input)} → ${operation.output === UNKNOWN ? 'unknown' : describeValue(operation.output)}`;
  return (
    `op ${describeValue(operation.id)} client ${describeValue(operation.clientId)}: ${body} ` +
    `[${describeTime(operation.callTime)}, ${describeTime(effectiveReturn(operation))}]`
  );
}

function describeState<State, Input, Output>(model: Model<State, Input, Output>, state: State): string {
  return model.describeState?.(state) ?? describeValue(state);
}

function formatFailure<State, Input, Output>(
  model: Model<State, Input, Output>,
  key: string,
  failure: FailureExplanation<State, Input, Output>,
  total: number,
  steps: number,
  options: CheckOptions,
): string {
  const limit = options.explainPrefixLimit ?? DEFAULT_PREFIX_LIMIT;
  const { longestPrefix, stateAfterPrefix, unplaced, bound, pendingUnknown } = failure;
  const lines = [
    `key ${describeValue(key)}: NOT LINEARIZABLE (${model.name} model) — at best ${longestPrefix.length} of ` +
      `${total} operations linearize (${steps} search steps).`,
  ];
  if (longestPrefix.length === 0) {
    lines.push(`No operation can go first from the initial state ${describeState(model, stateAfterPrefix)}.`);
  } else {
    lines.push('Longest linearizable prefix, in linearization order:');
    const shown = longestPrefix.slice(-limit);
    const skipped = longestPrefix.length - shown.length;
    if (skipped > 0) lines.push(`  … ${skipped} earlier operations`);
    shown.forEach((placedOperation, index) => {
      lines.push(
        `  ${skipped + index + 1}. ${describeOperation(model, placedOperation.operation)}` +
          `  ⇒ state ${describeState(model, placedOperation.stateAfter)}`,
      );
    });
    lines.push(`State after the prefix: ${describeState(model, stateAfterPrefix)}`);
  }
  lines.push(
    bound === undefined
      ? 'None of the remaining operations can be placed next:'
      : `None of the operations that may come next (invoked before op ${describeValue(bound.id)} returned at ` +
          `${describeTime(effectiveReturn(bound))}) can be placed:`,
  );
  for (const { operation, reason } of unplaced) {
    const why = reason === 'illegal' ? 'illegal in that state' : 'legal there, but no continuation works';
    lines.push(`  ✗ ${describeOperation(model, operation)} — ${why}`);
  }
  if (pendingUnknown > 0) {
    lines.push(
      `  (${pendingUnknown} operations with unknown outcomes are pending too; they fit anywhere or nowhere)`,
    );
  }
  return lines.join('\n');
}

/**
 * Builds a history from invocations and completions (pure: the caller passes the times, from one clock).
 * `invoke` returns the operation id; `complete` records a definite output; `fail` records an
 * indeterminate outcome (output 'unknown', returnTime Infinity). Operations never completed are reported
 * as unknown by `history()`.
 */
export class HistoryRecorder<Input, Output> {
  private readonly pending = new Map<number, Omit<Operation<Input, Output>, 'output' | 'returnTime'>>();
  private readonly done: Operation<Input, Output>[] = [];
  private nextId = 0;

  invoke(clientId: string | number, key: string, input: Input, callTime: Time): number {
    const id = this.nextId++;
    this.pending.set(id, { id, clientId, key, input, callTime });
    return id;
  }

  complete(id: number, output: Output, returnTime: Time): void {
    this.finish(id, output, returnTime);
  }

  /** The outcome is indeterminate (timeout, connection loss): it may or may not have taken effect. */
  fail(id: number): void {
    this.finish(id, UNKNOWN, Infinity);
  }

  /** Completed operations plus still-pending ones as unknown, in invocation order. */
  history(): Operation<Input, Output>[] {
    const all: Operation<Input, Output>[] = [...this.done];
    for (const started of this.pending.values())
      all.push({ ...started, output: UNKNOWN, returnTime: Infinity });
    return all.sort((a, b) => (a.id as number) - (b.id as number));
  }

  private finish(id: number, output: Output | Unknown, returnTime: Time): void {
    const started = this.pending.get(id);
    if (started === undefined) throw new RangeError(`HistoryRecorder: operation ${id} is not pending`);
    this.pending.delete(id);
    this.done.push({ ...started, output, returnTime });
  }
}
