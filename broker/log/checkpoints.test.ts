import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaderEpochCheckpointFile, OffsetCheckpointFile } from './checkpoint-file.ts';
import { LogError } from './errors.ts';
import { LeaderEpochFileCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './leader-epoch-cache.ts';
import {
  checkOrWriteMetaProperties,
  formatMetaProperties,
  parseProperties,
  readMetaProperties,
  writeMetaProperties,
} from './meta-properties.ts';
import { removeDir, tempDir } from './log-test-support.ts';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

describe('offset checkpoint files', () => {
  it('write Kafka’s text format (version, count, "topic partition offset") atomically and read it back', () => {
    const file = new OffsetCheckpointFile(path.join(dir, 'recovery-point-offset-checkpoint'));
    file.write([
      { topicPartition: { topic: 'orders', partition: 2 }, offset: 0n },
      { topicPartition: { topic: 'my-topic', partition: 0 }, offset: 12n },
      { topicPartition: { topic: 'orders', partition: 0 }, offset: 368790n },
    ]);
    expect(fs.readFileSync(file.file, 'utf8')).toBe('0\n3\nmy-topic 0 12\norders 0 368790\norders 2 0\n');
    expect(fs.readdirSync(dir)).toEqual(['recovery-point-offset-checkpoint']); // no .tmp left behind
    const read = file.read();
    expect(read.get('orders-0')).toEqual({
      topicPartition: { topic: 'orders', partition: 0 },
      offset: 368790n,
    });
    expect(read.get('my-topic-0')?.offset).toBe(12n);
    expect(read.size).toBe(3);
  });

  it('an absent or empty file has no entries; "0\\n0\\n" neither', () => {
    const file = new OffsetCheckpointFile(path.join(dir, 'replication-offset-checkpoint'));
    expect(file.read().size).toBe(0);
    fs.writeFileSync(file.file, '');
    expect(file.read().size).toBe(0);
    file.write([]);
    expect(fs.readFileSync(file.file, 'utf8')).toBe('0\n0\n');
    expect(file.read().size).toBe(0);
  });

  it('refuses malformed files: unknown version, bad line, wrong count', () => {
    const file = new OffsetCheckpointFile(path.join(dir, 'c'));
    for (const text of [
      '1\n0\n',
      '0\n1\norders zero 5\n',
      '0\n2\norders 0 5\n',
      '0\nx\n',
      '0\n1\norders 0\n',
    ]) {
      fs.writeFileSync(file.file, text);
      expect(() => file.read(), text).toThrow(LogError);
    }
  });
});

describe('leader-epoch-checkpoint and LeaderEpochFileCache', () => {
  function cache(): LeaderEpochFileCache {
    return new LeaderEpochFileCache(new LeaderEpochCheckpointFile(path.join(dir, 'leader-epoch-checkpoint')));
  }
  const text = () => fs.readFileSync(path.join(dir, 'leader-epoch-checkpoint'), 'utf8');

  it('assign records new epochs and persists "epoch startOffset" lines after every change', () => {
    const epochs = cache();
    expect(epochs.assign(0, 0n)).toBe(true);
    expect(epochs.assign(0, 5n)).toBe(false); // same epoch, later offset: nothing new
    expect(epochs.assign(1, 368790n)).toBe(true);
    expect(text()).toBe('0\n2\n0 0\n1 368790\n');
    expect(cache().epochEntries).toEqual([
      { epoch: 0, startOffset: 0n },
      { epoch: 1, startOffset: 368790n },
    ]);
    expect(epochs.assign(-1, 400000n)).toBe(false); // batches without an epoch are ignored
  });

  it('assign replaces entries with a larger epoch or a later start (a stale leader’s history)', () => {
    const epochs = cache();
    epochs.assign(1, 0n);
    epochs.assign(3, 10n);
    epochs.assign(5, 20n);
    epochs.assign(4, 15n);
    expect(epochs.epochEntries).toEqual([
      { epoch: 1, startOffset: 0n },
      { epoch: 3, startOffset: 10n },
      { epoch: 4, startOffset: 15n },
    ]);
  });

  it('endOffsetFor answers OffsetsForLeaderEpoch', () => {
    const epochs = cache();
    expect(epochs.endOffsetFor(0, 100n)).toEqual({
      leaderEpoch: UNDEFINED_EPOCH,
      endOffset: UNDEFINED_EPOCH_OFFSET,
    });
    epochs.assign(2, 10n);
    epochs.assign(4, 30n);
    epochs.assign(7, 50n);
    expect(epochs.endOffsetFor(7, 80n)).toEqual({ leaderEpoch: 7, endOffset: 80n }); // latest → LEO
    expect(epochs.endOffsetFor(4, 80n)).toEqual({ leaderEpoch: 4, endOffset: 50n });
    expect(epochs.endOffsetFor(5, 80n)).toEqual({ leaderEpoch: 4, endOffset: 50n }); // unknown: largest below
    expect(epochs.endOffsetFor(1, 80n)).toEqual({ leaderEpoch: 1, endOffset: 10n }); // older than all
    expect(epochs.endOffsetFor(9, 80n)).toEqual({
      leaderEpoch: UNDEFINED_EPOCH,
      endOffset: UNDEFINED_EPOCH_OFFSET,
    });
    expect(epochs.endOffsetFor(UNDEFINED_EPOCH, 80n).endOffset).toBe(UNDEFINED_EPOCH_OFFSET);
    expect([epochs.epochForOffset(9n), epochs.epochForOffset(10n), epochs.epochForOffset(49n)]).toEqual([
      -1, 2, 4,
    ]);
  });

  it('truncateFromEnd drops epochs starting at or after the new end; truncateFromStart moves the first', () => {
    const epochs = cache();
    epochs.assign(2, 10n);
    epochs.assign(4, 30n);
    epochs.assign(7, 50n);
    epochs.truncateFromEnd(50n);
    expect(text()).toBe('0\n2\n2 10\n4 30\n');
    epochs.truncateFromStart(35n);
    expect(text()).toBe('0\n1\n4 35\n');
    epochs.clearAndFlush();
    expect(text()).toBe('0\n0\n');
  });

  it('refuses a checkpoint whose entries go backwards', () => {
    fs.writeFileSync(path.join(dir, 'leader-epoch-checkpoint'), '0\n2\n3 10\n2 20\n');
    expect(() => cache()).toThrow(/out of order/);
  });
});

describe('meta.properties', () => {
  it('is written as Java properties with Kafka’s comment and date lines', () => {
    const text = formatMetaProperties(
      { brokerId: 1, clusterId: 'Qz7s0fJ8RWGp2sXnB4cVhQ' },
      new Date(Date.UTC(2024, 10, 21, 10, 25, 0)),
    );
    expect(text).toBe(
      '#\n#Thu Nov 21 10:25:00 UTC 2024\ncluster.id=Qz7s0fJ8RWGp2sXnB4cVhQ\nversion=0\nbroker.id=1\n',
    );
    expect(parseProperties(text)).toEqual(
      new Map([
        ['cluster.id', 'Qz7s0fJ8RWGp2sXnB4cVhQ'],
        ['version', '0'],
        ['broker.id', '1'],
      ]),
    );
  });

  it('round-trips, and a broker or cluster mismatch refuses to start', () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    expect(readMetaProperties(a)).toBeNull();
    checkOrWriteMetaProperties([a, b], { brokerId: 3, clusterId: 'c1' });
    expect(readMetaProperties(b)).toEqual({ brokerId: 3, clusterId: 'c1' });
    expect(() => checkOrWriteMetaProperties([a, b], { brokerId: 4, clusterId: 'c1' })).toThrow(
      /InconsistentBrokerIdException/,
    );
    expect(() => checkOrWriteMetaProperties([a, b], { brokerId: 3, clusterId: 'c2' })).toThrow(
      /InconsistentClusterIdException/,
    );
    writeMetaProperties(a, { brokerId: 3 });
    checkOrWriteMetaProperties([a], { brokerId: 3, clusterId: 'c1' }); // an old file without cluster.id gets one
    expect(readMetaProperties(a)).toEqual({ brokerId: 3, clusterId: 'c1' });
  });
});
