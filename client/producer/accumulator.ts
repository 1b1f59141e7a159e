// The RecordAccumulator: the third stage of the producer pipeline (kafka-zk-era.md §5.1 step 6).
// One deque of batches per partition; a record goes into the last batch of its partition if it fits
// (batch.size), else a new batch is opened. A batch is encoded into RecordBatch v2 bytes exactly once,
// when the sender drains it (and those bytes are reused by retries).
//
// No I/O and no clock here: callers pass `now`.

import type {
  BuildCodecs,
  CompressionType,
  RecordHeaderInput,
  RecordInput,
} from '../protocol/records/index.ts';
import { buildRecordBatch, RECORD_BATCH_OVERHEAD, sizeOfVarint } from '../protocol/records/index.ts';

/** What a send() call gets back per record. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset; -1n with acks=0 (the broker does not answer). */
  offset: bigint;
  /** The record's timestamp (CreateTime, ms) as sent. */
  timestamp: bigint;
}

/** One send() call waiting for its records (they may sit in several batches). */
export interface PendingSend {
  remaining: number;
  readonly results: RecordMetadata[];
  settled: boolean;
  readonly resolve: (results: RecordMetadata[]) => void;
  readonly reject: (error: unknown) => void;
}

export class ProducerBatch {
  readonly topic: string;
  readonly partition: number;
  readonly createdAt: number;
  readonly records: RecordInput[] = [];
  /** For each record: the send() it belongs to and its index there. */
  readonly owners: PendingSend[] = [];
  readonly slots: number[] = [];
  /** Estimated encoded size (uncompressed), header included. */
  sizeInBytes = RECORD_BATCH_OVERHEAD;
  /** No more appends (full, or drained). */
  closed = false;
  /** Encoded bytes (set when first drained; reused on retry). */
  encoded: Uint8Array | null = null;
  attempts = 0;
  retryAt = 0;
  lastError: unknown = null;
  /** The first attempt's drain time (for traces). */
  firstSentAt = 0;

  constructor(topic: string, partition: number, createdAt: number) {
    this.topic = topic;
    this.partition = partition;
    this.createdAt = createdAt;
  }

  get recordCount(): number {
    return this.records.length;
  }

  encode(codecs: BuildCodecs, compression: CompressionType): Uint8Array {
    if (this.encoded === null) {
      this.encoded = buildRecordBatch(
        { records: this.records, compression, defaultTimestamp: BigInt(this.createdAt) },
        codecs,
      );
    }
    return this.encoded;
  }

  /** Completes every record of the batch with offsets baseOffset, baseOffset+1, … */
  complete(baseOffset: bigint): void {
    const noOffset = baseOffset < 0n;
    const defaultTimestamp = BigInt(this.createdAt);
    for (let i = 0; i < this.records.length; i++) {
      const owner = this.owners[i];
      if (owner.settled) continue;
      owner.results[this.slots[i]] = {
        topic: this.topic,
        partition: this.partition,
        offset: noOffset ? -1n : baseOffset + BigInt(i),
        timestamp: this.records[i].timestamp ?? defaultTimestamp,
      };
      if (--owner.remaining === 0) {
        owner.settled = true;
        owner.resolve(owner.results);
      }
    }
  }

  fail(error: unknown): void {
    for (const owner of this.owners) {
      if (owner.settled) continue;
      owner.settled = true;
      owner.reject(error);
    }
  }
}

/** Upper-bound size of one record inside a batch (the timestamp delta is counted as 3 bytes). */
export function estimateRecordSize(
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: readonly RecordHeaderInput[] | undefined,
  offsetDelta: number,
): number {
  let size = 1 + 3 + sizeOfVarint(offsetDelta);
  size += key === null ? 1 : sizeOfVarint(key.length) + key.length;
  size += value === null ? 1 : sizeOfVarint(value.length) + value.length;
  const count = headers?.length ?? 0;
  size += sizeOfVarint(count);
  for (let i = 0; i < count; i++) {
    const header = headers![i];
    const keyLength = header.key.length * 3; // UTF-8 upper bound
    size += sizeOfVarint(keyLength) + keyLength;
    size += header.value === null ? 1 : sizeOfVarint(header.value.length) + header.value.length;
  }
  return sizeOfVarint(size) + size;
}

