// LogManager: every partition log in the broker's `log.dirs`, and the per-log-dir files around them
// (kafka-zk-era.md §4.1, §4.7):
//
//   <log.dir>/meta.properties                     (meta-properties.ts; KafkaServer checks it at startup)
//            /recovery-point-offset-checkpoint    flushed-up-to offset per partition
//            /replication-offset-checkpoint       high watermark per partition
//            /log-start-offset-checkpoint         log start offset, where above the first segment
//            /.kafka_cleanshutdown                only between a clean shutdown and the next startup
//            /<topic>-<partition>/                one Log each
//
// Startup: for each dir, note (and delete) the clean-shutdown marker, read the checkpoints, open every
// partition directory (recovering it unless the shutdown was clean), finish deletions that were under way
// (`*-delete` dirs). Shutdown: flush, checkpoint, close, write the marker. Periodic work is exposed as
// plain methods that the broker shell schedules (no timers here): cleanupLogs (retention, every
// log.retention.check.interval.ms), flushDirtyLogs (flush.ms), checkpointRecoveryOffsetsAndLogStartOffsets
// (log.flush.offset.checkpoint.interval.ms), checkpointHighWatermarks
// (replica.high.watermark.checkpoint.interval.ms).

import fs from 'node:fs';
import path from 'node:path';
import type { Crc32c, RecordCompression } from '../../client/protocol/records/codecs.ts';
import {
  LOG_START_OFFSET_CHECKPOINT_FILE,
  type OffsetCheckpointEntry,
  OffsetCheckpointFile,
  RECOVERY_POINT_CHECKPOINT_FILE,
  REPLICATION_OFFSET_CHECKPOINT_FILE,
} from './checkpoint-file.ts';
import { LOG_ERROR_CODES, LogError } from './errors.ts';
import {
  DELETE_DIR_SUFFIX,
  FUTURE_DIR_SUFFIX,
  fsyncDirectory,
  parseTopicPartitionName,
  SYSTEM_TIME,
  type Time,
  type TopicPartition,
  topicPartitionDirName,
  topicPartitionKey,
} from './file-util.ts';
import { Log } from './log.ts';
import type { LogConfig } from './log-config.ts';

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

export interface LogManagerOptions {
  logDirs: readonly string[];
  /** The broker-level defaults (log.* properties). */
  defaultConfig: LogConfig;
  /** Per-topic configs (defaults + topic overrides); topics not known here use defaultConfig. */
  topicConfig?: (topic: string) => LogConfig | undefined;
  crc32c?: Crc32c;
  compression?: RecordCompression;
  time?: Time;
}

export interface LogDirStartup {
  dir: string;
  hadCleanShutdown: boolean;
  logsLoaded: number;
  /** Partition directories whose deletion was under way and has been finished. */
  deletionsFinished: string[];
  /** Checkpoint files that could not be read (ignored, as Kafka does: recovery starts from 0). */
  unreadableCheckpoints: string[];
}

export class LogManager {
  readonly logDirs: readonly string[];
  private readonly defaultConfig: LogConfig;
  private readonly topicConfig: ((topic: string) => LogConfig | undefined) | undefined;
  private readonly crc32c: Crc32c | undefined;
  private readonly compression: RecordCompression | undefined;
  private readonly time: Time;
  private readonly logs = new Map<string, Log>();
  /** Which log dir each partition lives in. */
  private readonly dirOf = new Map<string, string>();
  private readonly loadedHighWatermarks = new Map<string, bigint>();
  private _startup: LogDirStartup[] = [];
  private shutDown = false;

  private constructor(options: LogManagerOptions) {
    if (options.logDirs.length === 0) throw new LogError(LOG_ERROR_CODES.KZ_ERR_LOG_IO, 'log.dirs is empty');
    this.logDirs = options.logDirs.map((dir) => path.resolve(dir));
    this.defaultConfig = options.defaultConfig;
    this.topicConfig = options.topicConfig;
    this.crc32c = options.crc32c;
    this.compression = options.compression;
    this.time = options.time ?? SYSTEM_TIME;
  }

  /** Creates the log dirs if needed and loads every partition log in them. */
  static startup(options: LogManagerOptions): LogManager {
    const manager = new LogManager(options);
    for (const dir of manager.logDirs) manager._startup.push(manager.loadLogDir(dir));
    // Fresh checkpoints right away (Kafka creates the files at startup too).
    manager.checkpointRecoveryOffsetsAndLogStartOffsets();
    manager.checkpointHighWatermarks();
    return manager;
  }

