// Crash recovery: write batches, "crash" (close descriptors without trimming or flushing), damage the files
// the way a torn write or bit rot would, reopen without the clean-shutdown marker, and check exactly which
// offsets survive. Every batch here is the 70-byte single-record batch, so batch i = offset i at byte 70·i.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Log, type LogAppendResult, type LogOptions } from './log.ts';
import { config, kvBatch, MockTime, offsetsIn, removeDir, tempDir } from './log-test-support.ts';

const T0 = 1_600_000_000_000n;
const SIZE = 70;

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
  const log = Log.open({ dir, config: config(), time, ...overrides });
  open.push(log);
  return log;
}

function ok(result: LogAppendResult): void {
  if (!result.ok) throw new Error(result.error.message);
}

/** Writes `count` batches (epochs from `epochOf`) and crashes. */
function writeAndCrash(
  count: number,
  overrides: Partial<LogOptions> = {},
  epochOf = (_offset: number) => 0,
): void {
  const log = openLog({ hadCleanShutdown: true, ...overrides });
  for (let offset = 0; offset < count; offset++)
    ok(log.appendAsLeader(kvBatch(T0 + BigInt(offset)), epochOf(offset)));
  log.closeHandlers();
}

const LOG_0 = '00000000000000000000.log';

function mutate(name: string, change: (bytes: Buffer) => Buffer | void): void {
  const file = path.join(dir, name);
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, change(bytes) ?? bytes);
}

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

function range(count: number): bigint[] {
  return Array.from({ length: count }, (_, index) => BigInt(index));
}

