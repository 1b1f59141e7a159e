import zlib from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { describe, expect, it } from 'vitest';
import type { RecordCompression } from './codecs.ts';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  validateProduceRecords,
  validateProduceRequestRecords,
  validateRecordsForLeaderAppend,
} from './produce-validation.ts';
import {
  buildRecordBatch,
  type BuildRecordBatchOptions,
  concatRecordBatches,
} from './record-batch-builder.ts';
import { computeBatchChecksum, CRC_OFFSET, dataViewOf, LAST_OFFSET_DELTA_OFFSET } from './record-batch.ts';

const zstd: RecordCompression = {
  compress: (_type, bytes) => zlib.zstdCompressSync(bytes),
  decompress: (_type, bytes) => zlib.zstdDecompressSync(bytes),
};

function batch(options: Partial<BuildRecordBatchOptions> = {}): Uint8Array {
  return buildRecordBatch(
    { records: [{ value: Uint8Array.of(1, 2, 3) }, { value: null }], defaultTimestamp: 1n, ...options },
    { crc32c, compression: zstd },
  );
}

/** Rewrites a CRC-covered int32 and re-seals the CRC, to build "valid CRC, invalid content" cases. */
function withInt32(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const copy = bytes.slice();
  const view = dataViewOf(copy);
  view.setInt32(offset, value);
  view.setUint32(CRC_OFFSET, computeBatchChecksum(copy, 0, copy.length, crc32c));
  return copy;
}

const options = { crc32c, produceVersion: 3 };

describe('Produce records validation (Kafka 2.x error choices)', () => {
  it('accepts one good batch and counts its records', () => {
    const result = validateProduceRecords(batch(), options);
    expect(result.ok).toBe(true);
    if (result.ok) expect([result.recordCount, result.batches.length]).toEqual([2, 1]);
  });

  it('Produce v3+: no batch, or more than one batch → CORRUPT_MESSAGE (InvalidRecordException)', () => {
    const none = validateProduceRequestRecords(new Uint8Array(0), 3);
    expect(!none.ok && none.error.error).toBe('CORRUPT_MESSAGE');
    const two = validateProduceRequestRecords(concatRecordBatches([batch(), batch()]), 3);
    expect(!two.ok && two.error).toMatchObject({
      error: 'CORRUPT_MESSAGE',
      errorCode: 2,
      position: batch().length,
    });
  });

  it('Produce v8+ reports record-rule violations as INVALID_RECORD (87)', () => {
    const two = validateProduceRequestRecords(concatRecordBatches([batch(), batch()]), 8);
    expect(!two.ok && two.error).toMatchObject({ error: 'INVALID_RECORD', errorCode: 87 });
  });

  it('magic ≠ 2: CORRUPT_MESSAGE in Produce v3+, UNSUPPORTED_FOR_MESSAGE_FORMAT for v0–v2', () => {
    const legacy = batch().slice();
    legacy[16] = 1;
    const v3 = validateProduceRecords(legacy, options);
    expect(!v3.ok && v3.error.error).toBe('CORRUPT_MESSAGE');
    const v2 = validateProduceRecords(legacy, { crc32c, produceVersion: 2 });
    expect(!v2.ok && v2.error).toMatchObject({ error: 'UNSUPPORTED_FOR_MESSAGE_FORMAT', errorCode: 43 });
  });

  it('bad CRC → CORRUPT_MESSAGE; truncated → CORRUPT_MESSAGE', () => {
    const damaged = batch().slice();
    damaged[damaged.length - 1] ^= 0x40;
    const crc = validateProduceRecords(damaged, options);
    expect(!crc.ok && crc.error).toMatchObject({ error: 'CORRUPT_MESSAGE', errorCode: 2 });
    expect(!crc.ok && crc.error.message).toMatch(/CRC/);
    const cut = validateProduceRecords(batch().subarray(0, 40), options);
    expect(!cut.ok && cut.error.error).toBe('CORRUPT_MESSAGE');
  });

  it('a batch above max.message.bytes → MESSAGE_TOO_LARGE, checked before the CRC as Kafka does', () => {
    const big = batch({ records: [{ value: new Uint8Array(2000) }] }).slice();
    big[big.length - 1] ^= 1; // also corrupt: size wins
    const result = validateProduceRecords(big, { ...options, maxMessageBytes: 1000 });
    expect(!result.ok && result.error).toMatchObject({ error: 'MESSAGE_TOO_LARGE', errorCode: 10 });
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(1_000_012);
  });

  it('zstd needs Produce v7', () => {
    const zstdBatch = batch({ compression: 'zstd' });
    const v3 = validateProduceRecords(zstdBatch, options);
    expect(!v3.ok && v3.error).toMatchObject({ error: 'UNSUPPORTED_COMPRESSION_TYPE', errorCode: 76 });
    expect(validateProduceRecords(zstdBatch, { crc32c, produceVersion: 7 }).ok).toBe(true);
  });

  it('LogValidator rules for client batches (with a valid CRC)', () => {
    const countMismatch = withInt32(batch(), LAST_OFFSET_DELTA_OFFSET, 5);
    const result = validateProduceRecords(countMismatch, options);
    expect(!result.ok && result.error.message).toMatch(/implies 6 records/);
    const control = batch({ isControl: true });
    const controlResult = validateProduceRecords(control, options);
    expect(!controlResult.ok && controlResult.error.message).toMatch(/control batches/);
    const idempotentNoSequence = batch({ producerId: 7n, producerEpoch: 0, baseSequence: -1 });
    const sequenceResult = validateProduceRecords(idempotentNoSequence, options);
    expect(!sequenceResult.ok && sequenceResult.error.message).toMatch(/baseSequence -1/);
  });

  it('producerId -1: epoch and sequence are ignored (kafkajs writes 0 and 0)', () => {
    expect(
      validateProduceRecords(batch({ producerId: -1n, producerEpoch: 0, baseSequence: 0 }), options).ok,
    ).toBe(true);
  });

  it('coordinator appends skip the client rules but still check integrity', () => {
    const control = batch({ isControl: true });
    expect(validateRecordsForLeaderAppend(control, { crc32c, origin: 'coordinator' }).ok).toBe(true);
    const damaged = control.slice();
    damaged[30] ^= 1;
    expect(validateRecordsForLeaderAppend(damaged, { crc32c, origin: 'coordinator' }).ok).toBe(false);
  });

  it('unknown compression ids 5–7 → CORRUPT_MESSAGE', () => {
    const odd = batch().slice();
    const view = dataViewOf(odd);
    view.setInt16(21, 6);
    view.setUint32(CRC_OFFSET, computeBatchChecksum(odd, 0, odd.length, crc32c));
    const result = validateRecordsForLeaderAppend(odd, { crc32c });
    expect(!result.ok && result.error.message).toMatch(/unknown compression id 6/);
  });
});
