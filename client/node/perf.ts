// Producer/consumer throughput tool, in the spirit of kafka-producer-perf-test and
// kafka-consumer-perf-test, for checking the client against real brokers:
//
//   npx node client/node/perf.ts produce --brokers 127.0.0.1:9092 --topic bench --records 1000000 \
//       --size 100 --acks all --linger-ms 5 --batch-size 65536 [--compression gzip] [--per-send 1]
//   npx node client/node/perf.ts consume --brokers 127.0.0.1:9092 --topic bench --records 1000000
//
// Prints one JSON line: records/s, MB/s, latency percentiles (produce: send → acknowledgement), and the
// client's own CPU seconds (limits-measured.md §2: count the load generator's CPU in any claim).

import { parseArgs } from 'node:util';

import { Consumer } from '../consumer/consumer.ts';
import { Producer, type Acks } from '../producer/producer.ts';
import type { CompressionType } from '../protocol/records/index.ts';

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function produce(values: Record<string, string | boolean | undefined>): Promise<void> {
  const brokers = String(values.brokers);
  const topic = String(values.topic);
  const records = Number(values.records ?? 1_000_000);
  const size = Number(values.size ?? 100);
  const perSend = Number(values['per-send'] ?? 1);
  const window = Number(values.window ?? 50_000);
  const acksText = String(values.acks ?? 'all');
  const acks: Acks = acksText === 'all' ? 'all' : (Number(acksText) as Acks);
  const producer = new Producer({
    brokers: brokers.split(','),
    acks,
    lingerMs: Number(values['linger-ms'] ?? 5),
    batchSize: Number(values['batch-size'] ?? 65_536),
    maxInFlightRequests: Number(values['max-in-flight'] ?? 5),
    compression: String(values.compression ?? 'none') as CompressionType,
  });
  const value = new Uint8Array(size);
  for (let i = 0; i < size; i++) value[i] = 97 + (i % 26);
  await producer.send({ topic, messages: [{ value }] }); // metadata + connections warm
  const latencies = new Float64Array(Math.ceil(records / perSend));
  let sent = 0;
  let acknowledged = 0;
  let outstanding = 0;
  let failures = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (sent < records && outstanding < window) {
        const count = Math.min(perSend, records - sent);
        const index = Math.floor(sent / perSend);
        const at = performance.now();
        const messages = Array.from({ length: count }, () => ({ value }));
        sent += count;
        outstanding += count;
        producer.send({ topic, messages }).then(
          () => {
            latencies[index] = performance.now() - at;
            settle(count);
          },
          () => {
            failures += count;
            settle(count);
          },
        );
      }
    };
    const settle = (count: number) => {
      outstanding -= count;
      acknowledged += count;
      if (acknowledged >= records) resolve();
      else if (outstanding < window / 2) setImmediate(pump);
    };
    pump();
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await producer.close();
  latencies.sort();
  console.log(
    JSON.stringify({
      mode: 'produce',
      topic,
      records,
      size,
      acks: acksText,
      failures,
      seconds: +seconds.toFixed(3),
      recordsPerSecond: Math.round(records / seconds),
      megabytesPerSecond: +((records * size) / seconds / 1e6).toFixed(1),
      latencyMs: {
        p50: +percentile(latencies, 50).toFixed(2),
        p99: +percentile(latencies, 99).toFixed(2),
        max: +percentile(latencies, 100).toFixed(2),
      },
      clientCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    }),
  );
}

async function consume(values: Record<string, string | boolean | undefined>): Promise<void> {
  const brokers = String(values.brokers);
  const topic = String(values.topic);
  const records = Number(values.records ?? 1_000_000);
  const consumer = new Consumer({
    brokers: brokers.split(','),
    autoOffsetReset: 'earliest',
    maxPollRecords: 10_000,
    checkCrcs: values['check-crcs'] !== 'false',
  });
  await consumer.connect();
  await consumer.cluster.refreshMetadata([topic]);
  const count = consumer.cluster.metadata.partitionCount(topic) ?? 0;
  consumer.assign(Array.from({ length: count }, (_, partition) => ({ topic, partition })));
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let received = 0;
  let bytes = 0;
  let idle = 0;
  while (received < records && idle < 10) {
    const batch = await consumer.poll(1000);
    idle = batch.length === 0 ? idle + 1 : 0;
    received += batch.length;
    for (const record of batch) bytes += record.value?.length ?? 0;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await consumer.close();
  console.log(
    JSON.stringify({
      mode: 'consume',
      topic,
      records: received,
      seconds: +seconds.toFixed(3),
      recordsPerSecond: Math.round(received / seconds),
      megabytesPerSecond: +(bytes / seconds / 1e6).toFixed(1),
      clientCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    }),
  );
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    topic: { type: 'string', default: 'bench' },
    records: { type: 'string' },
    size: { type: 'string' },
    acks: { type: 'string' },
    'linger-ms': { type: 'string' },
    'batch-size': { type: 'string' },
    'max-in-flight': { type: 'string' },
    'per-send': { type: 'string' },
    window: { type: 'string' },
    compression: { type: 'string' },
    'check-crcs': { type: 'string' },
  },
});

if (import.meta.main) {
  const mode = positionals[0];
  if (mode === 'produce') await produce(values);
  else if (mode === 'consume') await consume(values);
  else {
    console.error(
      'usage: perf.ts produce|consume --brokers host:port --topic t --records N [--size B --acks all --linger-ms 5 …]',
    );
    process.exitCode = 2;
  }
}
