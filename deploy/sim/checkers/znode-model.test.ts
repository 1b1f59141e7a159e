import { describe, expect, it } from 'vitest';

import { UNKNOWN, checkLinearizability, type Operation, type Time, type Unknown } from './linearizability.ts';
import {
  ZNODE_ABSENT,
  parseSequenceNumber,
  sequentialZnodeModel,
  znodeModel,
  type SequentialInput,
  type SequentialOutput,
  type ZnodeInput,
  type ZnodeOutput,
} from './znode-model.ts';

type ZnodeOperation = Operation<ZnodeInput, ZnodeOutput>;

let nextId = 0;
function op(
  clientId: string,
  input: ZnodeInput,
  output: ZnodeOutput | Unknown,
  callTime: Time,
  returnTime: Time,
): ZnodeOperation {
  return { id: nextId++, clientId, key: '/kzlab/lin', input, output, callTime, returnTime };
}
const create = (data: string): ZnodeInput => ({ type: 'create', data });
const setData = (data: string, version: number): ZnodeInput => ({ type: 'setData', data, version });
const remove = (version: number): ZnodeInput => ({ type: 'delete', version });
const getData: ZnodeInput = { type: 'getData' };
const exists: ZnodeInput = { type: 'exists' };
const OK: ZnodeOutput = { code: 'OK' };
const okVersion = (version: number): ZnodeOutput => ({ code: 'OK', version });
const got = (data: string, version: number): ZnodeOutput => ({ code: 'OK', data, version });
const NONODE: ZnodeOutput = { code: 'NONODE' };
const NODEEXISTS: ZnodeOutput = { code: 'NODEEXISTS' };
const BADVERSION: ZnodeOutput = { code: 'BADVERSION' };

const check = (history: ZnodeOperation[]) => checkLinearizability(znodeModel(), history).ok;

