import { describe, expect, it } from 'vitest';

import { parseKafkaServerProperties } from '../../broker/main.ts';
import { resolveClusterSpec } from '../cluster/spec.ts';
import {
  labMinInsyncReplicas,
  labReplicationFactor,
  LAB_ZOOKEEPER_SESSION_TIMEOUT_MS,
  renderServerProperties,
} from './server-properties.ts';

describe('renderServerProperties', () => {
  it("broker2 of a 3 + 3 lab: its id, ports, log dir and the ensemble, as the broker's own parser reads them", () => {
    const spec = resolveClusterSpec({ dataDir: '/labs/a', zookeepers: 3, brokers: 3, portBase: 2181 });
    const text = renderServerProperties(spec, 'broker2');
    const { config, warnings, kzlab } = parseKafkaServerProperties(text, 'server.properties');
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      brokerId: 2,
      logDirs: ['/labs/a/broker2/kafka-logs'],
      zookeeperSessionTimeoutMs: LAB_ZOOKEEPER_SESSION_TIMEOUT_MS,
      numPartitions: 1,
      defaultReplicationFactor: 3,
      minInsyncReplicas: 2,
      controlledShutdownRetryBackoffMs: 500,
    });
    expect(config.zookeeperConnect.connectString).toBe('127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183');
    expect(config.listeners.map((e) => [e.listenerName, e.host, e.port])).toEqual([
      ['PLAINTEXT', '127.0.0.1', 9093],
    ]);
    expect(config.advertisedListeners.map((e) => `${e.host}:${e.port}`)).toEqual(['127.0.0.1:9093']);
    expect(kzlab).toEqual({ adminPort: 8092, adminHost: '127.0.0.1' });
    expect(text).toContain('offsets.topic.replication.factor=3\n');
  });

  it('--port-base moves the ports; an external ZooKeeper (with chroot) is used as given', () => {
    const spec = resolveClusterSpec({
      dataDir: '/labs/b',
      brokers: 1,
      portBase: 12181,
      zookeeperConnect: '10.0.0.5:2181,10.0.0.6:2181/kafka',
    });
    const { config, kzlab } = parseKafkaServerProperties(renderServerProperties(spec, 'broker1'));
    expect(config.listeners[0].port).toBe(19092);
    expect(kzlab.adminPort).toBe(18091);
    expect(config.zookeeperConnect.connectString).toBe('10.0.0.5:2181,10.0.0.6:2181/kafka');
    expect(config.defaultReplicationFactor).toBe(1);
    expect(config.minInsyncReplicas).toBe(1);
  });

  it('three replicas (or one per broker when fewer); min.insync.replicas 2 with three, so acks=all survives one broker down', () => {
    expect([0, 1, 2, 3, 5, 9].map(labReplicationFactor)).toEqual([1, 1, 2, 3, 3, 3]);
    expect([1, 2, 3, 9].map(labMinInsyncReplicas)).toEqual([1, 1, 2, 2]);
  });

  it('behind fault proxies: ZooKeeper through its own proxies, one listener per peer broker advertised at its proxy', () => {
    const spec = resolveClusterSpec({ dataDir: '/labs/a', zookeepers: 3, brokers: 3, portBase: 2181 });
    const text = renderServerProperties(spec, 'broker2', {
      zookeeperConnect: '127.0.0.1:40001,127.0.0.1:40002,127.0.0.1:40003',
      peerProxyPorts: [41001, 0, 41003],
    });
    const { config, warnings } = parseKafkaServerProperties(text, 'server.properties');
    expect(warnings).toEqual([]);
    expect(config.zookeeperConnect.connectString).toBe('127.0.0.1:40001,127.0.0.1:40002,127.0.0.1:40003');
    expect(config.listeners.map((e) => `${e.listenerName}:${e.port}`)).toEqual([
      'PLAINTEXT:9093',
      'BROKER1:5190',
      'BROKER2:5191',
      'BROKER3:5192',
    ]);
    // broker1 dials proxy 41001 to reach us; we reach ourselves directly.
    expect(config.advertisedListeners.map((e) => `${e.listenerName}:${e.port}`)).toEqual([
      'PLAINTEXT:9093',
      'BROKER1:41001',
      'BROKER2:5191',
      'BROKER3:41003',
    ]);
    expect(config.interBrokerListenerName).toBe('BROKER2');
  });

  it('refuses a name that is not a broker of the lab', () => {
    const spec = resolveClusterSpec({ dataDir: '/labs/a', zookeepers: 1, brokers: 1 });
    expect(() => renderServerProperties(spec, 'broker2')).toThrow('no broker broker2 in this lab');
    expect(() => renderServerProperties(spec, 'zk1')).toThrow('no broker zk1 in this lab');
  });
});
