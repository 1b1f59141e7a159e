import { describe, expect, it } from 'vitest';

import {
  boundPorts,
  checkPortBase,
  MAX_PORT_BASE,
  MIN_PORT_BASE,
  planPorts,
  portBasesOverlap,
  portOf,
  reservedPortRanges,
} from './port-plan.ts';

describe('planPorts', () => {
  it('mirrors the real default ports at port base 2181', () => {
    const plan = planPorts({ portBase: 2181, zookeepers: 3 });
    expect(plan.zookeepers).toEqual([
      { name: 'zk1', sid: 1, clientPort: 2181, quorumPort: 2888, electionPort: 3888, adminPort: 8081 },
      { name: 'zk2', sid: 2, clientPort: 2182, quorumPort: 2889, electionPort: 3889, adminPort: 8082 },
      { name: 'zk3', sid: 3, clientPort: 2183, quorumPort: 2890, electionPort: 3890, adminPort: 8083 },
    ]);
    expect(plan.dashboardPort).toBe(8080);
    expect(plan.controlPort).toBe(8090);
    expect(plan.brokers).toEqual([]);
    expect(plan.offset).toBe(0);
  });

  it('shifts every port by port base − 2181', () => {
    const plan = planPorts({ portBase: 12181, zookeepers: 5, brokers: 2 });
    expect(plan.zookeepers[4]).toEqual({
      name: 'zk5',
      sid: 5,
      clientPort: 12185,
      quorumPort: 12892,
      electionPort: 13892,
      adminPort: 18085,
    });
    expect(plan.brokers).toEqual([
      { name: 'broker1', brokerId: 1, kafkaPort: 19092, adminPort: 18091, peerPorts: [15181, 15182] },
      { name: 'broker2', brokerId: 2, kafkaPort: 19093, adminPort: 18092, peerPorts: [15190, 15191] },
    ]);
    expect(plan.dashboardPort).toBe(18080);
    expect(plan.controlPort).toBe(18090);
  });

  it('never gives two services of one lab the same port', () => {
    for (const portBase of [MIN_PORT_BASE, 2181, 12181, 40000, MAX_PORT_BASE]) {
      const plan = planPorts({ portBase, zookeepers: 9, brokers: 9 });
      const ports = [
        ...plan.zookeepers.flatMap((zk) => [zk.clientPort, zk.quorumPort, zk.electionPort, zk.adminPort]),
        ...plan.brokers.flatMap((broker) => [broker.kafkaPort, broker.adminPort]),
        plan.dashboardPort,
        plan.controlPort,
      ];
      expect(new Set(ports).size).toBe(ports.length);
      expect(Math.min(...ports)).toBeGreaterThanOrEqual(1024);
      expect(Math.max(...ports)).toBeLessThanOrEqual(65_535);
    }
  });

  it('binds quorum and election ports only for an ensemble, and always the control API', () => {
    const standalone = boundPorts(planPorts({ portBase: 2181, zookeepers: 1 }));
    expect(standalone).toEqual([
      { port: 2181, role: 'zk1 client port' },
      { port: 8081, role: 'zk1 AdminServer port' },
      { port: 8090, role: 'control API' },
    ]);
    const ensemble = boundPorts(planPorts({ portBase: 2181, zookeepers: 3 }));
    expect(ensemble.map((planned) => planned.port)).toEqual([
      2181, 2888, 3888, 8081, 2182, 2889, 3889, 8082, 2183, 2890, 3890, 8083, 8090,
    ]);
  });

  it("gives each broker one peer listener port per broker of the lab, in broker9's block of 9", () => {
    const plan = planPorts({ portBase: 2181, zookeepers: 3, brokers: 3 });
    expect(plan.brokers.map((b) => b.peerPorts)).toEqual([
      [5181, 5182, 5183],
      [5190, 5191, 5192],
      [5199, 5200, 5201],
    ]);
    expect(planPorts({ portBase: 2181, zookeepers: 1, brokers: 9 }).brokers[8].peerPorts[8]).toBe(5261);
    const bound = boundPorts(plan, { brokerPeers: true }).map((p) => p.port);
    expect(bound).toContain(5201);
    expect(boundPorts(plan).map((p) => p.port)).not.toContain(5201);
  });

  it('rejects sizes and port bases outside the plan', () => {
    expect(() => planPorts({ portBase: 2181, zookeepers: 0 })).toThrow(RangeError);
    expect(() => planPorts({ portBase: 2181, zookeepers: 10 })).toThrow(/from 1 to 9, got 10/);
    expect(() => planPorts({ portBase: 2181, zookeepers: 2.5 })).toThrow(RangeError);
    expect(() => planPorts({ portBase: 2181, zookeepers: 3, brokers: -1 })).toThrow(RangeError);
    expect(() => checkPortBase(MAX_PORT_BASE + 1)).toThrow(/port base \+ 6919/);
    expect(() => checkPortBase(MIN_PORT_BASE - 1)).toThrow(RangeError);
    expect(() => portOf('zookeeperClient', 10, 2181)).toThrow(RangeError);
    expect(MAX_PORT_BASE).toBe(65_535 - 6919);
  });
});

describe('labs side by side', () => {
  it('reserves every slot of every family', () => {
    expect(reservedPortRanges(2181)).toEqual([
      { family: 'zookeeperClient', first: 2181, last: 2189 },
      { family: 'zookeeperQuorum', first: 2888, last: 2896 },
      { family: 'zookeeperElection', first: 3888, last: 3896 },
      { family: 'brokerPeer', first: 5181, last: 5261 },
      { family: 'dashboard', first: 8080, last: 8080 },
      { family: 'zookeeperAdmin', first: 8081, last: 8089 },
      { family: 'control', first: 8090, last: 8090 },
      { family: 'brokerAdmin', first: 8091, last: 8099 },
      { family: 'kafka', first: 9092, last: 9100 },
    ]);
  });

  it('port bases 90 … 690 apart never collide (the documented rule)', () => {
    for (let distance = 90; distance <= 690; distance++) {
      expect(portBasesOverlap(2181, 2181 + distance)).toEqual([]);
      expect(portBasesOverlap(30000, 30000 - distance)).toEqual([]);
    }
  });

  it('port bases a multiple of 10,000 apart never collide (the documented rule)', () => {
    const bases = [2181, 12181, 22181, 32181, 42181, 52181];
    for (const a of bases) for (const b of bases) if (a !== b) expect(portBasesOverlap(a, b)).toEqual([]);
  });

  it('reports the ports two close or unlucky port bases share', () => {
    expect(portBasesOverlap(2181, 2182)).toContain(2182);
    // 2881's zk8 client port is 2888, the quorum port of zk1 at 2181.
    expect(portBasesOverlap(2181, 2881)).toContain(2888);
    expect(portBasesOverlap(2181, 2181)).toHaveLength(6 * 9 + 81 + 2);
    // The brokers' 81 peer listeners are one block: labs 80 apart share some.
    expect(portBasesOverlap(2181, 2261)).toContain(5261);
  });
});
