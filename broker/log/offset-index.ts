// OffsetIndex: the sparse `.index` file of a segment (kafka-zk-era.md §4.3).
// Entry = 8 bytes: int32 relative offset (offset − base offset) + int32 byte position in the `.log`.
// Entries are strictly increasing in both fields. lookup(X) = the last entry with offset ≤ X (floor), or
// (baseOffset, 0) when there is none.

import { AbstractIndex, grow } from './abstract-index.ts';
import { assert } from '../../client/common/assert.ts';

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export interface OffsetPosition {
  offset: bigint;
  position: number;
}

export class OffsetIndex extends AbstractIndex {
  readonly entrySize = OFFSET_INDEX_ENTRY_SIZE;
  private relativeOffsets = new Int32Array(16);
  private positions = new Int32Array(16);
  private readonly scratch = new Uint8Array(OFFSET_INDEX_ENTRY_SIZE);
  private readonly scratchView = new DataView(this.scratch.buffer);
  /** Whether the file held bytes beyond the valid entries that were not zero (a torn or stale file). */
  private _hadJunk = false;

  constructor(file: string, baseOffset: bigint, maxIndexSize: number) {
    super(file, baseOffset, maxIndexSize, OFFSET_INDEX_ENTRY_SIZE);
    this.load();
  }

  /**
   * Loads entries from the file: the longest strictly increasing prefix, without trailing all-zero slots
   * (a preallocated file after a crash is zero-filled past its last entry). Any other non-zero bytes past
   * that prefix mark the index as suspicious (`hadJunk`), and the segment rebuilds it.
   */
  private load(): void {
    let count = 0;
    this._hadJunk = this.loadEntries((view, at) => {
      const relative = view.getInt32(at);
      const position = view.getInt32(at + 4);
      if (relative === 0 && position === 0) return false; // the first append never gets an entry at position 0
      if (relative < 0 || position < 0) return false;
      if (count > 0 && (relative <= this.relativeOffsets[count - 1] || position <= this.positions[count - 1]))
        return false;
      this.relativeOffsets = grow(this.relativeOffsets, count + 1, (n) => new Int32Array(n));
      this.positions = grow(this.positions, count + 1, (n) => new Int32Array(n));
      this.relativeOffsets[count] = relative;
      this.positions[count] = position;
      count++;
      return true;
    });
    this._entries = count;
  }

  get hadJunk(): boolean {
    return this._hadJunk;
  }

  /** The offset of the last entry, or the base offset when empty (Kafka's lastOffset). */
  get lastOffset(): bigint {
    return this._entries === 0
      ? this.baseOffset
      : this.baseOffset + BigInt(this.relativeOffsets[this._entries - 1]);
  }

  get lastEntry(): OffsetPosition {
    return this._entries === 0 ? { offset: this.baseOffset, position: 0 } : this.entry(this._entries - 1);
  }

  entry(slot: number): OffsetPosition {
    assert(slot >= 0 && slot < this._entries, `slot ${slot} outside ${this._entries} entries`);
    return { offset: this.baseOffset + BigInt(this.relativeOffsets[slot]), position: this.positions[slot] };
  }

  /** Appends (offset → position). Offsets and positions must grow; the index must not be full. */
  append(offset: bigint, position: number): void {
    assert(!this.isFull(), `attempt to append to a full index ${this.file} (${this._entries} entries)`);
    const relative = this.relativeOffset(offset);
    if (this._entries > 0) {
      assert(
        relative > this.relativeOffsets[this._entries - 1],
        `attempt to append offset ${offset} to ${this.file}, not larger than the last offset ${this.lastOffset}`,
      );
      assert(position > this.positions[this._entries - 1], `index positions must grow (${position})`);
    }
    this.relativeOffsets = grow(this.relativeOffsets, this._entries + 1, (n) => new Int32Array(n));
    this.positions = grow(this.positions, this._entries + 1, (n) => new Int32Array(n));
    this.relativeOffsets[this._entries] = relative;
    this.positions[this._entries] = position;
    this.scratchView.setInt32(0, relative);
    this.scratchView.setInt32(4, position);
    this.writeEntry(this._entries, this.scratch);
    this._entries++;
  }

  /** The last entry with offset ≤ target, or (baseOffset, 0). */
  lookup(targetOffset: bigint): OffsetPosition {
    const slot = this.floorSlot(targetOffset);
    return slot < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(slot);
  }

  /** Removes every entry with offset ≥ `offset`. */
  truncateTo(offset: bigint): void {
    const slot = this.floorSlot(offset);
    let keep: number;
    if (slot < 0) keep = 0;
    else keep = this.baseOffset + BigInt(this.relativeOffsets[slot]) === offset ? slot : slot + 1;
    this.truncateToEntries(keep);
  }

  protected onTruncated(): void {}

  /** Index of the last entry with offset ≤ target, or -1. */
  private floorSlot(targetOffset: bigint): number {
    const relativeBig = targetOffset - this.baseOffset;
    if (this._entries === 0 || relativeBig < BigInt(this.relativeOffsets[0])) return -1;
    const relative = relativeBig > 0x7fffffffn ? 0x7fffffff : Number(relativeBig);
    let low = 0;
    let high = this._entries - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.relativeOffsets[middle] <= relative) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** Checks entries against the segment's log size (Kafka's sanityCheck, plus positions inside the log). */
  isConsistentWith(logSize: number): boolean {
    if (this.length % OFFSET_INDEX_ENTRY_SIZE !== 0) return false;
    return this._entries === 0 || this.positions[this._entries - 1] < logSize;
  }
}
