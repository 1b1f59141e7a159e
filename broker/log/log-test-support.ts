// Helpers for the broker/log tests (imported by *.test.ts only): temp dirs, a settable clock, batches.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildRecordBatch, type RecordInput } from '../../client/protocol/records/record-batch-builder.ts';
import type { CompressionType } from '../../client/protocol/records/codecs.ts';
import { decodeRecordBatches } from '../../client/protocol/records/records.ts';
import type { Time } from './file-util.ts';
import { DEFAULT_LOG_CONFIG, type LogConfig } from './log-config.ts';
import { nativeCrc32c, nodeRecordCompression } from '../../client/node/native-codecs.ts';

export function tempDir(prefix = 'kzlab-log-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export class MockTime implements Time {
  now: number;

  constructor(now = 1_600_000_000_000) {
    this.now = now;
  }

  milliseconds(): number {
    return this.now;
  }

  sleep(ms: number): void {
    this.now += ms;
  }
}

export function config(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, ...overrides };
}

const text = new TextEncoder();

/** One batch of `count` records with values `v<i>`, timestamps `timestamp + i`, as a producer sends it. */
export function producerBatch(
  options: {
    count?: number;
    timestamp?: bigint;
    valueSize?: number;
    compression?: CompressionType;
    key?: string;
  } = {},
): Uint8Array {
  const count = options.count ?? 1;
  const timestamp = options.timestamp ?? 1_600_000_000_000n;
  const records: RecordInput[] = [];
  for (let index = 0; index < count; index++) {
    const value =
      options.valueSize === undefined
        ? text.encode(`v${index}`)
        : new Uint8Array(options.valueSize).fill(index & 0xff);
    records.push({
      key: options.key === undefined ? null : text.encode(options.key),
      value,
      timestamp: timestamp + BigInt(index),
    });
  }
  return buildRecordBatch(
    { records, compression: options.compression ?? 'none', partitionLeaderEpoch: -1 },
    { crc32c: nativeCrc32c, compression: nodeRecordCompression },
  );
}

/** The 70-byte single-record batch (key "k", value "v") of kafka-zk-era.md §4.2, at `timestamp`. */
export function kvBatch(timestamp: bigint): Uint8Array {
  return buildRecordBatch(
    { records: [{ key: text.encode('k'), value: text.encode('v'), timestamp }] },
    { crc32c: nativeCrc32c },
  );
}

/** Offsets of every record in a records blob. */
export function offsetsIn(records: Uint8Array): bigint[] {
  return decodeRecordBatches(records, { crc32c: nativeCrc32c, compression: nodeRecordCompression }).flatMap(
    (batch) => batch.records.map((record) => record.offset),
  );
}

/** Base offsets of every batch in a records blob. */
export function batchBaseOffsets(records: Uint8Array): bigint[] {
  return decodeRecordBatches(records, { crc32c: nativeCrc32c }).map((batch) => batch.header.baseOffset);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