describe('znode model: single steps', () => {
  const model = znodeModel();
  const node = { exists: true, data: 'a', version: 3 } as const;

  it('create', () => {
    expect(model.step(ZNODE_ABSENT, create('a'), OK)).toEqual({ exists: true, data: 'a', version: 0 });
    expect(model.step(node, create('b'), OK)).toBeNull();
    expect(model.step(node, create('b'), NODEEXISTS)).toBe(node);
    expect(model.step(ZNODE_ABSENT, create('b'), NODEEXISTS)).toBeNull();
    expect(model.step(ZNODE_ABSENT, create('b'), UNKNOWN)).toEqual({ exists: true, data: 'b', version: 0 });
    expect(model.step(node, create('b'), UNKNOWN)).toBe(node);
    // A create returning a Stat must say version 0.
    expect(model.step(ZNODE_ABSENT, create('b'), okVersion(1))).toBeNull();
  });

  it('setData: the returned version is the old version + 1', () => {
    expect(model.step(node, setData('b', 3), okVersion(4))).toEqual({ exists: true, data: 'b', version: 4 });
    expect(model.step(node, setData('b', -1), okVersion(4))).toEqual({ exists: true, data: 'b', version: 4 });
    expect(model.step(node, setData('b', -1), okVersion(5))).toBeNull();
    expect(model.step(node, setData('b', -1), okVersion(3))).toBeNull();
    expect(model.step(node, setData('b', -1), OK)).toEqual({ exists: true, data: 'b', version: 4 });
    expect(model.step(node, setData('b', 2), okVersion(3))).toBeNull();
    expect(model.step(node, setData('b', 2), BADVERSION)).toBe(node);
    expect(model.step(node, setData('b', 3), BADVERSION)).toBeNull();
    expect(model.step(node, setData('b', -1), BADVERSION)).toBeNull();
    expect(model.step(node, setData('b', 3), NONODE)).toBeNull();
    expect(model.step(ZNODE_ABSENT, setData('b', 3), NONODE)).toBe(ZNODE_ABSENT);
    expect(model.step(ZNODE_ABSENT, setData('b', -1), okVersion(1))).toBeNull();
    expect(model.step(ZNODE_ABSENT, setData('b', -1), BADVERSION)).toBeNull();
    expect(model.step(node, setData('b', 3), UNKNOWN)).toEqual({ exists: true, data: 'b', version: 4 });
    expect(model.step(node, setData('b', 0), UNKNOWN)).toBe(node);
    expect(model.step(ZNODE_ABSENT, setData('b', -1), UNKNOWN)).toBe(ZNODE_ABSENT);
    expect(model.step(node, setData('b', 3), NODEEXISTS)).toBeNull();
  });

  it('delete', () => {
    expect(model.step(node, remove(3), OK)).toBe(ZNODE_ABSENT);
    expect(model.step(node, remove(-1), OK)).toBe(ZNODE_ABSENT);
    expect(model.step(node, remove(2), OK)).toBeNull();
    expect(model.step(node, remove(2), BADVERSION)).toBe(node);
    expect(model.step(node, remove(-1), BADVERSION)).toBeNull();
    expect(model.step(ZNODE_ABSENT, remove(-1), NONODE)).toBe(ZNODE_ABSENT);
    expect(model.step(node, remove(-1), NONODE)).toBeNull();
    expect(model.step(ZNODE_ABSENT, remove(-1), OK)).toBeNull();
    expect(model.step(node, remove(3), UNKNOWN)).toBe(ZNODE_ABSENT);
    expect(model.step(node, remove(1), UNKNOWN)).toBe(node);
  });

  it('getData and exists', () => {
    expect(model.step(node, getData, got('a', 3))).toBe(node);
    expect(model.step(node, getData, got('a', 2))).toBeNull();
    expect(model.step(node, getData, got('b', 3))).toBeNull();
    expect(model.step(node, getData, NONODE)).toBeNull();
    expect(model.step(ZNODE_ABSENT, getData, NONODE)).toBe(ZNODE_ABSENT);
    expect(model.step(ZNODE_ABSENT, getData, got('a', 0))).toBeNull();
    expect(model.step(node, exists, okVersion(3))).toBe(node);
    expect(model.step(node, exists, okVersion(0))).toBeNull();
    expect(model.step(ZNODE_ABSENT, exists, NONODE)).toBe(ZNODE_ABSENT);
    expect(model.readOnly?.(getData, UNKNOWN)).toBe(true);
    expect(model.readOnly?.(setData('x', -1), UNKNOWN)).toBe(false);
    expect(model.readOnly?.(setData('x', -1), BADVERSION)).toBe(true);
    expect(model.readOnly?.(create('x'), OK)).toBe(false);
  });

  it('state keys distinguish absence, data and version', () => {
    const keys = new Set([
      model.key(ZNODE_ABSENT),
      model.key({ exists: true, data: 'a', version: 0 }),
      model.key({ exists: true, data: 'a', version: 1 }),
      model.key({ exists: true, data: 'b', version: 0 }),
    ]);
    expect(keys.size).toBe(4);
  });
});

