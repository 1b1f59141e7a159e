import { describe, expect, it } from 'vitest';

import {
  HistoryRecorder,
  UNKNOWN,
  checkLinearizability,
  type Operation,
  type Time,
  type Unknown,
} from './linearizability.ts';
import {
  registerModel,
  type RegisterInput,
  type RegisterOutput,
  type RegisterValue,
} from './register-model.ts';

type RegisterOperation = Operation<RegisterInput, RegisterOutput>;

let nextId = 0;
function op(
  clientId: string,
  input: RegisterInput,
  output: RegisterOutput | Unknown,
  callTime: Time,
  returnTime: Time,
  key = 'x',
): RegisterOperation {
  return { id: nextId++, clientId, key, input, output, callTime, returnTime };
}
const write = (value: RegisterValue): RegisterInput => ({ type: 'write', value });
const read: RegisterInput = { type: 'read' };
const cas = (expected: RegisterValue, value: RegisterValue): RegisterInput => ({
  type: 'cas',
  expected,
  value,
});
const ok: RegisterOutput = { ok: true };
const fail: RegisterOutput = { ok: false };
const saw = (value: RegisterValue): RegisterOutput => ({ ok: true, value });

const check = (history: RegisterOperation[], initial: RegisterValue = 0) =>
  checkLinearizability(registerModel(initial), history);

