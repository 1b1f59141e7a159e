import net from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { ApiKey } from '../protocol/api-keys.ts';
import { apiVersionsTable } from '../protocol/registry.ts';
import { Cluster } from './cluster.ts';
import { Connection, type NetworkEvent } from './connection.ts';
import { ConnectionFailedError, RequestTimeoutError, UnsupportedVersionError } from './errors.ts';
import { startFakeCluster, type FakeCluster } from './test-support/fake-cluster.ts';
import { CLIENT_API_VERSIONS, pickVersion } from './versions.ts';

let cluster: FakeCluster | null = null;
const connections: Connection[] = [];

afterEach(async () => {
  for (const connection of connections.splice(0)) connection.close();
  if (cluster) {
    expect(cluster.problems).toEqual([]);
    await cluster.close();
    cluster = null;
  }
});

function connect(
  fake: FakeCluster,
  options: Partial<ConstructorParameters<typeof Connection>[0]> = {},
): Connection {
  const connection = new Connection({ host: fake.brokers[0].host, port: fake.brokers[0].port, ...options });
  connections.push(connection);
  return connection;
}

describe('version negotiation', () => {
  it('picks the highest version both sides implement', () => {
    const broker = new Map([
      [ApiKey.Fetch, { apiKey: ApiKey.Fetch, minVersion: 0, maxVersion: 17 }],
      [ApiKey.Produce, { apiKey: ApiKey.Produce, minVersion: 0, maxVersion: 5 }],
      [ApiKey.Metadata, { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 0 }],
    ]);
    expect(pickVersion(ApiKey.Fetch, broker)).toBe(CLIENT_API_VERSIONS[ApiKey.Fetch]![1]); // capped by us (12)
    expect(pickVersion(ApiKey.Produce, broker)).toBe(5); // capped by the broker
    expect(pickVersion(ApiKey.Metadata, broker)).toBe(null); // broker only has v0; we need ≥ v1
    expect(pickVersion(ApiKey.ListGroups, broker)).toBe(null); // not advertised at all
  });

  it('negotiates with ApiVersions v3 and uses the broker maxima', async () => {
    cluster = await startFakeCluster({
      apiVersions: apiVersionsTable({ [ApiKey.Metadata]: 4, [ApiKey.Produce]: 3, [ApiKey.Fetch]: 4 }),
    });
    const events: NetworkEvent[] = [];
    const connection = connect(cluster, { onEvent: (e) => events.push(e) });
    await connection.connect();
    expect(cluster.requestsOf(ApiKey.ApiVersions).map((r) => r.apiVersion)).toEqual([3]);
    expect(connection.versionFor(ApiKey.Metadata)).toBe(4);
    expect(connection.versionFor(ApiKey.Produce)).toBe(3);
    await connection.request(ApiKey.Metadata, { topics: null, allowAutoTopicCreation: false });
    expect(cluster.requestsOf(ApiKey.Metadata)[0].apiVersion).toBe(4);
    expect(events.map((e) => e.type)).toEqual([
      'connected',
      'request',
      'response',
      'versions',
      'request',
      'response',
    ]);
  });

  it('falls back when the broker does not know ApiVersions v3 (UNSUPPORTED_VERSION in the v0 layout)', async () => {
    cluster = await startFakeCluster({
      apiVersions: apiVersionsTable({ [ApiKey.ApiVersions]: 2, [ApiKey.Metadata]: 1 }),
    });
    const connection = connect(cluster);
    await connection.connect();
    expect(cluster.requestsOf(ApiKey.ApiVersions).map((r) => r.apiVersion)).toEqual([2]);
    expect(connection.versionFor(ApiKey.Metadata)).toBe(1);
  });

  it('refuses an API with no version in common', async () => {
    cluster = await startFakeCluster({
      apiVersions: apiVersionsTable({}, (api) => api.apiKey !== ApiKey.DescribeConfigs),
    });
    const connection = connect(cluster);
    await connection.connect();
    await expect(connection.request(ApiKey.DescribeConfigs, { resources: [] })).rejects.toBeInstanceOf(
      UnsupportedVersionError,
    );
  });
});

