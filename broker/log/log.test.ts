import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  computeBatchChecksum,
  CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  readRecordBatchHeader,
  splitRecordBatches,
} from '../../client/protocol/records/record-batch.ts';
import { decodeRecordBatches } from '../../client/protocol/records/records.ts';
import { Log, type LogAppendResult, type LogOptions } from './log.ts';
import {
  batchBaseOffsets,
  config,
  hex,
  kvBatch,
  MockTime,
  offsetsIn,
  producerBatch,
  removeDir,
  tempDir,
} from './log-test-support.ts';
import { nativeCrc32c } from '../../client/node/native-codecs.ts';

const T0 = 1_600_000_000_000n;

let root: string;
let dir: string;
let time: MockTime;
const open: Log[] = [];

beforeEach(() => {
  root = tempDir();
  dir = path.join(root, 'orders-0');
  time = new MockTime();
});
afterEach(() => {
  for (const log of open.splice(0)) if (!log.isClosed) log.closeHandlers();
  removeDir(root);
});

function openLog(overrides: Partial<LogOptions> = {}): Log {
  const log = Log.open({ dir, config: config(), time, hadCleanShutdown: true, ...overrides });
  open.push(log);
  return log;
}

function ok(result: LogAppendResult) {
  if (!result.ok) throw new Error(`append failed: ${result.error.error} ${result.error.message}`);
  return result.info;
}

function files(): string[] {
  return fs.readdirSync(dir).sort();
}

function fileHex(name: string): string {
  return hex(fs.readFileSync(path.join(dir, name)));
}

