// Brokers in the lab: `kzlab up --zookeepers 1 --brokers 2` as a separate process (small: the machine
// has two cores and other suites run at once). The brokers start once ZooKeeper serves, register under
// /brokers/ids, one of them holds the controller; `kill broker2` takes its registration away (after its
// ZooKeeper session times out: SIGKILL closes nothing), `restart broker2` brings it back, pause/resume
// act on it, `partition broker2` cuts its ZooKeeper session and its link to broker1 (fault proxies) while
// clients still reach it, and stopping the lab stops the brokers before ZooKeeper. Then a
// broker lab on an external ZooKeeper (--zookeeper-connect with a chroot), here another lab's server.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type {
  ClusterEvent,
  ClusterStatus,
  RestartReport,
  SignalReport,
} from '../../deploy/cluster/handle.ts';
import { portBasesOverlap, portOf } from '../../deploy/cluster/port-plan.ts';
import { startLabProcess, type LabProcess } from '../../deploy/local/lab-process.ts';
import { processExists } from '../../deploy/local/node-process.ts';
import { findFreePortBase } from '../../deploy/local/ports.ts';
import { Admin } from '../../client/admin/index.ts';
import { ZkClient } from '../support/nzk.ts';
import { waitFor } from '../support/process.ts';

/** SIGKILL leaves the broker's session to expire: 6 s (lab session timeout) plus the server's tick. */
const SESSION_GONE_DEADLINE_MS = 30_000;

