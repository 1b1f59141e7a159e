import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogError } from './errors.ts';
import { CLEAN_SHUTDOWN_FILE, LogManager, type LogManagerOptions } from './log-manager.ts';
import { config, kvBatch, MockTime, producerBatch, removeDir, tempDir } from './log-test-support.ts';

const T0 = 1_600_000_000_000n;

let root: string;
let dirA: string;
let dirB: string;
let time: MockTime;
let managers: LogManager[] = [];

beforeEach(() => {
  root = tempDir();
  dirA = path.join(root, 'kafka-logs-a');
  dirB = path.join(root, 'kafka-logs-b');
  time = new MockTime();
});
afterEach(() => {
  for (const manager of managers) manager.crashForTest();
  managers = [];
  removeDir(root);
});

function startup(overrides: Partial<LogManagerOptions> = {}): LogManager {
  const manager = LogManager.startup({ logDirs: [dirA], defaultConfig: config(), time, ...overrides });
  managers.push(manager);
  return manager;
}

function read(dir: string, name: string): string {
  return fs.readFileSync(path.join(dir, name), 'utf8');
}

describe('LogManager', () => {
  it('startup creates the log dir and its checkpoint files', () => {
    startup();
    expect(fs.readdirSync(dirA).sort()).toEqual([
      'log-start-offset-checkpoint',
      'recovery-point-offset-checkpoint',
      'replication-offset-checkpoint',
    ]);
    expect(read(dirA, 'recovery-point-offset-checkpoint')).toBe('0\n0\n');
  });

  it('puts new partitions in the log dir with the fewest partitions', () => {
    const manager = startup({ logDirs: [dirA, dirB] });
    manager.getOrCreateLog({ topic: 'orders', partition: 0 });
    manager.getOrCreateLog({ topic: 'orders', partition: 1 });
    manager.getOrCreateLog({ topic: 'orders', partition: 2 });
    expect(
      fs
        .readdirSync(dirA)
        .filter((name) => name.startsWith('orders'))
        .sort(),
    ).toEqual(['orders-0', 'orders-2']);
    expect(fs.readdirSync(dirB).filter((name) => name.startsWith('orders'))).toEqual(['orders-1']);
    expect(manager.getOrCreateLog({ topic: 'orders', partition: 1 })).toBe(
      manager.getLog({ topic: 'orders', partition: 1 }),
    );
  });

  it('clean shutdown: flush, checkpoints, marker; the next startup skips recovery and deletes the marker', () => {
    const manager = startup();
    const log = manager.getOrCreateLog({ topic: 'orders', partition: 0 });
    log.appendAsLeader(producerBatch({ count: 3 }), 0);
    log.updateHighWatermark(2n);
    manager.shutdown();
    expect(fs.existsSync(path.join(dirA, CLEAN_SHUTDOWN_FILE))).toBe(true);
    expect(read(dirA, 'recovery-point-offset-checkpoint')).toBe('0\n1\norders 0 3\n');
    expect(read(dirA, 'replication-offset-checkpoint')).toBe('0\n1\norders 0 2\n');
    expect(read(dirA, 'log-start-offset-checkpoint')).toBe('0\n0\n');

    const again = startup();
    expect(again.startupReport[0]).toMatchObject({ hadCleanShutdown: true, logsLoaded: 1 });
    expect(fs.existsSync(path.join(dirA, CLEAN_SHUTDOWN_FILE))).toBe(false);
    const reopened = again.getLog({ topic: 'orders', partition: 0 })!;
    expect(reopened.loadReport.recoveredSegments).toEqual([]);
    expect([reopened.logEndOffset, reopened.highWatermark, reopened.recoveryPoint]).toEqual([3n, 2n, 3n]);
  });

  it('after a crash, recovers each log from its checkpointed recovery point and cuts torn tails', () => {
    const manager = startup({ defaultConfig: config({ segmentBytes: 210 }) });
    const log = manager.getOrCreateLog({ topic: 'orders', partition: 0 });
    for (let index = 0; index < 8; index++) log.appendAsLeader(kvBatch(T0), 0); // segments 0, 3, 6
    manager.checkpointRecoveryOffsetsAndLogStartOffsets();
    expect(read(dirA, 'recovery-point-offset-checkpoint')).toBe('0\n1\norders 0 6\n');
    manager.crashForTest();
    const file = path.join(dirA, 'orders-0', '00000000000000000006.log');
    fs.truncateSync(file, 70 + 20);

    const again = startup({ defaultConfig: config({ segmentBytes: 210 }) });
    const recovered = again.getLog({ topic: 'orders', partition: 0 })!;
    expect(again.startupReport[0].hadCleanShutdown).toBe(false);
    expect(recovered.loadReport.recoveredSegments).toEqual([6n]);
    expect(recovered.loadReport.truncatedBytes).toBe(20);
    expect(recovered.logEndOffset).toBe(7n);
  });

  it('log-start-offset-checkpoint lists only logs whose start is above their first segment', () => {
    const manager = startup({ defaultConfig: config({ segmentBytes: 210 }) });
    const a = manager.getOrCreateLog({ topic: 'a', partition: 0 });
    const b = manager.getOrCreateLog({ topic: 'b', partition: 0 });
    for (let index = 0; index < 5; index++) {
      a.appendAsLeader(kvBatch(T0), 0);
      b.appendAsLeader(kvBatch(T0), 0);
    }
    a.updateHighWatermark(5n);
    a.maybeIncrementLogStartOffset(4n);
    manager.checkpointRecoveryOffsetsAndLogStartOffsets();
    expect(read(dirA, 'log-start-offset-checkpoint')).toBe('0\n1\na 0 4\n');
    expect(manager.cleanupLogs(Number(T0))).toBe(1); // segment 0 of a is below its log start
    manager.shutdown();
    const again = startup({ defaultConfig: config({ segmentBytes: 210 }) });
    expect(again.getLog({ topic: 'a', partition: 0 })!.logStartOffset).toBe(4n);
  });

  it('retention across logs, with the clock the broker passes in', () => {
    const manager = startup({ defaultConfig: config({ segmentBytes: 210, retentionMs: 1000 }) });
    const log = manager.getOrCreateLog({ topic: 'orders', partition: 0 });
    for (let index = 0; index < 6; index++) log.appendAsLeader(kvBatch(T0), 0);
    log.updateHighWatermark(6n);
    expect(manager.cleanupLogs(Number(T0) + 500)).toBe(0);
    expect(manager.cleanupLogs(Number(T0) + 1001)).toBe(2);
    expect(log.logStartOffset).toBe(6n);
  });

  it('deleteLog removes the directory and its checkpoint lines; half-done deletions finish at startup', () => {
    const manager = startup();
    manager.getOrCreateLog({ topic: 'gone', partition: 0 }).appendAsLeader(kvBatch(T0), 0);
    manager.getOrCreateLog({ topic: 'kept', partition: 0 });
    manager.checkpointHighWatermarks();
    expect(read(dirA, 'replication-offset-checkpoint')).toBe('0\n2\ngone 0 0\nkept 0 0\n');
    expect(manager.deleteLog({ topic: 'gone', partition: 0 })).toBe(true);
    expect(fs.existsSync(path.join(dirA, 'gone-0'))).toBe(false);
    expect(read(dirA, 'replication-offset-checkpoint')).toBe('0\n1\nkept 0 0\n');
    manager.shutdown();
    fs.mkdirSync(path.join(dirA, 'old-0.5ac4e1-delete'));
    const again = startup();
    expect(again.startupReport[0].deletionsFinished).toEqual(['old-0.5ac4e1-delete']);
    expect(again.allLogs().map((log) => log.name)).toEqual(['kept-0']);
  });

  it('refuses a directory that is not <topic>-<partition>, and tolerates unreadable checkpoints', () => {
    fs.mkdirSync(path.join(dirA, 'not_a_partition'), { recursive: true });
    expect(() => LogManager.startup({ logDirs: [dirA], defaultConfig: config(), time })).toThrow(LogError);
    fs.rmdirSync(path.join(dirA, 'not_a_partition'));
    fs.writeFileSync(path.join(dirA, 'recovery-point-offset-checkpoint'), 'garbage\n');
    const manager = startup();
    expect(manager.startupReport[0].unreadableCheckpoints).toEqual(['recovery-point-offset-checkpoint']);
  });

  it('topics with dashes keep everything before the last dash as the topic', () => {
    const manager = startup();
    manager.getOrCreateLog({ topic: 'my-long-topic', partition: 12 });
    manager.shutdown();
    const again = startup();
    expect(again.getLog({ topic: 'my-long-topic', partition: 12 })?.topicPartition).toEqual({
      topic: 'my-long-topic',
      partition: 12,
    });
  });
});
