import net from 'node:net';

import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import {
  ApiKey,
  decodeRequestFrame,
  encodeResponseFrame,
  ErrorCode,
  FrameSplitter,
  type DecodedRequest,
} from '../../client/protocol/index.ts';
import type {
  ControllerRequest,
  LeaderAndIsrRequest,
  StopReplicaRequest,
  UpdateMetadataRequest,
} from '../controller/requests.ts';
import { ControllerChannelManager } from './controller-channel-manager.ts';
import type { ControllerResponse } from './controller-requests-codec.ts';

const log = pino({ level: 'silent' });

/** A stand-in broker: decodes controller requests and answers them (or misbehaves on demand). */
class FakeBroker {
  readonly received: DecodedRequest[] = [];
  connections = 0;
  /** Return 'drop' to close the connection without answering, 'silent' to never answer. */
  behaviour: (request: DecodedRequest, index: number) => 'answer' | 'drop' | 'silent' = () => 'answer';
  stopReplicaError: number = ErrorCode.NONE;
  private readonly server = net.createServer((socket) => this.accept(socket));
  port = 0;

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private accept(socket: net.Socket): void {
    this.connections++;
    const splitter = new FrameSplitter();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of splitter.push(new Uint8Array(chunk))) {
        const request = decodeRequestFrame(frame);
        if (request.kind !== 'request') throw new Error('unsupported request');
        const index = this.received.length;
        this.received.push(request);
        const what = this.behaviour(request, index);
        if (what === 'drop') {
          socket.destroy();
          return;
        }
        if (what === 'silent') continue;
        socket.write(this.answer(request));
      }
    });
  }

  private answer(request: DecodedRequest): Uint8Array {
    switch (request.apiKey) {
      case ApiKey.LeaderAndIsr:
        return encodeResponseFrame(ApiKey.LeaderAndIsr, request.apiVersion, request.correlationId, {
          errorCode: ErrorCode.NONE,
          partitionErrors: request.body.topicStates.flatMap((t) =>
            t.partitionStates.map((p) => ({
              topicName: t.topicName,
              partitionIndex: p.partitionIndex,
              errorCode: ErrorCode.NONE,
            })),
          ),
        });
      case ApiKey.UpdateMetadata:
        return encodeResponseFrame(ApiKey.UpdateMetadata, request.apiVersion, request.correlationId, {
          errorCode: ErrorCode.NONE,
        });
      case ApiKey.StopReplica:
        return encodeResponseFrame(ApiKey.StopReplica, request.apiVersion, request.correlationId, {
          errorCode: ErrorCode.NONE,
          partitionErrors: request.body.topics.flatMap((t) =>
            t.partitionIndexes.map((p) => ({
              topicName: t.name,
              partitionIndex: p,
              errorCode: this.stopReplicaError,
            })),
          ),
        });
      default:
        throw new Error(`unexpected API ${request.apiKey}`);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function leaderAndIsr(brokerId: number, brokerEpoch: bigint, leaderEpoch: number): LeaderAndIsrRequest {
  const state = (topicName: string, partitionIndex: number) => ({
    topicName,
    partitionIndex,
    controllerEpoch: 3,
    leader: brokerId,
    leaderEpoch,
    isr: [brokerId, 9],
    zkVersion: leaderEpoch,
    replicas: [brokerId, 9],
    addingReplicas: [],
    removingReplicas: [],
    isNew: leaderEpoch === 0,
  });
  return {
    type: 'LeaderAndIsr',
    apiKey: 4,
    brokerId,
    controllerId: 5,
    controllerEpoch: 3,
    brokerEpoch,
    partitionStates: [state('a', 0), state('b', 0), state('a', 1)],
    liveLeaders: [{ brokerId, hostName: '127.0.0.1', port: 9092 }],
  };
}

function updateMetadata(brokerId: number, brokerEpoch: bigint): UpdateMetadataRequest {
  return {
    type: 'UpdateMetadata',
    apiKey: 6,
    brokerId,
    controllerId: 5,
    controllerEpoch: 3,
    brokerEpoch,
    partitionStates: [
      {
        topicName: 't',
        partitionIndex: 0,
        controllerEpoch: 3,
        leader: -2,
        leaderEpoch: 0,
        isr: [],
        zkVersion: 0,
        replicas: [1],
        offlineReplicas: [],
      },
    ],
    liveBrokers: [
      {
        id: brokerId,
        endpoints: [{ port: 9092, host: 'h', listener: 'PLAINTEXT', securityProtocol: 0 }],
        rack: null,
      },
    ],
  };
}

function stopReplica(brokerId: number, brokerEpoch: bigint): StopReplicaRequest {
  return {
    type: 'StopReplica',
    apiKey: 5,
    brokerId,
    controllerId: 5,
    controllerEpoch: 3,
    brokerEpoch,
    deletePartitions: true,
    partitions: [
      { topic: 'x', partition: 0 },
      { topic: 'x', partition: 1 },
      { topic: 'y', partition: 0 },
    ],
  };
}

async function until(check: () => boolean, what: string, deadlineMs = 5_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('ControllerChannelManager', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  async function setup(options: { live?: () => boolean; requestTimeoutMs?: number } = {}) {
    const broker = new FakeBroker();
    await broker.listen();
    const responses: { brokerId: number; request: ControllerRequest; response: ControllerResponse }[] = [];
    const channel = new ControllerChannelManager({
      controllerId: 5,
      endpointOf: (id) =>
        id === 1 && (options.live?.() ?? true) ? { host: '127.0.0.1', port: broker.port } : undefined,
      onResponse: (brokerId, request, response) => responses.push({ brokerId, request, response }),
      log,
      requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
      retryBackoffMs: 10,
    });
    cleanup.push(
      () => channel.shutdown(),
      () => broker.close(),
    );
    return { broker, channel, responses };
  }

  it('delivers LeaderAndIsr v4, UpdateMetadata v6 and StopReplica v2 in order, grouped by topic, and returns the answers', async () => {
    const { broker, channel, responses } = await setup();
    channel.send([leaderAndIsr(1, 40n, 0), updateMetadata(1, 40n), stopReplica(1, 40n)]);
    await until(() => responses.length === 3, 'three answers');
    expect(broker.received.map((r) => [r.apiKey, r.apiVersion])).toEqual([
      [4, 4],
      [6, 6],
      [5, 2],
    ]);
    expect(broker.connections).toBe(1);
    const first = broker.received[0] as Extract<DecodedRequest, { apiKey: 4 }>;
    expect(first.header.clientId).toBe('controller-5-to-broker-1');
    expect(first.body).toMatchObject({ controllerId: 5, controllerEpoch: 3, brokerEpoch: 40n });
    expect(
      first.body.topicStates.map((t) => [t.topicName, t.partitionStates.map((p) => p.partitionIndex)]),
    ).toEqual([
      ['a', [0, 1]],
      ['b', [0]],
    ]);
    expect(first.body.topicStates[0].partitionStates[0]).toMatchObject({
      leader: 1,
      isr: [1, 9],
      isNew: true,
    });
    const stop = broker.received[2] as Extract<DecodedRequest, { apiKey: 5 }>;
    expect(stop.body).toMatchObject({
      deletePartitions: true,
      topics: [
        { name: 'x', partitionIndexes: [0, 1] },
        { name: 'y', partitionIndexes: [0] },
      ],
    });
    expect(responses.map((r) => r.request.type)).toEqual(['LeaderAndIsr', 'UpdateMetadata', 'StopReplica']);
    expect(responses[0].response).toMatchObject({
      error: 'NONE',
      partitionErrors: [{ partition: { topic: 'a', partition: 0 }, error: 'NONE' }, {}, {}],
    });
    expect(responses[2].response.partitionErrors).toEqual([
      { partition: { topic: 'x', partition: 0 }, error: 'NONE' },
      { partition: { topic: 'x', partition: 1 }, error: 'NONE' },
      { partition: { topic: 'y', partition: 0 }, error: 'NONE' },
    ]);
    expect(channel.status()).toEqual([{ brokerId: 1, queued: 0, connected: true, sent: 3, failures: 0 }]);
  });

  it('reports partition errors with their Kafka names', async () => {
    const { broker, channel, responses } = await setup();
    broker.stopReplicaError = ErrorCode.KAFKA_STORAGE_ERROR;
    channel.send([stopReplica(1, 1n)]);
    await until(() => responses.length === 1, 'the answer');
    expect(responses[0].response.partitionErrors[0].error).toBe('KAFKA_STORAGE_ERROR');
  });

  it('a connection lost before the answer: reconnects and sends the same request again, keeping the order', async () => {
    const { broker, channel, responses } = await setup();
    broker.behaviour = (_request, index) => (index === 1 ? 'drop' : 'answer');
    channel.send([leaderAndIsr(1, 7n, 0), updateMetadata(1, 7n), leaderAndIsr(1, 7n, 1)]);
    await until(() => responses.length === 3, 'three answers');
    expect(broker.received.map((r) => r.apiKey)).toEqual([4, 6, 6, 4]);
    expect(broker.connections).toBe(2);
    expect(responses.map((r) => r.request.type)).toEqual(['LeaderAndIsr', 'UpdateMetadata', 'LeaderAndIsr']);
    expect(channel.status()[0].failures).toBe(1);
  });

  it('no answer within the request timeout: reconnects and retries', async () => {
    const { broker, channel, responses } = await setup({ requestTimeoutMs: 150 });
    broker.behaviour = (_request, index) => (index === 0 ? 'silent' : 'answer');
    channel.send([updateMetadata(1, 7n)]);
    await until(() => responses.length === 1, 'the answer');
    expect(broker.received.length).toBe(2);
    expect(broker.connections).toBe(2);
  });

  it('keeps retrying while the broker is down, and delivers once it listens again', async () => {
    const placeholder = net.createServer();
    await new Promise<void>((resolve) => placeholder.listen(0, '127.0.0.1', resolve));
    const port = (placeholder.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => placeholder.close(() => resolve()));
    const responses: ControllerResponse[] = [];
    const channel = new ControllerChannelManager({
      controllerId: 5,
      endpointOf: () => ({ host: '127.0.0.1', port }),
      onResponse: (_id, _request, response) => responses.push(response),
      log,
      retryBackoffMs: 20,
    });
    cleanup.push(() => channel.shutdown());
    channel.send([updateMetadata(1, 1n)]);
    await until(() => channel.status()[0].failures > 1, 'a second failed attempt');
    expect(channel.status()[0].failures).toBeGreaterThan(1);
    const broker = new FakeBroker();
    cleanup.push(() => broker.close());
    await new Promise<void>((resolve) =>
      (broker as unknown as { server: net.Server }).server.listen(port, '127.0.0.1', resolve),
    );
    await until(() => responses.length === 1, 'delivery after the broker came back');
  });

  it('drops the queue of a broker that is no longer live', async () => {
    let live = true;
    const { broker, channel, responses } = await setup({ live: () => live });
    broker.behaviour = (_request, index) => (index === 0 ? 'drop' : 'answer');
    live = true;
    channel.send([updateMetadata(1, 1n)]);
    await until(() => broker.received.length === 1, 'the first attempt');
    live = false;
    channel.send([updateMetadata(1, 1n)]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(responses).toEqual([]);
    expect(channel.status()[0].queued).toBe(0);
  });

  it('a bounced broker (removed, then back with a new epoch) gets only the new requests', async () => {
    const { broker, channel, responses } = await setup();
    broker.behaviour = (_request, index) => (index === 0 ? 'silent' : 'answer');
    channel.send([updateMetadata(1, 10n), leaderAndIsr(1, 10n, 0), stopReplica(1, 10n)]);
    await until(() => broker.received.length === 1, 'the first request');
    // The broker restarted: the old thread goes away (broker failure), a new one starts (broker startup).
    channel.removeBroker(1);
    channel.send([updateMetadata(1, 20n), leaderAndIsr(1, 20n, 1)]);
    await until(() => responses.length === 2, 'the new incarnation answers');
    expect(responses.map((r) => [r.request.type, r.request.brokerEpoch])).toEqual([
      ['UpdateMetadata', 20n],
      ['LeaderAndIsr', 20n],
    ]);
  });

  it('within one thread, a higher epoch drops the older queued requests', async () => {
    const { broker, channel, responses } = await setup({ requestTimeoutMs: 200 });
    broker.behaviour = (_request, index) => (index === 0 ? 'silent' : 'answer');
    channel.send([updateMetadata(1, 10n), leaderAndIsr(1, 10n, 0), stopReplica(1, 10n)]);
    await until(() => broker.received.length === 1, 'the first request');
    channel.send([leaderAndIsr(1, 20n, 1)]);
    await until(() => responses.length === 1, 'the new request answered');
    expect(responses[0].request.brokerEpoch).toBe(20n);
    expect(broker.received.filter((r) => r.apiKey === ApiKey.StopReplica)).toEqual([]);
  });

  it('shutdown stops delivery', async () => {
    const { broker, channel, responses } = await setup();
    broker.behaviour = () => 'silent';
    channel.send([updateMetadata(1, 1n), updateMetadata(1, 1n)]);
    await until(() => broker.received.length === 1, 'the first request');
    channel.shutdown();
    channel.send([updateMetadata(1, 1n)]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(broker.received.length).toBe(1);
    expect(responses).toEqual([]);
    expect(channel.status()).toEqual([]);
  });
});