describe('a lab with one ZooKeeper server and two brokers', () => {
  let root = '';
  let dataDir = '';
  let portBase = 0;
  let lab: LabProcess | undefined;
  let zk: ZkClient | undefined;
  const pids = new Set<number>();

  const brokerIds = async (): Promise<string[]> => (await zk!.getChildren('/brokers/ids')).children.sort();
  const status = (): Promise<ClusterStatus> => lab!.kzlabJson<ClusterStatus>(['status']);
  const context = (): string => lab?.stderr() ?? '';

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kzlab-lab-brokers-'));
    dataDir = path.join(root, 'data');
    portBase = await findFreePortBase({ zookeepers: 1, brokers: 2 });
    lab = await startLabProcess({
      dataDir,
      portBase,
      zookeepers: 1,
      brokers: 2,
      tickTimeMs: 500,
      readyTimeoutSeconds: 60,
    });
    for (const node of lab.ready.nodes) if (node.pid !== null) pids.add(node.pid);
    zk = await ZkClient.connect(lab.ready.zookeeper);
  });

  afterAll(async () => {
    zk?.close();
    await lab?.stop('SIGTERM').catch(() => undefined);
    for (const pid of pids) if (processExists(pid)) process.kill(pid, 'SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  it('up --json: the bootstrap string, broker nodes after the ZooKeeper server, a controller', () => {
    const ready = lab!.ready;
    const kafka1 = portOf('kafka', 1, portBase);
    const kafka2 = portOf('kafka', 2, portBase);
    expect(ready.bootstrap).toBe(`127.0.0.1:${kafka1},127.0.0.1:${kafka2}`);
    expect(ready.nodes.map((node) => [node.name, node.kind, node.sid])).toEqual([
      ['zk1', 'zookeeper', 1],
      ['broker1', 'broker', 1],
      ['broker2', 'broker', 2],
    ]);
    const broker2 = ready.nodes[2];
    expect(broker2).toMatchObject({
      clientPort: kafka2,
      quorumPort: null,
      adminPort: portOf('brokerAdmin', 2, portBase),
      adminUrl: `http://127.0.0.1:${portOf('brokerAdmin', 2, portBase)}`,
      config: path.join(dataDir, 'broker2', 'server.properties'),
      log: path.join(dataDir, 'broker2', 'broker2.log'),
    });
    expect(['broker1', 'broker2']).toContain(ready.controller);
  });

  it('each broker has its server.properties and is registered under /brokers/ids', async () => {
    const properties = await readFile(path.join(dataDir, 'broker2', 'server.properties'), 'utf8');
    expect(properties).toContain('broker.id=2\n');
    // Behind fault proxies: ZooKeeper through broker2's own proxy, one listener per broker of the lab.
    expect(properties).toMatch(/\nzookeeper\.connect=127\.0\.0\.1:\d+\n/);
    expect(properties).not.toContain(`zookeeper.connect=127.0.0.1:${portBase}\n`);
    expect(properties).toContain('inter.broker.listener.name=BROKER2\n');
    expect(properties).toContain(`log.dirs=${path.join(dataDir, 'broker2', 'kafka-logs')}\n`);
    expect(await brokerIds()).toEqual(['1', '2']);
    const registration = JSON.parse((await zk!.getData('/brokers/ids/2')).data!.toString()) as {
      endpoints: string[];
    };
    expect(registration.endpoints[0]).toBe(`PLAINTEXT://127.0.0.1:${portOf('kafka', 2, portBase)}`);
    expect(registration.endpoints.map((e) => e.split(':')[0])).toEqual(['PLAINTEXT', 'BROKER1', 'BROKER2']);
    // Clients hear of the PLAINTEXT listener they came in on (KIP-103), never of the brokers' own ones.
    const admin = new Admin({ brokers: lab!.ready.bootstrap.split(',') });
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => b.port)).toEqual([
        portOf('kafka', 1, portBase),
        portOf('kafka', 2, portBase),
      ]);
    } finally {
      await admin.close();
    }

    const now = await status();
    expect(now.bootstrap).toBe(lab!.ready.bootstrap);
    const brokers = now.nodes.filter((node) => node.kind === 'broker');
    expect(brokers.map((node) => node.process)).toEqual(['running', 'running']);
    expect(brokers.filter((node) => node.mode === 'controller')).toHaveLength(1);
    expect(brokers.every((node) => node.mode === 'broker' || node.mode === 'controller')).toBe(true);
    expect(brokers.every((node) => typeof node.brokerEpoch === 'string')).toBe(true);
    const text = await lab!.kzlab(['status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`kafka:    ${lab!.ready.bootstrap} (controller: ${now.controller}`);
  });

  it('partition broker2: its session expires and broker1 leads alone, clients still reach it; heal: it re-registers', async () => {
    const cut = await lab!.kzlab(['partition', 'broker2', '--json']);
    expect(cut.code, cut.stderr).toBe(0);
    try {
      const report = JSON.parse(cut.stdout) as { changed: { from: string; to: string }[] };
      // broker2 dials zk1 and broker1, broker1 dials broker2; zk1 never dials a broker.
      expect(report.changed.map((link) => `${link.from}>${link.to}`).sort()).toEqual([
        'broker1>broker2',
        'broker2>broker1',
        'broker2>zk1',
      ]);
      await waitFor(async () => (await brokerIds()).join() === '1', {
        deadlineMs: SESSION_GONE_DEADLINE_MS,
        what: '/brokers/ids/2 to vanish once broker2 is cut off ZooKeeper',
        context,
      });
      await waitFor(async () => (await status()).controller === 'broker1', {
        deadlineMs: SESSION_GONE_DEADLINE_MS,
        what: 'broker1 to hold the controller',
        context,
      });
      // The process runs and its admin HTTP answers: a partition is not a crash.
      const cutOff = (await status()).nodes.find((node) => node.name === 'broker2');
      expect(cutOff?.process).toBe('running');
      const direct = new Admin({ brokers: [`127.0.0.1:${portOf('kafka', 2, portBase)}`] });
      try {
        // Still answering clients from what it last knew (a zombie: it cannot hear it was replaced).
        expect((await direct.describeCluster()).brokers.length).toBeGreaterThan(0);
      } finally {
        await direct.close();
      }
    } finally {
      const heal = await lab!.kzlab(['heal']);
      expect(heal.code, heal.stderr).toBe(0);
    }
    await waitFor(async () => (await brokerIds()).join() === '1,2', {
      deadlineMs: SESSION_GONE_DEADLINE_MS,
      what: 'broker2 to register again after heal',
      context,
    });
  });

  it('kill broker2: its registration goes once its session expires; restart brings it back', async () => {
    const kill = await lab!.kzlabJson<SignalReport>(['kill', 'broker2']);
    expect(kill).toMatchObject({ node: 'broker2', signal: 'SIGKILL', confirmed: true, process: 'killed' });
    expect(processExists(kill.pid)).toBe(false);
    await waitFor(async () => !(await brokerIds()).includes('2'), {
      deadlineMs: SESSION_GONE_DEADLINE_MS,
      what: '/brokers/ids/2 to disappear after kill broker2',
      context,
    });
    expect((await status()).nodes.find((node) => node.name === 'broker2')).toMatchObject({
      process: 'killed',
      mode: 'down',
    });

    const restart = await lab!.kzlabJson<RestartReport>(['restart', 'broker2'], 90_000);
    pids.add(restart.pid);
    expect(restart.stopped).toBeNull();
    expect(restart.servingAfterMs).not.toBeNull();
    expect(['broker', 'controller']).toContain(restart.mode);
    expect(await brokerIds()).toEqual(['1', '2']);
  });

  it('pause and resume broker2', async () => {
    const pause = await lab!.kzlabJson<SignalReport>(['pause', 'broker2']);
    expect(pause).toMatchObject({ node: 'broker2', signal: 'SIGSTOP', process: 'paused' });
    expect((await status()).nodes.find((node) => node.name === 'broker2')).toMatchObject({
      process: 'paused',
      mode: 'paused',
    });
    const resume = await lab!.kzlabJson<SignalReport>(['resume', 'broker2']);
    expect(resume).toMatchObject({ node: 'broker2', signal: 'SIGCONT', process: 'running' });
    await waitFor(
      async () => {
        const broker2 = (await status()).nodes.find((node) => node.name === 'broker2');
        return broker2?.mode === 'broker' || broker2?.mode === 'controller';
      },
      { deadlineMs: 30_000, what: 'broker2 answering again after resume', context },
    );
  });

  it('stop: the brokers end before the ZooKeeper server; every process is gone', async () => {
    const exit = await lab!.stop('SIGTERM', 60_000);
    expect(exit).toEqual({ code: 0, signal: null });
    for (const pid of pids) expect(processExists(pid)).toBe(false);
    const events = (await readFile(path.join(dataDir, 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ClusterEvent);
    const stopping = events.findLastIndex((event) => event.type === 'lab-stopping');
    const exits = events
      .slice(stopping)
      .filter((event) => event.type === 'node-exited')
      .map((event) => (event.type === 'node-exited' ? event.node : ''));
    expect(exits.at(-1)).toBe('zk1');
    expect([...exits].sort()).toEqual(['broker1', 'broker2', 'zk1']);
  });
});