describe('Connection', () => {
  it('pipelines requests with distinct correlation ids and matches every response', async () => {
    cluster = await startFakeCluster({ topics: { t: 1 } });
    const connection = connect(cluster);
    await connection.connect();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        connection.request(ApiKey.Metadata, {
          topics: i % 2 === 0 ? null : [{ name: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
          allowAutoTopicCreation: false,
        }),
      ),
    );
    expect(answers).toHaveLength(50);
    const ids = cluster.requestsOf(ApiKey.Metadata).map((r) => r.correlationId);
    expect(new Set(ids).size).toBe(50);
  });

  it('coalesces the frames of one tick into one socket write', async () => {
    // A raw server that counts TCP chunks (on loopback, one write arrives as one chunk).
    let chunks = 0;
    let bytes = 0;
    const server = net.createServer((socket) =>
      socket.on('data', (chunk) => ((chunks += 1), (bytes += chunk.length))),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const connection = new Connection({
      host: '127.0.0.1',
      port,
      negotiateVersions: false,
      requestTimeoutMs: 200,
    });
    connections.push(connection);
    await connection.connect();
    const pending = Array.from({ length: 20 }, () =>
      connection.request(ApiKey.Metadata, { topics: null, allowAutoTopicCreation: false }).catch(() => {}),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bytes).toBeGreaterThan(0);
    expect(chunks).toBe(1);
    connection.close();
    await Promise.all(pending);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('keeps at most maxInFlightRequests unanswered; the rest wait unsent', async () => {
    cluster = await startFakeCluster();
    cluster.delay(ApiKey.Metadata, 50);
    const connection = connect(cluster, { maxInFlightRequests: 2 });
    await connection.connect();
    const all = Array.from({ length: 6 }, () => connection.request(ApiKey.Metadata, { topics: null }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(connection.inFlightCount).toBe(2);
    expect(connection.queuedCount).toBe(4);
    await Promise.all(all);
    expect(connection.inFlightCount).toBe(0);
  });

  it('times out a request: RequestTimeoutError, then the connection is closed', async () => {
    cluster = await startFakeCluster();
    cluster.blackhole(ApiKey.Metadata);
    const connection = connect(cluster, { requestTimeoutMs: 100 });
    await connection.connect();
    const error = await connection.request(ApiKey.Metadata, { topics: null }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect((error as RequestTimeoutError).retriable).toBe(true);
    expect((error as RequestTimeoutError).definite).toBe(false);
    expect(connection.isOpen).toBe(false);
  });

  it('fails in-flight requests when the broker drops the connection', async () => {
    cluster = await startFakeCluster();
    cluster.blackhole(ApiKey.Metadata);
    const connection = connect(cluster);
    await connection.connect();
    const pending = connection.request(ApiKey.Metadata, { topics: null });
    await new Promise((resolve) => setTimeout(resolve, 30));
    cluster.dropConnections();
    await expect(pending).rejects.toMatchObject({
      code: 'KZ_ERR_CONNECTION_CLOSED',
      retriable: true,
      definite: false,
    });
  });

  it('reports a refused connection as ConnectionFailedError (definite: nothing was sent)', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const connection = new Connection({ host: '127.0.0.1', port });
    const error = await connection.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionFailedError);
    expect((error as ConnectionFailedError).definite).toBe(true);
  });
});

describe('Cluster (metadata cache and broker pool)', () => {
  it('bootstraps past a dead address and learns brokers, controller and leaders', async () => {
    cluster = await startFakeCluster({ brokers: 3, topics: { t: 6 }, controllerId: 2 });
    const client = new Cluster({ brokers: ['127.0.0.1:1', ...cluster.bootstrap], connectTimeoutMs: 500 });
    try {
      await client.connect();
      await client.refreshMetadata(['t']);
      expect([...client.metadata.brokers.keys()].sort()).toEqual([1, 2, 3]);
      expect(client.metadata.controllerId).toBe(2);
      expect(client.metadata.partitionCount('t')).toBe(6);
      expect(client.metadata.leaderFor('t', 4)).toBe(2);
      expect(client.metadata.availablePartitions('t')).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      client.close();
    }
  });

  it('coalesces concurrent refreshes into at most two Metadata requests', async () => {
    cluster = await startFakeCluster({ topics: { a: 1, b: 1 } });
    const client = new Cluster({ brokers: cluster.bootstrap });
    try {
      await client.connect();
      const before = cluster.requestsOf(ApiKey.Metadata).length;
      await Promise.all([
        client.refreshMetadata(['a']),
        client.refreshMetadata(['b']),
        client.refreshMetadata(),
        client.refreshMetadata(['a']),
      ]);
      expect(cluster.requestsOf(ApiKey.Metadata).length - before).toBeLessThanOrEqual(2);
      expect(client.metadata.partitionCount('a')).toBe(1);
      expect(client.metadata.partitionCount('b')).toBe(1);
    } finally {
      client.close();
    }
  });

  it('finds the group coordinator, retrying COORDINATOR_NOT_AVAILABLE', async () => {
    cluster = await startFakeCluster({ brokers: 2, coordinatorId: 2 });
    cluster.inject({ apiKey: ApiKey.FindCoordinator, errorCode: 15, times: 2 });
    const client = new Cluster({ brokers: cluster.bootstrap, retryBackoffMs: 10 });
    try {
      const coordinator = await client.findCoordinator('my-group');
      expect(coordinator.nodeId).toBe(2);
      expect(cluster.requestsOf(ApiKey.FindCoordinator)).toHaveLength(3);
    } finally {
      client.close();
    }
  });
});