describe('znode model: histories', () => {
  it('accepts create, versioned updates, reads, delete and re-create', () => {
    const history = [
      op('s1', create('a'), OK, 0, 10),
      op('s1', setData('b', 0), okVersion(1), 20, 30),
      op('s2', getData, got('b', 1), 40, 50),
      op('s2', setData('c', 1), okVersion(2), 60, 70),
      op('s1', remove(2), OK, 80, 90),
      op('s2', getData, NONODE, 100, 110),
      op('s1', create('d'), OK, 120, 130),
      op('s2', getData, got('d', 0), 140, 150),
    ];
    expect(check(history)).toBe(true);
  });

  it('allows exactly one of two concurrent creates', () => {
    expect(check([op('s1', create('a'), OK, 0, 10), op('s2', create('b'), NODEEXISTS, 0, 10)])).toBe(true);
    expect(check([op('s1', create('a'), OK, 0, 10), op('s2', create('b'), OK, 0, 10)])).toBe(false);
    expect(check([op('s1', create('a'), OK, 0, 10), op('s2', create('b'), OK, 20, 30)])).toBe(false);
  });

  it('versioned setData is a compare-and-set: two writers from the same version cannot both win', () => {
    const base = op('s0', create('a'), OK, 0, 10);
    expect(
      check([
        base,
        op('s1', setData('b', 0), okVersion(1), 20, 30),
        op('s2', setData('c', 0), okVersion(1), 20, 30),
      ]),
    ).toBe(false);
    expect(
      check([
        base,
        op('s1', setData('b', 0), okVersion(1), 20, 30),
        op('s2', setData('c', 0), BADVERSION, 20, 30),
      ]),
    ).toBe(true);
    // Unconditional writes may both win, and then their versions must differ.
    expect(
      check([
        base,
        op('s1', setData('b', -1), okVersion(2), 20, 30),
        op('s2', setData('c', -1), okVersion(1), 20, 30),
      ]),
    ).toBe(true);
    expect(
      check([
        base,
        op('s1', setData('b', -1), okVersion(1), 20, 30),
        op('s2', setData('c', -1), okVersion(1), 20, 30),
      ]),
    ).toBe(false);
  });

  it('detects a lost acknowledged write by the versions that follow', () => {
    const history = [
      op('s0', create('a'), OK, 0, 10),
      op('s1', setData('b', -1), okVersion(1), 20, 30),
      // The write above was acknowledged, yet the next one also replaced version 0.
      op('s2', setData('c', -1), okVersion(1), 40, 50),
    ];
    expect(check(history)).toBe(false);
  });

  it('detects a stale getData after an acknowledged setData', () => {
    const history = [
      op('s0', create('a'), OK, 0, 10),
      op('s1', setData('b', 0), okVersion(1), 20, 30),
      op('s2', getData, got('a', 0), 40, 50),
    ];
    expect(check(history)).toBe(false);
    // Overlapping the write, the old value is fine.
    expect(check([history[0], history[1], op('s2', getData, got('a', 0), 25, 50)])).toBe(true);
  });

  it('an unknown setData may have happened: a later version accounts for it', () => {
    const history = [
      op('s0', create('a'), OK, 0, 10),
      op('s1', setData('b', 0), UNKNOWN, 20, Infinity),
      op('s2', setData('c', -1), okVersion(2), 40, 50),
      op('s2', getData, got('c', 2), 60, 70),
    ];
    expect(check(history)).toBe(true);
  });

  it('an unknown setData may not have happened', () => {
    const history = [
      op('s0', create('a'), OK, 0, 10),
      op('s1', setData('b', 0), UNKNOWN, 20, Infinity),
      op('s2', setData('c', -1), okVersion(1), 40, 50),
      op('s2', getData, got('c', 1), 60, 70),
    ];
    expect(check(history)).toBe(true);
  });

  it('an unknown conditional setData can only land where its version matched', () => {
    const history = [
      op('s0', create('a'), OK, 0, 10),
      op('s1', setData('x', 0), UNKNOWN, 20, Infinity),
      op('s2', setData('c', 0), okVersion(1), 40, 50),
      // 'x' at version 2 needs the unknown write after version 1 — but it expected version 0.
      op('s2', getData, got('x', 2), 60, 70),
    ];
    expect(check(history)).toBe(false);
  });

  it('an unknown delete explains a later NONODE, and must not be used before its call', () => {
    expect(
      check([
        op('s0', create('a'), OK, 0, 10),
        op('s1', remove(-1), UNKNOWN, 20, Infinity),
        op('s2', getData, NONODE, 40, 50),
      ]),
    ).toBe(true);
    expect(
      check([
        op('s0', create('a'), OK, 0, 10),
        op('s2', getData, NONODE, 15, 18),
        op('s1', remove(-1), UNKNOWN, 20, Infinity),
      ]),
    ).toBe(false);
  });

  it('an unknown create may be seen later or never', () => {
    expect(check([op('s1', create('a'), UNKNOWN, 0, Infinity), op('s2', getData, got('a', 0), 10, 20)])).toBe(
      true,
    );
    expect(check([op('s1', create('a'), UNKNOWN, 0, Infinity), op('s2', getData, NONODE, 10, 20)])).toBe(
      true,
    );
    expect(
      check([
        op('s1', create('a'), UNKNOWN, 0, Infinity),
        op('s2', getData, got('a', 0), 10, 20),
        op('s2', getData, NONODE, 30, 40),
      ]),
    ).toBe(false);
  });

  it('explains a failure in ZooKeeper terms', () => {
    const result = checkLinearizability(znodeModel(), [
      op('s0', create('a'), OK, 0, 10),
      op('s1', setData('b', 0), okVersion(1), 20, 30),
      op('s2', getData, got('a', 0), 40, 50),
    ]);
    expect(result.explanation).toContain('setData("b", version 0) → OK {version 1}');
    expect(result.explanation).toContain('{data "b", version 1}');
    expect(result.explanation).toContain('✗');
    expect(result.explanation).toContain('getData() → OK {data "a", version 0}');
  });
});

