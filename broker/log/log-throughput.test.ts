// Append/read throughput sanity check. It prints rates for a human to look at and asserts only
// correctness (no timing assertions: unit timings on a shared machine are noise).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readRecordBatchHeader } from '../../client/protocol/records/record-batch.ts';
import { Log } from './log.ts';
import { config, producerBatch, removeDir, tempDir } from './log-test-support.ts';

let root: string;
beforeEach(() => {
  root = tempDir();
});
afterEach(() => removeDir(root));

it('appends 20 000 produce requests (10 × 100-byte records each) and reads them all back', () => {
  const log = Log.open({
    dir: path.join(root, 'bench-0'),
    config: config({ segmentBytes: 8 * 1024 * 1024 }),
    hadCleanShutdown: true,
  });
  const template = producerBatch({ count: 10, valueSize: 100 });
  const requests = 20_000;
  const copies = Array.from({ length: requests }, () => template.slice());
  // Count the writes that carry record bytes: the append path must issue exactly one per request.
  const writeSync = fs.writeSync;
  let dataWrites = 0;
  fs.writeSync = ((fd: number, buffer: unknown, ...rest: unknown[]) => {
    if (buffer instanceof Uint8Array && buffer.length === template.length) dataWrites++;
    return (writeSync as (...args: unknown[]) => number)(fd, buffer, ...rest);
  }) as typeof fs.writeSync;
  let appendStarted = performance.now();
  try {
    for (let index = 0; index < requests; index++) {
      const result = log.appendAsLeader(copies[index], 0, { produceVersion: 3 });
      if (!result.ok) throw new Error(result.error.message);
    }
  } finally {
    fs.writeSync = writeSync;
  }
  const appendMs = performance.now() - appendStarted;
  expect(dataWrites).toBe(requests);
  expect(log.logEndOffset).toBe(BigInt(requests * 10));
  const bytes = log.size;
  expect(bytes).toBe(requests * template.length);

  appendStarted = performance.now();
  let next = 0n;
  let batches = 0;
  while (next < log.logEndOffset) {
    const read = log.read(next, { maxBytes: 1024 * 1024 });
    if (read.error !== null) throw new Error(read.error);
    let position = 0;
    while (position < read.records.length) {
      const header = readRecordBatchHeader(read.records, position);
      if (header.baseOffset !== next)
        throw new Error(`expected a batch at ${next}, got ${header.baseOffset}`);
      next = header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
      position += header.sizeInBytes;
      batches++;
    }
  }
  const readMs = performance.now() - appendStarted;
  expect(batches).toBe(requests);
  const mb = bytes / 1e6;
  console.log(
    `log throughput: append ${(requests / (appendMs / 1000)).toFixed(0)} requests/s ` +
      `(${((requests * 10) / (appendMs / 1000)).toFixed(0)} records/s, ${(mb / (appendMs / 1000)).toFixed(0)} MB/s); ` +
      `read ${(mb / (readMs / 1000)).toFixed(0)} MB/s; ${log.numberOfSegments} segments`,
  );
  log.close();
});