describe('linearizability: register, hand-made histories', () => {
  it('accepts the empty history', () => {
    const result = check([]);
    expect(result.ok).toBe(true);
    expect(result.perKey.size).toBe(0);
    expect(result.explanation).toBe('');
  });

  it('accepts a sequential write then read of the written value', () => {
    const result = check([op('a', write(1), ok, 0, 10), op('b', read, saw(1), 20, 30)]);
    expect(result.ok).toBe(true);
    expect(result.perKey.get('x')?.linearization?.map((o) => o.input.type)).toEqual(['write', 'read']);
  });

  it('rejects a read of the initial value after a write completed (stale read)', () => {
    const result = check([op('a', write(1), ok, 0, 10), op('b', read, saw(0), 20, 30)]);
    expect(result.ok).toBe(false);
  });

  it('accepts either value for a read that overlaps the write', () => {
    expect(check([op('a', write(1), ok, 0, 10), op('b', read, saw(0), 5, 15)]).ok).toBe(true);
    expect(check([op('a', write(1), ok, 0, 10), op('b', read, saw(1), 5, 15)]).ok).toBe(true);
    // Read entirely inside the write.
    expect(check([op('a', write(1), ok, 0, 100), op('b', read, saw(1), 10, 20)]).ok).toBe(true);
  });

  it('rejects a value nobody wrote', () => {
    expect(check([op('a', write(1), ok, 0, 10), op('b', read, saw(7), 5, 15)]).ok).toBe(false);
  });

  it('rejects reads that see two concurrent writes in both orders', () => {
    const history = [
      op('a', write(1), ok, 0, 10),
      op('b', write(2), ok, 0, 10),
      op('c', read, saw(1), 20, 30),
      op('d', read, saw(2), 40, 50),
      op('c', read, saw(1), 60, 70),
    ];
    expect(check(history).ok).toBe(false);
    // Both writes returned at 10, so the value cannot change after that: reading 1 then 2 is wrong too.
    expect(check(history.slice(0, 4)).ok).toBe(false);
    // With one read only, either order works.
    expect(check(history.slice(0, 3)).ok).toBe(true);
  });

  it('accepts concurrent reads seeing old and new values while a write is in flight', () => {
    const history = [
      op('a', write(1), ok, 0, 100),
      op('b', read, saw(0), 10, 20),
      op('c', read, saw(1), 30, 40),
      op('b', read, saw(1), 50, 60),
    ];
    expect(check(history).ok).toBe(true);
  });

  it('rejects a read going back to the old value after another read saw the new one', () => {
    const history = [
      op('a', write(1), ok, 0, 100),
      op('b', read, saw(1), 10, 20),
      op('c', read, saw(0), 30, 40),
    ];
    expect(check(history).ok).toBe(false);
  });

  it('treats an operation returning at the instant another is invoked as concurrent', () => {
    // write returns at 10, read is invoked at 10 and saw the old value: allowed (they touch).
    expect(check([op('a', write(1), ok, 0, 10), op('b', read, saw(0), 10, 20)]).ok).toBe(true);
    expect(check([op('a', write(1), ok, 0, 10), op('b', read, saw(0), 11, 20)]).ok).toBe(false);
  });

  it('checks compare-and-set', () => {
    expect(check([op('a', cas(0, 5), ok, 0, 10), op('b', read, saw(5), 20, 30)]).ok).toBe(true);
    expect(check([op('a', cas(1, 5), fail, 0, 10), op('b', read, saw(0), 20, 30)]).ok).toBe(true);
    // A successful cas whose expected value was not there.
    expect(check([op('a', cas(1, 5), ok, 0, 10)]).ok).toBe(false);
    // A failed cas although the expected value was there and nothing else ran.
    expect(check([op('a', cas(0, 5), fail, 0, 10)]).ok).toBe(false);
    // Two concurrent cas from the same value cannot both succeed.
    expect(check([op('a', cas(0, 1), ok, 0, 10), op('b', cas(0, 2), ok, 0, 10)]).ok).toBe(false);
    // One succeeds, the other fails, in either order.
    expect(check([op('a', cas(0, 1), fail, 0, 10), op('b', cas(0, 2), ok, 0, 10)]).ok).toBe(true);
    // A failed cas explained by a concurrent write that changed the value first.
    const history = [
      op('a', write(3), ok, 0, 10),
      op('b', cas(0, 9), fail, 5, 15),
      op('c', read, saw(3), 20, 30),
    ];
    expect(check(history).ok).toBe(true);
  });

  it('accepts an unknown write that is observed later', () => {
    const history = [op('a', write(1), UNKNOWN, 0, Infinity), op('b', read, saw(1), 20, 30)];
    expect(check(history).ok).toBe(true);
  });

  it('accepts an unknown write that is never observed (it is placed after everything)', () => {
    const history = [
      op('a', write(1), UNKNOWN, 0, Infinity),
      op('b', read, saw(0), 20, 30),
      op('b', read, saw(0), 40, 50),
    ];
    const result = check(history);
    expect(result.ok).toBe(true);
    expect(result.perKey.get('x')?.linearization?.at(-1)?.input).toEqual(write(1));
  });

  it('places an unknown write late: after a read that still saw the previous value', () => {
    const history = [
      op('a', write(1), ok, 0, 5),
      op('b', write(2), UNKNOWN, 1, Infinity),
      op('c', read, saw(1), 10, 12),
      op('c', read, saw(2), 20, 22),
      op('c', read, saw(2), 30, 32),
    ];
    expect(check(history).ok).toBe(true);
  });

  it('ignores a recorded return time of an unknown operation (it may take effect later)', () => {
    const history = [
      op('a', write(1), UNKNOWN, 0, 5),
      op('b', read, saw(0), 10, 12),
      op('b', read, saw(1), 20, 22),
    ];
    expect(check(history).ok).toBe(true);
  });

  it('rejects an unknown write observed and then un-observed', () => {
    const history = [
      op('a', write(1), UNKNOWN, 0, Infinity),
      op('b', read, saw(1), 10, 20),
      op('b', read, saw(0), 30, 40),
    ];
    expect(check(history).ok).toBe(false);
  });

  it('cannot use an unknown write before it was invoked', () => {
    const history = [op('b', read, saw(1), 0, 10), op('a', write(1), UNKNOWN, 20, Infinity)];
    expect(check(history).ok).toBe(false);
  });

  it('drops unknown reads and counts them', () => {
    const history = [op('a', write(1), ok, 0, 10), op('b', read, UNKNOWN, 20, Infinity)];
    const result = check(history);
    expect(result.ok).toBe(true);
    expect(result.perKey.get('x')).toMatchObject({ operations: 1, dropped: 1 });
  });

  it('uses an unknown cas only where its expected value holds', () => {
    const history = [
      op('a', write(1), ok, 0, 10),
      op('b', cas(1, 2), UNKNOWN, 20, Infinity),
      op('a', write(5), ok, 30, 40),
      op('c', read, saw(2), 50, 60),
    ];
    // The cas could only have applied before write(5); reading 2 after write(5) finished is wrong.
    expect(check(history).ok).toBe(false);
    expect(check(history.slice(0, 2).concat(op('c', read, saw(2), 25, 35))).ok).toBe(true);
  });

  it('checks keys independently and says which key failed', () => {
    const history = [
      op('a', write(1), ok, 0, 10, 'good'),
      op('b', read, saw(1), 20, 30, 'good'),
      op('a', write(1), ok, 0, 10, 'bad'),
      op('b', read, saw(0), 20, 30, 'bad'),
    ];
    const result = check(history);
    expect(result.ok).toBe(false);
    expect([...result.perKey.keys()]).toEqual(['good', 'bad']);
    expect(result.perKey.get('good')?.ok).toBe(true);
    expect(result.perKey.get('bad')?.ok).toBe(false);
    expect(result.explanation).toContain('key "bad"');
    expect(result.explanation).not.toContain('key "good"');
  });

  it('explains a failure with the longest prefix and the operations that could not be placed', () => {
    const w = op('writer', write(1), ok, 0, 10);
    const r1 = op('reader', read, saw(1), 20, 30);
    const stale = op('reader', read, saw(0), 40, 50);
    const result = check([w, r1, stale]);
    const key = result.perKey.get('x');
    expect(key?.ok).toBe(false);
    expect(key?.failure?.longestPrefix.map((placed) => placed.operation.id)).toEqual([w.id, r1.id]);
    expect(key?.failure?.stateAfterPrefix).toBe(1);
    expect(key?.failure?.unplaced.map((u) => [u.operation.id, u.reason])).toEqual([[stale.id, 'illegal']]);
    expect(key?.failure?.pendingUnknown).toBe(0);
    expect(key?.failure?.remaining).toBe(1);
    const text = key?.explanation ?? '';
    expect(text).toContain('NOT LINEARIZABLE');
    expect(text).toContain('at best 2 of 3');
    expect(text).toContain('write(1) → ok');
    expect(text).toContain(`✗ op ${stale.id} client "reader": read → 0 [40, 50] — illegal in that state`);
    expect(text).toContain('State after the prefix: 1');
  });

  it('explains a failure at the very first operation', () => {
    const result = check([op('a', read, saw(9), 0, 10)]);
    expect(result.ok).toBe(false);
    expect(result.explanation).toContain('No operation can go first from the initial state 0');
  });

  it('mentions pending unknown-outcome operations in an explanation', () => {
    const result = check([
      op('a', write(1), ok, 0, 10),
      op('b', cas(9, 2), UNKNOWN, 5, Infinity),
      op('c', read, saw(3), 20, 30),
    ]);
    expect(result.ok).toBe(false);
    expect(result.explanation).toContain('operations with unknown outcomes are pending too');
  });

  it('throws when a model rejects an unknown outcome (the contract the prunings rely on)', () => {
    const strict = {
      ...registerModel(0),
      step: (state: RegisterValue, input: RegisterInput, output: RegisterOutput | Unknown) =>
        output === UNKNOWN ? null : registerModel(0).step(state, input, output),
    };
    expect(() =>
      checkLinearizability(strict, [op('a', write(1), UNKNOWN, 0, Infinity), op('b', read, saw(0), 1, 2)]),
    ).toThrow(/unknown outcomes must be legal in every state/);
  });

  it('reports unknown when the search exceeds its step cap', () => {
    const history = [
      op('a', write(1), ok, 0, 100),
      op('b', write(2), ok, 0, 100),
      op('c', write(3), ok, 0, 100),
      op('d', read, saw(4), 0, 100),
    ];
    const capped = checkLinearizability(registerModel(0), history, { maxStepsPerKey: 3 });
    expect(capped.ok).toBe('unknown');
    expect(capped.steps).toBe(3);
    expect(capped.perKey.get('x')?.ok).toBe('unknown');
    expect(capped.explanation).toContain('UNKNOWN');
    expect(checkLinearizability(registerModel(0), history).ok).toBe(false);
  });

  it('a failure on one key outweighs unknown on another', () => {
    const history = [
      op('a', write(1), ok, 0, 100, 'k1'),
      op('b', write(2), ok, 0, 100, 'k1'),
      op('c', read, saw(3), 0, 100, 'k1'),
      op('a', read, saw(5), 0, 100, 'k2'),
    ];
    const result = checkLinearizability(registerModel(0), history, { maxStepsPerKey: 2 });
    expect(result.perKey.get('k1')?.ok).toBe('unknown');
    expect(result.perKey.get('k2')?.ok).toBe(false);
    expect(result.ok).toBe(false);
  });

  it('works with bigint times (process.hrtime.bigint) and Infinity for unknown returns', () => {
    const history = [
      op('a', write(1), ok, 1_000_000_000n, 1_000_000_500n),
      op('b', write(2), UNKNOWN, 1_000_000_600n, Infinity),
      op('c', read, saw(1), 1_000_000_700n, 1_000_000_800n),
      op('c', read, saw(2), 1_000_000_900n, 1_000_001_000n),
    ];
    expect(check(history).ok).toBe(true);
    expect(check([...history, op('c', read, saw(1), 1_000_002_000n, 1_000_002_100n)]).ok).toBe(false);
  });

  it('accepts string and boolean register values and a custom initial value', () => {
    expect(check([op('a', read, saw('empty'), 0, 1), op('a', write('x'), ok, 2, 3)], 'empty').ok).toBe(true);
    expect(check([op('a', cas(false, true), ok, 0, 1), op('a', read, saw(true), 2, 3)], false).ok).toBe(true);
    // Values compare by type too: the string '1' is not the number 1.
    expect(check([op('a', write(1), ok, 0, 1), op('a', read, saw('1'), 2, 3)]).ok).toBe(false);
  });

  it('rejects malformed histories', () => {
    const a = op('a', write(1), ok, 10, 5);
    expect(() => check([a])).toThrow(RangeError);
    const b = op('a', write(1), ok, 0, 5);
    expect(() => check([b, { ...b }])).toThrow(/appears twice/);
    expect(() => check([op('a', write(1), ok, Number.NaN, 5)])).toThrow(/finite/);
  });

  it('handles a burst of fully concurrent writes and a read of each value quickly', () => {
    // 12 writes all overlapping, then reads pin down an order: the memo keeps this polynomial.
    const history: RegisterOperation[] = [];
    for (let value = 1; value <= 12; value++) history.push(op(`w${value}`, write(value), ok, 0, 100));
    history.push(op('r', read, saw(12), 200, 210));
    const result = check(history);
    expect(result.ok).toBe(true);
    expect(result.steps).toBeLessThan(100_000);
  });
});

describe('HistoryRecorder', () => {
  it('records completed, failed and still-pending operations', () => {
    const recorder = new HistoryRecorder<RegisterInput, RegisterOutput>();
    const a = recorder.invoke('c1', 'x', write(1), 0);
    const b = recorder.invoke('c2', 'x', read, 1);
    const c = recorder.invoke('c3', 'x', write(2), 2);
    recorder.complete(a, ok, 5);
    recorder.fail(c);
    const history = recorder.history();
    expect(history.map((o) => [o.id, o.output, o.returnTime])).toEqual([
      [a, ok, 5],
      [b, UNKNOWN, Infinity],
      [c, UNKNOWN, Infinity],
    ]);
    expect(() => recorder.complete(a, ok, 6)).toThrow(/not pending/);
    expect(checkLinearizability(registerModel(0), history).ok).toBe(true);
  });
});
