import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hex, removeDir, tempDir } from './log-test-support.ts';
import { OffsetIndex } from './offset-index.ts';
import { TimeIndex } from './time-index.ts';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

describe('OffsetIndex (.index)', () => {
  it('is preallocated to segment.index.bytes rounded down to 8-byte entries, and trimmed on close', () => {
    const file = path.join(dir, '00000000000000000100.index');
    const index = new OffsetIndex(file, 100n, 1001);
    expect(fs.statSync(file).size).toBe(1000);
    expect(index.maxEntries).toBe(125);
    index.append(103n, 4200);
    index.append(110n, 8400);
    // Big-endian relative offset + position, written through at once.
    expect(hex(fs.readFileSync(file).subarray(0, 16))).toBe(
      '00000003' + '00001068' + '0000000a' + '000020d0',
    );
    index.close();
    expect(fs.statSync(file).size).toBe(16);
  });

  it('lookup is a floor search; below the first entry it answers (baseOffset, 0)', () => {
    const index = new OffsetIndex(path.join(dir, 'a.index'), 100n, 1024);
    index.append(103n, 4200);
    index.append(110n, 8400);
    index.append(120n, 12600);
    expect(index.lookup(99n)).toEqual({ offset: 100n, position: 0 });
    expect(index.lookup(102n)).toEqual({ offset: 100n, position: 0 });
    expect(index.lookup(103n)).toEqual({ offset: 103n, position: 4200 });
    expect(index.lookup(119n)).toEqual({ offset: 110n, position: 8400 });
    expect(index.lookup(10_000_000_000n)).toEqual({ offset: 120n, position: 12600 });
    index.closeHandler();
  });

  it('refuses offsets that do not grow or do not fit int32, and appends to a full index', () => {
    const index = new OffsetIndex(path.join(dir, 'b.index'), 0n, 16);
    index.append(5n, 100);
    expect(() => index.append(5n, 200)).toThrow(/not larger/);
    expect(() => index.append(2n ** 31n, 200)).toThrow(/does not fit/);
    index.append(6n, 200);
    expect(index.isFull()).toBe(true);
    expect(() => index.append(7n, 300)).toThrow(/full index/);
    index.closeHandler();
  });

  it('truncateTo drops entries ≥ the offset and zeroes their slots on disk', () => {
    const file = path.join(dir, 'c.index');
    const index = new OffsetIndex(file, 0n, 64);
    index.append(3n, 100);
    index.append(6n, 200);
    index.append(9n, 300);
    index.truncateTo(6n);
    expect(index.entries).toBe(1);
    expect(fs.statSync(file).size).toBe(64);
    expect(hex(fs.readFileSync(file).subarray(8, 24))).toBe('00'.repeat(16));
    index.append(7n, 250);
    expect(index.lookup(8n)).toEqual({ offset: 7n, position: 250 });
    index.truncateTo(7n);
    index.truncateTo(4n);
    expect(index.entries).toBe(1);
    index.closeHandler();
  });

  it('reloads a preallocated file left by a crash (zero tail) and flags non-zero leftovers', () => {
    const file = path.join(dir, 'd.index');
    const index = new OffsetIndex(file, 0n, 80);
    index.append(3n, 100);
    index.append(6n, 200);
    index.closeHandler(); // crash: not trimmed
    const reopened = new OffsetIndex(file, 0n, 80);
    expect([reopened.entries, reopened.hadJunk, reopened.newlyCreated]).toEqual([2, false, false]);
    expect(reopened.lookup(7n)).toEqual({ offset: 6n, position: 200 });
    reopened.closeHandler();
    const bytes = fs.readFileSync(file);
    bytes.writeInt32BE(1, 40); // garbage after the zero slot
    fs.writeFileSync(file, bytes);
    const damaged = new OffsetIndex(file, 0n, 80);
    expect([damaged.entries, damaged.hadJunk]).toEqual([2, true]);
    damaged.closeHandler();
  });
});

describe('TimeIndex (.timeindex)', () => {
  it('is preallocated to whole 12-byte entries and holds (int64 timestamp, int32 relative offset)', () => {
    const file = path.join(dir, '00000000000000000100.timeindex');
    const index = new TimeIndex(file, 100n, 1024);
    expect(fs.statSync(file).size).toBe(1020);
    index.maybeAppend(1_600_000_000_000n, 103n);
    expect(hex(fs.readFileSync(file).subarray(0, 12))).toBe('00000174876e8000' + '00000003');
    index.close();
    expect(fs.statSync(file).size).toBe(12);
  });

  it('appends only when the timestamp grows', () => {
    const index = new TimeIndex(path.join(dir, 'a.timeindex'), 0n, 1200);
    index.maybeAppend(1000n, 5n);
    index.maybeAppend(1000n, 8n);
    index.maybeAppend(1500n, 9n);
    expect(index.entries).toBe(2);
    expect(() => index.maybeAppend(1400n, 10n)).toThrow(/below the last/);
    expect(() => index.maybeAppend(1600n, 7n)).toThrow(/below the last entry/);
    index.closeHandler();
  });

  it('lookup returns the last entry with timestamp ≤ target, or (-1, baseOffset)', () => {
    const index = new TimeIndex(path.join(dir, 'b.timeindex'), 10n, 1200);
    index.maybeAppend(1000n, 15n);
    index.maybeAppend(2000n, 25n);
    expect(index.lookup(999n)).toEqual({ timestamp: -1n, offset: 10n });
    expect(index.lookup(1999n)).toEqual({ timestamp: 1000n, offset: 15n });
    expect(index.lookup(5000n)).toEqual({ timestamp: 2000n, offset: 25n });
    index.truncateTo(25n);
    expect(index.lastEntry).toEqual({ timestamp: 1000n, offset: 15n });
    index.closeHandler();
  });

  it('reports full one entry early: the last slot is kept for the entry written on roll/close', () => {
    const index = new TimeIndex(path.join(dir, 'c.timeindex'), 0n, 36);
    expect(index.maxEntries).toBe(3);
    index.maybeAppend(1n, 1n);
    index.maybeAppend(2n, 2n);
    expect(index.isFull()).toBe(true);
    expect(() => index.maybeAppend(3n, 3n)).toThrow(/full time index/);
    index.maybeAppend(3n, 3n, true);
    expect(index.entries).toBe(3);
    index.closeHandler();
  });
});
