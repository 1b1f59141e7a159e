import { describe, expect, it } from 'vitest';

import { MonotonicReadsChecker, checkMonotonicReads, formatZxid } from './monotonic-reads.ts';

const zxid = (epoch: number, counter: number): bigint => (BigInt(epoch) << 32n) | BigInt(counter);

describe('monotonic reads per session (single system image)', () => {
  it('accepts non-decreasing zxids, equal ones included, across servers', () => {
    const result = checkMonotonicReads([
      { sessionId: 1n, zxid: zxid(1, 1), server: 'zk1' },
      { sessionId: 1n, zxid: zxid(1, 1), server: 'zk1' },
      { sessionId: 2n, zxid: zxid(1, 0), server: 'zk2' },
      { sessionId: 1n, zxid: zxid(1, 5), server: 'zk2' },
      { sessionId: 1n, zxid: zxid(2, 0), server: 'zk3' },
      { sessionId: 2n, zxid: zxid(1, 3), server: 'zk2' },
    ]);
    expect(result).toMatchObject({ ok: true, sessions: 2, observations: 6, skipped: 0, explanation: '' });
  });

  it('rejects a session that sees an older zxid after reconnecting to a lagging server', () => {
    const result = checkMonotonicReads([
      { sessionId: 0x100n, zxid: zxid(1, 7), server: 'zk1', label: 'getData /a' },
      { sessionId: 0x100n, zxid: zxid(1, 4), server: 'zk3', label: 'getData /a' },
      { sessionId: 0x100n, zxid: zxid(1, 8), server: 'zk3' },
    ]);
    expect(result.ok).toBe(false);
    expect(result.violations).toHaveLength(1);
    expect(result.violations[0].index).toBe(1);
    expect(result.violations[0].previous.zxid).toBe(zxid(1, 7));
    expect(result.explanation).toBe(
      'session 256n went back in time after moving from zk1 to zk3: observation 1 saw zxid 0x100000004 from zk3 ' +
        '(getData /a) after zxid 0x100000007 from zk1 (getData /a)',
    );
  });

  it('compares against the highest zxid seen, not just the previous one', () => {
    const result = checkMonotonicReads([
      { sessionId: 's', zxid: 10 },
      { sessionId: 's', zxid: 5 },
      { sessionId: 's', zxid: 7 },
    ]);
    expect(result.violations.map((violation) => violation.index)).toEqual([1, 2]);
    expect(result.violations.every((violation) => violation.previous.zxid === 10)).toBe(true);
  });

  it('keeps sessions apart', () => {
    expect(
      checkMonotonicReads([
        { sessionId: 'a', zxid: 10 },
        { sessionId: 'b', zxid: 5 },
      ]).ok,
    ).toBe(true);
  });

  it('skips negative zxids (notifications carry -1)', () => {
    const result = checkMonotonicReads([
      { sessionId: 1, zxid: 10 },
      { sessionId: 1, zxid: -1 },
      { sessionId: 1, zxid: 11 },
    ]);
    expect(result).toMatchObject({ ok: true, skipped: 1, observations: 3 });
  });

  it('reports a violation as it happens in the incremental form', () => {
    const checker = new MonotonicReadsChecker();
    expect(checker.observe({ sessionId: 1, zxid: 3 })).toBeUndefined();
    expect(checker.observe({ sessionId: 1, zxid: 2 })).toMatchObject({ index: 1 });
    expect(checker.result().ok).toBe(false);
  });

  it('formats zxids the way ZooKeeper prints them', () => {
    expect(formatZxid(zxid(5, 3))).toBe('0x500000003');
    expect(formatZxid(0)).toBe('0x0');
  });
});
