// LocalCluster used in process (as a benchmark or a drill would, without the `kzlab up` supervisor):
// five of our servers, the event stream (node-started, lab-ready, role changes, exits), killing the
// leader and watching another take over, a majority/minority split; and a lab without fault proxies.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ClusterEvent, ClusterStatus } from '../../deploy/cluster/handle.ts';
import { resolveClusterSpec } from '../../deploy/cluster/spec.ts';
import { isServingMode } from '../../deploy/cluster/srvr.ts';
import { LocalCluster } from '../../deploy/local/local-cluster.ts';
import { processExists } from '../../deploy/local/node-process.ts';
import { findFreePortBase } from '../../deploy/local/ports.ts';
import { waitFor } from '../support/process.ts';

describe('LocalCluster in process: five kzlab servers', () => {
  let dataDir = '';
  let cluster: LocalCluster;
  const events: ClusterEvent[] = [];
  const pids = new Set<number>();

  const oneLeaderServing = (status: ClusterStatus, among: readonly string[]): string | undefined => {
    const nodes = status.nodes.filter((node) => among.includes(node.name));
    const leaders = nodes.filter((node) => node.mode === 'leader');
    return leaders.length === 1 && nodes.every((node) => isServingMode(node.mode))
      ? leaders[0].name
      : undefined;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'kzlab-local-cluster-'));
    const portBase = await findFreePortBase({ zookeepers: 5 });
    const spec = resolveClusterSpec({ dataDir, portBase, zookeepers: 5, impl: 'kzlab', tickTimeMs: 500 });
    cluster = new LocalCluster({ spec, readyTimeoutMs: 60_000, roleWatchIntervalMs: 250 });
    cluster.subscribe((event) => events.push(event));
  });

  afterAll(async () => {
    await cluster.stop('test done');
    for (const pid of pids) if (processExists(pid)) process.kill(pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('start: five processes, one leader, events in order', async () => {
    const info = await cluster.start();
    expect(info.nodes.map((node) => node.name)).toEqual(['zk1', 'zk2', 'zk3', 'zk4', 'zk5']);
    for (const node of info.nodes) {
      expect(node.pid).not.toBeNull();
      pids.add(node.pid!);
    }
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('lab-starting');
    expect(types.filter((type) => type === 'node-started')).toHaveLength(5);
    expect(types.at(-1)).toBe('lab-ready');
    expect(events.map((event) => event.seq)).toEqual(events.map((_event, index) => index + 1));
    const status = await cluster.status();
    expect(oneLeaderServing(status, ['zk1', 'zk2', 'zk3', 'zk4', 'zk5'])).toBeDefined();
    // Each server has its own zoo.cfg with five server lines and its myid.
    const config = await readFile(path.join(dataDir, 'zk4', 'zoo.cfg'), 'utf8');
    expect(config.match(/^server\.\d=/gm)).toHaveLength(5);
    expect((await readFile(path.join(dataDir, 'zk4', 'myid'), 'utf8')).trim()).toBe('4');
    expect(cluster.proxyPorts()).toHaveLength(5 * 4 * 2);
  });

  it('kill the leader: node-exited and a role change to leader on another server appear as events', async () => {
    const leader = (await cluster.status()).leader!;
    const since = events.at(-1)!.seq;
    const report = await cluster.kill('zk-leader');
    expect(report.node).toBe(leader);
    expect(report.confirmed).toBe(true);
    const newLeader = await waitFor(
      () =>
        events.find(
          (event) =>
            event.seq > since &&
            event.type === 'role-changed' &&
            event.to === 'leader' &&
            event.node !== leader,
        ),
      { deadlineMs: 45_000, what: 'a role-changed event to leader on another server' },
    );
    const exited = events.find((event) => event.seq > since && event.type === 'node-exited');
    expect(exited).toMatchObject({ node: leader, signal: 'SIGKILL', expected: true });
    expect(newLeader.seq).toBeGreaterThan(exited!.seq);
    expect(await cluster.events({ since })).toEqual(events.filter((event) => event.seq > since));
    const restart = await cluster.restart(leader);
    pids.add(restart.pid);
    expect(restart.servingAfterMs).not.toBeNull();
  });

  it('a 2 | 3 split: the three elect or keep a leader, the two stop serving; heal', async () => {
    await cluster.partition([
      ['zk1', 'zk2'],
      ['zk3', 'zk4', 'zk5'],
    ]);
    const split = await waitFor(
      async () => {
        const status = await cluster.status();
        const minority = status.nodes.filter((node) => node.name === 'zk1' || node.name === 'zk2');
        return oneLeaderServing(status, ['zk3', 'zk4', 'zk5']) !== undefined &&
          minority.every((node) => !isServingMode(node.mode))
          ? status
          : undefined;
      },
      { deadlineMs: 45_000, what: 'zk3..zk5 serving with a leader, zk1 and zk2 not serving' },
    );
    expect(split.links).toHaveLength(2 * 3 * 2);
    const heal = await cluster.heal();
    expect(heal.links).toEqual([]);
    expect(heal.changed).toHaveLength(12);
    await waitFor(async () => oneLeaderServing(await cluster.status(), ['zk1', 'zk2', 'zk3', 'zk4', 'zk5']), {
      deadlineMs: 45_000,
      what: 'all five serving after heal',
    });
  });

  it('stop: every process gone, lab-stopped is the last event', async () => {
    const report = await cluster.stop('test');
    expect(report.nodes).toHaveLength(5);
    for (const pid of pids) expect(processExists(pid)).toBe(false);
    expect(events.at(-1)!.type).toBe('lab-stopped');
    await expect(cluster.kill('zk1')).rejects.toThrow('the lab is stopping');
  });
});

describe('LocalCluster without fault proxies (--direct-peers)', () => {
  it('the servers reach each other directly; partition is refused', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'kzlab-local-direct-'));
    const portBase = await findFreePortBase({ zookeepers: 3 });
    const spec = resolveClusterSpec({ dataDir, portBase, zookeepers: 3, impl: 'kzlab', tickTimeMs: 500 });
    const cluster = new LocalCluster({ spec, faultProxies: false, roleWatchIntervalMs: 0 });
    try {
      await cluster.start();
      expect(cluster.proxyPorts()).toEqual([]);
      const config = await readFile(path.join(dataDir, 'zk1', 'zoo.cfg'), 'utf8');
      expect(config).toContain(
        `server.2=127.0.0.1:${spec.ports.zookeepers[1].quorumPort}:${spec.ports.zookeepers[1].electionPort}`,
      );
      await expect(cluster.partition([['zk1']])).rejects.toThrow('runs without fault proxies');
      expect((await cluster.status()).leader).not.toBeNull();
    } finally {
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
