// Sessions: passwords as java.util.Random makes them, session ids as initializeNextSessionId makes them
// (expected values computed with Java 17 from the same formulas ZooKeeper 3.8 uses), and the
// ExpiryQueue bucket arithmetic.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { generatePasswd, passwordMatches } from './password.ts';
import { ExpiryQueue, SessionTracker } from './session-tracker.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('generatePasswd: new Random(sessionId ^ 0xB3415C00).nextBytes(16)', () => {
  // Produced by java.util.Random on OpenJDK 17.
  const golden: [bigint, string][] = [
    [0n, 'f22acd4a97e69d6d20a49bb638eadb38'],
    [1n, '054cc74a37327db215e702e20c73f005'],
    [0x1_0000_0000n, 'f22a606497e6346320a4e6f138eacad9'],
    [-1n, '20f62cb5648dc2d771471c8a2486a9ee'],
    [0x0123456789abcdefn, 'f7cd1b8b3f946c477425d41be3f667c6'],
    [0x7fffffffffffffffn, '20f62cb5648dc2d771471c8a2486a9ee'],
    [-0x8000000000000000n, 'f22acd4a97e69d6d20a49bb638eadb38'],
    [0x1000018a3b4c5d6n, '0194c86ec07d46fe6e9eda84007b194c'],
  ];
  it.each(golden)('session 0x%s', (sessionId, expected) => {
    expect(hex(generatePasswd(sessionId))).toBe(expected);
  });

  it('passwordMatches accepts exactly the generated 16 bytes', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
        fc.nat({ max: 15 }),
        (sessionId, at) => {
          const passwd = generatePasswd(sessionId);
          expect(passwordMatches(sessionId, passwd)).toBe(true);
          const wrong = passwd.slice();
          wrong[at] ^= 0x01;
          expect(passwordMatches(sessionId, wrong)).toBe(false);
          expect(passwordMatches(sessionId, passwd.subarray(0, 15))).toBe(false);
          expect(passwordMatches(sessionId, new Uint8Array([...passwd, 0]))).toBe(false);
          expect(passwordMatches(sessionId, null)).toBe(false);
        },
      ),
    );
  });
});

describe('SessionTracker session ids: (nowMs << 24) >>> 8 | serverId << 56', () => {
  // Produced by Java 17 with ZooKeeper's SessionTrackerImpl.initializeNextSessionId formula.
  const golden: [number, number, bigint][] = [
    [1_700_000_000_000, 0, 39353605962072064n],
    [1_700_000_000_000, 1, 111411200000000000n],
    [1_700_000_000_000, 5, 399641576151711744n],
    [1_700_000_000_000, 255, -32703988075855872n],
    [1, 1, 72057594037993472n],
    [0xffffffffff, 5, 432345564227502080n],
    [0xffffffffff, 255, -65536n],
  ];
  it.each(golden)('now %d, server %d', (nowMs, serverId, expected) => {
    const tracker = new SessionTracker(serverId, 2000, nowMs);
    expect(tracker.createSessionId()).toBe(expected);
    expect(tracker.createSessionId()).toBe(expected + 1n);
  });
});

describe('ExpiryQueue', () => {
  it('rounds expiry up to the next tick boundary and expires a bucket once its time has come', () => {
    const queue = new ExpiryQueue<string>(2000, 1000);
    expect(queue.update('s', 4000, 1000)).toBe(6000); // 5000 → next boundary after it
    expect(queue.update('t', 4000, 2000)).toBe(8000); // 6000 is a boundary: the next one
    expect(queue.poll(5999)).toEqual([]);
    expect(queue.poll(6000)).toEqual(['s']);
    expect(queue.poll(7999)).toEqual([]);
    expect(queue.poll(20_000)).toEqual(['t']);
    expect(queue.poll(40_000)).toEqual([]);
  });

  it('a touch moves the item to a later bucket; remove takes it out', () => {
    const queue = new ExpiryQueue<string>(1000, 0);
    queue.update('a', 3000, 0); // 4000
    queue.update('b', 3000, 0);
    queue.update('a', 3000, 2500); // 6000
    queue.remove('b');
    expect(queue.poll(4000)).toEqual([]);
    expect(queue.poll(6000)).toEqual(['a']);
  });

  it('expires an item in the first bucket after lastTouch + timeout, at most one tick late', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.array(fc.integer({ min: 0, max: 30_000 }), { maxLength: 10 }),
        (tick, timeout, gaps) => {
          const queue = new ExpiryQueue<number>(tick, 0);
          let now = 0;
          let bucket = queue.update(1, timeout, now);
          for (const gap of gaps) {
            now += gap;
            const expired = queue.poll(now);
            expect(expired).toEqual(now >= bucket ? [1] : []);
            bucket = queue.update(1, timeout, now);
          }
          expect(bucket).toBeGreaterThan(now + timeout);
          expect(bucket).toBeLessThanOrEqual(now + timeout + tick);
          expect(bucket % tick).toBe(0);
          expect(queue.poll(bucket - 1)).toEqual([]);
          expect(queue.poll(bucket)).toEqual([1]);
          expect(queue.poll(bucket + 10 * tick)).toEqual([]);
        },
      ),
    );
  });
});

describe('SessionTracker', () => {
  it('expires sessions whose timeout passed, once, marking them closing', () => {
    const tracker = new SessionTracker(0, 2000, 1000);
    tracker.addSession(1n, 4000, 1000); // bucket 6000
    tracker.addSession(2n, 10_000, 1000); // bucket 12000
    expect(tracker.expire(5999)).toEqual([]);
    const expired = tracker.expire(6000);
    expect(expired.map((s) => s.sessionId)).toEqual([1n]);
    expect(tracker.get(1n)?.isClosing).toBe(true);
    expect(tracker.touchSession(1n, 6000)).toBe(false);
    expect(tracker.expire(100_000).map((s) => s.sessionId)).toEqual([2n]);
    expect(tracker.size).toBe(2); // removed only when the closeSession txn is applied
    tracker.removeSession(1n);
    expect(tracker.get(1n)).toBeUndefined();
  });

  it('touching keeps a session alive', () => {
    const tracker = new SessionTracker(0, 1000, 0);
    tracker.addSession(7n, 3000, 0);
    for (let now = 500; now <= 20_000; now += 500) {
      expect(tracker.touchSession(7n, now)).toBe(true);
      expect(tracker.expire(now)).toEqual([]);
    }
    expect(tracker.expire(20_000 + 4000).map((s) => s.sessionId)).toEqual([7n]);
  });

  it('touching an unknown or closing session fails', () => {
    const tracker = new SessionTracker(0, 1000, 0);
    expect(tracker.touchSession(9n, 0)).toBe(false);
    tracker.addSession(9n, 3000, 0);
    tracker.setSessionClosing(9n);
    expect(tracker.touchSession(9n, 10)).toBe(false);
    expect(tracker.expire(1_000_000)).toEqual([]); // already closing: not expired twice
  });
});
