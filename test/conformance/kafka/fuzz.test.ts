// Live fuzz of our Kafka broker process: oversized and negative length prefixes, empty frames, unknown API
// keys and versions, truncated bodies, broken record batches, then seeded rounds of garbage, random bodies
// behind valid headers and bit-flipped valid requests. Kafka's rules: a request that cannot be parsed closes
// the connection; ApiVersions at an unknown version gets a v0 answer with UNSUPPORTED_VERSION; a bad batch
// gets CORRUPT_MESSAGE. Afterwards the same process must still serve, and the records written before the
// fuzz must read back unchanged.
//   npx vitest run --project conformance kafka/fuzz       (seed: KZLAB_FUZZ_SEED=<n> to replay a run)
import net from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { nativeCodecs } from '../../../client/node/native-codecs.ts';
import {
  API_REGISTRY,
  ApiKey,
  encodeRequestFrame,
  ErrorCode,
  FrameSplitter,
  type RequestInput,
} from '../../../client/protocol/index.ts';
import { buildRecordBatch } from '../../../client/protocol/records/record-batch-builder.ts';
import { SERVED_API_KEYS } from '../../../broker/api/kafka-apis.ts';
import { Prng } from '../../../deploy/sim/prng.ts';
import { startZooKeeper, type ZooKeeperServer } from '../../support/zookeeper-servers.ts';
import { waitFor } from '../../support/process.ts';
import { kafkaRequest, metadata, startBroker, type BrokerProcess } from './broker-harness.ts';

const HOST = '127.0.0.1';
const SEED = Number(process.env.KZLAB_FUZZ_SEED ?? Date.now() % 2 ** 31);
const FUZZ_BUDGET_MS = 10_000;
const TOPIC = 'fuzz-canary';
const GROUP = 'fuzz-group';

/** The simulator's seeded PRNG (mulberry32), so that a failing run can be replayed from its seed. */
function rng(seed: number): {
  int(max: number): number;
  bytes(n: number): Buffer;
  pick<T>(items: readonly T[]): T;
} {
  const prng = new Prng(seed);
  const int = (max: number): number => prng.int(0, max - 1);
  return {
    int,
    bytes: (n) => Buffer.from(Array.from({ length: n }, () => int(256))),
    pick: (items) => prng.pick(items),
  };
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value | 0);
  return b;
}

/** A request header (v1: api key, version, correlation id, client id) + body, size-prefixed. */
function rawRequest(apiKey: number, apiVersion: number, body: Buffer): Buffer {
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(1, 4);
  header.writeInt16BE(-1, 8); // null client id
  const payload = Buffer.concat([header, body]);
  return Buffer.concat([int32(payload.length), payload]);
}

interface Outcome {
  closedByServer: boolean;
  frames: Uint8Array[];
}

/** Connect, write `bytes`, collect response frames until the server closes or `lingerMs` passes. */
function exchange(port: number, bytes: Buffer, lingerMs = 1500): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    const splitter = new FrameSplitter();
    const frames: Uint8Array[] = [];
    let settled = false;
    const finish = (closedByServer: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ closedByServer, frames });
    };
    const timer = setTimeout(() => finish(false), lingerMs);
    socket.on('data', (chunk: Buffer) => {
      try {
        frames.push(...splitter.push(new Uint8Array(chunk)));
      } catch {
        finish(true);
      }
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.once('connect', () => socket.write(bytes));
  });
}

function produceBody(records: Uint8Array): RequestInput<0> {
  return {
    transactionalId: null,
    acks: 1,
    timeoutMs: 5000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
  } as RequestInput<0>;
}