describe('sequential znode model', () => {
  let id = 0;
  const seqOp = (
    clientId: string,
    output: SequentialOutput | Unknown,
    callTime: number,
    returnTime: number,
    key = '/queue',
  ): Operation<SequentialInput, SequentialOutput> => ({
    id: id++,
    clientId,
    key,
    input: { type: 'create', prefix: `${key}/item-` },
    output,
    callTime,
    returnTime,
  });
  const created = (parent: string, sequence: number): SequentialOutput => ({
    code: 'OK',
    path: `${parent}/item-${String(sequence).padStart(10, '0')}`,
  });
  const check = (history: Operation<SequentialInput, SequentialOutput>[]) =>
    checkLinearizability(sequentialZnodeModel(), history).ok;

  it('parses the 10-digit counter', () => {
    expect(parseSequenceNumber('/queue/item-0000000042')).toBe(42);
    expect(parseSequenceNumber('lock-2147483647')).toBe(2147483647);
    expect(() => parseSequenceNumber('/queue/item-42')).toThrow(RangeError);
  });

  it('accepts increasing numbers with gaps, concurrent creates in either order, and unknowns', () => {
    expect(
      check([
        seqOp('a', created('/queue', 0), 0, 10),
        seqOp('b', created('/queue', 3), 20, 30),
        seqOp('c', created('/queue', 5), 40, 50),
        seqOp('d', created('/queue', 4), 40, 50),
        seqOp('e', UNKNOWN, 45, Infinity),
        seqOp('f', { code: 'NONODE' }, 60, 70),
        seqOp('a', created('/queue', 9), 80, 90),
      ]),
    ).toBe(true);
  });

  it('rejects a reused name and a number that goes backwards in real time', () => {
    expect(check([seqOp('a', created('/queue', 1), 0, 10), seqOp('b', created('/queue', 1), 0, 10)])).toBe(
      false,
    );
    expect(check([seqOp('a', created('/queue', 7), 0, 10), seqOp('b', created('/queue', 6), 20, 30)])).toBe(
      false,
    );
  });

  it('checks each parent separately', () => {
    const result = checkLinearizability(sequentialZnodeModel(), [
      seqOp('a', created('/p1', 5), 0, 10, '/p1'),
      seqOp('b', created('/p2', 1), 20, 30, '/p2'),
      seqOp('a', created('/p1', 4), 20, 30, '/p1'),
    ]);
    expect(result.ok).toBe(false);
    expect(result.perKey.get('/p1')?.ok).toBe(false);
    expect(result.perKey.get('/p2')?.ok).toBe(true);
    expect(result.explanation).toContain('highest sequence 5');
  });
});
