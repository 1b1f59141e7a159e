// A consumer group member in a process of its own, for the consumer-dies drill: the drill SIGKILLs it.
//   node deploy/drills/consumer-worker.ts <bootstrap> <group> <topic>
// Prints one JSON line per event on stdout: {"assigned":[…]}, {"record":[partition, offset]} for every
// record it processed, {"committed":[[partition, offset], …]} after every commit. It commits (its
// current positions) after the next poll when a line `commit` arrives on stdin — only then, so the
// drill knows exactly what was committed when it kills it.

import { createInterface } from 'node:readline';

import { Consumer } from '../../client/index.ts';

const [bootstrap, groupId, topic] = process.argv.slice(2);
if (bootstrap === undefined || groupId === undefined || topic === undefined) {
  process.stderr.write('usage: consumer-worker.ts <bootstrap> <group> <topic>\n');
  process.exit(2);
}

const print = (line: unknown): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

const consumer = new Consumer({
  brokers: bootstrap,
  groupId,
  clientId: 'kzlab-drill-victim',
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 1_000,
  autoCommit: false,
  autoOffsetReset: 'earliest',
  fetchMaxWaitMs: 100,
});
await consumer.connect();
consumer.subscribe(
  { topics: [topic] },
  { onPartitionsAssigned: (partitions) => print({ assigned: partitions.map((tp) => tp.partition) }) },
);
let commitAsked = false;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'commit') commitAsked = true;
});
for (;;) {
  for (const record of await consumer.poll(200)) print({ record: [record.partition, Number(record.offset)] });
  if (commitAsked && consumer.assignment().length > 0) {
    commitAsked = false;
    await consumer.commit();
    print({
      committed: consumer.assignment().map((tp) => [tp.partition, Number(consumer.position(tp) ?? -1n)]),
    });
  }
}
