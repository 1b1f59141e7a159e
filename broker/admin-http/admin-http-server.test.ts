import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startBrokerAdminHttp, type AdminHttpHandle } from './admin-http-server.ts';
import type { BrokerAdminView, PartitionView } from './broker-admin-view.ts';
import { formatPrometheusMetrics } from './prometheus.ts';

const partition: PartitionView = {
  topic: 'orders',
  partition: 2,
  role: 'leader',
  leader: 1,
  leaderEpoch: 4,
  replicas: [1, 2],
  isr: [1],
  logStartOffset: '0',
  logEndOffset: '12',
  highWatermark: '10',
  recoveryPoint: '0',
  sizeBytes: 800,
  dir: '/tmp/orders-2',
  segments: [{ baseOffset: '0', sizeBytes: 800, file: '/tmp/orders-2/00000000000000000000.log' }],
};

const view: BrokerAdminView = {
  brokerView: () => ({
    brokerId: 1,
    clusterId: 'abc',
    listeners: [{ listener: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }],
    advertisedListeners: [
      { listener: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 },
    ],
    brokerEpoch: '25',
    controllerId: 1,
    zookeeperConnect: 'localhost:2181',
    logDirs: ['/tmp'],
    startedAtMs: 0,
  }),
  controllerView: () => ({
    brokerId: 1,
    isController: true,
    activeControllerId: 1,
    controllerEpoch: 3,
    epochZkVersion: 3,
    liveBrokers: [{ id: 1, epoch: '25' }],
    topics: ['orders'],
    offlinePartitions: 0,
    channels: [],
  }),
  partitionViews: () => [partition],
  counters: () => ({
    bytesIn: 100,
    bytesOut: 200,
    connections: 2,
    requests: new Map([
      ['Produce', 5],
      ['Metadata', 2],
    ]),
  }),
};

describe('formatPrometheusMetrics', () => {
  it('writes HELP/TYPE lines and labelled samples', () => {
    const text = formatPrometheusMetrics({
      brokerId: 1,
      partitions: [{ ...partition, topic: 'we"ird' }],
      controller: view.controllerView(),
      counters: view.counters(),
    });
    expect(text).toContain(
      '# TYPE kafka_log_log_logendoffset gauge\nkafka_log_log_logendoffset{topic="we\\"ird",partition="2"} 12\n',
    );
    expect(text).toContain('kafka_cluster_partition_highwatermark{topic="we\\"ird",partition="2"} 10');
    expect(text).toContain(
      'kafka_network_requestmetrics_requests_total{request="Metadata"} 2\nkafka_network_requestmetrics_requests_total{request="Produce"} 5',
    );
    expect(text).toContain('kafka_server_brokertopicmetrics_bytesout_total 200');
    expect(text).toContain('kafka_controller_controllerstats_controllerepoch 3');
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('admin HTTP server', () => {
  let handle: AdminHttpHandle;
  beforeAll(async () => {
    handle = await startBrokerAdminHttp(view, { host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await handle.close();
  });

  it('serves /broker, /controller, /partitions and /metrics', async () => {
    const base = `http://127.0.0.1:${handle.port}`;
    expect(await (await fetch(`${base}/broker`)).json()).toMatchObject({
      brokerId: 1,
      clusterId: 'abc',
      brokerEpoch: '25',
    });
    expect(await (await fetch(`${base}/controller`)).json()).toMatchObject({
      isController: true,
      controllerEpoch: 3,
    });
    expect(await (await fetch(`${base}/partitions`)).json()).toEqual({ partitions: [partition] });
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await metrics.text()).toContain('kafka_log_log_size{topic="orders",partition="2"} 800');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
