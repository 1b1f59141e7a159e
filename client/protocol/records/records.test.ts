import zlib from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RecordCompression } from './codecs.ts';
import { CorruptRecordError, UnsupportedCompressionError } from './errors.ts';
import { buildRecordBatch, concatRecordBatches, type RecordInput } from './record-batch-builder.ts';
import { compressionTypeOf, readRecordBatchHeader, splitRecordBatches } from './record-batch.ts';
import { decodeRecordBatches, decodeRecords } from './records.ts';

// What a shell injects (test files may use node:*; the records module itself may not).
const nodeCompression: RecordCompression = {
  compress(type, bytes) {
    if (type === 'gzip') return zlib.gzipSync(bytes);
    if (type === 'zstd') return zlib.zstdCompressSync(bytes);
    throw new UnsupportedCompressionError(`${type} is not available`);
  },
  decompress(type, bytes) {
    if (type === 'gzip') return zlib.gunzipSync(bytes);
    if (type === 'zstd') return zlib.zstdDecompressSync(bytes);
    throw new UnsupportedCompressionError(`${type} is not available`);
  },
};

const bytesArb = fc.uint8Array({ maxLength: 64 });
const recordArb = fc.record({
  key: fc.option(bytesArb, { nil: null }),
  value: fc.option(bytesArb, { nil: null }),
  headers: fc.array(
    fc.record({ key: fc.string({ maxLength: 12 }), value: fc.option(bytesArb, { nil: null }) }),
    {
      maxLength: 3,
    },
  ),
  timestamp: fc.bigInt({ min: 0n, max: 4_000_000_000_000n }),
});

const batchArb = fc.record({
  records: fc.array(recordArb, { minLength: 1, maxLength: 20 }),
  baseOffset: fc.bigInt({ min: 0n, max: 2n ** 62n }),
  partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  compression: fc.constantFrom('none' as const, 'gzip' as const, 'zstd' as const),
  producerId: fc.constantFrom(-1n, 0n, 4711n),
  producerEpoch: fc.integer({ min: -1, max: 32767 }),
  baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
});

function normalise(record: RecordInput) {
  return {
    key: record.key === null || record.key === undefined ? null : [...record.key],
    value: record.value === null || record.value === undefined ? null : [...record.value],
    headers: (record.headers ?? []).map((h) => ({
      key: h.key,
      value: h.value === null ? null : [...h.value],
    })),
    timestamp: record.timestamp,
  };
}

describe('build → split → decode round trips', () => {
  it('returns every field of every record, for none, gzip and zstd', () => {
    fc.assert(
      fc.property(batchArb, (options) => {
        const bytes = buildRecordBatch(options, { crc32c, compression: nodeCompression });
        const split = splitRecordBatches(bytes, { crc32c });
        expect(split.ok).toBe(true);
        if (!split.ok) return;
        const [header] = split.batches;
        expect(header.baseOffset).toBe(options.baseOffset);
        expect(header.partitionLeaderEpoch).toBe(options.partitionLeaderEpoch);
        expect(compressionTypeOf(header.attributes)).toBe(options.compression);
        expect(header.recordCount).toBe(options.records.length);
        expect(header.lastOffsetDelta).toBe(options.records.length - 1);
        expect(header.baseTimestamp).toBe(options.records[0].timestamp);
        const maxTimestamp = options.records.reduce((max, r) => (r.timestamp > max ? r.timestamp : max), -1n);
        expect(header.maxTimestamp).toBe(maxTimestamp);
        expect([header.producerId, header.producerEpoch, header.baseSequence]).toEqual([
          options.producerId,
          options.producerEpoch,
          options.baseSequence,
        ]);
        const records = decodeRecords(bytes, header, nodeCompression);
        expect(records.map((record) => record.offset)).toEqual(
          options.records.map((_, index) => options.baseOffset + BigInt(index)),
        );
        expect(records.map(normalise)).toEqual(options.records.map(normalise));
      }),
      { numRuns: 200 },
    );
  });

  it('decodes a blob of several batches and drops a partial tail, as consumers do', () => {
    const first = buildRecordBatch(
      { records: [{ value: Uint8Array.of(1) }], defaultTimestamp: 10n },
      { crc32c },
    );
    const second = buildRecordBatch(
      {
        baseOffset: 1n,
        records: [{ value: Uint8Array.of(2) }, { value: Uint8Array.of(3) }],
        defaultTimestamp: 11n,
      },
      { crc32c },
    );
    const blob = concatRecordBatches([first, second]);
    const whole = decodeRecordBatches(blob, { crc32c });
    expect(whole.flatMap((batch) => batch.records.map((record) => record.value![0]))).toEqual([1, 2, 3]);
    const partial = decodeRecordBatches(blob.subarray(0, blob.length - 3));
    expect(partial.length).toBe(1);
    expect(() => decodeRecordBatches(blob.subarray(0, blob.length - 3), { allowPartialTail: false })).toThrow(
      CorruptRecordError,
    );
  });

  it('throws CorruptRecordError when the records disagree with the header', () => {
    const bytes = buildRecordBatch(
      { records: [{ value: Uint8Array.of(1, 2, 3) }], defaultTimestamp: 1n },
      { crc32c },
    );
    const header = readRecordBatchHeader(bytes);
    expect(() => decodeRecords(bytes, { ...header, recordCount: 2 })).toThrow(CorruptRecordError);
    const damaged = bytes.slice();
    damaged[61] = 0x7e; // record length 63: runs past the batch
    expect(() => decodeRecords(damaged, header)).toThrow(CorruptRecordError);
  });

  it('needs an injected decompressor for compressed batches', () => {
    const bytes = buildRecordBatch(
      { records: [{ value: Uint8Array.of(1) }], defaultTimestamp: 1n, compression: 'gzip' },
      { crc32c, compression: nodeCompression },
    );
    expect(() => decodeRecords(bytes, readRecordBatchHeader(bytes))).toThrow(UnsupportedCompressionError);
  });

  it('refuses to build an empty batch or a record without a timestamp', () => {
    expect(() => buildRecordBatch({ records: [] }, { crc32c })).toThrow(/at least one record/);
    expect(() => buildRecordBatch({ records: [{ value: null }] }, { crc32c })).toThrow(/no timestamp/);
  });

  it('allows negative timestamp deltas (baseTimestamp is the first record, as the Java client)', () => {
    const bytes = buildRecordBatch(
      {
        records: [
          { value: null, timestamp: 100n },
          { value: null, timestamp: 40n },
        ],
      },
      { crc32c },
    );
    const header = readRecordBatchHeader(bytes);
    expect([header.baseTimestamp, header.maxTimestamp]).toEqual([100n, 100n]);
    expect(decodeRecords(bytes, header).map((record) => [record.timestampDelta, record.timestamp])).toEqual([
      [0, 100n],
      [-60, 40n],
    ]);
  });
});
