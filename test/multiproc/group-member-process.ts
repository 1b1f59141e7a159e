// A consumer-group member in its own process, so a test can kill -9 it: kzlab's Consumer polls, prints
// every record it delivers, commits synchronously after each poll (at-least-once) and prints each commit
// once the coordinator has acknowledged it. One JSON object per line on stdout:
//   {"delivered":[partition, offset, value]}   {"committed":[partition, offset]}   {"assigned":[partitions]}
// argv: brokers (comma-separated), group, topic, client id, session timeout ms, assignor protocol name.
import { Consumer, stringDeserializer } from '../../client/index.ts';
import { roundRobinAssignor } from '../../client/consumer/assignors/index.ts';

const [brokers, groupId, topic, clientId, sessionTimeoutMs, assignorName] = process.argv.slice(2);
if (assignorName === undefined) {
  process.stderr.write(
    'usage: group-member-process BROKERS GROUP TOPIC CLIENT_ID SESSION_TIMEOUT_MS ASSIGNOR\n',
  );
  process.exit(2);
}

const print = (line: unknown): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

const consumer = new Consumer({
  brokers: brokers.split(','),
  clientId,
  groupId,
  assignors: [{ ...roundRobinAssignor, name: assignorName }],
  autoCommit: false,
  autoOffsetReset: 'earliest',
  sessionTimeoutMs: Number(sessionTimeoutMs),
  heartbeatIntervalMs: 500,
  valueDeserializer: stringDeserializer,
});

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});

await consumer.connect();
consumer.subscribe(
  { topics: [topic] },
  {
    onPartitionsAssigned: (partitions) => print({ assigned: partitions.map((p) => p.partition) }),
  },
);
while (!stopping) {
  try {
    const records = await consumer.poll(200);
    const next = new Map<number, bigint>();
    for (const record of records) {
      print({ delivered: [record.partition, Number(record.offset), record.value] });
      next.set(record.partition, record.offset + 1n);
    }
    if (next.size === 0) continue;
    const offsets = [...next].map(([partition, offset]) => ({ topic, partition, offset }));
    await consumer.commit(offsets);
    for (const { partition, offset } of offsets) print({ committed: [partition, Number(offset)] });
  } catch (error) {
    print({ error: error instanceof Error ? error.message : String(error) });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
await consumer.close({ timeoutMs: 3_000 });
