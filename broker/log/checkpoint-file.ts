// Kafka's text checkpoint files (kafka-zk-era.md §4.7). One format for all:
//
//   0                 ← format version
//   3                 ← number of entries
//   orders 0 368790   ← one entry per line, fields separated by a space
//   …
//
// Offset checkpoints (recovery-point-offset-checkpoint, replication-offset-checkpoint,
// log-start-offset-checkpoint) have `<topic> <partition> <offset>` lines; leader-epoch-checkpoint (one per
// partition directory) has `<epoch> <startOffset>` lines. Files are replaced atomically (temp file, fsync,
// rename, fsync of the directory). A malformed file is an error, as in Kafka.

import fs from 'node:fs';
import { LOG_ERROR_CODES, LogError } from './errors.ts';
import { type TopicPartition, topicPartitionKey, writeFileAtomically } from './file-util.ts';

export const CHECKPOINT_VERSION = 0;

export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT_FILE = 'replication-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint';
export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';

interface EntryFormat<T> {
  toLine(entry: T): string;
  /** The entry, or null if the line is malformed. */
  fromLine(line: string): T | null;
}

/** A checkpoint file holding entries of one kind. */
export class CheckpointFile<T> {
  readonly file: string;
  private readonly format: EntryFormat<T>;

  constructor(file: string, format: EntryFormat<T>) {
    this.file = file;
    this.format = format;
  }

  write(entries: readonly T[]): void {
    let text = `${CHECKPOINT_VERSION}\n${entries.length}\n`;
    for (const entry of entries) text += `${this.format.toLine(entry)}\n`;
    writeFileAtomically(this.file, text);
  }

  /** The entries; an absent or empty file has none. Throws LogError on any malformed content. */
  read(): T[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new LogError(LOG_ERROR_CODES.KZ_ERR_LOG_IO, 'cannot read checkpoint', {
        path: this.file,
        cause: error,
      });
    }
    return parseCheckpoint(text, this.format, this.file);
  }
}

function parseCheckpoint<T>(text: string, format: EntryFormat<T>, file: string): T[] {
  const malformed = (message: string) =>
    new LogError(LOG_ERROR_CODES.KZ_ERR_CHECKPOINT_MALFORMED, message, { path: file });
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return [];
  if (lines[0].trim() !== String(CHECKPOINT_VERSION))
    throw malformed(`unrecognized checkpoint version ${JSON.stringify(lines[0])}`);
  if (lines.length === 1) return [];
  const expected = /^\d+$/.test(lines[1].trim()) ? Number(lines[1].trim()) : NaN;
  if (!Number.isInteger(expected)) throw malformed(`malformed entry count ${JSON.stringify(lines[1])}`);
  const entries: T[] = [];
  for (let index = 2; index < lines.length; index++) {
    const entry = format.fromLine(lines[index]);
    if (entry === null) throw malformed(`malformed line in checkpoint file: ${JSON.stringify(lines[index])}`);
    entries.push(entry);
  }
  if (entries.length !== expected)
    throw malformed(`expected ${expected} entries but found ${entries.length}`);
  return entries;
}

const INT = /^-?\d+$/;

function fields(line: string): string[] {
  return line.trim().split(/\s+/);
}

export interface OffsetCheckpointEntry {
  topicPartition: TopicPartition;
  offset: bigint;
}

const offsetFormat: EntryFormat<OffsetCheckpointEntry> = {
  toLine: (entry) => `${entry.topicPartition.topic} ${entry.topicPartition.partition} ${entry.offset}`,
  fromLine(line) {
    const parts = fields(line);
    if (parts.length !== 3 || !INT.test(parts[1]) || !INT.test(parts[2])) return null;
    return { topicPartition: { topic: parts[0], partition: Number(parts[1]) }, offset: BigInt(parts[2]) };
  },
};

/** recovery-point-offset-checkpoint, replication-offset-checkpoint, log-start-offset-checkpoint. */
export class OffsetCheckpointFile {
  private readonly checkpoint: CheckpointFile<OffsetCheckpointEntry>;

  constructor(file: string) {
    this.checkpoint = new CheckpointFile(file, offsetFormat);
  }

  get file(): string {
    return this.checkpoint.file;
  }

  /** Writes the entries sorted by topic then partition (Kafka writes hash order; sorted diffs better). */
  write(entries: Iterable<OffsetCheckpointEntry>): void {
    const sorted = [...entries].sort(
      (a, b) =>
        (a.topicPartition.topic < b.topicPartition.topic
          ? -1
          : a.topicPartition.topic > b.topicPartition.topic
            ? 1
            : 0) || a.topicPartition.partition - b.topicPartition.partition,
    );
    this.checkpoint.write(sorted);
  }

  /** Offsets keyed by `<topic>-<partition>`. */
  read(): Map<string, OffsetCheckpointEntry> {
    const map = new Map<string, OffsetCheckpointEntry>();
    for (const entry of this.checkpoint.read()) map.set(topicPartitionKey(entry.topicPartition), entry);
    return map;
  }
}

export interface EpochEntry {
  epoch: number;
  startOffset: bigint;
}

const epochFormat: EntryFormat<EpochEntry> = {
  toLine: (entry) => `${entry.epoch} ${entry.startOffset}`,
  fromLine(line) {
    const parts = fields(line);
    if (parts.length !== 2 || !INT.test(parts[0]) || !INT.test(parts[1])) return null;
    return { epoch: Number(parts[0]), startOffset: BigInt(parts[1]) };
  },
};

/** leader-epoch-checkpoint: `<epoch> <startOffset>` lines, oldest first. */
export class LeaderEpochCheckpointFile extends CheckpointFile<EpochEntry> {
  constructor(file: string) {
    super(file, epochFormat);
  }
}
