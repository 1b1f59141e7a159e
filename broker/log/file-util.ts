// File names and small file operations shared by the log classes.

import fs from 'node:fs';
import path from 'node:path';
import { LOG_ERROR_CODES, LogError } from './errors.ts';

export const LOG_FILE_SUFFIX = '.log';
export const INDEX_FILE_SUFFIX = '.index';
export const TIME_INDEX_FILE_SUFFIX = '.timeindex';
export const TXN_INDEX_FILE_SUFFIX = '.txnindex';
export const PRODUCER_SNAPSHOT_FILE_SUFFIX = '.snapshot';
/** A segment scheduled for deletion (renamed before its files are removed). */
export const DELETED_FILE_SUFFIX = '.deleted';
/** Log-compaction leftovers (never written by kzlab, cleaned up at startup). */
export const CLEANED_FILE_SUFFIX = '.cleaned';
export const SWAP_FILE_SUFFIX = '.swap';
/** The temporary name of an atomically written file. */
export const TEMP_FILE_SUFFIX = '.tmp';
/** A partition directory being deleted: `<topic>-<partition>.<uuid>-delete`. */
export const DELETE_DIR_SUFFIX = '-delete';
/** A partition directory being moved between log dirs (not implemented; skipped at startup). */
export const FUTURE_DIR_SUFFIX = '-future';

/** The 20-digit zero-padded decimal that names a segment's files. */
export function filenamePrefixFromOffset(offset: bigint): string {
  return offset.toString().padStart(20, '0');
}

/** The base offset in a segment file name (`00000000000000368769.log` → 368769n), or null if it has none. */
export function offsetFromFileName(fileName: string): bigint | null {
  const match = /^(\d{20})\./.exec(fileName);
  return match === null ? null : BigInt(match[1]);
}

export function logFileName(dir: string, baseOffset: bigint): string {
  return path.join(dir, filenamePrefixFromOffset(baseOffset) + LOG_FILE_SUFFIX);
}

export function offsetIndexFileName(dir: string, baseOffset: bigint): string {
  return path.join(dir, filenamePrefixFromOffset(baseOffset) + INDEX_FILE_SUFFIX);
}

export function timeIndexFileName(dir: string, baseOffset: bigint): string {
  return path.join(dir, filenamePrefixFromOffset(baseOffset) + TIME_INDEX_FILE_SUFFIX);
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** `<topic>-<partition>`: the partition directory name. */
export function topicPartitionDirName(topicPartition: TopicPartition): string {
  return `${topicPartition.topic}-${topicPartition.partition}`;
}

export function topicPartitionKey(topicPartition: TopicPartition): string {
  return topicPartitionDirName(topicPartition);
}

/**
 * Parses a partition directory name: the topic is everything before the LAST `-` (topics may contain `-`).
 * Throws LogError for names that are not `<topic>-<partition>` (Kafka refuses to start on those too).
 */
export function parseTopicPartitionName(dirName: string): TopicPartition {
  const dash = dirName.lastIndexOf('-');
  const topic = dash > 0 ? dirName.slice(0, dash) : '';
  const partitionText = dash > 0 ? dirName.slice(dash + 1) : '';
  if (topic === '' || !/^\d+$/.test(partitionText) || Number(partitionText) > 0x7fffffff) {
    throw new LogError(
      LOG_ERROR_CODES.KZ_ERR_LOG_DIR_NAME,
      `found directory ${JSON.stringify(dirName)}, which is not in the form of topic-partition`,
    );
  }
  return { topic, partition: Number(partitionText) };
}

/** fsync a directory, so a rename or file creation inside it survives a crash. */
export function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes all of `bytes` at `position` (writeSync may write less than asked). */
export function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  let written = 0;
  while (written < bytes.length) {
    written += fs.writeSync(fd, bytes, written, bytes.length - written, position + written);
  }
}

/** Reads exactly `length` bytes at `position` into a new buffer (fewer only at end of file). */
export function readFully(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const n = fs.readSync(fd, buffer, read, length - read, position + read);
    if (n === 0) return buffer.subarray(0, read);
    read += n;
  }
  return buffer;
}

/**
 * Replaces `file` with `content` atomically: write `<file>.tmp`, fsync it, rename it over `file`, fsync
 * the directory (Kafka's CheckpointFile does the first three). A crash leaves either the old or the new
 * file, never a mix; a stale `.tmp` is ignored and overwritten next time.
 */
export function writeFileAtomically(file: string, content: string | Uint8Array): void {
  const temp = file + TEMP_FILE_SUFFIX;
  try {
    const fd = fs.openSync(temp, 'w');
    try {
      if (typeof content === 'string') fs.writeSync(fd, content);
      else writeFully(fd, content, 0);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
    fsyncDirectory(path.dirname(file));
  } catch (error) {
    throw new LogError(LOG_ERROR_CODES.KZ_ERR_LOG_IO, 'atomic write failed', { path: file, cause: error });
  }
}

export function deleteIfExists(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

export interface Time {
  /** Milliseconds since the epoch (Kafka's Time.milliseconds). */
  milliseconds(): number;
}

export const SYSTEM_TIME: Time = { milliseconds: () => Date.now() };
