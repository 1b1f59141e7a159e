// Optional trace events that make the producer pipeline visible (the dashboard draws them as lanes:
// serializer → partitioner → accumulator → sender → broker). Nothing is emitted unless an `onEvent`
// listener is given; per-record events additionally need `traceRecords: true` (they cost per record).

export type PartitionStrategy = 'explicit' | 'key' | 'sticky' | 'round-robin' | 'custom';

export type BatchReadyReason = 'full' | 'linger' | 'flush' | 'retry';

export type ProducerEvent =
  | {
      type: 'record.serialized';
      topic: string;
      keyBytes: number | null;
      valueBytes: number | null;
      headers: number;
    }
  | { type: 'record.partitioned'; topic: string; partition: number; strategy: PartitionStrategy }
  | { type: 'sticky.switch'; topic: string; from: number; to: number }
  | { type: 'batch.opened'; topic: string; partition: number }
  | {
      type: 'batch.ready';
      topic: string;
      partition: number;
      records: number;
      bytes: number;
      waitedMs: number;
      reason: BatchReadyReason;
    }
  | {
      type: 'request.sent';
      nodeId: number;
      batches: number;
      records: number;
      bytes: number;
      acks: number;
      /** Produce requests to this broker in flight, this one included. */
      inFlight: number;
    }
  | {
      type: 'request.completed';
      nodeId: number;
      batches: number;
      records: number;
      latencyMs: number;
      /** Kafka error names per failed partition, or the connection error. */
      errors: string[];
    }
  | {
      type: 'batch.completed';
      topic: string;
      partition: number;
      baseOffset: bigint;
      records: number;
      /** From batch creation to acknowledgement. */
      latencyMs: number;
    }
  | {
      type: 'batch.retry';
      topic: string;
      partition: number;
      attempt: number;
      error: string;
      backoffMs: number;
    }
  | { type: 'batch.failed'; topic: string; partition: number; records: number; error: string }
  | { type: 'metadata.refresh'; reason: string };
