import { describe, expect, it } from 'vitest';

import { assert, assertEqual, InvariantError, unreachable } from './assert.ts';

describe('assert', () => {
  it('passes on truthy values and narrows the type', () => {
    const value: string | undefined = 'x';
    assert(value !== undefined);
    expect(value.length).toBe(1);
  });

  it('throws InvariantError with the message', () => {
    expect(() => assert(false, 'zxid went backwards')).toThrow(new InvariantError('zxid went backwards'));
    expect(() => assert(0)).toThrow(InvariantError);
    try {
      assert(null);
    } catch (error) {
      expect((error as InvariantError).code).toBe('KZ_ERR_INVARIANT');
      expect((error as InvariantError).name).toBe('InvariantError');
    }
  });
});

describe('assertEqual', () => {
  it('compares with Object.is', () => {
    assertEqual(Number.NaN, Number.NaN);
    assertEqual(5n, 5n);
    expect(() => assertEqual(0, -0)).toThrow(InvariantError);
  });

  it('describes both values', () => {
    expect(() => assertEqual<unknown>(3n, 4n, 'epoch')).toThrow('epoch: expected 4n, got 3n');
    expect(() => assertEqual<unknown>('a', 'b')).toThrow('values differ: expected "b", got "a"');
    expect(() => assertEqual<unknown>({ a: 1 }, undefined)).toThrow('expected undefined, got {"a":1}');
  });
});

describe('unreachable', () => {
  it('throws for a value the type checker said could not exist', () => {
    type Role = 'LEADING' | 'FOLLOWING';
    const name = (role: Role): string => {
      switch (role) {
        case 'LEADING':
          return 'leader';
        case 'FOLLOWING':
          return 'follower';
        default:
          return unreachable(role, 'unknown role');
      }
    };
    expect(name('LEADING')).toBe('leader');
    expect(() => name('OBSERVING' as Role)).toThrow('unknown role: "OBSERVING"');
  });
});
