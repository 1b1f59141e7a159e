import { describe, expect, it } from 'vitest';

import { parseZooKeeperConfig } from '../../zookeeper-ensemble/server/config.ts';
import { resolveClusterSpec } from '../cluster/spec.ts';
import { renderLabZooCfg, type PeerAddress } from './zoo-cfg.ts';

describe('renderLabZooCfg', () => {
  it('an ensemble member binds its own ports and reaches its peers through their proxies', () => {
    const spec = resolveClusterSpec({ dataDir: '/labs/a', zookeepers: 3, portBase: 2181, tickTimeMs: 500 });
    const peers = new Map<number, PeerAddress>([
      [1, { host: '127.0.0.1', quorumPort: 40001, electionPort: 40002 }],
      [3, { host: '127.0.0.1', quorumPort: 40005, electionPort: 40006 }],
    ]);
    const text = renderLabZooCfg({ spec, name: 'zk2', peers });
    const { config, warnings } = parseZooKeeperConfig(text, 'zoo.cfg');
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      tickTimeMs: 500,
      initLimitTicks: 10,
      syncLimitTicks: 5,
      dataDir: '/labs/a/zk2',
      clientPort: 2182,
      clientPortAddress: '127.0.0.1',
      adminEnableServer: true,
      adminServerAddress: '127.0.0.1',
      adminServerPort: 8082,
      fourLetterWordWhitelist: { all: true, words: [] },
    });
    expect(
      config.servers.map(({ sid, host, quorumPort, electionPort }) => ({
        sid,
        host,
        quorumPort,
        electionPort,
      })),
    ).toEqual([
      { sid: 1, host: '127.0.0.1', quorumPort: 40001, electionPort: 40002 },
      { sid: 2, host: '127.0.0.1', quorumPort: 2889, electionPort: 3889 },
      { sid: 3, host: '127.0.0.1', quorumPort: 40005, electionPort: 40006 },
    ]);
  });

  it('a lab of one is a standalone server: no server.N lines', () => {
    const spec = resolveClusterSpec({ dataDir: '/labs/b', zookeepers: 1, portBase: 12181 });
    const text = renderLabZooCfg({ spec, name: 'zk1', peers: new Map() });
    const { config, warnings } = parseZooKeeperConfig(text, 'zoo.cfg');
    expect(warnings).toEqual([]);
    expect(config.servers).toEqual([]);
    expect(config.clientPort).toBe(12181);
    expect(config.adminServerPort).toBe(18081);
  });

  it('refuses a peer without an address and an unknown server', () => {
    const spec = resolveClusterSpec({ dataDir: '/labs/c', zookeepers: 3 });
    expect(() => renderLabZooCfg({ spec, name: 'zk1', peers: new Map() })).toThrow(
      "no address for server.2 in zk1's zoo.cfg",
    );
    expect(() => renderLabZooCfg({ spec, name: 'zk4', peers: new Map() })).toThrow('no ZooKeeper server zk4');
  });
});
