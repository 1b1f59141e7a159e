import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { TimerQueue } from './timer-queue.ts';

describe('TimerQueue', () => {
  it('pops due timers by deadline, then creation order; cancelled ones never fire', () => {
    const queue = new TimerQueue();
    const fired: string[] = [];
    const add = (name: string, at: number) => queue.schedule(at, () => fired.push(name));
    add('c', 30);
    add('a1', 10);
    const cancelled = add('x', 5);
    add('a2', 10);
    add('d', 40);
    queue.cancel(cancelled);
    expect(queue.peekDeadline()).toBe(10);
    for (let timer = queue.popDue(30); timer; timer = queue.popDue(30)) timer.fire();
    expect(fired).toEqual(['a1', 'a2', 'c']);
    expect(queue.size).toBe(1);
    expect(queue.peekDeadline()).toBe(40);
    expect(queue.popDue(39)).toBeNull();
  });

  it('agrees with sorting (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 50 }), cancel: fc.boolean() }), { maxLength: 60 }),
        (specs) => {
          const queue = new TimerQueue();
          const ids = specs.map((spec) => queue.schedule(spec.at, () => {}));
          specs.forEach((spec, index) => spec.cancel && queue.cancel(ids[index]));
          const expected = specs
            .map((spec, index) => ({ ...spec, id: ids[index] }))
            .filter((spec) => !spec.cancel)
            .sort((a, b) => a.at - b.at || a.id - b.id)
            .map((spec) => spec.id);
          const actual: number[] = [];
          for (let timer = queue.popDue(50); timer; timer = queue.popDue(50)) actual.push(timer.id);
          expect(actual).toEqual(expected);
        },
      ),
    );
  });
});
