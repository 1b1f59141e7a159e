import { describe, expect, it } from 'vitest';

import { rangeAssign } from './range.ts';
import { counts, members, show } from './test-helpers.ts';

describe('range assignor (kafka-zk-era.md §6.4)', () => {
  it('7 partitions over C0, C1, C2 → [0,1,2] [3,4] [5,6]', () => {
    const result = rangeAssign({
      members: members({ C0: ['t'], C1: ['t'], C2: ['t'] }),
      partitionsPerTopic: counts({ t: 7 }),
    });
    expect(show(result)).toEqual({ C0: ['tp0', 'tp1', 'tp2'], C1: ['tp3', 'tp4'], C2: ['tp5', 'tp6'] });
  });

  it('two topics of 3 partitions and two members: the surplus goes to C0 twice', () => {
    const result = rangeAssign({
      members: members({ C0: ['t0', 't1'], C1: ['t0', 't1'] }),
      partitionsPerTopic: counts({ t0: 3, t1: 3 }),
    });
    expect(show(result)).toEqual({ C0: ['t0p0', 't0p1', 't1p0', 't1p1'], C1: ['t0p2', 't1p2'] });
  });

  it('assigns each topic only among its subscribers; members with nothing get an empty list', () => {
    const result = rangeAssign({
      members: members({ C0: ['a'], C1: ['a', 'b'], C2: ['b'], C3: ['zzz'] }),
      partitionsPerTopic: counts({ a: 2, b: 3 }),
    });
    expect(show(result)).toEqual({ C0: ['ap0'], C1: ['ap1', 'bp0', 'bp1'], C2: ['bp2'], C3: [] });
  });

  it('orders members by id (not by arrival), static members first', () => {
    const result = rangeAssign({
      members: [
        { memberId: 'b', topics: ['t'] },
        { memberId: 'a', topics: ['t'] },
        { memberId: 'z', groupInstanceId: 'instance-1', topics: ['t'] },
      ],
      partitionsPerTopic: counts({ t: 3 }),
    });
    expect(show(result)).toEqual({ z: ['tp0'], a: ['tp1'], b: ['tp2'] });
  });

  it('more members than partitions leaves some idle', () => {
    const result = rangeAssign({
      members: members({ C0: ['t'], C1: ['t'], C2: ['t'] }),
      partitionsPerTopic: counts({ t: 2 }),
    });
    expect(show(result)).toEqual({ C0: ['tp0'], C1: ['tp1'], C2: [] });
  });
});
