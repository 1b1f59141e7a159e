import { describe, expect, it } from 'vitest';

import { groupByTopic } from './group-by-topic.ts';

describe('groupByTopic', () => {
  it('keeps first-seen topic order and item order within each topic', () => {
    const items = [
      { topic: 'b', p: 0 },
      { topic: 'a', p: 1 },
      { topic: 'b', p: 2 },
      { topic: 'a', p: 0 },
    ];
    expect(groupByTopic(items, (i) => i.topic).map(([t, list]) => [t, list.map((i) => i.p)])).toEqual([
      ['b', [0, 2]],
      ['a', [1, 0]],
    ]);
    expect(groupByTopic([], (i: { topic: string }) => i.topic)).toEqual([]);
  });
});