/** Valid requests of every group API, to be bit-flipped (their bodies then reach the coordinator core). */
function groupFrames(): Buffer[] {
  const header = { correlationId: 1, clientId: 'fuzz' };
  const subscription = new Uint8Array([
    0,
    0,
    0,
    0,
    0,
    1,
    0,
    11,
    ...Buffer.from('fuzz-canary'),
    255,
    255,
    255,
    255,
  ]);
  const frames = [
    encodeRequestFrame(ApiKey.FindCoordinator, 2, header, { key: GROUP, keyType: 0 } as RequestInput<10>),
    encodeRequestFrame(ApiKey.JoinGroup, 5, header, {
      groupId: GROUP,
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 1_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription }],
    } as RequestInput<11>),
    encodeRequestFrame(ApiKey.SyncGroup, 3, header, {
      groupId: GROUP,
      generationId: 1,
      memberId: 'fuzz-member',
      groupInstanceId: null,
      assignments: [{ memberId: 'fuzz-member', assignment: subscription }],
    } as RequestInput<14>),
    encodeRequestFrame(ApiKey.Heartbeat, 3, header, {
      groupId: GROUP,
      generationId: 1,
      memberId: 'fuzz-member',
      groupInstanceId: null,
    } as RequestInput<12>),
    encodeRequestFrame(ApiKey.LeaveGroup, 3, header, {
      groupId: GROUP,
      members: [{ memberId: 'fuzz-member', groupInstanceId: null }],
    } as RequestInput<13>),
    encodeRequestFrame(ApiKey.OffsetCommit, 7, header, {
      groupId: GROUP,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: TOPIC,
          partitions: [
            { partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: 'm' },
          ],
        },
      ],
    } as RequestInput<8>),
    encodeRequestFrame(ApiKey.OffsetFetch, 5, header, {
      groupId: GROUP,
      topics: [{ name: TOPIC, partitionIndexes: [0] }],
    } as RequestInput<9>),
    encodeRequestFrame(ApiKey.DescribeGroups, 4, header, {
      groups: [GROUP, 'other'],
      includeAuthorizedOperations: true,
    } as RequestInput<15>),
    encodeRequestFrame(ApiKey.ListGroups, 2, header, {} as RequestInput<16>),
  ];
  return frames.map((frame) => Buffer.from(frame));
}

function canaryBatch(text: string): Uint8Array {
  return buildRecordBatch(
    { records: [{ key: null, value: new TextEncoder().encode(text) }], defaultTimestamp: BigInt(Date.now()) },
    nativeCodecs,
  );
}

