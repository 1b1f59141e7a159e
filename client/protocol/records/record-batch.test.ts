import { crc32c } from '@node-rs/crc32';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRecordBatch, concatRecordBatches } from './record-batch-builder.ts';
import {
  assignOffsets,
  ATTRIBUTES_OFFSET,
  compressionTypeOf,
  isBatchChecksumValid,
  lastOffsetOf,
  nextOffsetOf,
  readRecordBatchHeader,
  RECORD_BATCH_OVERHEAD,
  setLogAppendTime,
  splitRecordBatches,
  timestampTypeOf,
} from './record-batch.ts';
import { decodeRecords } from './records.ts';

const text = new TextEncoder();
const codecs = { crc32c };

function hex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function fromHex(value: string): Uint8Array {
  const clean = value.replace(/\s+/g, '');
  return Uint8Array.from(clean.match(/../g)!.map((pair) => parseInt(pair, 16)));
}

// The two conformance vectors of kafka-zk-era.md §4.2 (CRCs verified there with the JDK's CRC32C).
const VECTOR_1 = fromHex(`
  0000000000000000 0000003a 00000000 02 1d1083af 0000 00000000
  00000174876e8000 00000174876e8000 ffffffffffffffff ffff ffffffff 00000001
  10 00 00 00 02 6b 02 76 00`);

const T0 = 1_600_000_000_000n;

function vector1(): Uint8Array {
  return buildRecordBatch(
    {
      records: [{ key: text.encode('k'), value: text.encode('v'), timestamp: T0 }],
      partitionLeaderEpoch: 0,
    },
    codecs,
  );
}

function vector2(): Uint8Array {
  return buildRecordBatch(
    {
      baseOffset: 5n,
      partitionLeaderEpoch: 3,
      records: [
        { key: text.encode('k'), value: text.encode('v'), timestamp: T0 },
        {
          key: null,
          value: text.encode('hello'),
          timestamp: T0 + 5n,
          headers: [{ key: 'h', value: text.encode('1') }],
        },
      ],
    },
    codecs,
  );
}

describe('RecordBatch v2 golden vectors (kafka-zk-era.md §4.2)', () => {
  it('vector 1: one record k=v at 1600000000000 is exactly the 70 documented bytes, CRC 0x1d1083af', () => {
    const bytes = vector1();
    expect(bytes.length).toBe(70);
    expect(hex(bytes)).toBe(hex(VECTOR_1));
    const header = readRecordBatchHeader(bytes);
    expect(header).toMatchObject({
      position: 0,
      sizeInBytes: 70,
      baseOffset: 0n,
      batchLength: 58,
      partitionLeaderEpoch: 0,
      magic: 2,
      crc: 0x1d1083af,
      attributes: 0,
      lastOffsetDelta: 0,
      baseTimestamp: T0,
      maxTimestamp: T0,
      producerId: -1n,
      producerEpoch: -1,
      baseSequence: -1,
      recordCount: 1,
    });
    expect(isBatchChecksumValid(bytes, header, crc32c)).toBe(true);
  });

  it('vector 2: baseOffset 5, epoch 3, two records with a header: 86 bytes, CRC 0x5ee021cd', () => {
    const bytes = vector2();
    expect(bytes.length).toBe(86);
    const header = readRecordBatchHeader(bytes);
    expect(header.batchLength).toBe(74);
    expect(header.lastOffsetDelta).toBe(1);
    expect(header.maxTimestamp).toBe(T0 + 5n);
    expect(header.crc).toBe(0x5ee021cd);
    expect(hex(bytes.subarray(RECORD_BATCH_OVERHEAD))).toBe(
      '10000000026b027600' + '1e000a02010a68656c6c6f0202680231',
    );
    expect(lastOffsetOf(header)).toBe(6n);
    expect(nextOffsetOf(header)).toBe(7n);
    const records = decodeRecords(bytes, header);
    expect(records.map((record) => record.offset)).toEqual([5n, 6n]);
    expect(records[1].key).toBeNull();
    expect(new TextDecoder().decode(records[1].value!)).toBe('hello');
    expect(records[1].timestamp).toBe(T0 + 5n);
    expect(records[1].headers.map((h) => [h.key, new TextDecoder().decode(h.value!)])).toEqual([['h', '1']]);
  });

  it('reads the attribute bits', () => {
    const bytes = buildRecordBatch(
      { records: [{ value: null, timestamp: T0 }], timestampType: 'LogAppendTime', isTransactional: true },
      codecs,
    );
    const header = readRecordBatchHeader(bytes);
    expect(header.attributes).toBe(0x18);
    expect(timestampTypeOf(header.attributes)).toBe('LogAppendTime');
    expect(compressionTypeOf(header.attributes)).toBe('none');
    expect(compressionTypeOf(5)).toBeNull();
  });
});

