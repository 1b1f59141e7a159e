// Whole frames: request/response headers (v0/v1/v2 and the ApiVersions special cases), the registry's
// version rules, decodeRequestFrame's answers for unsupported requests, and a client↔broker round trip.
import { describe, expect, it } from 'vitest';

import { ApiKey } from './api-keys.ts';
import { KafkaDecodeError, KafkaReader } from './binary.ts';
import {
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  responseCorrelationId,
  unsupportedApiVersionsResponse,
} from './codec.ts';
import { ErrorCode } from './error-codes.ts';
import { FrameSplitter } from './frame.ts';
import { ApiVersionsResponse } from './messages/api-versions.ts';
import { RequestHeader } from './messages/header.ts';
import {
  API_REGISTRY,
  apiVersionsTable,
  isFlexibleVersion,
  requestHeaderVersion,
  responseHeaderVersion,
} from './registry.ts';
import { decodeMessage } from './schema.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

describe('ApiVersions v3 request (librdkafka opens every connection with it)', () => {
  // Built by hand: api_key 18, version 3, correlation 1, client_id as a *classic* int16 string,
  // the header's tagged-field section, then the flexible body: two compact strings and its own tags.
  const frame = unhex(`
    0012 0003 00000001
    0004 6b636174
    00
    0b 6c696272646b61666b61
    06 322e302e32
    00`);

  it('parses the flexible header with a classic client_id', () => {
    const request = decodeRequestFrame(frame);
    expect(request).toMatchObject({
      kind: 'request',
      apiKey: ApiKey.ApiVersions,
      apiVersion: 3,
      correlationId: 1,
      headerVersion: 2,
      header: { requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'kcat' },
      body: { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' },
    });
  });

  it('re-encodes to the same bytes', () => {
    const again = encodeRequestFrame(
      ApiKey.ApiVersions,
      3,
      { correlationId: 1, clientId: 'kcat' },
      {
        clientSoftwareName: 'librdkafka',
        clientSoftwareVersion: '2.0.2',
      },
    );
    expect(hex(again.subarray(4))).toBe(hex(frame));
  });

  it('a null client_id is int16 -1 even in the flexible header', () => {
    const bytes = encodeRequestFrame(
      ApiKey.ApiVersions,
      3,
      { correlationId: 2, clientId: null },
      {
        clientSoftwareName: 'x',
        clientSoftwareVersion: 'y',
      },
    );
    expect(hex(bytes.subarray(4, 15))).toBe('0012000300000002ffff00');
  });

  it('the response header stays v0 (no tagged fields) and the body is flexible', () => {
    const bytes = encodeResponseFrame(ApiKey.ApiVersions, 3, 1, {
      errorCode: 0,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }],
    });
    // size, correlation id, error 0, compact array of 1 (02), key/min/max, element tags, throttle, tags
    expect(hex(bytes)).toBe(
      '00000013' + '00000001' + '0000' + '02' + '001200000003' + '00' + '00000000' + '00',
    );
  });
});