export interface AppendResult {
  batch: ProducerBatch;
  /** A new batch was opened for this record. */
  newBatch: boolean;
  /** The batch is now full (the sender should drain it without waiting for linger.ms). */
  batchFull: boolean;
}

export class RecordAccumulator {
  readonly batchSize: number;
  private readonly deques = new Map<string, ProducerBatch[]>();
  /** Bytes held by batches not yet completed (for buffer.memory back-pressure). */
  bufferedBytes = 0;

  constructor(batchSize: number) {
    this.batchSize = batchSize;
  }

  private key(topic: string, partition: number): string {
    return `${partition}\u0000${topic}`;
  }

  deque(topic: string, partition: number): ProducerBatch[] | undefined {
    return this.deques.get(this.key(topic, partition));
  }

  /** Would appending a record of `recordSize` bytes to this partition open a new batch? */
  wouldOpenNewBatch(topic: string, partition: number, recordSize: number): boolean {
    const deque = this.deques.get(this.key(topic, partition));
    const last = deque?.[deque.length - 1];
    return last === undefined || last.closed || last.sizeInBytes + recordSize > this.batchSize;
  }

  append(
    topic: string,
    partition: number,
    record: RecordInput,
    recordSize: number,
    owner: PendingSend,
    slot: number,
    now: number,
  ): AppendResult {
    const key = this.key(topic, partition);
    let deque = this.deques.get(key);
    if (!deque) {
      deque = [];
      this.deques.set(key, deque);
    }
    let batch = deque[deque.length - 1];
    let newBatch = false;
    if (
      batch === undefined ||
      batch.closed ||
      (batch.records.length > 0 && batch.sizeInBytes + recordSize > this.batchSize)
    ) {
      if (batch !== undefined && !batch.closed) batch.closed = true;
      batch = new ProducerBatch(topic, partition, now);
      deque.push(batch);
      newBatch = true;
    }
    batch.records.push(record);
    batch.owners.push(owner);
    batch.slots.push(slot);
    batch.sizeInBytes += recordSize;
    this.bufferedBytes += recordSize;
    if (newBatch) this.bufferedBytes += RECORD_BATCH_OVERHEAD;
    const batchFull = batch.sizeInBytes >= this.batchSize;
    if (batchFull) batch.closed = true;
    return { batch, newBatch, batchFull: batchFull || deque.length > 1 };
  }

  /** Every non-empty partition deque (empty ones are dropped on the way). */
  *partitions(): Generator<ProducerBatch[]> {
    for (const [key, deque] of this.deques) {
      if (deque.length === 0) {
        this.deques.delete(key);
        continue;
      }
      yield deque;
    }
  }

  /** Puts a batch that must be retried back at the front of its partition's deque. */
  reenqueue(batch: ProducerBatch): void {
    const key = this.key(batch.topic, batch.partition);
    let deque = this.deques.get(key);
    if (!deque) {
      deque = [];
      this.deques.set(key, deque);
    }
    deque.unshift(batch);
  }

  /** Bytes given back when a batch is done (completed or failed). */
  release(batch: ProducerBatch): void {
    this.bufferedBytes -= batch.sizeInBytes;
  }

  isEmpty(): boolean {
    for (const deque of this.deques.values()) if (deque.length > 0) return false;
    return true;
  }

  /** Removes and returns every queued batch (close without flush, fatal errors). */
  drainAll(): ProducerBatch[] {
    const all: ProducerBatch[] = [];
    for (const deque of this.deques.values()) all.push(...deque);
    this.deques.clear();
    return all;
  }
}
