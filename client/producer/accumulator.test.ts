import { describe, expect, it } from 'vitest';

import { nativeCodecs } from '../node/native-codecs.ts';
import { decodeRecordBatches } from '../protocol/records/index.ts';
import { estimateRecordSize, RecordAccumulator, type PendingSend } from './accumulator.ts';

const utf8 = new TextEncoder();

function owner(count: number): PendingSend & { result: Promise<unknown> } {
  let resolve!: (value: unknown) => void;
  let reject!: (error: unknown) => void;
  const result = new Promise((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { remaining: count, results: new Array(count), settled: false, resolve, reject, result };
}

describe('RecordAccumulator', () => {
  it('fills a batch up to batch.size, then opens the next one', () => {
    const accumulator = new RecordAccumulator(1000);
    const value = new Uint8Array(100);
    const size = estimateRecordSize(null, value, undefined, 0);
    const pending = owner(20);
    const opened: number[] = [];
    for (let i = 0; i < 20; i++) {
      const result = accumulator.append('t', 0, { key: null, value }, size, pending, i, 1000);
      if (result.newBatch) opened.push(i);
    }
    const deque = accumulator.deque('t', 0)!;
    // 61-byte header + n records of ~106 bytes ≤ 1000 → 8 records per batch.
    const perBatch = Math.floor((1000 - 61) / size);
    expect(deque[0].recordCount).toBe(perBatch);
    expect(opened).toEqual([0, perBatch, 2 * perBatch]);
    expect(deque[0].closed).toBe(true);
    expect(deque.map((batch) => batch.recordCount)).toEqual([perBatch, perBatch, 20 - 2 * perBatch]);
    for (const batch of deque) expect(batch.sizeInBytes).toBeLessThanOrEqual(1000);
  });

  it('gives a record larger than batch.size a batch of its own', () => {
    const accumulator = new RecordAccumulator(100);
    const big = new Uint8Array(500);
    const pending = owner(2);
    const a = accumulator.append(
      't',
      0,
      { key: null, value: big },
      estimateRecordSize(null, big, undefined, 0),
      pending,
      0,
      0,
    );
    const b = accumulator.append(
      't',
      0,
      { key: null, value: big },
      estimateRecordSize(null, big, undefined, 0),
      pending,
      1,
      0,
    );
    expect(a.newBatch && b.newBatch).toBe(true);
    expect(accumulator.deque('t', 0)!.length).toBe(2);
  });

  it('keeps one deque per partition and reports when a new batch would be opened', () => {
    const accumulator = new RecordAccumulator(16_384);
    const value = utf8.encode('x');
    const size = estimateRecordSize(null, value, undefined, 0);
    expect(accumulator.wouldOpenNewBatch('t', 1, size)).toBe(true);
    accumulator.append('t', 1, { key: null, value }, size, owner(1), 0, 0);
    expect(accumulator.wouldOpenNewBatch('t', 1, size)).toBe(false);
    expect(accumulator.wouldOpenNewBatch('t', 2, size)).toBe(true);
    expect(accumulator.wouldOpenNewBatch('t', 1, 20_000)).toBe(true);
  });

  it('encodes a batch once, and completes each record with its own offset', async () => {
    const accumulator = new RecordAccumulator(16_384);
    const pending = owner(3);
    for (let i = 0; i < 3; i++) {
      const value = utf8.encode(`v${i}`);
      const key = utf8.encode(`k${i}`);
      accumulator.append(
        't',
        0,
        { key, value },
        estimateRecordSize(key, value, undefined, i),
        pending,
        i,
        5000,
      );
    }
    const batch = accumulator.deque('t', 0)![0];
    const bytes = batch.encode(nativeCodecs, 'none');
    expect(batch.encode(nativeCodecs, 'gzip')).toBe(bytes); // encoded once, reused
    const [decoded] = decodeRecordBatches(bytes, { crc32c: nativeCodecs.crc32c });
    expect(decoded.records.map((r) => new TextDecoder().decode(r.value!))).toEqual(['v0', 'v1', 'v2']);
    expect(decoded.header.baseTimestamp).toBe(5000n);
    expect(bytes.length).toBeLessThanOrEqual(batch.sizeInBytes);
    batch.complete(40n);
    const results = (await pending.result) as { offset: bigint }[];
    expect(results.map((r) => r.offset)).toEqual([40n, 41n, 42n]);
  });

  it('estimates sizes as an upper bound of the encoded size', () => {
    const accumulator = new RecordAccumulator(1_000_000);
    const pending = owner(200);
    for (let i = 0; i < 200; i++) {
      const key = i % 3 === 0 ? null : utf8.encode(`key-${i}`);
      const value = utf8.encode('v'.repeat(i));
      const headers = i % 5 === 0 ? [{ key: 'trace-id', value: utf8.encode(String(i)) }] : undefined;
      accumulator.append(
        't',
        0,
        { key, value, ...(headers ? { headers } : {}) },
        estimateRecordSize(key, value, headers, i),
        pending,
        i,
        0,
      );
    }
    const batch = accumulator.deque('t', 0)![0];
    expect(batch.encode(nativeCodecs, 'none').length).toBeLessThanOrEqual(batch.sizeInBytes);
  });
});