describe(`fuzzing a live broker process (seed ${SEED})`, () => {
  let zk: ZooKeeperServer;
  let broker: BrokerProcess;

  const produce = async (records: Uint8Array) => {
    const response = await kafkaRequest(HOST, broker.port, ApiKey.Produce, 7, produceBody(records));
    return response.responses[0]!.partitionResponses[0]!;
  };
  /** OffsetCommit (simple consumer: generation -1) then OffsetFetch; the offset read back, or the error. */
  const commitAndFetch = async (groupId: string, offset: bigint): Promise<bigint | string> => {
    const committed = await kafkaRequest(HOST, broker.port, ApiKey.OffsetCommit, 2, {
      groupId,
      generationId: -1,
      memberId: '',
      retentionTimeMs: -1n,
      topics: [
        { name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: '' }] },
      ],
    } as RequestInput<8>);
    const commitError = committed.topics[0]!.partitions[0]!.errorCode;
    if (commitError !== ErrorCode.NONE) return `OffsetCommit error ${commitError}`;
    const fetched = await kafkaRequest(HOST, broker.port, ApiKey.OffsetFetch, 1, {
      groupId,
      topics: [{ name: TOPIC, partitionIndexes: [0] }],
    } as RequestInput<9>);
    const partition = fetched.topics[0]!.partitions[0]!;
    return partition.errorCode === ErrorCode.NONE
      ? partition.committedOffset
      : `OffsetFetch error ${partition.errorCode}`;
  };
  const fetchAll = async () => {
    const response = await kafkaRequest(HOST, broker.port, ApiKey.Fetch, 4, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      topics: [
        {
          topic: TOPIC,
          partitions: [{ partition: 0, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }],
        },
      ],
    } as RequestInput<1>);
    return response.responses[0]!.partitions[0]!;
  };

  beforeAll(async () => {
    zk = await startZooKeeper({ impl: 'kzlab' });
    broker = await startBroker({ id: 1, zookeeperConnect: `${zk.connectString}/fuzz` });
    const created = await kafkaRequest(HOST, broker.port, ApiKey.CreateTopics, 2, {
      topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    } as RequestInput<19>);
    expect(created.topics[0]!.errorCode).toBe(0);
    for (const text of ['before the fuzz #1', 'before the fuzz #2'])
      expect((await produce(canaryBatch(text))).errorCode).toBe(0);
    // The group coordinator up (the first FindCoordinator creates __consumer_offsets), so that fuzzed group
    // requests reach it rather than bouncing off COORDINATOR_NOT_AVAILABLE.
    await waitFor(
      async () =>
        (await kafkaRequest(HOST, broker.port, ApiKey.FindCoordinator, 0, { key: GROUP } as RequestInput<10>))
          .errorCode === ErrorCode.NONE,
      { deadlineMs: 20_000, what: 'a group coordinator', context: () => broker.logTail(40) },
    );
    expect(await commitAndFetch(GROUP, 7n)).toBe(7n);
  }, 60_000);

  afterAll(async () => {
    await broker?.destroy();
    await zk?.stop();
  });

  it('closes the connection on frames it cannot parse', async () => {
    const cases: [string, Buffer][] = [
      ['length prefix of 2 GiB', int32(0x7fffffff)],
      ['negative length prefix', Buffer.concat([int32(-5), Buffer.alloc(8)])],
      ['empty frame', int32(0)],
      ['frame shorter than a header', Buffer.concat([int32(3), Buffer.from([0, 3, 0])])],
      ['unknown API key 999', rawRequest(999, 0, Buffer.alloc(0))],
      ['Metadata v99', rawRequest(ApiKey.Metadata, 99, Buffer.alloc(0))],
      ['Produce with a truncated body', rawRequest(ApiKey.Produce, 3, Buffer.from([0xff, 0xff, 0, 1]))],
      ['Metadata with a topic count of 2^31-1', rawRequest(ApiKey.Metadata, 1, int32(0x7fffffff))],
    ];
    const outcomes = await Promise.all(cases.map(([, bytes]) => exchange(broker.port, bytes, 5000)));
    const notClosed = cases.filter((_, i) => !outcomes[i]!.closedByServer).map(([name]) => name);
    expect(notClosed).toEqual([]);
    expect(outcomes.every((o) => o.frames.length === 0)).toBe(true);
  });

  it('answers ApiVersions at an unknown version with UNSUPPORTED_VERSION in the v0 layout', async () => {
    const outcome = await exchange(broker.port, rawRequest(ApiKey.ApiVersions, 99, Buffer.alloc(0)));
    expect(outcome.frames).toHaveLength(1);
    const view = new DataView(outcome.frames[0]!.buffer, outcome.frames[0]!.byteOffset);
    expect(view.getInt32(0)).toBe(1); // correlation id
    expect(view.getInt16(4)).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('advertises exactly the APIs it serves, and closes the connection on one it does not (never a silent hang)', async () => {
    const versions = await kafkaRequest(HOST, broker.port, ApiKey.ApiVersions, 3, {
      clientSoftwareName: 'fuzz',
      clientSoftwareVersion: '1',
    } as RequestInput<18>);
    expect(versions.apiKeys.map((range) => range.apiKey).sort((a, b) => a - b)).toEqual(
      [...SERVED_API_KEYS].sort((a, b) => a - b),
    );
    // InitProducerId v0 (key 22: a null transactional id, a timeout) decodes fine but is not served.
    const initProducerId = rawRequest(ApiKey.InitProducerId, 0, Buffer.from([0xff, 0xff, 0, 0, 0xea, 0x60]));
    const outcome = await exchange(broker.port, initProducerId, 5000);
    expect(outcome.closedByServer).toBe(true);
    expect(outcome.frames).toHaveLength(0);
  });

  it('rejects broken record batches with CORRUPT_MESSAGE and stores nothing of them', async () => {
    const before = (await fetchAll()).highWatermark;
    const flipped = canaryBatch('bad crc');
    flipped[flipped.length - 1]! ^= 0xff; // the last value byte: the CRC no longer matches
    const truncated = canaryBatch('cut short').subarray(0, 40);
    for (const records of [
      flipped,
      truncated,
      new Uint8Array(Buffer.from('not a record batch at all, just text')),
    ]) {
      expect((await produce(records)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    }
    expect((await fetchAll()).highWatermark).toBe(before);
  });

  it('survives seeded garbage, random bodies behind valid headers and bit-flipped requests', async () => {
    const random = rng(SEED);
    const apiKeys = [...API_REGISTRY.keys()];
    const validFrames = [
      Buffer.from(
        encodeRequestFrame(
          ApiKey.Produce,
          7,
          { correlationId: 1, clientId: 'fuzz' },
          produceBody(canaryBatch('x')),
        ),
      ),
      Buffer.from(
        encodeRequestFrame(ApiKey.Metadata, 9, { correlationId: 1, clientId: 'fuzz' }, {
          topics: [{ name: TOPIC }],
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        } as RequestInput<3>),
      ),
      Buffer.from(
        encodeRequestFrame(ApiKey.ApiVersions, 3, { correlationId: 1, clientId: 'fuzz' }, {
          clientSoftwareName: 'fuzz',
          clientSoftwareVersion: '1',
        } as RequestInput<18>),
      ),
      ...groupFrames(),
    ];
    const started = Date.now();
    let connections = 0;
    for (let round = 0; round < 20 && Date.now() - started < FUZZ_BUDGET_MS; round++) {
      const batch: Buffer[] = [];
      for (let i = 0; i < 10; i++) {
        switch (random.int(3)) {
          case 0: // pure garbage, its first four bytes a length prefix of anything
            batch.push(random.bytes(1 + random.int(200)));
            break;
          case 1: // a valid header of a random API and version, then random bytes
            batch.push(rawRequest(random.pick(apiKeys), random.int(14), random.bytes(random.int(120))));
            break;
          default: {
            // a valid request with a few bytes flipped (the length prefix left alone)
            const frame = Buffer.from(random.pick(validFrames));
            for (let flips = 1 + random.int(4); flips > 0; flips--)
              frame[4 + random.int(frame.length - 4)] ^= 1 << random.int(8);
            batch.push(frame);
          }
        }
      }
      await Promise.all(batch.map((bytes) => exchange(broker.port, bytes, 300)));
      connections += batch.length;
      expect(broker.process().exitStatus(), broker.logTail(40)).toBeUndefined();
    }
    expect(connections).toBeGreaterThanOrEqual(10);

    // Still serving, and what was written before is intact.
    const meta = await metadata(broker.port, [TOPIC]);
    expect(meta.topics[0]!.errorCode).toBe(0);
    const fetched = await fetchAll();
    expect(fetched.errorCode).toBe(0);
    const text = Buffer.from(fetched.records ?? new Uint8Array()).toString('latin1');
    expect(text).toContain('before the fuzz #1');
    expect(text).toContain('before the fuzz #2');
    expect((await produce(canaryBatch('after the fuzz'))).errorCode).toBe(0);
    // The group coordinator too: the offset committed before is there, and a new commit reads back.
    const before = await kafkaRequest(HOST, broker.port, ApiKey.OffsetFetch, 1, {
      groupId: GROUP,
      topics: [{ name: TOPIC, partitionIndexes: [0] }],
    } as RequestInput<9>);
    expect(before.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(await commitAndFetch('after-the-fuzz', 42n)).toBe(42n);
  }, 60_000);
});
