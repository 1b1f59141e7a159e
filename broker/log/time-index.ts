// TimeIndex: the `.timeindex` file of a segment (kafka-zk-era.md §4.4).
// Entry = 12 bytes: int64 timestamp + int32 relative offset, meaning "records with a larger timestamp are
// at or after this offset". Timestamps strictly increase; an entry is only written when the segment's max
// timestamp has grown since the last one. The last slot is reserved for the final entry written when the
// segment stops being active, so the index reports "full" one entry early (as Kafka's TimeIndex.isFull).

import { AbstractIndex, grow } from './abstract-index.ts';
import { assert } from '../../client/common/assert.ts';

export const TIME_INDEX_ENTRY_SIZE = 12;
const NO_TIMESTAMP = -1n;

export interface TimestampOffset {
  timestamp: bigint;
  offset: bigint;
}

export class TimeIndex extends AbstractIndex {
  readonly entrySize = TIME_INDEX_ENTRY_SIZE;
  private timestamps = new BigInt64Array(16);
  private relativeOffsets = new Int32Array(16);
  private readonly scratch = new Uint8Array(TIME_INDEX_ENTRY_SIZE);
  private readonly scratchView = new DataView(this.scratch.buffer);
  private _hadJunk = false;

  constructor(file: string, baseOffset: bigint, maxIndexSize: number) {
    super(file, baseOffset, maxIndexSize, TIME_INDEX_ENTRY_SIZE);
    this.load();
  }

  /** Like OffsetIndex.load: the longest valid prefix, zero-filled tails ignored, other leftovers flagged. */
  private load(): void {
    let count = 0;
    this._hadJunk = this.loadEntries((view, at) => {
      const timestamp = view.getBigInt64(at);
      const relative = view.getInt32(at + 8);
      if (timestamp === 0n && relative === 0) return false;
      if (timestamp < 0n || relative < 0) return false;
      if (
        count > 0 &&
        (timestamp <= this.timestamps[count - 1] || relative < this.relativeOffsets[count - 1])
      )
        return false;
      this.timestamps = grow(this.timestamps, count + 1, (n) => new BigInt64Array(n));
      this.relativeOffsets = grow(this.relativeOffsets, count + 1, (n) => new Int32Array(n));
      this.timestamps[count] = timestamp;
      this.relativeOffsets[count] = relative;
      count++;
      return true;
    });
    this._entries = count;
  }

  get hadJunk(): boolean {
    return this._hadJunk;
  }

  /** One slot is kept free for the entry written when the segment becomes inactive. */
  override isFull(): boolean {
    return this._entries >= this.maxEntries - 1;
  }

  /** The last entry, or (-1, baseOffset) when empty. */
  get lastEntry(): TimestampOffset {
    return this._entries === 0
      ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset }
      : this.entry(this._entries - 1);
  }

  entry(slot: number): TimestampOffset {
    assert(slot >= 0 && slot < this._entries, `slot ${slot} outside ${this._entries} entries`);
    return { timestamp: this.timestamps[slot], offset: this.baseOffset + BigInt(this.relativeOffsets[slot]) };
  }

  /**
   * Appends (timestamp, offset) if `timestamp` is larger than the last entry's. `skipFullCheck` is for the
   * final entry on roll/close, which may use the reserved slot.
   */
  maybeAppend(timestamp: bigint, offset: bigint, skipFullCheck = false): void {
    if (!skipFullCheck) assert(!this.isFull(), `attempt to append to a full time index ${this.file}`);
    const last = this.lastEntry;
    if (this._entries > 0) {
      assert(
        offset >= last.offset,
        `time index ${this.file}: offset ${offset} is below the last entry's ${last.offset}`,
      );
      assert(
        timestamp >= last.timestamp,
        `time index ${this.file}: timestamp ${timestamp} is below the last ${last.timestamp}`,
      );
    }
    if (timestamp <= last.timestamp) return;
    if (this._entries >= this.maxEntries) this.resize((this._entries + 1) * TIME_INDEX_ENTRY_SIZE);
    const relative = this.relativeOffset(offset);
    this.timestamps = grow(this.timestamps, this._entries + 1, (n) => new BigInt64Array(n));
    this.relativeOffsets = grow(this.relativeOffsets, this._entries + 1, (n) => new Int32Array(n));
    this.timestamps[this._entries] = timestamp;
    this.relativeOffsets[this._entries] = relative;
    this.scratchView.setBigInt64(0, timestamp);
    this.scratchView.setInt32(8, relative);
    this.writeEntry(this._entries, this.scratch);
    this._entries++;
  }

  /** The last entry with timestamp ≤ target, or (-1, baseOffset) when there is none. */
  lookup(targetTimestamp: bigint): TimestampOffset {
    if (this._entries === 0 || targetTimestamp < this.timestamps[0]) {
      return { timestamp: NO_TIMESTAMP, offset: this.baseOffset };
    }
    let low = 0;
    let high = this._entries - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.timestamps[middle] <= targetTimestamp) low = middle;
      else high = middle - 1;
    }
    return this.entry(low);
  }

  /** Removes every entry whose offset is ≥ `offset`. */
  truncateTo(offset: bigint): void {
    let keep = this._entries;
    while (keep > 0 && this.baseOffset + BigInt(this.relativeOffsets[keep - 1]) >= offset) keep--;
    this.truncateToEntries(keep);
  }

  protected onTruncated(): void {}

  isConsistentWith(): boolean {
    return this.length % TIME_INDEX_ENTRY_SIZE === 0;
  }
}