describe('brokers on an external ZooKeeper (--zookeeper-connect)', () => {
  it('starts no ZooKeeper server; the broker registers under the chroot of the given ZooKeeper', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'kzlab-lab-external-zk-'));
    const labs: LabProcess[] = [];
    let zk: ZkClient | undefined;
    try {
      const zookeeperBase = await findFreePortBase({ zookeepers: 1, from: 12_000, to: 18_000 });
      let brokerBase = await findFreePortBase({ zookeepers: 0, brokers: 1, from: 18_000, to: 24_000 });
      while (portBasesOverlap(zookeeperBase, brokerBase).length > 0)
        brokerBase = await findFreePortBase({ zookeepers: 0, brokers: 1, from: 18_000, to: 24_000 });
      const ensemble = await startLabProcess({
        dataDir: path.join(root, 'zookeeper'),
        portBase: zookeeperBase,
        zookeepers: 1,
        tickTimeMs: 500,
        readyTimeoutSeconds: 30,
      });
      labs.push(ensemble);
      const connect = `${ensemble.ready.zookeeper}/lab-b`;
      const brokers = await startLabProcess({
        dataDir: path.join(root, 'brokers'),
        portBase: brokerBase,
        zookeepers: 3,
        brokers: 1,
        zookeeperConnect: connect,
        readyTimeoutSeconds: 60,
      });
      labs.push(brokers);
      expect(brokers.ready.zookeeper).toBe(connect);
      expect(brokers.ready.bootstrap).toBe(`127.0.0.1:${portOf('kafka', 1, brokerBase)}`);
      expect(brokers.ready.nodes.map((node) => node.name)).toEqual(['broker1']);
      expect(brokers.ready.leader).toBeNull();
      expect(brokers.ready.controller).toBe('broker1');
      zk = await ZkClient.connect(ensemble.ready.zookeeper);
      expect((await zk.getChildren('/lab-b/brokers/ids')).children).toEqual(['1']);
      const exit = await brokers.stop('SIGTERM', 60_000);
      expect(exit.code).toBe(0);
      // A clean stop closes the broker's session: its registration goes at once.
      expect((await zk.getChildren('/lab-b/brokers/ids')).children).toEqual([]);
    } finally {
      zk?.close();
      for (const lab of labs.reverse()) await lab.stop('SIGTERM').catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    }
  });
});