describe('golden layout', () => {
  it('six 70-byte batches, index.interval.bytes 100: file names and index bytes computed by hand', () => {
    const log = openLog({ config: config({ indexIntervalBytes: 100, segmentIndexBytes: 1024 }) });
    for (let index = 0; index < 6; index++) ok(log.appendAsLeader(kvBatch(T0 + BigInt(index) * 1000n), 0));
    expect(files()).toEqual([
      '00000000000000000000.index',
      '00000000000000000000.log',
      '00000000000000000000.timeindex',
      'leader-epoch-checkpoint',
    ]);
    // Active segment: both indexes preallocated (1024 → 128 entries of 8; 1020 = 85 entries of 12).
    expect(fs.statSync(path.join(dir, '00000000000000000000.index')).size).toBe(1024);
    expect(fs.statSync(path.join(dir, '00000000000000000000.timeindex')).size).toBe(1020);
    log.close();
    // Counter rule: an entry when more than 100 bytes were written since the last one.
    //   append 0 @0 (0 since) · 1 @70 (70) · 2 @140 (140 > 100 → entry 2→140) · 3 @210 (70)
    //   append 4 @280 (140 → entry 4→280) · 5 @350 (70)
    expect(fs.statSync(path.join(dir, '00000000000000000000.log')).size).toBe(420);
    expect(fileHex('00000000000000000000.index')).toBe('00000002' + '0000008c' + '00000004' + '00000118');
    // Time entries ride on offset entries (max timestamp so far, its batch's last offset), plus the
    // final entry written on close: (T0+5000, 5). T0 = 0x174876e8000.
    expect(fileHex('00000000000000000000.timeindex')).toBe(
      '00000174876e87d0' + '00000002' + '00000174876e8fa0' + '00000004' + '00000174876e9388' + '00000005',
    );
    expect(fs.readFileSync(path.join(dir, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n1\n0 0\n');
  });

  it('the .log holds the producer bytes with only baseOffset and partitionLeaderEpoch rewritten', () => {
    const log = openLog();
    ok(log.appendAsLeader(kvBatch(T0), 7));
    const sent = kvBatch(T0);
    ok(log.appendAsLeader(sent, 7));
    log.close();
    const stored = fs.readFileSync(path.join(dir, '00000000000000000000.log'));
    const second = stored.subarray(70, 140);
    expect(hex(second.subarray(0, 8))).toBe('0000000000000001');
    expect(hex(second.subarray(12, 16))).toBe('00000007');
    expect(hex(second.subarray(16))).toBe(hex(kvBatch(T0).subarray(16)));
    expect(hex(sent)).toBe(hex(second)); // assigned in place, in the caller's bytes
  });
});

describe('append and read', () => {
  it('assigns consecutive offsets and reports them', () => {
    const log = openLog();
    const first = ok(log.appendAsLeader(producerBatch({ count: 3, timestamp: T0 }), 0));
    const second = ok(log.appendAsLeader(producerBatch({ count: 2, timestamp: T0 + 10n }), 0));
    expect([first.firstOffset, first.lastOffset, first.recordCount]).toEqual([0n, 2n, 3]);
    expect([second.firstOffset, second.lastOffset, second.maxTimestamp, second.logAppendTime]).toEqual([
      3n,
      4n,
      T0 + 11n,
      -1n,
    ]);
    expect(log.logEndOffset).toBe(5n);
    const read = log.read(0n, { maxBytes: 1 << 20 });
    expect(read.error).toBeNull();
    if (read.error !== null) return;
    expect(offsetsIn(read.records)).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(splitRecordBatches(read.records, { crc32c: nativeCrc32c }).ok).toBe(true);
  });

  it('a fetch inside a batch returns the whole batch (consumers skip the earlier records)', () => {
    const log = openLog();
    ok(log.appendAsLeader(producerBatch({ count: 3 }), 0));
    ok(log.appendAsLeader(producerBatch({ count: 3 }), 0));
    const read = log.read(4n, { maxBytes: 1 << 20 });
    if (read.error !== null) throw new Error(read.error);
    expect(batchBaseOffsets(read.records)).toEqual([3n]);
  });

  it('returns whole batches only, and at least one even when larger than maxBytes (KIP-74)', () => {
    const log = openLog();
    for (let index = 0; index < 4; index++) ok(log.appendAsLeader(producerBatch({ valueSize: 200 }), 0));
    const size = producerBatch({ valueSize: 200 }).length;
    const two = log.read(0n, { maxBytes: size * 2 + size / 2 });
    if (two.error !== null) throw new Error(two.error);
    expect(batchBaseOffsets(two.records)).toEqual([0n, 1n]);
    const small = log.read(1n, { maxBytes: 10 });
    if (small.error !== null) throw new Error(small.error);
    expect(batchBaseOffsets(small.records)).toEqual([1n]);
    const strict = log.read(1n, { maxBytes: 10, minOneMessage: false });
    if (strict.error !== null) throw new Error(strict.error);
    expect([strict.records.length, strict.firstEntryIncomplete]).toEqual([0, true]);
  });

  it('stops at maxOffset (the high watermark for consumers)', () => {
    const log = openLog();
    for (let index = 0; index < 5; index++) ok(log.appendAsLeader(producerBatch({ count: 2 }), 0));
    const read = log.read(0n, { maxBytes: 1 << 20, maxOffset: 6n });
    if (read.error !== null) throw new Error(read.error);
    expect(offsetsIn(read.records)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
    const atBound = log.read(6n, { maxBytes: 1 << 20, maxOffset: 6n });
    if (atBound.error !== null) throw new Error(atBound.error);
    expect(atBound.records.length).toBe(0);
    // A bound inside a batch excludes that batch.
    const inside = log.read(0n, { maxBytes: 1 << 20, maxOffset: 5n });
    if (inside.error !== null) throw new Error(inside.error);
    expect(offsetsIn(inside.records)).toEqual([0n, 1n, 2n, 3n]);
  });

  it('answers OFFSET_OUT_OF_RANGE below the log start and above the log end; empty at the end', () => {
    const log = openLog();
    ok(log.appendAsLeader(producerBatch({ count: 2 }), 0));
    expect(log.read(3n, { maxBytes: 100 }).error).toBe('OFFSET_OUT_OF_RANGE');
    const atEnd = log.read(2n, { maxBytes: 100 });
    expect(atEnd.error === null && atEnd.records.length).toBe(0);
    log.updateHighWatermark(2n);
    expect(log.maybeIncrementLogStartOffset(1n)).toEqual({ error: null, updated: true });
    expect(log.read(0n, { maxBytes: 100 })).toMatchObject({
      error: 'OFFSET_OUT_OF_RANGE',
      logStartOffset: 1n,
      logEndOffset: 2n,
    });
    expect(log.maybeIncrementLogStartOffset(3n)).toEqual({ error: 'OFFSET_OUT_OF_RANGE', errorCode: 1 });
  });

  it('refuses corrupt and oversized appends as data, appending nothing', () => {
    const log = openLog({ config: config({ maxMessageBytes: 500, segmentBytes: 1000 }) });
    const damaged = producerBatch({ count: 2 }).slice();
    damaged[damaged.length - 1] ^= 1;
    const corrupt = log.appendAsLeader(damaged, 0);
    expect(!corrupt.ok && corrupt.error).toMatchObject({ error: 'CORRUPT_MESSAGE', errorCode: 2 });
    const big = log.appendAsLeader(producerBatch({ valueSize: 600 }), 0);
    expect(!big.ok && big.error).toMatchObject({ error: 'MESSAGE_TOO_LARGE', errorCode: 10 });
    const list = producerBatch({ valueSize: 400 });
    const many = new Uint8Array(list.length * 3);
    for (let index = 0; index < 3; index++) many.set(producerBatch({ valueSize: 400 }), index * list.length);
    const tooMany = log.appendAsLeader(many, 0, { origin: 'coordinator' });
    expect(!tooMany.ok && tooMany.error).toMatchObject({ error: 'RECORD_LIST_TOO_LARGE', errorCode: 18 });
    expect(log.logEndOffset).toBe(0n);
    expect(log.size).toBe(0);
  });

  it('LogAppendTime topics stamp the broker time into maxTimestamp (CRC recomputed)', () => {
    time.now = 1_700_000_000_000;
    const log = openLog({ config: config({ messageTimestampType: 'LogAppendTime' }) });
    const info = ok(log.appendAsLeader(producerBatch({ count: 2, timestamp: T0 }), 0));
    expect(info.logAppendTime).toBe(1_700_000_000_000n);
    const read = log.read(0n, { maxBytes: 1 << 20 });
    if (read.error !== null) throw new Error(read.error);
    const [batch] = decodeRecordBatches(read.records, { crc32c: nativeCrc32c });
    expect(batch.records.map((record) => record.timestamp)).toEqual([1_700_000_000_000n, 1_700_000_000_000n]);
  });
});

describe('follower append', () => {
  it('stores the leader batches byte for byte and rebuilds its epoch cache from them', () => {
    const leader = Log.open({
      dir: path.join(root, 'orders-1'),
      config: config(),
      time,
      hadCleanShutdown: true,
    });
    open.push(leader);
    ok(leader.appendAsLeader(producerBatch({ count: 2 }), 3));
    ok(leader.appendAsLeader(producerBatch({ count: 1 }), 5));
    const fetched = leader.read(0n, { maxBytes: 1 << 20 });
    if (fetched.error !== null) throw new Error(fetched.error);
    const follower = openLog();
    const info = ok(follower.appendAsFollower(fetched.records.slice()));
    expect([info.firstOffset, info.lastOffset]).toEqual([0n, 2n]);
    const copy = follower.read(0n, { maxBytes: 1 << 20 });
    if (copy.error !== null) throw new Error(copy.error);
    expect(hex(copy.records)).toBe(hex(fetched.records));
    expect(follower.leaderEpochCache.epochEntries).toEqual([
      { epoch: 3, startOffset: 0n },
      { epoch: 5, startOffset: 2n },
    ]);
  });

  it('refuses batches that do not start at its log end offset', () => {
    const follower = openLog();
    const batch = producerBatch();
    new DataView(batch.buffer).setBigInt64(0, 5n);
    const result = follower.appendAsFollower(batch);
    expect(!result.ok && result.error.error).toBe('UNEXPECTED_APPEND_OFFSET');
  });
});

describe('segment roll', () => {
  it('rolls on segment.bytes: a new segment named by the next offset', () => {
    const log = openLog({ config: config({ segmentBytes: 210 }) });
    for (let index = 0; index < 7; index++) ok(log.appendAsLeader(kvBatch(T0), 0));
    // 70-byte batches: the active segment rolls when size > 210 − 70, i.e. after 3 batches.
    expect(log.logSegments().map((segment) => [segment.baseOffset, segment.size])).toEqual([
      [0n, 210],
      [3n, 210],
      [6n, 70],
    ]);
    expect(files().filter((name) => name.endsWith('.log'))).toEqual([
      '00000000000000000000.log',
      '00000000000000000003.log',
      '00000000000000000006.log',
    ]);
    // Inactive segments have trimmed indexes (no entries here: every append was below the interval).
    expect(fs.statSync(path.join(dir, '00000000000000000000.index')).size).toBe(0);
    expect(fs.statSync(path.join(dir, '00000000000000000000.timeindex')).size).toBe(12);
    // Rolling flushed the old segments: the recovery point is the new segment's base.
    expect(log.recoveryPoint).toBe(6n);
    const read = log.read(2n, { maxBytes: 1 << 20 });
    if (read.error !== null) throw new Error(read.error);
    expect(batchBaseOffsets(read.records)).toEqual([2n]); // one read never crosses a segment
  });

  it('rolls on segment.ms by record time: first batch max timestamp vs the incoming max timestamp', () => {
    const log = openLog({ config: config({ segmentMs: 1000 }) });
    ok(log.appendAsLeader(kvBatch(T0), 0));
    ok(log.appendAsLeader(kvBatch(T0 + 1000n), 0));
    expect(log.numberOfSegments).toBe(1);
    const info = ok(log.appendAsLeader(kvBatch(T0 + 1001n), 0));
    expect(info.rolled).toBe(true);
    expect(log.logSegments().map((segment) => segment.baseOffset)).toEqual([0n, 2n]);
  });

  it('rolls on segment.ms by wall clock when batches carry no timestamp', () => {
    const log = openLog({ config: config({ segmentMs: 1000 }) });
    ok(log.appendAsLeader(kvBatch(-1n), 0));
    time.sleep(1001);
    ok(log.appendAsLeader(kvBatch(-1n), 0));
    expect(log.numberOfSegments).toBe(2);
  });

  it('rolls when the time index is full (one slot kept for the final entry)', () => {
    // 36 bytes: offset index 4 entries, time index 3 (full at 2); an entry after every append but the first.
    const log = openLog({ config: config({ segmentIndexBytes: 36, indexIntervalBytes: 0 }) });
    for (let index = 0; index < 5; index++) ok(log.appendAsLeader(kvBatch(T0 + BigInt(index)), 0));
    expect(log.logSegments().map((segment) => segment.baseOffset)).toEqual([0n, 3n]);
  });

  it('rolls when the offset index is full (timestamps not growing)', () => {
    const log = openLog({ config: config({ segmentIndexBytes: 36, indexIntervalBytes: 0 }) });
    for (let index = 0; index < 7; index++) ok(log.appendAsLeader(kvBatch(T0), 0));
    expect(log.logSegments().map((segment) => segment.baseOffset)).toEqual([0n, 5n]);
  });

  it('rolls when offsets would not fit an int32 delta from the base offset', () => {
    const log = openLog();
    ok(log.appendAsFollower(kvBatch(T0)));
    const huge = kvBatch(T0);
    const view = new DataView(huge.buffer);
    view.setBigInt64(0, 1n);
    view.setInt32(LAST_OFFSET_DELTA_OFFSET, 0x7fffffff);
    view.setUint32(CRC_OFFSET, computeBatchChecksum(huge, 0, huge.length, nativeCrc32c));
    const info = ok(log.appendAsFollower(huge));
    expect([info.rolled, info.lastOffset]).toEqual([true, 2n ** 31n]);
    expect(log.logSegments().map((segment) => segment.baseOffset)).toEqual([0n, 1n]);
  });
});

describe('ListOffsets', () => {
  it('-2 = log start, -1 = log end, T = first record with timestamp ≥ T (records inside batches)', () => {
    const log = openLog({ config: config({ segmentBytes: 150 }) });
    ok(log.appendAsLeader(producerBatch({ count: 3, timestamp: T0 }), 0)); // 0..2 @ T0..T0+2
    ok(log.appendAsLeader(producerBatch({ count: 3, timestamp: T0 + 100n }), 1)); // 3..5
    ok(log.appendAsLeader(producerBatch({ count: 3, timestamp: T0 + 200n, compression: 'gzip' }), 1)); // 6..8
    expect(log.numberOfSegments).toBeGreaterThan(1);
    expect(log.fetchOffsetByTimestamp(-2n)).toEqual({ timestamp: -1n, offset: 0n, leaderEpoch: 0 });
    expect(log.fetchOffsetByTimestamp(-1n)).toEqual({ timestamp: -1n, offset: 9n, leaderEpoch: 1 });
    expect(log.fetchOffsetByTimestamp(T0 + 1n)).toEqual({ timestamp: T0 + 1n, offset: 1n, leaderEpoch: 0 });
    expect(log.fetchOffsetByTimestamp(T0 + 50n)).toEqual({
      timestamp: T0 + 100n,
      offset: 3n,
      leaderEpoch: 1,
    });
    expect(log.fetchOffsetByTimestamp(T0 + 202n)).toEqual({
      timestamp: T0 + 202n,
      offset: 8n,
      leaderEpoch: 1,
    });
    expect(log.fetchOffsetByTimestamp(T0 + 203n)).toBeNull();
  });
});

describe('truncateTo (followers)', () => {
  it('cuts whole batches, deletes later segments, trims the epoch cache, and appends continue', () => {
    const log = openLog({ config: config({ segmentBytes: 300, indexIntervalBytes: 50 }) });
    for (let index = 0; index < 8; index++)
      ok(log.appendAsLeader(producerBatch({ count: 2 }), index < 4 ? 0 : 1));
    expect(log.logEndOffset).toBe(16n);
    const segmentsBefore = log.logSegments().map((segment) => segment.baseOffset);
    expect(segmentsBefore.length).toBeGreaterThan(2);
    log.updateHighWatermark(16n);
    // 9 is inside the batch 8..9: that whole batch goes, the log ends at 8.
    expect(log.truncateTo(9n)).toBe(true);
    expect(log.logEndOffset).toBe(8n);
    expect(log.highWatermark).toBe(8n);
    expect(log.leaderEpochCache.epochEntries).toEqual([{ epoch: 0, startOffset: 0n }]);
    for (const base of segmentsBefore.filter((offset) => offset > 8n)) {
      expect(fs.existsSync(path.join(dir, `${base.toString().padStart(20, '0')}.log`))).toBe(false);
    }
    expect(readAll(log)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    ok(log.appendAsLeader(producerBatch({ count: 2 }), 2));
    expect(log.logEndOffset).toBe(10n);
    expect(log.leaderEpochCache.epochEntries).toEqual([
      { epoch: 0, startOffset: 0n },
      { epoch: 2, startOffset: 8n },
    ]);
    expect(log.truncateTo(10n)).toBe(false);
  });

  it('below the first segment it empties the log and starts at the target', () => {
    const log = openLog();
    ok(log.appendAsLeader(producerBatch({ count: 3 }), 0));
    log.truncateFullyAndStartAt(100n);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([100n, 100n]);
    expect(files().filter((name) => name.endsWith('.log'))).toEqual(['00000000000000000100.log']);
    ok(log.appendAsFollower(withBaseOffset(producerBatch({ count: 2 }), 100n)));
    expect(log.logEndOffset).toBe(102n);
  });
});

/** Every record offset, fetching as a consumer would (one segment per read). */
function readAll(log: Log): bigint[] {
  const offsets: bigint[] = [];
  let next = log.logStartOffset;
  while (next < log.logEndOffset) {
    const read = log.read(next, { maxBytes: 1 << 20 });
    if (read.error !== null) throw new Error(read.error);
    const got = offsetsIn(read.records).filter((offset) => offset >= next);
    if (got.length === 0) throw new Error(`no progress at ${next}`);
    offsets.push(...got);
    next = got[got.length - 1] + 1n;
  }
  return offsets;
}

function withBaseOffset(batch: Uint8Array, baseOffset: bigint): Uint8Array {
  new DataView(batch.buffer, batch.byteOffset).setBigInt64(0, baseOffset);
  return batch;
}

describe('retention', () => {
  function filledLog(overrides = {}) {
    const log = openLog({ config: config({ segmentBytes: 210, ...overrides }) });
    // 9 batches → segments at 0, 3, 6; timestamps T0 + 1000·i.
    for (let index = 0; index < 9; index++) ok(log.appendAsLeader(kvBatch(T0 + BigInt(index) * 1000n), 0));
    expect(log.logSegments().map((segment) => segment.baseOffset)).toEqual([0n, 3n, 6n]);
    return log;
  }

  it('by time: deletes old segments whose largest timestamp is older than retention.ms, never past the HW', () => {
    const log = filledLog({ retentionMs: 10_000 });
    const now = Number(T0) + 2000 + 10_001; // segment 0 (max T0+2000) expired, segment 3 (T0+5000) not
    expect(log.deleteOldSegments(now)).toBe(0); // HW is 0: nothing is below it
    log.updateHighWatermark(9n);
    expect(log.deleteOldSegments(now)).toBe(1);
    expect(log.logStartOffset).toBe(3n);
    expect(files().filter((name) => name.startsWith('00000000000000000000'))).toEqual([]);
    expect(log.read(0n, { maxBytes: 100 }).error).toBe('OFFSET_OUT_OF_RANGE');
  });

  it('by time: when every segment expired, rolls first so an empty active segment remains', () => {
    const log = filledLog({ retentionMs: 1000 });
    log.updateHighWatermark(9n);
    expect(log.deleteOldSegments(Number(T0) + 100_000)).toBe(3);
    expect(log.logSegments().map((segment) => [segment.baseOffset, segment.size])).toEqual([[9n, 0]]);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([9n, 9n]);
    expect(log.deleteOldSegments(Number(T0) + 200_000)).toBe(0);
    ok(log.appendAsLeader(kvBatch(T0), 0));
    expect(log.logEndOffset).toBe(10n);
  });

  it('by size: deletes oldest segments while the partition stays above retention.bytes', () => {
    const log = filledLog({ retentionBytes: 300 });
    log.updateHighWatermark(9n);
    // 630 bytes: dropping segment 0 (210) leaves 420 > 300; dropping segment 3 too would leave 210 ≤ 300,
    // but only while the excess (330) covers the whole segment: 330 − 210 = 120 < 210 → stop.
    expect(log.deleteOldSegments(Number(T0))).toBe(1);
    expect(log.logSegments().map((segment) => segment.baseOffset)).toEqual([3n, 6n]);
  });

  it('below the log start offset (DeleteRecords): whole segments only', () => {
    const log = filledLog();
    log.updateHighWatermark(9n);
    log.maybeIncrementLogStartOffset(7n);
    expect(log.deleteOldSegments(Number(T0))).toBe(2);
    expect(log.logSegments().map((segment) => segment.baseOffset)).toEqual([6n]);
    expect(log.logStartOffset).toBe(7n);
    const read = log.read(7n, { maxBytes: 1 << 20 });
    if (read.error !== null) throw new Error(read.error);
    expect(batchBaseOffsets(read.records)).toEqual([7n, 8n]);
  });

  it('retention.ms -1 keeps everything', () => {
    const log = filledLog({ retentionMs: -1 });
    log.updateHighWatermark(9n);
    expect(log.deleteOldSegments(Number.MAX_SAFE_INTEGER)).toBe(0);
  });
});

describe('flush and close', () => {
  it('flush advances the recovery point; close trims the active indexes; reopening continues', () => {
    const log = openLog();
    ok(log.appendAsLeader(producerBatch({ count: 4 }), 0));
    expect(log.recoveryPoint).toBe(0n);
    log.flush();
    expect(log.recoveryPoint).toBe(4n);
    log.close();
    expect(() => log.read(0n, { maxBytes: 10 })).toThrow(/closed/);
    const reopened = openLog({ recoveryPoint: 4n });
    expect([reopened.logEndOffset, reopened.recoveryPoint]).toEqual([4n, 4n]);
    ok(reopened.appendAsLeader(producerBatch({ count: 1 }), 0));
    const read = reopened.read(0n, { maxBytes: 1 << 20 });
    if (read.error !== null) throw new Error(read.error);
    expect(offsetsIn(read.records)).toEqual([0n, 1n, 2n, 3n, 4n]);
  });

  it('flush.messages flushes after that many records', () => {
    const log = openLog({ config: config({ flushMessages: 3 }) });
    ok(log.appendAsLeader(producerBatch({ count: 2 }), 0));
    expect(log.recoveryPoint).toBe(0n);
    ok(log.appendAsLeader(producerBatch({ count: 1 }), 0));
    expect(log.recoveryPoint).toBe(3n);
  });

  it('delete removes the partition directory', () => {
    const log = openLog();
    ok(log.appendAsLeader(producerBatch(), 0));
    log.delete();
    expect(fs.readdirSync(root)).toEqual([]);
  });
});

describe('header sanity', () => {
  it('reads back the assigned header fields', () => {
    const log = openLog();
    ok(log.appendAsLeader(producerBatch({ count: 2 }), 4));
    const read = log.read(0n, { maxBytes: 1 << 20 });
    if (read.error !== null) throw new Error(read.error);
    expect(readRecordBatchHeader(read.records)).toMatchObject({
      baseOffset: 0n,
      partitionLeaderEpoch: 4,
      recordCount: 2,
    });
  });
});

describe('kafkajs 2.2.4 end to end at the log', () => {
  const require = createRequire(import.meta.url);
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js');
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js');
  const RecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder.js');
  const Decoder = require('kafkajs/src/protocol/decoder.js');

  it('a kafkajs batch is appended as sent (offsets assigned in place) and decodes in kafkajs after a fetch', async () => {
    const log = openLog();
    ok(log.appendAsLeader(producerBatch({ count: 4 }), 0));
    const timestamp = 1_650_000_000_000;
    const records = ['a', 'b', 'c'].map((value, offsetDelta) =>
      Record({
        key: Buffer.from('key'),
        value: Buffer.from(value),
        offsetDelta,
        timestampDelta: offsetDelta,
        headers: { h: 'x' },
      }),
    );
    const encoder = await RecordBatch({
      records,
      firstTimestamp: timestamp,
      maxTimestamp: timestamp + 2,
      lastOffsetDelta: 2,
    });
    const info = ok(log.appendAsLeader(new Uint8Array(encoder.buffer), 6, { produceVersion: 3 }));
    expect([info.firstOffset, info.lastOffset]).toEqual([4n, 6n]);
    const read = log.read(5n, { maxBytes: 1 << 20 });
    if (read.error !== null) throw new Error(read.error);
    const decoded = await RecordBatchDecoder(new Decoder(Buffer.from(read.records)));
    expect(decoded.partitionLeaderEpoch).toBe(6);
    expect(
      decoded.records.map((r: { offset: string; value: Buffer }) => [r.offset, r.value.toString()]),
    ).toEqual([
      ['4', 'a'],
      ['5', 'b'],
      ['6', 'c'],
    ]);
  });
});
