// Random histories: a sequential execution whose operations are stretched into random, overlapping
// intervals around their linearization points is linearizable by construction and must pass; the same
// history with one stale read or one lost acknowledged write must fail.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  UNKNOWN,
  checkLinearizability,
  type LinearizabilityResult,
  type Model,
  type Operation,
} from './linearizability.ts';
import {
  registerModel,
  type RegisterInput,
  type RegisterOutput,
  type RegisterValue,
} from './register-model.ts';
import {
  ZNODE_ABSENT,
  znodeModel,
  type ZnodeInput,
  type ZnodeOutput,
  type ZnodeState,
} from './znode-model.ts';

const SPACING = 10;

/** A witness must replay through the model and respect real-time order. */
function assertWitness<S, I, O>(model: Model<S, I, O>, result: LinearizabilityResult<S, I, O>): void {
  for (const keyResult of result.perKey.values()) {
    const order = keyResult.linearization ?? [];
    expect(order).toHaveLength(keyResult.operations);
    let state = model.init();
    order.forEach((operation, index) => {
      const next = model.step(state, operation.input, operation.output);
      expect(next).not.toBeNull();
      state = next as S;
      for (const later of order.slice(index + 1)) {
        const returned = operation.output === UNKNOWN ? Infinity : operation.returnTime;
        expect(
          later.returnTime < operation.callTime && later.output !== UNKNOWN && returned !== Infinity,
        ).toBe(false);
      }
    });
  }
}

interface Shape {
  readonly kind: number; // chooses the operation
  readonly pick: number; // chooses an argument
  readonly before: number; // call = point - before
  readonly after: number; // return = point + after
  readonly client: number;
  readonly key: number;
  readonly unknown: boolean;
  readonly applied: boolean; // for unknown outcomes: did it take effect?
}

const shapeArbitrary = (maxWidth: number, keys: number, unknownWeight: number) =>
  fc.record({
    kind: fc.nat(99),
    pick: fc.nat(1_000),
    before: fc.nat(maxWidth),
    after: fc.nat(maxWidth),
    client: fc.nat(4),
    key: fc.nat(keys - 1),
    unknown: fc.nat(99).map((roll) => roll < unknownWeight),
    applied: fc.boolean(),
  });

// ------------------------------------------------------------------------------------------------
// Register histories. Every written value is unique (the op's index + 1; 0 is the initial value), so a
// value names the operation that wrote it.

type RegisterOperation = Operation<RegisterInput, RegisterOutput>;

interface RegisterRun {
  readonly history: RegisterOperation[];
  /** Which operation wrote each value (undefined: the initial value). */
  readonly writerOf: Map<RegisterValue, number | undefined>;
  /** Operation index → the value it stored (known successful writes and cas only). */
  readonly stored: Map<number, RegisterValue>;
}

function runRegister(shapes: readonly Shape[], lose = -1): RegisterRun {
  const states = new Map<number, RegisterValue>();
  const history: RegisterOperation[] = [];
  const writerOf = new Map<RegisterValue, number | undefined>([[0, undefined]]);
  const stored = new Map<number, RegisterValue>();
  shapes.forEach((shape, index) => {
    const state = states.get(shape.key) ?? 0;
    const point = (index + 1) * SPACING;
    const fresh = index + 1;
    let input: RegisterInput;
    let output: RegisterOutput;
    let next = state;
    if (shape.kind < 40) {
      input = { type: 'read' };
      output = { ok: true, value: state };
    } else if (shape.kind < 75) {
      input = { type: 'write', value: fresh };
      output = { ok: true };
      next = fresh;
    } else {
      const expected = shape.pick % 2 === 0 ? state : shape.pick % (index + 1);
      input = { type: 'cas', expected, value: fresh };
      output = state === expected ? { ok: true } : { ok: false };
      if (state === expected) next = fresh;
    }
    const unknown = shape.unknown;
    if (index === lose) next = state; // acknowledged, but its effect vanished
    if (!unknown || shape.applied) states.set(shape.key, next);
    if (next !== state && (!unknown || shape.applied)) writerOf.set(next, unknown ? Infinity : index);
    if (next !== state && !unknown) stored.set(index, next);
    history.push({
      id: index,
      clientId: `c${shape.client}`,
      key: `k${shape.key}`,
      input,
      output: unknown ? UNKNOWN : output,
      callTime: point - shape.before,
      returnTime: unknown ? Infinity : point + shape.after,
    });
  });
  return { history, writerOf, stored };
}