describe('torn tails', () => {
  it('a cut anywhere inside the last batch keeps exactly the batches before it', () => {
    for (let cut = 9 * SIZE; cut < 10 * SIZE; cut++) {
      writeAndCrash(10);
      mutate(LOG_0, (bytes) => bytes.subarray(0, cut));
      const log = openLog();
      expect(log.logEndOffset).toBe(9n);
      expect(log.loadReport.truncatedBytes).toBe(cut - 9 * SIZE);
      expect(fs.statSync(path.join(dir, LOG_0)).size).toBe(9 * SIZE);
      expect(readAll(log)).toEqual(range(9));
      log.closeHandlers();
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('zeros after the last batch (a preallocated or half-written tail) are cut', () => {
    writeAndCrash(4);
    mutate(LOG_0, (bytes) => Buffer.concat([bytes, Buffer.alloc(100)]));
    const log = openLog();
    expect([log.logEndOffset, log.loadReport.truncatedBytes]).toEqual([4n, 100]);
    expect(log.loadReport.truncationReason).toMatch(/invalid batch header at byte 280/);
  });

  it('appends continue after recovery and survive a clean restart', () => {
    writeAndCrash(5);
    mutate(LOG_0, (bytes) => bytes.subarray(0, 4 * SIZE + 30));
    const recovered = openLog();
    ok(recovered.appendAsLeader(kvBatch(T0), 0));
    expect(recovered.logEndOffset).toBe(5n);
    recovered.close();
    const clean = openLog({ hadCleanShutdown: true });
    expect(clean.loadReport.recoveredSegments).toEqual([]);
    expect(readAll(clean)).toEqual(range(5));
  });
});

describe('flipped bytes', () => {
  it('a flipped bit anywhere in batch 5 outside its leader epoch loses batches 5…9 and nothing else', () => {
    for (let index = 0; index < SIZE; index++) {
      if (index >= 12 && index < 16) continue; // partitionLeaderEpoch: see the next test
      for (const bit of [0, 7]) {
        writeAndCrash(10);
        mutate(LOG_0, (bytes) => {
          bytes[5 * SIZE + index] ^= 1 << bit;
        });
        const log = openLog();
        expect([index, bit, log.logEndOffset]).toEqual([index, bit, 5n]);
        expect(readAll(log)).toEqual(range(5));
        log.closeHandlers();
        fs.rmSync(dir, { recursive: true });
      }
    }
  });

  it('partitionLeaderEpoch is outside the CRC: recovery catches an epoch that goes down', () => {
    writeAndCrash(10, {}, (offset) => (offset < 5 ? 3 : 4));
    // Batch 7 claims epoch 2 after epoch 4: impossible in a real log.
    mutate(LOG_0, (bytes) => {
      bytes.writeInt32BE(2, 7 * SIZE + 12);
    });
    const log = openLog();
    expect(log.logEndOffset).toBe(7n);
    expect(log.loadReport.truncationReason).toMatch(/leader epoch 2 after epoch 4/);
    expect(log.leaderEpochCache.epochEntries).toEqual([
      { epoch: 3, startOffset: 0n },
      { epoch: 4, startOffset: 5n },
    ]);
  });

  it('corruption in a middle segment cuts it there and deletes every later segment', () => {
    writeAndCrash(10, { config: config({ segmentBytes: 3 * SIZE }) });
    // Segments 0, 3, 6, 9; rolls flushed 0…8, so the recovery point would be 9. Recover from 0 here.
    mutate('00000000000000000003.log', (bytes) => {
      bytes[SIZE + 40] ^= 0xff; // batch 4
    });
    const log = openLog({ config: config({ segmentBytes: 3 * SIZE }), recoveryPoint: 0n });
    expect(log.loadReport.recoveredSegments).toEqual([0n, 3n]);
    expect(log.loadReport.deletedSegments).toEqual([6n, 9n]);
    expect(log.logEndOffset).toBe(4n);
    expect(fs.readdirSync(dir).filter((name) => name.endsWith('.log'))).toEqual([
      '00000000000000000000.log',
      '00000000000000000003.log',
    ]);
    expect(readAll(log)).toEqual(range(4));
    ok(log.appendAsLeader(kvBatch(T0), 0));
    expect(log.logEndOffset).toBe(5n);
  });
});

describe('what recovery re-reads', () => {
  it('starts at the segment holding the recovery point (earlier segments were flushed when they rolled)', () => {
    writeAndCrash(10, { config: config({ segmentBytes: 3 * SIZE }) });
    const log = openLog({ config: config({ segmentBytes: 3 * SIZE }), recoveryPoint: 7n });
    expect(log.loadReport.recoveredSegments).toEqual([6n, 9n]);
    expect(log.recoveryPoint).toBe(10n);
  });

  it('a clean shutdown skips recovery', () => {
    const first = openLog({ hadCleanShutdown: true });
    for (let offset = 0; offset < 3; offset++) ok(first.appendAsLeader(kvBatch(T0), 0));
    first.close();
    const log = openLog({ hadCleanShutdown: true, recoveryPoint: 3n });
    expect(log.loadReport.recoveredSegments).toEqual([]);
    expect(log.logEndOffset).toBe(3n);
  });

  it('rebuilds missing or damaged index files even after a clean shutdown, byte for byte', () => {
    const cfg = config({ indexIntervalBytes: 100, segmentBytes: 6 * SIZE });
    const first = openLog({ hadCleanShutdown: true, config: cfg });
    for (let offset = 0; offset < 14; offset++)
      ok(first.appendAsLeader(kvBatch(T0 + BigInt(offset) * 10n), 0));
    first.close();
    const index0 = fs.readFileSync(path.join(dir, '00000000000000000000.index'));
    const time0 = fs.readFileSync(path.join(dir, '00000000000000000000.timeindex'));
    expect(index0.length).toBeGreaterThan(0);
    fs.rmSync(path.join(dir, '00000000000000000000.index'));
    mutate('00000000000000000006.timeindex', (bytes) =>
      Buffer.concat([bytes, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])]),
    );
    const log = openLog({ hadCleanShutdown: true, config: cfg });
    expect(log.loadReport.rebuiltIndexes).toEqual([0n, 6n]);
    expect(fs.readFileSync(path.join(dir, '00000000000000000000.index'))).toEqual(index0);
    expect(fs.readFileSync(path.join(dir, '00000000000000000000.timeindex'))).toEqual(time0);
    expect(log.fetchOffsetByTimestamp(T0 + 75n)).toMatchObject({ offset: 8n });
  });

  it('a crash leaves preallocated, zero-tailed index files; they reload and recovery rebuilds them', () => {
    writeAndCrash(200, { config: config({ indexIntervalBytes: 100 }) });
    expect(fs.statSync(path.join(dir, '00000000000000000000.index')).size).toBe(10_485_760);
    const log = openLog({ config: config({ indexIntervalBytes: 100 }) });
    expect(log.logEndOffset).toBe(200n);
    expect(log.loadReport.truncatedBytes).toBe(0);
    expect(log.activeSegment.offsetIndex.entries).toBe(99); // an entry every second 70-byte batch
    expect(log.fetchOffsetByTimestamp(T0 + 150n)).toMatchObject({ offset: 150n });
  });

  it('removes leftovers: .deleted, .cleaned, .swap, .tmp files and index files without a .log', () => {
    writeAndCrash(2);
    for (const name of [
      '00000000000000000005.log.deleted',
      'x.cleaned',
      'y.swap',
      'leader-epoch-checkpoint.tmp',
      '00000000000000000009.index',
    ]) {
      fs.writeFileSync(path.join(dir, name), 'junk');
    }
    const log = openLog();
    expect(log.loadReport.removedFiles.sort()).toEqual(
      [
        '00000000000000000005.log.deleted',
        '00000000000000000009.index',
        'leader-epoch-checkpoint.tmp',
        'x.cleaned',
        'y.swap',
      ].sort(),
    );
    expect(log.logEndOffset).toBe(2n);
  });

  it('a log start offset checkpointed beyond the surviving data empties the log there', () => {
    writeAndCrash(3);
    const log = openLog({ logStartOffset: 50n });
    expect(log.loadReport.deletedSegments).toEqual([0n]);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([50n, 50n]);
  });
});