  /** What startup found in each log dir. */
  get startupReport(): readonly LogDirStartup[] {
    return this._startup;
  }

  private loadLogDir(dir: string): LogDirStartup {
    fs.mkdirSync(dir, { recursive: true });
    const marker = path.join(dir, CLEAN_SHUTDOWN_FILE);
    const hadCleanShutdown = fs.existsSync(marker);
    const report: LogDirStartup = {
      dir,
      hadCleanShutdown,
      logsLoaded: 0,
      deletionsFinished: [],
      unreadableCheckpoints: [],
    };
    const readCheckpoint = (name: string): Map<string, OffsetCheckpointEntry> => {
      try {
        return new OffsetCheckpointFile(path.join(dir, name)).read();
      } catch (error) {
        if (!(error instanceof LogError)) throw error;
        report.unreadableCheckpoints.push(name);
        return new Map();
      }
    };
    const recoveryPoints = readCheckpoint(RECOVERY_POINT_CHECKPOINT_FILE);
    const logStartOffsets = readCheckpoint(LOG_START_OFFSET_CHECKPOINT_FILE);
    const highWatermarks = readCheckpoint(REPLICATION_OFFSET_CHECKPOINT_FILE);

    const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.endsWith(DELETE_DIR_SUFFIX)) {
        fs.rmSync(path.join(dir, entry.name), { recursive: true, force: true });
        report.deletionsFinished.push(entry.name);
        continue;
      }
      if (entry.name.endsWith(FUTURE_DIR_SUFFIX)) continue;
      const topicPartition = parseTopicPartitionName(entry.name);
      const key = topicPartitionKey(topicPartition);
      if (this.logs.has(key)) {
        throw new LogError(
          LOG_ERROR_CODES.KZ_ERR_LOG_DIR_NAME,
          `duplicate log directories for ${key}: ${this.dirOf.get(key)} and ${dir}`,
        );
      }
      const log = Log.open({
        dir: path.join(dir, entry.name),
        config: this.configFor(topicPartition.topic),
        recoveryPoint: recoveryPoints.get(key)?.offset ?? 0n,
        logStartOffset: logStartOffsets.get(key)?.offset ?? 0n,
        hadCleanShutdown,
        ...this.injected(),
      });
      const highWatermark = highWatermarks.get(key)?.offset;
      if (highWatermark !== undefined) {
        this.loadedHighWatermarks.set(key, highWatermark);
        log.updateHighWatermark(highWatermark);
      }
      this.logs.set(key, log);
      this.dirOf.set(key, dir);
      report.logsLoaded++;
    }
    if (hadCleanShutdown) fs.rmSync(marker, { force: true });
    return report;
  }

  private injected(): { crc32c?: Crc32c; compression?: RecordCompression; time: Time } {
    return {
      ...(this.crc32c === undefined ? {} : { crc32c: this.crc32c }),
      ...(this.compression === undefined ? {} : { compression: this.compression }),
      time: this.time,
    };
  }

  configFor(topic: string): LogConfig {
    return this.topicConfig?.(topic) ?? this.defaultConfig;
  }

  getLog(topicPartition: TopicPartition): Log | undefined {
    return this.logs.get(topicPartitionKey(topicPartition));
  }

  /** The high watermark read from replication-offset-checkpoint at startup (before clamping to the log). */
  checkpointedHighWatermark(topicPartition: TopicPartition): bigint | undefined {
    return this.loadedHighWatermarks.get(topicPartitionKey(topicPartition));
  }

  /** Existing log, or a new empty one in the log dir holding the fewest partitions (Kafka's nextLogDirs). */
  getOrCreateLog(topicPartition: TopicPartition, config?: LogConfig): Log {
    const key = topicPartitionKey(topicPartition);
    const existing = this.logs.get(key);
    if (existing !== undefined) return existing;
    const dir = this.nextLogDir();
    const log = Log.open({
      dir: path.join(dir, topicPartitionDirName(topicPartition)),
      config: config ?? this.configFor(topicPartition.topic),
      hadCleanShutdown: true,
      ...this.injected(),
    });
    fsyncDirectory(dir);
    this.logs.set(key, log);
    this.dirOf.set(key, dir);
    return log;
  }

  private nextLogDir(): string {
    const counts = new Map(this.logDirs.map((dir) => [dir, 0]));
    for (const dir of this.dirOf.values()) counts.set(dir, (counts.get(dir) ?? 0) + 1);
    let best = this.logDirs[0];
    for (const dir of this.logDirs) if (counts.get(dir)! < counts.get(best)!) best = dir;
    return best;
  }

  /** Topic deletion (StopReplica with delete): the partition directory goes, and so do its checkpoint lines. */
  deleteLog(topicPartition: TopicPartition): boolean {
    const key = topicPartitionKey(topicPartition);
    const log = this.logs.get(key);
    if (log === undefined) return false;
    const dir = this.dirOf.get(key)!;
    this.logs.delete(key);
    this.dirOf.delete(key);
    log.delete();
    this.checkpointDir(dir);
    return true;
  }

  allLogs(): Log[] {
    return [...this.logs.values()];
  }

  /** Retention over every log (log.retention.check.interval.ms). Returns segments deleted. */
  cleanupLogs(nowMs = this.time.milliseconds()): number {
    let deleted = 0;
    for (const log of this.logs.values()) deleted += log.deleteOldSegments(nowMs);
    if (deleted > 0) this.checkpointRecoveryOffsetsAndLogStartOffsets();
    return deleted;
  }

  /** flush.ms over every log (Kafka's flushDirtyLogs). Returns how many logs were flushed. */
  flushDirtyLogs(nowMs = this.time.milliseconds()): number {
    let flushed = 0;
    for (const log of this.logs.values()) if (log.flushIfDue(nowMs)) flushed++;
    return flushed;
  }

  /** recovery-point-offset-checkpoint and log-start-offset-checkpoint of every log dir. */
  checkpointRecoveryOffsetsAndLogStartOffsets(): void {
    for (const dir of this.logDirs) this.checkpointDir(dir, false);
  }

  /** replication-offset-checkpoint (high watermarks) of every log dir. */
  checkpointHighWatermarks(): void {
    for (const dir of this.logDirs) {
      new OffsetCheckpointFile(path.join(dir, REPLICATION_OFFSET_CHECKPOINT_FILE)).write(
        this.logsIn(dir).map(([topicPartition, log]) => ({ topicPartition, offset: log.highWatermark })),
      );
    }
  }

  private checkpointDir(dir: string, includeHighWatermarks = true): void {
    const logs = this.logsIn(dir);
    new OffsetCheckpointFile(path.join(dir, RECOVERY_POINT_CHECKPOINT_FILE)).write(
      logs.map(([topicPartition, log]) => ({ topicPartition, offset: log.recoveryPoint })),
    );
    new OffsetCheckpointFile(path.join(dir, LOG_START_OFFSET_CHECKPOINT_FILE)).write(
      logs
        .filter(([, log]) => log.logStartOffset > log.logSegments()[0].baseOffset)
        .map(([topicPartition, log]) => ({ topicPartition, offset: log.logStartOffset })),
    );
    if (includeHighWatermarks) {
      new OffsetCheckpointFile(path.join(dir, REPLICATION_OFFSET_CHECKPOINT_FILE)).write(
        logs.map(([topicPartition, log]) => ({ topicPartition, offset: log.highWatermark })),
      );
    }
  }

  private logsIn(dir: string): [TopicPartition, Log][] {
    const result: [TopicPartition, Log][] = [];
    for (const [key, log] of this.logs)
      if (this.dirOf.get(key) === dir) result.push([log.topicPartition, log]);
    return result;
  }

  /**
   * Clean shutdown: flush every log, write all checkpoints, close the logs (trimming indexes), and leave
   * `.kafka_cleanshutdown` so the next startup skips recovery.
   */
  shutdown(): void {
    if (this.shutDown) return;
    for (const log of this.logs.values()) log.flush();
    for (const dir of this.logDirs) this.checkpointDir(dir);
    for (const log of this.logs.values()) log.close();
    for (const dir of this.logDirs) {
      fs.writeFileSync(path.join(dir, CLEAN_SHUTDOWN_FILE), '');
      fsyncDirectory(dir);
    }
    this.shutDown = true;
  }

  /** Drops every descriptor without flushing, checkpointing or writing the marker: a simulated crash. */
  crashForTest(): void {
    for (const log of this.logs.values()) log.closeHandlers();
    this.shutDown = true;
  }
}