const returnOf = (operation: RegisterOperation | undefined): number =>
  operation === undefined ? -Infinity : (operation.returnTime as number);

/**
 * A read R and a value v such that v's writer returned before some known state change W' was invoked,
 * and W' returned before R was invoked, all on one key: reading v at R is then impossible. Per read,
 * W' is the qualifying change invoked last, and at most the oldest and the newest such v are listed.
 */
function staleReadSites(run: RegisterRun): { read: number; value: RegisterValue }[] {
  const { history, stored, writerOf } = run;
  const sites: { read: number; value: RegisterValue }[] = [];
  for (const read of history) {
    if (read.input.type !== 'read' || read.output === UNKNOWN) continue;
    let between: RegisterOperation | undefined;
    for (const changer of stored.keys()) {
      const candidate = history[changer];
      if (candidate.key !== read.key || !(candidate.returnTime < read.callTime)) continue;
      if (between === undefined || between.callTime < candidate.callTime) between = candidate;
    }
    if (between === undefined) continue;
    const values: RegisterValue[] = [];
    for (const [value, writer] of writerOf) {
      if (value === stored.get(between.id as number) || writer === Infinity) continue;
      const written = writer === undefined ? undefined : history[writer];
      if (written !== undefined && written.key !== read.key) continue;
      if (returnOf(written) < (between.callTime as number)) values.push(value);
    }
    for (const value of new Set([values[0], values.at(-1)])) {
      if (value !== undefined) sites.push({ read: read.id as number, value });
    }
  }
  return sites;
}

