// FileTxnSnapLog: bring a server back from disk (newest valid snapshot, then every later logged txn),
// truncating a torn or corrupt log tail instead of failing; and purge old snapshots/logs (autopurge).
import fs from 'node:fs';
import type { Logger } from 'pino';
import type { Txn } from '../jute/txn.ts';
import { deserializeSnapshot, listSnapshots, type SnapshotContents } from './snapshot.ts';
import { listLogFiles, readLogFile } from './txn-log.ts';

/** A log file other than the last one is damaged: starting would risk replaying stale history. */
export class CorruptLogError extends Error {
  readonly code = 'KZ_ERR_CORRUPT_LOG';
  constructor(file: string, atByte: number, problem: string, laterFiles: string[]) {
    super(
      `transaction log ${file} is damaged at byte ${atByte} (${problem}) but later logs exist ` +
        `(${laterFiles.join(', ')}): refusing to start. Restore the file, or move it and every later log ` +
        `away to give up the transactions after byte ${atByte}.`,
    );
    this.name = 'CorruptLogError';
  }
}

export interface RestoredState {
  snapshot: SnapshotContents | null;
  txns: Txn[];
  truncated: { file: string; atByte: number; problem: string }[];
}

export function loadNewestSnapshot(dataDir: string, log: Logger): SnapshotContents | null {
  const snapshots = listSnapshots(dataDir).reverse();
  for (const { file, zxid } of snapshots) {
    try {
      const snapshot = deserializeSnapshot(new Uint8Array(fs.readFileSync(file)), zxid);
      log.info({ file, zxid: `0x${zxid.toString(16)}` }, 'loaded snapshot');
      return snapshot;
    } catch (error) {
      log.warn({ file, err: error }, 'skipping invalid snapshot');
    }
  }
  return null;
}

/**
 * The logs that may hold txns after `zxid`: the newest file starting at or before it, and all later ones
 * (ZooKeeper's FileTxnLog.getLogFiles).
 */
export function logFilesAfter(dataLogDir: string, zxid: bigint): { file: string; zxid: bigint }[] {
  const files = listLogFiles(dataLogDir);
  let first = 0;
  for (let i = 0; i < files.length; i++) if (files[i].zxid <= zxid) first = i;
  return files.slice(first);
}

export function restore(dataDir: string, dataLogDir: string, log: Logger): RestoredState {
  const snapshot = loadNewestSnapshot(dataDir, log);
  const snapZxid = snapshot?.zxid ?? 0n;
  const txns: Txn[] = [];
  const truncated: RestoredState['truncated'] = [];
  const files = logFilesAfter(dataLogDir, snapZxid);
  for (let i = 0; i < files.length; i++) {
    const { file } = files[i];
    const result = readLogFile(file);
    for (const txn of result.txns) {
      const last = txns.length > 0 ? txns[txns.length - 1].header.zxid : snapZxid;
      if (txn.header.zxid > last) txns.push(txn);
    }
    if (result.problem === null) continue;
    const later = files.slice(i + 1);
    if (later.length > 0) {
      // Damage before the last log is not a torn tail: cutting there would let new writes reuse zxids that
      // later files still hold. ZooKeeper refuses to start too; an operator must decide.
      throw new CorruptLogError(file, result.validLength, result.problem, later.map((f) => f.file));
    }
    // Only the tail can be torn by a crash; cut the file there so new appends follow valid entries.
    log.warn({ file, atByte: result.validLength, problem: result.problem }, 'truncating corrupt transaction log tail');
    fs.truncateSync(file, result.validLength);
    truncated.push({ file, atByte: result.validLength, problem: result.problem });
    break;
  }
  return { snapshot, txns, truncated };
}

/**
 * Keep the newest `retainCount` snapshots and the logs needed to replay from the oldest of them
 * (ZooKeeper's PurgeTxnLog); delete the rest. Returns the deleted files.
 */
export function purge(dataDir: string, dataLogDir: string, retainCount: number): string[] {
  const snapshots = listSnapshots(dataDir);
  if (snapshots.length <= retainCount) return [];
  const kept = snapshots.slice(-retainCount);
  const oldestKept = kept[0].zxid;
  const deleted: string[] = [];
  for (const { file } of snapshots.slice(0, -retainCount)) deleted.push(file);
  const logs = listLogFiles(dataLogDir);
  const neededFrom = logFilesAfter(dataLogDir, oldestKept)[0]?.zxid ?? 0n;
  for (const { file, zxid } of logs) if (zxid < neededFrom) deleted.push(file);
  for (const file of deleted) fs.rmSync(file, { force: true });
  return deleted;
}
