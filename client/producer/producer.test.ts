import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ApiKey } from '../protocol/api-keys.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { compressionTypeOf, splitRecordBatches } from '../protocol/records/index.ts';
import { KafkaProtocolError } from '../network/errors.ts';
import { startFakeCluster, type FakeCluster } from '../network/test-support/fake-cluster.ts';
import { partitionForKey } from './murmur2.ts';
import { Producer, type ProducerOptions } from './producer.ts';
import { bytesSerializer, jsonSerializer, stringSerializer } from './serializers.ts';
import type { ProducerEvent } from './trace.ts';

const utf8 = new TextEncoder();
const text = new TextDecoder();

let cluster: FakeCluster;
const producers: Producer[] = [];

function producer(options: Partial<ProducerOptions> = {}): Producer {
  const made = new Producer({ brokers: cluster.bootstrap, retryBackoffMs: 20, ...options });
  producers.push(made);
  return made;
}

beforeEach(async () => {
  cluster = await startFakeCluster({ brokers: 3, topics: { orders: 6, single: 1 } });
});

afterEach(async () => {
  for (const made of producers.splice(0)) await made.close({ timeoutMs: 1000 });
  expect(cluster.problems).toEqual([]);
  await cluster.close();
});

describe('Producer', () => {
  it('delivers records with offsets, keys by murmur2, explicit partitions and headers', async () => {
    const p = producer();
    const reports = await p.send({
      topic: 'orders',
      messages: [
        { key: 'user-42', value: 'first' },
        { key: 'user-42', value: 'second', headers: { source: 'test', empty: null } },
        { value: 'to-three', partition: 3 },
      ],
    });
    const expected = partitionForKey(utf8.encode('user-42'), 6);
    expect(reports.map((r) => r.partition)).toEqual([expected, expected, 3]);
    expect(reports[0].offset).toBe(0n);
    expect(reports[1].offset).toBe(1n);
    const stored = cluster.records('orders', expected);
    expect(stored.map((r) => text.decode(r.value!))).toEqual(['first', 'second']);
    expect(stored[1].headers.map((h) => [h.key, h.value === null ? null : text.decode(h.value)])).toEqual([
      ['source', 'test'],
      ['empty', null],
    ]);
    expect(text.decode(cluster.records('orders', 3)[0].value!)).toBe('to-three');
  });

  it('auto-creates an unknown topic through Metadata and waits for its leader', async () => {
    const p = producer();
    const [report] = await p.send({ topic: 'brand-new', messages: [{ value: 'hello' }] });
    expect(report.offset).toBe(0n);
    expect(cluster.records('brand-new', 0)).toHaveLength(1);
  });

  it('rejects an explicit partition that does not exist (after asking for fresh metadata until max.block.ms)', async () => {
    const p = producer({ maxBlockMs: 300 });
    await p.send({ topic: 'orders', messages: [{ value: 'known', partition: 5 }] });
    const lookups = cluster.requestsOf(ApiKey.Metadata).length;
    await expect(p.send({ topic: 'orders', messages: [{ value: 'x', partition: 6 }] })).rejects.toThrow(
      /does not exist/,
    );
    expect(cluster.requestsOf(ApiKey.Metadata).length).toBeGreaterThan(lookups);
  });

  it('an explicit partition added since the last metadata: refreshes and sends there (Java waitOnMetadata)', async () => {
    const p = producer();
    await p.send({ topic: 'single', messages: [{ value: 'before' }] });
    expect(p.cluster.metadata.partitionCount('single')).toBe(1);
    cluster.createTopic('single', 3); // partitions added behind the producer's back
    const [report] = await p.send({ topic: 'single', messages: [{ value: 'new', partition: 2 }] });
    expect(report.partition).toBe(2);
    expect(text.decode(cluster.records('single', 2)[0].value!)).toBe('new');
  });

  it('batches by linger.ms: sends over 50 ms end up in one Produce request', async () => {
    const p = producer({ lingerMs: 300 });
    await p.connect();
    await p.send({ topic: 'single', messages: [{ value: 'warm-up' }] }).catch(() => {});
    const before = cluster.requestsOf(ApiKey.Produce).length;
    const sends = [p.send({ topic: 'single', messages: [{ value: 'a' }] })];
    await new Promise((resolve) => setTimeout(resolve, 50));
    sends.push(p.send({ topic: 'single', messages: [{ value: 'b' }] }));
    const started = Date.now();
    await Promise.all(sends);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    const produces = cluster.requestsOf(ApiKey.Produce).slice(before);
    expect(produces).toHaveLength(1);
    expect(cluster.records('single', 0).map((r) => text.decode(r.value!))).toEqual(['warm-up', 'a', 'b']);
  });

  it('batches by batch.size: a full batch leaves without waiting for linger.ms', async () => {
    const events: ProducerEvent[] = [];
    const p = producer({ lingerMs: 10_000, batchSize: 1024, onEvent: (e) => events.push(e) });
    const value = 'v'.repeat(100);
    const started = Date.now();
    // 9 records fill a 1 KiB batch, so only the last (partial) batch would wait — flush it.
    await p.connect();
    const warmUp = p.send({ topic: 'single', messages: [{ value: 'warm-up', partition: 0 }] });
    await p.flush();
    await warmUp;
    const sends = Array.from({ length: 27 }, () => p.send({ topic: 'single', messages: [{ value }] }));
    const opened = events.filter((e) => e.type === 'batch.opened').length;
    expect(opened).toBeGreaterThanOrEqual(4);
    await p.flush();
    await Promise.all(sends);
    expect(Date.now() - started).toBeLessThan(5000);
    const ready = events.filter(
      (e): e is Extract<ProducerEvent, { type: 'batch.ready' }> => e.type === 'batch.ready',
    );
    expect(ready.some((e) => e.reason === 'full')).toBe(true);
    for (const e of ready) expect(e.bytes).toBeLessThanOrEqual(1024);
    expect(cluster.records('single', 0)).toHaveLength(28);
  });

  it('sticky (KIP-480): null keys stay on one partition until that batch is sent, then move', async () => {
    const p = producer({ lingerMs: 100 });
    await p.connect();
    const first = await Promise.all(
      Array.from({ length: 20 }, () => p.send({ topic: 'orders', messages: [{ value: 'x' }] })),
    );
    const firstPartitions = new Set(first.map(([r]) => r.partition));
    expect(firstPartitions.size).toBe(1);
    const second = await Promise.all(
      Array.from({ length: 20 }, () => p.send({ topic: 'orders', messages: [{ value: 'y' }] })),
    );
    const secondPartitions = new Set(second.map(([r]) => r.partition));
    expect(secondPartitions.size).toBe(1);
    expect([...secondPartitions][0]).not.toBe([...firstPartitions][0]);
  });

  it('round-robin spreads null keys evenly', async () => {
    const p = producer({ partitioner: 'round-robin', lingerMs: 20 });
    const reports = await Promise.all(
      Array.from({ length: 60 }, () => p.send({ topic: 'orders', messages: [{ value: 'x' }] })),
    );
    const counts = new Map<number, number>();
    for (const [r] of reports) counts.set(r.partition, (counts.get(r.partition) ?? 0) + 1);
    expect([...counts.values()]).toEqual([10, 10, 10, 10, 10, 10]);
  });

  it('retries retriable errors (NOT_ENOUGH_REPLICAS) with backoff and then succeeds', async () => {
    const events: ProducerEvent[] = [];
    const p = producer({ onEvent: (e) => events.push(e) });
    await p.connect();
    await p.send({ topic: 'single', messages: [{ value: 'warm-up' }] });
    cluster.inject({
      apiKey: ApiKey.Produce,
      topic: 'single',
      partition: 0,
      errorCode: ErrorCode.NOT_ENOUGH_REPLICAS,
      times: 2,
    });
    const before = cluster.requestsOf(ApiKey.Produce).length;
    const [report] = await p.send({ topic: 'single', messages: [{ value: 'after-retries' }] });
    expect(report.offset).toBe(1n);
    expect(cluster.requestsOf(ApiKey.Produce).length - before).toBe(3);
    const retries = events.filter((e) => e.type === 'batch.retry');
    expect(retries.map((e) => (e as { error: string }).error)).toEqual([
      'NOT_ENOUGH_REPLICAS',
      'NOT_ENOUGH_REPLICAS',
    ]);
  });

  it('refreshes metadata on NOT_LEADER_OR_FOLLOWER and sends to the new leader', async () => {
    const p = producer();
    await p.send({ topic: 'orders', messages: [{ value: 'before', partition: 0 }] });
    const oldLeader = cluster.requestsOf(ApiKey.Produce)[0].nodeId;
    const newLeader = oldLeader === 3 ? 1 : oldLeader + 1;
    cluster.setLeader('orders', 0, newLeader);
    const metadataBefore = cluster.requestsOf(ApiKey.Metadata).length;
    const [report] = await p.send({ topic: 'orders', messages: [{ value: 'after', partition: 0 }] });
    expect(report.offset).toBe(1n);
    expect(cluster.requestsOf(ApiKey.Metadata).length).toBeGreaterThan(metadataBefore);
    const produces = cluster.requestsOf(ApiKey.Produce);
    expect(produces.at(-2)!.nodeId).toBe(oldLeader);
    expect(produces.at(-1)!.nodeId).toBe(newLeader);
  });

  it('fails at once on a non-retriable error', async () => {
    const p = producer();
    await p.connect();
    await p.send({ topic: 'single', messages: [{ value: 'warm-up' }] });
    cluster.inject({ apiKey: ApiKey.Produce, topic: 'single', errorCode: ErrorCode.MESSAGE_TOO_LARGE });
    const failure = await p
      .send({ topic: 'single', messages: [{ value: 'x' }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KafkaProtocolError);
    expect((failure as KafkaProtocolError).code).toBe('MESSAGE_TOO_LARGE');
    expect((failure as KafkaProtocolError).retriable).toBe(false);
  });

  it('gives up after `retries`', async () => {
    const p = producer({ retries: 1 });
    await p.send({ topic: 'single', messages: [{ value: 'warm-up' }] });
    cluster.inject({
      apiKey: ApiKey.Produce,
      topic: 'single',
      errorCode: ErrorCode.NOT_ENOUGH_REPLICAS,
      times: 5,
    });
    await expect(p.send({ topic: 'single', messages: [{ value: 'x' }] })).rejects.toMatchObject({
      code: 'NOT_ENOUGH_REPLICAS',
    });
  });

  it('gives up after delivery.timeout.ms', async () => {
    const p = producer({ deliveryTimeoutMs: 300 });
    await p.send({ topic: 'single', messages: [{ value: 'warm-up' }] });
    cluster.inject({
      apiKey: ApiKey.Produce,
      topic: 'single',
      errorCode: ErrorCode.NOT_ENOUGH_REPLICAS,
      times: 1000,
    });
    await expect(p.send({ topic: 'single', messages: [{ value: 'x' }] })).rejects.toMatchObject({
      code: expect.stringMatching(/KZ_ERR_DELIVERY_TIMEOUT|NOT_ENOUGH_REPLICAS/),
    });
  });

  it('acks=0 gets no response: offsets are -1n and the broker answered nothing', async () => {
    const p = producer({ acks: 0 });
    const reports = await p.send({ topic: 'single', messages: [{ value: 'fire' }, { value: 'forget' }] });
    expect(reports.map((r) => r.offset)).toEqual([-1n, -1n]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const produce = cluster.requestsOf(ApiKey.Produce).at(-1)!;
    expect((produce.body as { acks: number }).acks).toBe(0);
    expect(cluster.records('single', 0)).toHaveLength(2);
  });

  it('acks=1 and acks=all (-1, the default) go on the wire as asked and get offsets back', async () => {
    for (const acks of [1, -1] as const) {
      const p = producer({ acks });
      const [report] = await p.send({ topic: 'single', messages: [{ value: `acks ${acks}` }] });
      expect(report.offset).toBeGreaterThanOrEqual(0n);
      const produce = cluster.requestsOf(ApiKey.Produce).at(-1)!;
      expect((produce.body as { acks: number }).acks).toBe(acks);
    }
    expect(cluster.records('single', 0).map((r) => text.decode(r.value!))).toEqual(['acks 1', 'acks -1']);
    const defaults = producer();
    await defaults.send({ topic: 'single', messages: [{ value: 'default' }] });
    expect((cluster.requestsOf(ApiKey.Produce).at(-1)!.body as { acks: number }).acks).toBe(-1);
  });

  it('serializes keys and values with the configured serializers (JSON values, string keys, raw bytes)', async () => {
    const json = new Producer<string, unknown>({
      brokers: cluster.bootstrap,
      keySerializer: stringSerializer,
      valueSerializer: jsonSerializer,
    });
    producers.push(json as unknown as Producer);
    const [report] = await json.send({
      topic: 'orders',
      messages: [{ key: 'order-7', value: { id: 7, items: ['tea'], total: 3.5 } }],
    });
    const [stored] = cluster.records('orders', report.partition);
    expect(text.decode(stored.key!)).toBe('order-7');
    expect(JSON.parse(text.decode(stored.value!))).toEqual({ id: 7, items: ['tea'], total: 3.5 });
    expect(report.partition).toBe(partitionForKey(utf8.encode('order-7'), 6));

    const bytes = new Producer<Uint8Array | null, Uint8Array | null>({
      brokers: cluster.bootstrap,
      keySerializer: bytesSerializer,
      valueSerializer: bytesSerializer,
    });
    producers.push(bytes as unknown as Producer);
    await bytes.send({ topic: 'single', messages: [{ key: null, value: new Uint8Array([0, 255, 7]) }] });
    expect([...cluster.records('single', 0).at(-1)!.value!]).toEqual([0, 255, 7]);
  });

  it('honours max.in.flight.requests.per.connection', async () => {
    for (const limit of [1, 3]) {
      const events: ProducerEvent[] = [];
      const p = producer({ maxInFlightRequests: limit, batchSize: 200, onEvent: (e) => events.push(e) });
      await p.send({ topic: 'single', messages: [{ value: 'warm-up' }] });
      cluster.delay(ApiKey.Produce, 60);
      const value = 'v'.repeat(150);
      await Promise.all(Array.from({ length: 8 }, () => p.send({ topic: 'single', messages: [{ value }] })));
      cluster.delay(ApiKey.Produce, 0);
      const inFlight = events
        .filter((e) => e.type === 'request.sent')
        .map((e) => (e as { inFlight: number }).inFlight);
      expect(Math.max(...inFlight)).toBe(limit);
    }
  });

  it('retries a request that timed out (and shows why at-least-once can duplicate)', async () => {
    const p = producer({ requestTimeoutMs: 200 });
    await p.send({ topic: 'single', messages: [{ value: 'warm-up' }] });
    cluster.blackhole(ApiKey.Produce);
    const sent = p.send({ topic: 'single', messages: [{ value: 'maybe-twice' }] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    cluster.blackhole(ApiKey.Produce, false);
    const [report] = await sent;
    // The first attempt was appended but its answer never came: the retry appended it again.
    const values = cluster.records('single', 0).map((r) => text.decode(r.value!));
    expect(values).toEqual(['warm-up', 'maybe-twice', 'maybe-twice']);
    expect(report.offset).toBe(2n);
  }, 20_000);

  it('after a request to the leader times out, asks another broker who leads (not the silent one: a zombie)', async () => {
    const p = producer({ requestTimeoutMs: 200 });
    await p.send({ topic: 'single', messages: [{ value: 'warm-up' }] });
    const silent = cluster.requestsOf(ApiKey.Produce)[0].nodeId;
    const next = silent === 3 ? 1 : silent + 1;
    cluster.blackhole(ApiKey.Produce, true, silent);
    cluster.setLeader('single', 0, next);
    const metadataBefore = cluster.requestsOf(ApiKey.Metadata).length;
    const [report] = await p.send({ topic: 'single', messages: [{ value: 'moved' }] });
    expect(report.partition).toBe(0);
    // The first Metadata after the timeout went elsewhere (Kafka's leastLoadedNode skips a node whose
    // request just timed out; the Java client disconnects it).
    const refresh = cluster.requestsOf(ApiKey.Metadata)[metadataBefore];
    expect(refresh.nodeId).not.toBe(silent);
    expect(cluster.requestsOf(ApiKey.Produce).at(-1)!.nodeId).toBe(next);
  }, 20_000);

  it('an onEvent observer that throws does not fail the send; it is reported once as a warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const p = producer({
        onEvent: () => {
          throw new TypeError('observer bug');
        },
      });
      const [first] = await p.send({ topic: 'single', messages: [{ value: 'a' }] });
      const [second] = await p.send({ topic: 'single', messages: [{ value: 'b' }] });
      expect([first.offset, second.offset]).toEqual([0n, 1n]);
      await new Promise((resolve) => setImmediate(resolve));
      const ours = warnings.filter((w) => (w as Error & { code?: string }).code === 'KZ_LISTENER_THREW');
      expect(ours).toHaveLength(1);
      expect(ours[0].message).toContain('Producer onEvent threw');
      expect(ours[0].message).toContain('observer bug');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('compresses batches with gzip', async () => {
    const p = producer({ compression: 'gzip', lingerMs: 20 });
    const value = 'compressible '.repeat(50);
    await Promise.all(Array.from({ length: 10 }, () => p.send({ topic: 'single', messages: [{ value }] })));
    const produce = cluster.requestsOf(ApiKey.Produce).at(-1)!;
    const records = (produce.body as { topicData: { partitionData: { records: Uint8Array }[] }[] })
      .topicData[0].partitionData[0].records;
    const split = splitRecordBatches(records);
    expect(compressionTypeOf(split.batches[0].attributes)).toBe('gzip');
    expect(records.length).toBeLessThan(value.length * 10);
    expect(cluster.records('single', 0).map((r) => text.decode(r.value!))).toEqual(Array(10).fill(value));
  });

  it('flush() waits for lingering batches; close() flushes', async () => {
    const p = producer({ lingerMs: 60_000 });
    await p.connect();
    let done = false;
    const sent = p.send({ topic: 'single', messages: [{ value: 'lingering' }] }).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(done).toBe(false);
    await p.flush();
    await sent;
    expect(done).toBe(true);
    const late = p.send({ topic: 'single', messages: [{ value: 'at-close' }] });
    await p.close();
    await late;
    expect(cluster.records('single', 0)).toHaveLength(2);
    await expect(p.send({ topic: 'single', messages: [{ value: 'x' }] })).rejects.toMatchObject({
      code: 'KZ_ERR_CLIENT_CLOSED',
    });
  });

  it('applies buffer.memory back-pressure without losing records', async () => {
    const p = producer({ bufferMemory: 4096, batchSize: 1024, lingerMs: 5 });
    const value = 'v'.repeat(300);
    const reports = await Promise.all(
      Array.from({ length: 100 }, () => p.send({ topic: 'single', messages: [{ value }] })),
    );
    expect(reports).toHaveLength(100);
    expect(p.bufferedBytes).toBe(0);
    expect(cluster.records('single', 0)).toHaveLength(100);
  });

  it('keeps record order across sends while buffer.memory is full, and fails after max.block.ms', async () => {
    const p = producer({ bufferMemory: 2048, batchSize: 512, lingerMs: 0 });
    const value = (i: number) => `${i}`.padStart(200, '.');
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => p.send({ topic: 'single', messages: [{ value: value(i) }] })),
    );
    expect(cluster.records('single', 0).map((r) => text.decode(r.value!))).toEqual(
      Array.from({ length: 60 }, (_, i) => value(i)),
    );

    const stuck = producer({ bufferMemory: 1024, maxBlockMs: 200, lingerMs: 0 });
    await stuck.send({ topic: 'single', messages: [{ value: 'warm-up' }] });
    cluster.blackhole(ApiKey.Produce);
    // Two records fill buffer.memory (their answers never come); the third waits, then gives up.
    const unanswered = [0, 1].map(() =>
      stuck.send({ topic: 'single', messages: [{ value: 'x'.repeat(900) }] }),
    );
    for (const send of unanswered) send.catch(() => {});
    const started = Date.now();
    const blocked = stuck.send({ topic: 'single', messages: [{ value: 'y'.repeat(900) }] });
    await expect(blocked).rejects.toMatchObject({ code: 'KZ_ERR_REQUEST_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    cluster.blackhole(ApiKey.Produce, false);
  });

  it('emits pipeline trace events', async () => {
    const events: ProducerEvent[] = [];
    const p = producer({ onEvent: (e) => events.push(e), traceRecords: true });
    await p.send({ topic: 'orders', messages: [{ key: 'k', value: 'v' }] });
    const types = events.map((e) => e.type);
    for (const type of [
      'record.serialized',
      'record.partitioned',
      'batch.opened',
      'batch.ready',
      'request.sent',
      'request.completed',
      'batch.completed',
    ]) {
      expect(types).toContain(type);
    }
    expect(types.indexOf('record.serialized')).toBeLessThan(types.indexOf('batch.completed'));
  });
});