describe('linearizability: random register histories', () => {
  it('accepts every history built from a sequential execution (with unknown outcomes)', () => {
    fc.assert(
      fc.property(fc.array(shapeArbitrary(25, 3, 10), { maxLength: 60 }), (shapes) => {
        const { history } = runRegister(shapes);
        const result = checkLinearizability(registerModel(0), history);
        if (result.ok !== true) throw new Error(result.explanation);
        assertWitness(registerModel(0), result);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects the same histories with one stale read', () => {
    fc.assert(
      fc.property(
        fc.array(shapeArbitrary(25, 2, 5), { minLength: 10, maxLength: 60 }),
        fc.nat(),
        (shapes, choice) => {
          const run = runRegister(shapes);
          const sites = staleReadSites(run);
          fc.pre(sites.length > 0);
          const site = sites[choice % sites.length];
          const history = run.history.map((operation) =>
            operation.id === site.read
              ? { ...operation, output: { ok: true as const, value: site.value } }
              : operation,
          );
          const result = checkLinearizability(registerModel(0), history);
          expect(result.ok).toBe(false);
          expect(result.perKey.get(history[site.read].key)?.ok).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects the same histories with one acknowledged write lost', () => {
    fc.assert(
      fc.property(
        fc.array(shapeArbitrary(25, 1, 0), { minLength: 10, maxLength: 60 }),
        fc.nat(),
        (shapes, choice) => {
          const original = runRegister(shapes);
          // A known plain write W whose previous value u was written by an op that returned before W was called.
          const candidates = original.history.filter((operation) => operation.input.type === 'write');
          fc.pre(candidates.length > 0);
          const lost = candidates[choice % candidates.length];
          const corrupted = runRegister(shapes, lost.id as number);
          // After the loss, some read invoked after W returned must still see a value older than W.
          const revealing = corrupted.history.some((operation) => {
            if (operation.input.type !== 'read' || operation.output === UNKNOWN) return false;
            if (!(operation.callTime > lost.returnTime)) return false;
            if (!operation.output.ok) return false;
            const writer = corrupted.writerOf.get(operation.output.value as RegisterValue);
            if (writer === Infinity) return false;
            return (
              returnOf(writer === undefined ? undefined : corrupted.history[writer]) <
              (lost.callTime as number)
            );
          });
          fc.pre(revealing);
          const result = checkLinearizability(registerModel(0), corrupted.history);
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

// ------------------------------------------------------------------------------------------------
// Znode histories: data is unique per operation, so (data) names the write that produced a state.

type ZnodeOperation = Operation<ZnodeInput, ZnodeOutput>;

function runZnode(shapes: readonly Shape[]): {
  history: ZnodeOperation[];
  produced: Map<number, ZnodeState>;
} {
  const states = new Map<number, ZnodeState>();
  const history: ZnodeOperation[] = [];
  const produced = new Map<number, ZnodeState>();
  shapes.forEach((shape, index) => {
    const state = states.get(shape.key) ?? ZNODE_ABSENT;
    const data = `d${index}`;
    let input: ZnodeInput;
    let output: ZnodeOutput;
    let next = state;
    if (shape.kind < 30) {
      input = { type: 'getData' };
      output = state.exists ? { code: 'OK', data: state.data, version: state.version } : { code: 'NONODE' };
    } else if (shape.kind < 45) {
      input = { type: 'create', data };
      output = state.exists ? { code: 'NODEEXISTS' } : { code: 'OK' };
      if (!state.exists) next = { exists: true, data, version: 0 };
    } else if (shape.kind < 90) {
      const version =
        shape.pick % 3 === 0 ? -1 : state.exists && shape.pick % 3 === 1 ? state.version : shape.pick % 4;
      input = { type: 'setData', data, version };
      if (!state.exists) output = { code: 'NONODE' };
      else if (version !== -1 && version !== state.version) output = { code: 'BADVERSION' };
      else {
        next = { exists: true, data, version: state.version + 1 };
        output = { code: 'OK', version: next.version };
      }
    } else {
      const version = shape.pick % 2 === 0 ? -1 : shape.pick % 4;
      input = { type: 'delete', version };
      if (!state.exists) output = { code: 'NONODE' };
      else if (version !== -1 && version !== state.version) output = { code: 'BADVERSION' };
      else {
        next = ZNODE_ABSENT;
        output = { code: 'OK' };
      }
    }
    if (!shape.unknown || shape.applied) states.set(shape.key, next);
    if (!shape.unknown && next !== state) produced.set(index, next);
    const point = (index + 1) * SPACING;
    history.push({
      id: index,
      clientId: `s${shape.client}`,
      key: `/kzlab/lin-${shape.key}`,
      input,
      output: shape.unknown ? UNKNOWN : output,
      callTime: point - shape.before,
      returnTime: shape.unknown ? Infinity : point + shape.after,
    });
  });
  return { history, produced };
}

describe('linearizability: random znode histories', () => {
  it('accepts every history built from a sequential execution (with unknown outcomes)', () => {
    fc.assert(
      fc.property(fc.array(shapeArbitrary(25, 3, 10), { maxLength: 60 }), (shapes) => {
        const { history } = runZnode(shapes);
        const result = checkLinearizability(znodeModel(), history);
        if (result.ok !== true) throw new Error(result.explanation);
        assertWitness(znodeModel(), result);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects the same histories with one stale getData', () => {
    fc.assert(
      fc.property(
        fc.array(shapeArbitrary(25, 1, 5), { minLength: 10, maxLength: 60 }),
        fc.nat(),
        (shapes, choice) => {
          const { history, produced } = runZnode(shapes);
          // getData G, a known change W' that returned before G was called, and an older state S (with
          // unique data) whose writer returned before W' was called: G cannot see S.
          const sites: { read: number; state: ZnodeState }[] = [];
          for (const read of history) {
            if (read.input.type !== 'getData' || read.output === UNKNOWN) continue;
            for (const [changer] of produced) {
              const between = history[changer];
              if (!(between.returnTime < read.callTime)) continue;
              for (const [writer, state] of produced) {
                if (state.exists && history[writer].returnTime < between.callTime && writer !== changer) {
                  sites.push({ read: read.id as number, state });
                }
              }
            }
          }
          fc.pre(sites.length > 0);
          const site = sites[choice % sites.length];
          if (!site.state.exists) throw new Error('unreachable');
          const stale: ZnodeOutput = { code: 'OK', data: site.state.data, version: site.state.version };
          const corrupted = history.map((operation) =>
            operation.id === site.read ? { ...operation, output: stale } : operation,
          );
          expect(checkLinearizability(znodeModel(), corrupted).ok).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

// ------------------------------------------------------------------------------------------------
// Size: a deterministic generator (xorshift32) so the timing test does the same work every run.

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

function randomShapes(count: number, seed: number, keys: number, unknownPercent: number): Shape[] {
  const random = xorshift(seed);
  const int = (bound: number) => Math.floor(random() * bound);
  return Array.from({ length: count }, () => ({
    kind: int(100),
    pick: int(1_000),
    before: int(30),
    after: int(30),
    client: int(5),
    key: int(keys),
    unknown: int(100) < unknownPercent,
    applied: random() < 0.5,
  }));
}

describe('linearizability: 1,000-operation histories', () => {
  it('checks a 1,000-op single-register history (≈6 ops in flight, 1% unknown) in under 2 s', () => {
    const { history } = runRegister(randomShapes(1_000, 7, 1, 1));
    const started = performance.now();
    const result = checkLinearizability(registerModel(0), history);
    const elapsedMs = performance.now() - started;
    expect(result.ok).toBe(true);
    expect(elapsedMs).toBeLessThan(2_000);
  });

  it('checks a 1,000-op znode history over 4 keys in under 2 s', () => {
    const { history } = runZnode(randomShapes(1_000, 11, 4, 2));
    const started = performance.now();
    const result = checkLinearizability(znodeModel(), history);
    const elapsedMs = performance.now() - started;
    expect(result.ok).toBe(true);
    expect(elapsedMs).toBeLessThan(2_000);
  });

  it('rejects a 1,000-op register history with one stale read near the end in under 2 s', () => {
    const run = runRegister(randomShapes(1_000, 13, 1, 0));
    const sites = staleReadSites(run).filter((site) => site.read > 900);
    expect(sites.length).toBeGreaterThan(0);
    const site = sites[0];
    const history = run.history.map((operation) =>
      operation.id === site.read
        ? { ...operation, output: { ok: true as const, value: site.value } }
        : operation,
    );
    const started = performance.now();
    const result = checkLinearizability(registerModel(0), history);
    const elapsedMs = performance.now() - started;
    expect(result.ok).toBe(false);
    expect(result.perKey.get('k0')?.failure?.longestPrefix.length).toBeGreaterThan(800);
    expect(elapsedMs).toBeLessThan(2_000);
  });
});

// ------------------------------------------------------------------------------------------------
// Differential: on small arbitrary histories (mostly not linearizable), the search agrees with trying
// every order that respects real time. This is what keeps the prunings honest.

function bruteForce<S, I, O>(model: Model<S, I, O>, history: readonly Operation<I, O>[]): boolean {
  const returns = history.map((operation) =>
    operation.output === UNKNOWN ? Infinity : operation.returnTime,
  );
  const used = new Array<boolean>(history.length).fill(false);
  const extend = (state: S, depth: number): boolean => {
    if (depth === history.length) return true;
    for (let index = 0; index < history.length; index++) {
      if (used[index]) continue;
      // An operation that returned before this one was called must come first.
      const blocked = history.some(
        (_other, j) => !used[j] && j !== index && returns[j] < history[index].callTime,
      );
      if (blocked) continue;
      const next = model.step(state, history[index].input, history[index].output);
      if (next === null) continue;
      used[index] = true;
      const found = extend(next, depth + 1);
      used[index] = false;
      if (found) return true;
    }
    return false;
  };
  return extend(model.init(), 0);
}

const smallTime = fc.nat(12);
const interval = fc.tuple(smallTime, fc.nat(6), fc.nat(9)).map(([call, length, roll]) => ({
  callTime: call,
  returnTime: call + length,
  unknown: roll === 0,
}));

describe('linearizability: agrees with brute force on small arbitrary histories', () => {
  it('register', () => {
    const value = fc.nat(2);
    const registerOperation = fc.tuple(
      fc.oneof(
        fc.constant<RegisterInput>({ type: 'read' }),
        value.map((v): RegisterInput => ({ type: 'write', value: v })),
        fc.tuple(value, value).map(([expected, v]): RegisterInput => ({ type: 'cas', expected, value: v })),
      ),
      value,
      fc.boolean(),
      interval,
    );
    fc.assert(
      fc.property(fc.array(registerOperation, { maxLength: 7 }), (shapes) => {
        const history: RegisterOperation[] = shapes.map(([input, seen, success, time], id) => ({
          id,
          clientId: id,
          key: 'x',
          input,
          output: time.unknown
            ? UNKNOWN
            : input.type === 'read'
              ? { ok: true, value: seen }
              : input.type === 'cas' && !success
                ? { ok: false }
                : { ok: true },
          callTime: time.callTime,
          returnTime: time.unknown ? Infinity : time.returnTime,
        }));
        const expected = bruteForce(registerModel(0), history);
        expect(checkLinearizability(registerModel(0), history).ok).toBe(expected);
      }),
      { numRuns: 3_000 },
    );
  });

  it('znode', () => {
    const data = fc.constantFrom('a', 'b');
    const version = fc.integer({ min: -1, max: 2 });
    const znodeOperation = fc.tuple(
      fc.oneof(
        data.map((d): ZnodeInput => ({ type: 'create', data: d })),
        fc.tuple(data, version).map(([d, v]): ZnodeInput => ({ type: 'setData', data: d, version: v })),
        version.map((v): ZnodeInput => ({ type: 'delete', version: v })),
        fc.constant<ZnodeInput>({ type: 'getData' }),
      ),
      fc.oneof(
        fc.constant<ZnodeOutput>({ code: 'OK' }),
        fc.constantFrom<ZnodeOutput>({ code: 'NONODE' }, { code: 'NODEEXISTS' }, { code: 'BADVERSION' }),
        fc.tuple(data, fc.nat(2)).map(([d, v]): ZnodeOutput => ({ code: 'OK', data: d, version: v })),
      ),
      interval,
    );
    fc.assert(
      fc.property(fc.array(znodeOperation, { maxLength: 7 }), (shapes) => {
        const history: ZnodeOperation[] = shapes.map(([input, output, time], id) => ({
          id,
          clientId: id,
          key: '/z',
          input,
          // setData's OK carries the new version only; drop the data field there.
          output: time.unknown
            ? UNKNOWN
            : input.type === 'setData' && output.code === 'OK'
              ? { code: 'OK', version: output.version }
              : input.type !== 'getData' && output.code === 'OK'
                ? { code: 'OK' }
                : output,
          callTime: time.callTime,
          returnTime: time.unknown ? Infinity : time.returnTime,
        }));
        const expected = bruteForce(znodeModel(), history);
        expect(checkLinearizability(znodeModel(), history).ok).toBe(expected);
      }),
      { numRuns: 3_000 },
    );
  });
});
