// Interop with the batches a real client writes: kafkajs 2.2.4's own RecordBatch encoder (the exact code
// its Produce v3 path runs, reached through its internal modules — test-only) must parse, validate and
// decode here; and batches we build must decode in kafkajs' decoder.
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RecordCompression } from './codecs.ts';
import { UnsupportedCompressionError } from './errors.ts';
import { validateProduceRecords } from './produce-validation.ts';
import { buildRecordBatch } from './record-batch-builder.ts';
import {
  assignOffsets,
  compressionTypeOf,
  readRecordBatchHeader,
  splitRecordBatches,
} from './record-batch.ts';
import { decodeRecords } from './records.ts';

const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js');
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js');
const RecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder.js');
const Decoder = require('kafkajs/src/protocol/decoder.js');
const { Types: CompressionTypes } = require('kafkajs/src/protocol/message/compression/index.js');

const nodeCompression: RecordCompression = {
  compress(type, bytes) {
    if (type === 'gzip') return zlib.gzipSync(bytes);
    throw new UnsupportedCompressionError(type);
  },
  decompress(type, bytes) {
    if (type === 'gzip') return zlib.gunzipSync(bytes);
    throw new UnsupportedCompressionError(type);
  },
};

interface KafkajsMessage {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: Record<string, Buffer>;
}

/** kafkajs' requests/produce/v3 partition encoder, step for step (it is not exported on its own). */
async function kafkajsBatch(messages: KafkajsMessage[], compression: number): Promise<Buffer> {
  const timestamps = messages.map((m) => m.timestamp).sort();
  const firstTimestamp = timestamps[0];
  const maxTimestamp = timestamps[timestamps.length - 1];
  const records = messages.map((message, i) =>
    Record({ ...message, offsetDelta: i, timestampDelta: message.timestamp - firstTimestamp }),
  );
  const encoder = await RecordBatch({
    compression,
    records,
    firstTimestamp,
    maxTimestamp,
    lastOffsetDelta: records.length - 1,
  });
  return encoder.buffer as Buffer;
}

const bufferArb = fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes));
const messageArb = fc.record({
  key: fc.option(bufferArb, { nil: null }),
  value: fc.option(bufferArb, { nil: null }),
  // Same digit count, so kafkajs' lexicographic .sort() agrees with numeric order.
  timestamp: fc.integer({ min: 1_600_000_000_000, max: 1_700_000_000_000 }),
  // Plain keys: kafkajs folds headers into an object literal, so a key like "toString" confuses its decoder.
  headers: fc.dictionary(fc.stringMatching(/^h[a-z0-9]{0,7}$/), bufferArb, { maxKeys: 3 }),
});

describe('kafkajs 2.2.4 bytes', () => {
  it('a kafkajs batch (none or gzip) validates as a Produce v3 partition and decodes to its messages', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(messageArb, { minLength: 1, maxLength: 12 }),
        fc.constantFrom(CompressionTypes.None, CompressionTypes.GZIP),
        async (messages, compression) => {
          const bytes = new Uint8Array(await kafkajsBatch(messages, compression));
          const validation = validateProduceRecords(bytes, { crc32c, produceVersion: 3 });
          expect(validation.ok).toBe(true);
          if (!validation.ok) return;
          const [header] = validation.batches;
          // What kafkajs writes for a non-idempotent producer (kafka-clients.md §4).
          expect([
            header.producerId,
            header.producerEpoch,
            header.baseSequence,
            header.partitionLeaderEpoch,
          ]).toEqual([-1n, 0, 0, 0]);
          expect(compressionTypeOf(header.attributes)).toBe(
            compression === CompressionTypes.GZIP ? 'gzip' : 'none',
          );

          // The leader assigns offsets in place; the CRC is still valid afterwards.
          assignOffsets(bytes, validation.batches, 42n, 9);
          expect(splitRecordBatches(bytes, { crc32c }).ok).toBe(true);

          const records = decodeRecords(bytes, readRecordBatchHeader(bytes), nodeCompression);
          expect(records.map((record) => record.offset)).toEqual(messages.map((_, i) => 42n + BigInt(i)));
          expect(records.map((record) => record.timestamp)).toEqual(messages.map((m) => BigInt(m.timestamp)));
          expect(records.map((record) => (record.key === null ? null : Buffer.from(record.key)))).toEqual(
            messages.map((m) => m.key),
          );
          expect(records.map((record) => (record.value === null ? null : Buffer.from(record.value)))).toEqual(
            messages.map((m) => m.value),
          );
          expect(
            records.map((record) =>
              Object.fromEntries(record.headers.map((h) => [h.key, Buffer.from(h.value!)])),
            ),
          ).toEqual(messages.map((m) => m.headers));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a batch we build decodes in kafkajs (none and gzip)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(messageArb, { minLength: 1, maxLength: 12 }),
        fc.constantFrom('none' as const, 'gzip' as const),
        async (messages, compression) => {
          const bytes = buildRecordBatch(
            {
              baseOffset: 100n,
              partitionLeaderEpoch: 2,
              compression,
              records: messages.map((m) => ({
                key: m.key,
                value: m.value,
                timestamp: BigInt(m.timestamp),
                headers: Object.entries(m.headers).map(([key, value]) => ({ key, value })),
              })),
            },
            { crc32c, compression: nodeCompression },
          );
          const decoded = await RecordBatchDecoder(new Decoder(Buffer.from(bytes)));
          expect(decoded.firstOffset).toBe('100');
          expect(decoded.partitionLeaderEpoch).toBe(2);
          expect(decoded.records.map((r: { offset: string }) => r.offset)).toEqual(
            messages.map((_, i) => String(100 + i)),
          );
          expect(decoded.records.map((r: { timestamp: string }) => r.timestamp)).toEqual(
            messages.map((m) => String(m.timestamp)),
          );
          expect(decoded.records.map((r: { key: Buffer | null }) => r.key)).toEqual(
            messages.map((m) => m.key),
          );
          expect(decoded.records.map((r: { value: Buffer | null }) => r.value)).toEqual(
            messages.map((m) => m.value),
          );
          expect(decoded.records.map((r: { headers: Record<string, Buffer> }) => r.headers)).toEqual(
            messages.map((m) => m.headers),
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});
