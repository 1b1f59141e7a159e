import { describe, expect, it } from 'vitest';

import {
  bootstrapServers,
  brokerAdminUrl,
  brokerNames,
  checkZooKeeperConnect,
  connectString,
  nodePaths,
  resolveClusterSpec,
} from './spec.ts';

describe('ClusterSpec with brokers', () => {
  it('brokers default to none (callers such as benchmarks get a ZooKeeper-only lab)', () => {
    const spec = resolveClusterSpec({ dataDir: '/labs/a' });
    expect(spec.brokers).toEqual({ count: 0 });
    expect(spec.externalZooKeeper).toBeNull();
    expect(bootstrapServers(spec)).toBe('');
  });

  it('bootstrap string, names, files and admin URLs of the brokers; shifted by the port base', () => {
    const spec = resolveClusterSpec({ dataDir: '/labs/a/', zookeepers: 3, brokers: 3 });
    expect(bootstrapServers(spec)).toBe('127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094');
    expect(brokerNames(spec)).toEqual(['broker1', 'broker2', 'broker3']);
    expect(nodePaths(spec, 'broker2')).toEqual({
      dir: '/labs/a/broker2',
      config: '/labs/a/broker2/server.properties',
      log: '/labs/a/broker2/broker2.log',
    });
    expect(nodePaths(spec, 'zk2').config).toBe('/labs/a/zk2/zoo.cfg');
    expect(brokerAdminUrl(spec, 'broker3')).toBe('http://127.0.0.1:8093');
    const shifted = resolveClusterSpec({ dataDir: '/labs/b', zookeepers: 1, brokers: 2, portBase: 22181 });
    expect(bootstrapServers(shifted)).toBe('127.0.0.1:29092,127.0.0.1:29093');
  });

  it('an external ZooKeeper: no servers of our own, the brokers connect to it', () => {
    const spec = resolveClusterSpec({
      dataDir: '/labs/c',
      zookeepers: 3,
      brokers: 2,
      zookeeperConnect: 'zk:2181/k',
    });
    expect(spec.zookeeper.count).toBe(0);
    expect(spec.ports.zookeepers).toEqual([]);
    expect(connectString(spec)).toBe('zk:2181/k');
    expect(() => resolveClusterSpec({ dataDir: '/labs/c', zookeeperConnect: 'zk:2181' })).toThrow(
      'an external ZooKeeper (--zookeeper-connect) is only for brokers',
    );
  });

  it.each([
    ['127.0.0.1:2181', '127.0.0.1:2181'],
    [' a:1,b:2,c:3/kafka/lab ', 'a:1,b:2,c:3/kafka/lab'],
  ])('checkZooKeeperConnect accepts %j', (text, expected) => {
    expect(checkZooKeeperConnect(text)).toBe(expected);
  });

  it.each([
    ['', 'the ZooKeeper connect string is empty'],
    ['localhost', '"localhost" in the ZooKeeper connect string is not HOST:PORT'],
    ['a:1,,b:2', '"" in the ZooKeeper connect string is not HOST:PORT'],
    ['a:70000', '"a:70000" in the ZooKeeper connect string is not HOST:PORT'],
    ['a:1/', '"/" is not a ZooKeeper path for a chroot'],
    ['a:1/k//l', '"/k//l" is not a ZooKeeper path for a chroot'],
  ])('checkZooKeeperConnect refuses %j', (text, message) => {
    expect(() => checkZooKeeperConnect(text)).toThrow(message);
  });
});