describe('answering an ApiVersions version we do not implement', () => {
  it('decodes as unsupported, with the header read by the flexible rule', () => {
    const frame = unhex('0012 0009 0000002a 0001 78 00 0161 0162 00');
    expect(decodeRequestFrame(frame)).toEqual({
      kind: 'unsupported',
      reason: 'unsupported-version',
      apiKey: 18,
      apiVersion: 9,
      correlationId: 42,
      header: { requestApiKey: 18, requestApiVersion: 9, correlationId: 42, clientId: 'x' },
    });
  });

  it('answers UNSUPPORTED_VERSION in the v0 layout with the API table', () => {
    const table = [{ apiKey: 18, minVersion: 0, maxVersion: 3 }];
    const bytes = unsupportedApiVersionsResponse(42, table);
    expect(hex(bytes)).toBe('00000010' + '0000002a' + '0023' + '00000001' + '001200000003');
    const body = decodeMessage(ApiVersionsResponse, 0, bytes.subarray(8));
    expect(body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('reports unknown API keys without guessing the header', () => {
    expect(decodeRequestFrame(unhex('03e7 0000 00000005 ffff'))).toMatchObject({
      kind: 'unsupported',
      reason: 'unknown-api-key',
      apiKey: 999,
      correlationId: 5,
      header: null,
    });
  });

  it('throws KafkaDecodeError for frames shorter than the fixed header or with trailing bytes', () => {
    expect(() => decodeRequestFrame(unhex('0012000000'))).toThrow(KafkaDecodeError);
    const good = encodeRequestFrame(ApiKey.ApiVersions, 0, { correlationId: 1, clientId: 'c' }, {});
    const extra = new Uint8Array(good.length - 4 + 1);
    extra.set(good.subarray(4));
    expect(() => decodeRequestFrame(extra)).toThrow(/unexpected bytes after ApiVersionsRequest v0/);
  });
});

describe('header versions', () => {
  it('request header: v2 when flexible, v0 only for ControlledShutdown v0, else v1', () => {
    expect(requestHeaderVersion(ApiKey.Metadata, 8)).toBe(1);
    expect(requestHeaderVersion(ApiKey.Metadata, 9)).toBe(2);
    expect(requestHeaderVersion(ApiKey.ApiVersions, 2)).toBe(1);
    expect(requestHeaderVersion(ApiKey.ApiVersions, 3)).toBe(2);
    expect(requestHeaderVersion(ApiKey.ApiVersions, 7)).toBe(2);
    expect(requestHeaderVersion(ApiKey.ControlledShutdown, 0)).toBe(0);
    expect(requestHeaderVersion(ApiKey.ControlledShutdown, 3)).toBe(2);
    expect(requestHeaderVersion(999, 0)).toBe(1);
  });

  it('response header: v1 when flexible, but always v0 for ApiVersions', () => {
    expect(responseHeaderVersion(ApiKey.Fetch, 11)).toBe(0);
    expect(responseHeaderVersion(ApiKey.Fetch, 12)).toBe(1);
    expect(responseHeaderVersion(ApiKey.ApiVersions, 3)).toBe(0);
  });

  it('request header v0 has no client id; v1 has a classic one; v2 adds tags', () => {
    expect(decodeMessage(RequestHeader, 0, unhex('0007 0000 00000001'))).toEqual({
      requestApiKey: 7,
      requestApiVersion: 0,
      correlationId: 1,
      clientId: null,
    });
    expect(decodeMessage(RequestHeader, 1, unhex('0003 0004 00000001 0001 78')).clientId).toBe('x');
    expect(decodeMessage(RequestHeader, 2, unhex('0003 0009 00000001 0001 78 00')).clientId).toBe('x');
    expect(() => decodeMessage(RequestHeader, 2, unhex('0003 0009 00000001 0001 78'))).toThrow(
      KafkaDecodeError,
    );
  });
});

describe('the registry', () => {
  it('knows the first flexible version of every API (Kafka flexibleVersions)', () => {
    const expected: Record<number, number | null> = {
      [ApiKey.Produce]: 9,
      [ApiKey.Fetch]: 12,
      [ApiKey.ListOffsets]: 6,
      [ApiKey.Metadata]: 9,
      [ApiKey.LeaderAndIsr]: 4,
      [ApiKey.StopReplica]: 2,
      [ApiKey.UpdateMetadata]: 6,
      [ApiKey.ControlledShutdown]: 3,
      [ApiKey.OffsetCommit]: 8,
      [ApiKey.OffsetFetch]: 6,
      [ApiKey.FindCoordinator]: 3,
      [ApiKey.JoinGroup]: 6,
      [ApiKey.Heartbeat]: 4,
      [ApiKey.LeaveGroup]: 4,
      [ApiKey.SyncGroup]: 4,
      [ApiKey.DescribeGroups]: 5,
      [ApiKey.ListGroups]: 3,
      [ApiKey.ApiVersions]: 3,
      [ApiKey.CreateTopics]: 5,
      [ApiKey.DeleteTopics]: 4,
      [ApiKey.InitProducerId]: 2,
      [ApiKey.OffsetForLeaderEpoch]: 4,
      [ApiKey.DescribeConfigs]: 4,
      [ApiKey.CreatePartitions]: 2,
    };
    expect(
      Object.fromEntries([...API_REGISTRY].map(([key, api]) => [key, api.firstFlexibleVersion])),
    ).toEqual(expected);
    for (const api of API_REGISTRY.values()) {
      expect(api.response.minVersion).toBe(api.request.minVersion);
      expect(api.response.maxVersion).toBe(api.request.maxVersion);
      expect(api.response.flexibleVersions).toBe(api.request.flexibleVersions);
      expect(isFlexibleVersion(api.apiKey, api.maxVersion)).toBe(api.firstFlexibleVersion !== null);
    }
  });

  it('covers the versions kafkajs 2.2.4 and librdkafka 2.0.2 implement (kafka-clients.md §2)', () => {
    const needed: [number, number, number][] = [
      [ApiKey.Produce, 0, 7],
      [ApiKey.Fetch, 0, 11],
      [ApiKey.ListOffsets, 0, 3],
      [ApiKey.Metadata, 0, 6],
      [ApiKey.OffsetCommit, 0, 7],
      [ApiKey.OffsetFetch, 0, 7],
      [ApiKey.FindCoordinator, 0, 2],
      [ApiKey.JoinGroup, 0, 5],
      [ApiKey.Heartbeat, 0, 3],
      [ApiKey.LeaveGroup, 0, 3],
      [ApiKey.SyncGroup, 0, 3],
      [ApiKey.DescribeGroups, 0, 4],
      [ApiKey.ListGroups, 0, 4],
      [ApiKey.ApiVersions, 0, 3],
      [ApiKey.CreateTopics, 0, 4],
      [ApiKey.DeleteTopics, 0, 1],
      [ApiKey.InitProducerId, 0, 4],
      [ApiKey.DescribeConfigs, 0, 2],
    ];
    for (const [apiKey, min, max] of needed) {
      const api = API_REGISTRY.get(apiKey)!;
      expect(api.minVersion, api.name).toBeLessThanOrEqual(min);
      expect(api.maxVersion, api.name).toBeGreaterThanOrEqual(max);
    }
  });

  it('builds the ApiVersions table, with optional caps', () => {
    const table = apiVersionsTable({ [ApiKey.Fetch]: 12 }, (api) => !api.interBroker);
    expect(table.find((api) => api.apiKey === ApiKey.Fetch)).toEqual({
      apiKey: 1,
      minVersion: 0,
      maxVersion: 12,
    });
    expect(table.some((api) => api.apiKey === ApiKey.LeaderAndIsr)).toBe(false);
    expect(apiVersionsTable().find((api) => api.apiKey === ApiKey.LeaderAndIsr)).toEqual({
      apiKey: 4,
      minVersion: 4,
      maxVersion: 4,
    });
  });
});

describe('client ↔ broker round trip through frames', () => {
  it('Metadata v12 request and response', () => {
    const requestFrame = encodeRequestFrame(
      ApiKey.Metadata,
      12,
      { correlationId: 9, clientId: 'me' },
      {
        topics: [{ name: 'orders' }],
        includeTopicAuthorizedOperations: false,
      },
    );
    const [payload] = new FrameSplitter().push(requestFrame);
    const request = decodeRequestFrame(payload);
    if (request.kind !== 'request' || request.apiKey !== ApiKey.Metadata)
      throw new Error('not a Metadata request');
    expect(request.body.topics).toEqual([{ name: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }]);
    expect(request.body.allowAutoTopicCreation).toBe(true);

    const responseFrame = encodeResponseFrame(ApiKey.Metadata, 12, request.correlationId, {
      brokers: [{ nodeId: 1, host: 'localhost', port: 9092 }],
      clusterId: 'c',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 'orders',
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] }],
        },
      ],
    });
    const [responsePayload] = new FrameSplitter().push(responseFrame);
    expect(responseCorrelationId(responsePayload)).toBe(9);
    const response = decodeResponseFrame(ApiKey.Metadata, 12, responsePayload);
    expect(response.body.topics[0].partitions[0]).toEqual({
      errorCode: 0,
      partitionIndex: 0,
      leaderId: 1,
      leaderEpoch: -1,
      replicaNodes: [1],
      isrNodes: [1],
      offlineReplicas: [],
    });
    expect(response.body.brokers[0].rack).toBeNull();
  });

  it('Produce v3 carries the record batch untouched', () => {
    const batch = new Uint8Array([0, 1, 2, 3, 4, 5]);
    const frame = encodeRequestFrame(
      ApiKey.Produce,
      3,
      { correlationId: 1, clientId: null },
      {
        acks: -1,
        timeoutMs: 30000,
        topicData: [{ name: 't', partitionData: [{ index: 0, records: batch }] }],
      },
    );
    const request = decodeRequestFrame(frame.subarray(4));
    if (request.kind !== 'request' || request.apiKey !== ApiKey.Produce) throw new Error('not Produce');
    expect(request.body.transactionalId).toBeNull();
    expect(request.body.topicData[0].partitionData[0].records).toEqual(batch);
  });

  it('inter-broker LeaderAndIsr v4 round-trips', () => {
    const frame = encodeRequestFrame(
      ApiKey.LeaderAndIsr,
      4,
      { correlationId: 3, clientId: 'broker1' },
      {
        controllerId: 1,
        controllerEpoch: 7,
        brokerEpoch: 4294967296n,
        topicStates: [
          {
            topicName: 't',
            partitionStates: [
              {
                partitionIndex: 0,
                controllerEpoch: 7,
                leader: 2,
                leaderEpoch: 3,
                isr: [2, 3],
                zkVersion: 5,
                replicas: [2, 3, 1],
                isNew: true,
              },
            ],
          },
        ],
        liveLeaders: [{ brokerId: 2, hostName: 'localhost', port: 9093 }],
      },
    );
    const request = decodeRequestFrame(frame.subarray(4));
    expect(request).toMatchObject({ kind: 'request', headerVersion: 2, body: { brokerEpoch: 4294967296n } });
  });

  it('reads the correlation id of a response and refuses a too-short frame', () => {
    expect(responseCorrelationId(unhex('0000002a'))).toBe(42);
    expect(() => responseCorrelationId(unhex('00'))).toThrow(KafkaDecodeError);
    expect(new KafkaReader(unhex('00')).remaining).toBe(1);
  });
});
