// Readable Zab scenarios on the simulator: each acts at one exact protocol moment and checks what
// ZooKeeper guarantees there.
import { describe, expect, test } from 'vitest';
import { ScriptedClient } from '../../deploy/sim/scripted-client.ts';
import { SimCluster } from '../../deploy/sim/sim-cluster.ts';
import { PacketType } from '../../zookeeper-ensemble/core/quorum/zab-packets.ts';

function startCluster(size: number, seed: number): SimCluster {
  const cluster = new SimCluster({ seed, size });
  cluster.startAll();
  expect(cluster.runUntil(() => cluster.converged(), 5_000), cluster.status()).toBe(true);
  return cluster;
}

function connect(cluster: SimCluster, sid: number): ScriptedClient {
  const client = new ScriptedClient(cluster, sid);
  expect(cluster.runUntil(() => client.connected, 2_000)).toBe(true);
  return client;
}

function expectSafe(cluster: SimCluster): void {
  cluster.checkHistories();
  expect(cluster.violations).toEqual([]);
}

describe('Zab scenarios', () => {
  test('partition the leader away while its PROPOSAL is in flight: never acknowledged, truncated on rejoin', () => {
    const cluster = startCluster(3, 11);
    const leader = cluster.servingLeaders()[0];
    const others = cluster.voters.filter((sid) => sid !== leader);
    const client = connect(cluster, leader);
    let proposed: bigint | null = null;
    cluster.quorumSendHook = (from, _to, packet) => {
      if (proposed === null && from === leader && packet.type === PacketType.PROPOSAL) {
        proposed = packet.zxid;
        cluster.partition([leader], others);
      }
    };
    const write = client.create('/lost', 'never-acked');
    expect(cluster.runUntil(() => cluster.servingLeaders().some((sid) => sid !== leader), 5_000)).toBe(true);
    cluster.quorumSendHook = null;
    cluster.heal();
    expect(cluster.runUntil(() => cluster.converged(), 5_000), cluster.status()).toBe(true);
    expect(proposed).not.toBeNull();
    expect(write.state).not.toBe('ok');
    expect(cluster.canonical.has(proposed!)).toBe(false);
    expect(cluster.journal.some((line) => line.includes(`zk${leader} FOLLOWING`) && line.includes('(TRUNC)'))).toBe(true);
    expectSafe(cluster);
  });

  test('kill the leader after a quorum ACKed but before any COMMIT arrived: the write survives in the next epoch', () => {
    const cluster = startCluster(3, 12);
    const leader = cluster.servingLeaders()[0];
    const follower = cluster.voters.find((sid) => sid !== leader)!;
    const writer = connect(cluster, follower);
    let acked: bigint | null = null;
    cluster.quorumSendHook = (from, _to, packet) => {
      if (acked === null && from === leader && packet.type === PacketType.COMMIT) {
        acked = packet.zxid;
        cluster.crash(leader);
      }
    };
    const write = writer.create('/acked', 'quorum-had-it');
    expect(cluster.runUntil(() => cluster.servingLeaders().some((sid) => sid !== leader), 5_000)).toBe(true);
    cluster.quorumSendHook = null;
    expect(acked).not.toBeNull();
    // The client never heard back (its follower lost the leader), yet the write is committed.
    expect(write.state).not.toBe('ok');
    expect(cluster.runUntil(() => cluster.canonical.has(acked!), 2_000)).toBe(true);
    const reader = connect(cluster, follower);
    reader.sync('/acked');
    const read = reader.getData('/acked');
    expect(cluster.runUntil(() => read.state !== 'pending', 2_000)).toBe(true);
    expect(read.state).toBe('ok');
    expect(new TextDecoder().decode(read.data!)).toBe('quorum-had-it');
    cluster.start(leader);
    expect(cluster.runUntil(() => cluster.converged(), 5_000), cluster.status()).toBe(true);
    expectSafe(cluster);
  });

  test('two elections in a row (5 servers): epochs advance by one each time, data survives both', () => {
    const cluster = startCluster(5, 13);
    const first = cluster.servingLeaders()[0];
    const survivor = cluster.voters.find((sid) => sid !== first)!;
    const client = connect(cluster, survivor);
    const write = client.create('/before', 'x');
    expect(cluster.runUntil(() => write.state === 'ok', 2_000)).toBe(true);
    const epochs = () => [...cluster.leadersByEpoch.keys()].sort((a, b) => (a < b ? -1 : 1));
    const epochBefore = epochs().at(-1)!;
    cluster.crash(first);
    expect(cluster.runUntil(() => cluster.servingLeaders().length === 1 && cluster.servingLeaders()[0] !== first, 5_000)).toBe(true);
    const second = cluster.servingLeaders()[0];
    cluster.crash(second);
    expect(cluster.runUntil(() => cluster.servingLeaders().length === 1 && cluster.servingLeaders()[0] !== second, 5_000)).toBe(true);
    expect(epochs().slice(-3)).toEqual([epochBefore, epochBefore + 1n, epochBefore + 2n]);
    const reader = connect(cluster, cluster.servingLeaders()[0]);
    const read = reader.getData('/before');
    expect(cluster.runUntil(() => read.state !== 'pending', 2_000)).toBe(true);
    expect(read.state).toBe('ok');
    expectSafe(cluster);
  });

  test('a minority never serves; the majority keeps committing', () => {
    const cluster = startCluster(5, 14);
    const leader = cluster.servingLeaders()[0];
    const minority = [leader, cluster.voters.find((sid) => sid !== leader)!];
    const majority = cluster.voters.filter((sid) => !minority.includes(sid));
    cluster.partition(minority, majority);
    const majorityServes = () =>
      cluster.servingLeaders().some((sid) => majority.includes(sid)) && majority.every((sid) => cluster.nodes.get(sid)!.peer!.serving);
    expect(cluster.runUntil(majorityServes, 5_000), cluster.status()).toBe(true);
    expect(cluster.runUntil(() => minority.every((sid) => !cluster.nodes.get(sid)!.peer!.serving), 2_000)).toBe(true);
    const client = connect(cluster, majority[0]);
    const write = client.create('/majority', 'ok');
    expect(cluster.runUntil(() => write.state === 'ok', 2_000)).toBe(true);
    cluster.heal();
    expect(cluster.runUntil(() => cluster.converged(), 5_000), cluster.status()).toBe(true);
    expectSafe(cluster);
  });
});
