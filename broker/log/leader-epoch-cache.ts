// LeaderEpochFileCache (KIP-101, kafka-zk-era.md §3.6): the ordered list of (epoch, startOffset) — "leader
// epoch E began at offset S" — of one partition, persisted in `<topic>-<partition>/leader-epoch-checkpoint`
// after every change. It answers OffsetsForLeaderEpoch (endOffsetFor) so a follower can truncate exactly
// where its log diverged from the leader's, instead of to its high watermark.

import type { EpochEntry, LeaderEpochCheckpointFile } from './checkpoint-file.ts';
import { LOG_ERROR_CODES, LogError } from './errors.ts';

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1n;

export interface EpochEndOffset {
  leaderEpoch: number;
  endOffset: bigint;
}

export class LeaderEpochFileCache {
  private epochs: EpochEntry[];
  private readonly checkpoint: LeaderEpochCheckpointFile | null;

  /** Loads the entries from `checkpoint` (null = in memory only, for tests). */
  constructor(checkpoint: LeaderEpochCheckpointFile | null) {
    this.checkpoint = checkpoint;
    this.epochs = checkpoint === null ? [] : checkpoint.read();
    for (let index = 1; index < this.epochs.length; index++) {
      const previous = this.epochs[index - 1];
      const entry = this.epochs[index];
      if (entry.epoch <= previous.epoch || entry.startOffset < previous.startOffset) {
        throw new LogError(
          LOG_ERROR_CODES.KZ_ERR_CHECKPOINT_MALFORMED,
          `entries out of order: ${previous.epoch} ${previous.startOffset} then ${entry.epoch} ${entry.startOffset}`,
          { path: checkpoint?.file },
        );
      }
    }
  }

  get epochEntries(): readonly EpochEntry[] {
    return this.epochs;
  }

  /** The newest epoch, or UNDEFINED_EPOCH when empty. */
  get latestEpoch(): number {
    return this.epochs.length === 0 ? UNDEFINED_EPOCH : this.epochs[this.epochs.length - 1].epoch;
  }

  get earliestEntry(): EpochEntry | null {
    return this.epochs[0] ?? null;
  }

  get latestEntry(): EpochEntry | null {
    return this.epochs[this.epochs.length - 1] ?? null;
  }

  /**
   * Records that `epoch` starts at `startOffset`, if that is news: a new epoch, or the same epoch starting
   * earlier. Entries with an epoch ≥ `epoch` or a start offset ≥ `startOffset` are replaced. Negative
   * epochs (batches from before leader epochs) are ignored. Returns whether the cache changed.
   */
  assign(epoch: number, startOffset: bigint): boolean {
    if (epoch < 0 || startOffset < 0n) return false;
    const last = this.latestEntry;
    if (last !== null && last.epoch === epoch && startOffset >= last.startOffset) return false;
    this.epochs = this.epochs.filter((entry) => entry.epoch < epoch && entry.startOffset < startOffset);
    this.epochs.push({ epoch, startOffset });
    this.flush();
    return true;
  }

  /**
   * OffsetsForLeaderEpoch: the end offset of `requestedEpoch` = the start offset of the first later epoch,
   * together with the largest epoch ≤ the requested one that this log knows.
   *  * requested is the latest epoch → (requested, logEndOffset);
   *  * requested is unknown and older than every entry → (requested, start of the first entry);
   *  * requested falls between entries → (the entry just below, start of the entry just above);
   *  * requested is newer than everything, or UNDEFINED → (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: bigint): EpochEndOffset {
    const undefinedResult = { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requestedEpoch === UNDEFINED_EPOCH || this.epochs.length === 0) return undefinedResult;
    if (requestedEpoch === this.latestEpoch) return { leaderEpoch: requestedEpoch, endOffset: logEndOffset };
    const firstLater = this.epochs.findIndex((entry) => entry.epoch > requestedEpoch);
    if (firstLater < 0) return undefinedResult;
    if (firstLater === 0) return { leaderEpoch: requestedEpoch, endOffset: this.epochs[0].startOffset };
    return { leaderEpoch: this.epochs[firstLater - 1].epoch, endOffset: this.epochs[firstLater].startOffset };
  }

  /** The epoch of the batch holding `offset` (the last entry starting at or before it), or UNDEFINED_EPOCH. */
  epochForOffset(offset: bigint): number {
    let epoch = UNDEFINED_EPOCH;
    for (const entry of this.epochs) {
      if (entry.startOffset > offset) break;
      epoch = entry.epoch;
    }
    return epoch;
  }

  /** The log was truncated to `endOffset`: forget epochs that start at or after it. */
  truncateFromEnd(endOffset: bigint): void {
    const last = this.latestEntry;
    if (endOffset < 0n || last === null || last.startOffset < endOffset) return;
    this.epochs = this.epochs.filter((entry) => entry.startOffset < endOffset);
    this.flush();
  }

  /**
   * The log start moved to `startOffset` (retention, DeleteRecords): drop epochs that ended before it and
   * move the start of the epoch that covers it up to `startOffset`.
   */
  truncateFromStart(startOffset: bigint): void {
    const first = this.earliestEntry;
    if (first === null || first.startOffset >= startOffset) return;
    const later = this.epochs.filter((entry) => entry.startOffset > startOffset);
    const covering = this.epochs.filter((entry) => entry.startOffset <= startOffset).pop()!;
    this.epochs = [{ epoch: covering.epoch, startOffset }, ...later];
    this.flush();
  }

  /** Forgets everything (the log was emptied). */
  clearAndFlush(): void {
    this.epochs = [];
    this.flush();
  }

  /** Writes the checkpoint (atomically); called after every change. */
  flush(): void {
    this.checkpoint?.write(this.epochs);
  }
}