describe('splitRecordBatches', () => {
  const blob = concatRecordBatches([vector1(), vector2(), vector1()]);

  it('finds every batch of a blob with its position', () => {
    const split = splitRecordBatches(blob, { crc32c });
    expect(split.ok).toBe(true);
    if (!split.ok) return;
    expect(split.batches.map((batch) => [batch.position, batch.sizeInBytes, batch.baseOffset])).toEqual([
      [0, 70, 0n],
      [70, 86, 5n],
      [156, 70, 0n],
    ]);
    expect(split.sizeInBytes).toBe(blob.length);
  });

  it('an empty blob has no batches', () => {
    expect(splitRecordBatches(new Uint8Array(0))).toEqual({ ok: true, batches: [], sizeInBytes: 0 });
  });

  it('reports TRUNCATED at every cut point, with the whole batches before it', () => {
    for (let cut = 1; cut < blob.length; cut++) {
      if (cut === 70 || cut === 156) continue; // cuts on a boundary leave whole batches
      const split = splitRecordBatches(blob.subarray(0, cut), { crc32c });
      expect(split.ok).toBe(false);
      if (split.ok) continue;
      expect(split.problem.kind).toBe('TRUNCATED');
      expect(split.batches.length).toBe(cut < 70 ? 0 : cut < 156 ? 1 : 2);
    }
  });

  it('reports a legacy magic byte as UNSUPPORTED_MAGIC', () => {
    const legacy = vector1().slice();
    legacy[16] = 1;
    const split = splitRecordBatches(legacy, { crc32c });
    expect(split.ok).toBe(false);
    if (split.ok) return;
    expect(split.problem.kind).toBe('UNSUPPORTED_MAGIC');
    expect(split.problem.magic).toBe(1);
  });

  it('reports a batchLength below the v2 header as INVALID_BATCH_LENGTH', () => {
    const short = vector1().slice();
    new DataView(short.buffer).setInt32(8, 20);
    const split = splitRecordBatches(short);
    expect(!split.ok && split.problem.kind).toBe('INVALID_BATCH_LENGTH');
  });

  it('detects any single flipped bit in the CRC-covered region or in the CRC itself', () => {
    const original = vector2();
    fc.assert(
      fc.property(
        fc.integer({ min: 17, max: original.length - 1 }),
        fc.integer({ min: 0, max: 7 }),
        (index, bit) => {
          const damaged = original.slice();
          damaged[index] ^= 1 << bit;
          const split = splitRecordBatches(damaged, { crc32c });
          expect(!split.ok && split.problem.kind).toBe('CRC_MISMATCH');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('without crc32c the CRC is not checked (the caller verified it already)', () => {
    const damaged = vector1().slice();
    damaged[69] ^= 0xff;
    expect(splitRecordBatches(damaged).ok).toBe(true);
  });
});

describe('assignOffsets: in place, outside the CRC', () => {
  it('rewrites only baseOffset and partitionLeaderEpoch, and the CRC stays valid', () => {
    const blob = concatRecordBatches([vector1(), vector2()]);
    const before = blob.slice();
    const split = splitRecordBatches(blob, { crc32c });
    if (!split.ok) throw new Error('split failed');
    const next = assignOffsets(blob, split.batches, 1000n, 7);
    expect(next).toBe(1000n + 1n + 2n);
    const changed: number[] = [];
    for (let index = 0; index < blob.length; index++) if (blob[index] !== before[index]) changed.push(index);
    const allowed = (index: number, start: number) =>
      (index >= start && index < start + 8) || (index >= start + 12 && index < start + 16);
    expect(changed.every((index) => allowed(index, 0) || allowed(index, 70))).toBe(true);
    const again = splitRecordBatches(blob, { crc32c });
    expect(again.ok).toBe(true);
    if (!again.ok) return;
    expect(again.batches.map((batch) => [batch.baseOffset, batch.partitionLeaderEpoch])).toEqual([
      [1000n, 7],
      [1001n, 7],
    ]);
    expect(split.batches.map((batch) => batch.baseOffset)).toEqual([1000n, 1001n]);
    expect(decodeRecords(blob, again.batches[1]).map((record) => record.offset)).toEqual([1001n, 1002n]);
  });
});

describe('setLogAppendTime', () => {
  it('sets the timestamp type and maxTimestamp, recomputes the CRC, and records read the append time', () => {
    const bytes = vector2();
    const header = readRecordBatchHeader(bytes);
    setLogAppendTime(bytes, header, 1_700_000_000_000n, crc32c);
    const reread = readRecordBatchHeader(bytes);
    expect(timestampTypeOf(reread.attributes)).toBe('LogAppendTime');
    expect(reread.maxTimestamp).toBe(1_700_000_000_000n);
    expect(reread.crc).toBe(header.crc);
    expect(isBatchChecksumValid(bytes, reread, crc32c)).toBe(true);
    expect(decodeRecords(bytes, reread).map((record) => record.timestamp)).toEqual([
      1_700_000_000_000n,
      1_700_000_000_000n,
    ]);
    expect(bytes[ATTRIBUTES_OFFSET + 1] & 0x08).toBe(0x08);
  });
});
