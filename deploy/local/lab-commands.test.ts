// The lab commands of the `kzlab` CLI without real servers: flag parsing and usage errors, finding (or
// not finding) a lab through lab.json, and the control API round trip against a fake ClusterHandle.

import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { CliIo } from '../cli/command.ts';
import { upOptionsFromFlags } from '../cli/commands/up.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main } from '../cli/main.ts';
import { LAB_ERROR_CODES, LabError, unknownNode } from '../cluster/errors.ts';
import type {
  ClusterEvent,
  ClusterEventBody,
  ClusterHandle,
  ClusterInfo,
  ClusterStatus,
  LinkReport,
  PartitionOptions,
  RestartReport,
  SignalReport,
  StopReport,
} from '../cluster/handle.ts';
import { RemoteCluster } from './control-client.ts';
import { startControlServer, type ControlServer } from './control-server.ts';
import { LAB_STATE_VERSION, writeLabState, type LabState } from './lab-state.ts';
import { processStartTicks } from './node-process.ts';

interface FakeIo extends CliIo {
  readonly out: string[];
  readonly err: string[];
}

function fakeIo(cwd: string): FakeIo {
  const out: string[] = [];
  const err: string[] = [];
  const notLoaded = (): Promise<never> => Promise.reject(new Error('no module loads expected'));
  return {
    out,
    err,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    cwd,
    modules: { zookeeperMain: notLoaded, zkBench: notLoaded },
  };
}

describe('kzlab up flags', () => {
  it('defaults: 3 kzlab servers and 3 brokers at port base 2181 in ./data, ready within 60 s', () => {
    const options = upOptionsFromFlags(
      {
        zookeepers: 3,
        brokers: 3,
        'zookeeper-connect': '',
        impl: 'kzlab',
        'data-dir': 'data',
        'port-base': 2181,
        'tick-time': 2000,
        'ready-timeout': 60,
        'direct-peers': false,
        'dashboard-port': undefined,
        json: false,
      },
      '/home/learner/kzlab',
    );
    expect(options.spec.dataDir).toBe('/home/learner/kzlab/data');
    expect(options.spec.zookeeper).toEqual({
      count: 3,
      impl: 'kzlab',
      tickTimeMs: 2000,
      initLimitTicks: 10,
      syncLimitTicks: 5,
    });
    expect(options.spec.ports.zookeepers.map((zk) => zk.clientPort)).toEqual([2181, 2182, 2183]);
    expect(options.spec.brokers).toEqual({ count: 3 });
    expect(options.spec.externalZooKeeper).toBeNull();
    expect(
      options.spec.ports.brokers.map((broker) => [broker.name, broker.kafkaPort, broker.adminPort]),
    ).toEqual([
      ['broker1', 9092, 8091],
      ['broker2', 9093, 8092],
      ['broker3', 9094, 8093],
    ]);
    expect(options.readyTimeoutMs).toBe(60_000);
    expect(options.json).toBe(false);
    expect(options.dashboardPort).toBe(8080);
  });

  it('the default of --brokers is 3 (npm start = kzlab up: 3 ZooKeeper servers + 3 brokers)', async () => {
    const io = fakeIo('/nonexistent');
    expect(await main(['up', '--help'], io)).toBe(EXIT_OK);
    expect(io.out[0]).toMatch(/--brokers N\s+Kafka brokers.*\(default 3\)/);
    expect(io.out[0]).toContain('--zookeeper-connect');
  });

  it('--port-base shifts the Kafka ports with everything else; --zookeeper-connect starts no servers', () => {
    const base = {
      zookeepers: 3,
      brokers: 2,
      'zookeeper-connect': '',
      impl: 'kzlab',
      'data-dir': 'data',
      'port-base': 12181,
      'tick-time': 2000,
      'ready-timeout': 60,
      'direct-peers': false,
      'dashboard-port': undefined as number | undefined,
      json: false,
    };
    const shifted = upOptionsFromFlags(base, '/lab');
    expect(shifted.spec.ports.brokers.map((broker) => broker.kafkaPort)).toEqual([19092, 19093]);
    // The dashboard moves with the port base unless --dashboard-port says otherwise; 0 turns it off.
    expect(shifted.dashboardPort).toBe(18080);
    expect(upOptionsFromFlags({ ...base, 'dashboard-port': 9999 }, '/lab').dashboardPort).toBe(9999);
    expect(upOptionsFromFlags({ ...base, 'dashboard-port': 0 }, '/lab').dashboardPort).toBeNull();
    const external = upOptionsFromFlags({ ...base, 'zookeeper-connect': ' 10.0.0.5:2181/kafka ' }, '/lab');
    expect(external.spec.externalZooKeeper).toBe('10.0.0.5:2181/kafka');
    expect(external.spec.zookeeper.count).toBe(0);
    expect(external.spec.ports.zookeepers).toEqual([]);
    expect(external.spec.ports.brokers).toHaveLength(2);
  });

  it.each([
    [['--impl', 'zookeeper'], 'kzlab up: --impl must be kzlab or apache, got "zookeeper"'],
    [['--zookeepers', '0'], 'kzlab up: --zookeepers must be at least 1, got 0'],
    [['--zookeepers', 'three'], 'kzlab up: --zookeepers expects a number, got "three"'],
    [['--port-base', '60000'], 'kzlab up: --port-base must be at most 58616, got 60000'],
    [['--port-base', '80'], 'kzlab up: --port-base must be at least 1024, got 80'],
    [['--tick-time', '0'], 'kzlab up: --tick-time must be at least 1, got 0'],
    [['--brokers', '10'], 'kzlab up: --brokers must be at most 9, got 10'],
    [['--brokers', '-1'], 'kzlab up: --brokers must be at least 0, got -1'],
    [
      ['--zookeeper-connect', 'zk.example:2181', '--brokers', '0'],
      'kzlab up: --zookeeper-connect is for the brokers: it needs --brokers 1 or more',
    ],
    [
      ['--zookeeper-connect', 'localhost'],
      'kzlab up: --zookeeper-connect: "localhost" in the ZooKeeper connect string is not HOST:PORT (e.g. 127.0.0.1:2181 or 10.0.0.1:2181,10.0.0.2:2181/kafka)',
    ],
    [
      ['--zookeeper-connect', '127.0.0.1:2181/kafka/'],
      'kzlab up: --zookeeper-connect: "/kafka/" is not a ZooKeeper path for a chroot (e.g. 127.0.0.1:2181 or 10.0.0.1:2181,10.0.0.2:2181/kafka)',
    ],
  ])('up %j is a usage error, exit 2', async (argv, message) => {
    const io = fakeIo('/nonexistent');
    expect(await main(['up', ...argv], io)).toBe(EXIT_USAGE);
    expect(io.err[0]).toBe(message);
    expect(io.out).toEqual([]);
  });

  it('every lab command answers --help', async () => {
    for (const command of ['up', 'status', 'kill', 'pause', 'resume', 'restart', 'partition', 'heal']) {
      const io = fakeIo('/nonexistent');
      expect(await main([command, '--help'], io)).toBe(EXIT_OK);
      expect(io.out[0]).toMatch(new RegExp(`^Usage: kzlab ${command} \\[flags\\]`));
      expect(io.out[0]).toContain('--data-dir DIR');
    }
  });

  it.each([
    [['kill'], 'kzlab kill: missing argument <node>'],
    [['pause', 'zk1', 'zk2'], 'kzlab pause: unexpected argument "zk2"'],
    [['partition'], 'kzlab partition: missing argument <group> [<group> …]'],
    [['status', 'zk1'], 'kzlab status: unexpected argument "zk1"'],
  ])('%j is a usage error, exit 2', async (argv, message) => {
    const io = fakeIo('/nonexistent');
    expect(await main(argv, io)).toBe(EXIT_USAGE);
    expect(io.err[0]).toBe(message);
  });
});

describe('finding the lab', () => {
  let directory = '';
  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'kzlab-lab-commands-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('no lab.json: exit 1, says how to start one', async () => {
    const io = fakeIo(directory);
    expect(await main(['status', '--data-dir', 'lab'], io)).toBe(EXIT_FAILURE);
    expect(io.err).toEqual([
      `kzlab status: no lab in ${directory}/lab (there is no ${directory}/lab/lab.json): start one with \`npx kzlab up --data-dir ${directory}/lab\` [KZ_ERR_NO_LAB]`,
    ]);
  });

  it('a stopped lab: exit 1', async () => {
    await writeLabState(labState(directory, { state: 'stopped', stoppedAt: '2026-01-02T03:04:05.000Z' }));
    const io = fakeIo(directory);
    expect(await main(['kill', 'zk1', '--data-dir', directory], io)).toBe(EXIT_FAILURE);
    expect(io.err[0]).toBe(
      `kzlab kill: the lab in ${directory} is not running (stopped at 2026-01-02T03:04:05.000Z): start it again with \`npx kzlab up --data-dir ${directory}\` [KZ_ERR_NO_LAB]`,
    );
  });

  it('a lab whose supervisor is gone: exit 1', async () => {
    const gone = spawnSync('true').pid;
    await writeLabState(labState(directory, { supervisorPid: gone }));
    const io = fakeIo(directory);
    expect(await main(['pause', 'zk2', '--data-dir', directory], io)).toBe(EXIT_FAILURE);
    expect(io.err[0]).toContain(
      `the lab in ${directory} is not running: its supervisor (pid ${gone}) is gone`,
    );
  });

  it('a PID reused by another process does not count as the supervisor', async () => {
    await writeLabState(
      labState(directory, {
        supervisorPid: process.pid,
        supervisorStartTicks: (processStartTicks(process.pid) ?? 0) + 1,
      }),
    );
    const io = fakeIo(directory);
    expect(await main(['status', '--data-dir', directory], io)).toBe(EXIT_FAILURE);
    expect(io.err[0]).toContain('is gone');
  });

  it('lab.json that is not a lab state: exit 1', async () => {
    await writeFile(path.join(directory, 'lab.json'), '{"hello": 1}');
    const io = fakeIo(directory);
    expect(await main(['status', '--data-dir', directory], io)).toBe(EXIT_FAILURE);
    expect(io.err[0]).toContain('is not a kzlab lab state');
  });
});

describe('the control API round trip (fake lab)', () => {
  let directory = '';
  let control: ControlServer;
  const fake = new FakeCluster();

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'kzlab-lab-control-'));
    control = await startControlServer({
      cluster: fake,
      host: '127.0.0.1',
      port: 0,
      onStop: () => fake.stopRequests++,
    });
    fake.dataDir = directory;
    fake.controlUrl = control.url;
    await writeLabState(labState(directory, { controlUrl: control.url }));
  });
  afterAll(async () => {
    await control.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('kill: prints when the signal went out and when the process was gone', async () => {
    const io = fakeIo(directory);
    expect(await main(['kill', 'zk-leader', '--data-dir', directory], io)).toBe(EXIT_OK);
    expect(fake.calls.at(-1)).toEqual(['kill', 'zk-leader']);
    expect(io.out[0]).toMatch(
      /^zk2 \(pid 4242\): SIGKILL sent at \d\d:\d\d:\d\d\.\d{3}, gone at \d\d:\d\d:\d\d\.\d{3} \(\+3\.5 ms\)$/,
    );
    const json = fakeIo(directory);
    expect(await main(['kill', 'zk2', '--json', '--data-dir', directory], json)).toBe(EXIT_OK);
    expect(JSON.parse(json.out[0])).toMatchObject({
      node: 'zk2',
      pid: 4242,
      signal: 'SIGKILL',
      confirmedAfterMs: 3.5,
    });
  });

  it('an unknown node is a usage error (exit 2); no leader is a failure (exit 1)', async () => {
    const io = fakeIo(directory);
    expect(await main(['restart', 'zk9', '--data-dir', directory], io)).toBe(EXIT_USAGE);
    expect(io.err[0]).toBe(
      'kzlab restart: unknown node "zk9" (this lab has zk1, zk2, zk3, and the aliases zk-leader and zk-follower)',
    );
    const io2 = fakeIo(directory);
    expect(await main(['pause', 'zk-follower', '--data-dir', directory], io2)).toBe(EXIT_FAILURE);
    expect(io2.err[0]).toBe('kzlab pause: no follower right now [KZ_ERR_NO_LEADER]');
  });

  it('partition and heal send the groups; bad groups are usage errors', async () => {
    const io = fakeIo(directory);
    expect(
      await main(['partition', 'zk1', 'zk2,zk3', '--mode', 'delay:50', '--data-dir', directory], io),
    ).toBe(EXIT_OK);
    expect(fake.calls.at(-1)).toEqual(['partition', [['zk1'], ['zk2', 'zk3']], 'delay:50']);
    expect(io.out[0]).toContain('cut 4 directed links (zk1→zk2 zk1→zk3 zk2→zk1 zk3→zk1)');
    const io2 = fakeIo(directory);
    expect(await main(['partition', 'zk1', 'zk1', '--data-dir', directory], io2)).toBe(EXIT_USAGE);
    expect(io2.err[0]).toBe('kzlab partition: zk1 is in group 1 and group 2');
    const io3 = fakeIo(directory);
    expect(await main(['heal', '--data-dir', directory], io3)).toBe(EXIT_OK);
    expect(fake.calls.at(-1)).toEqual(['heal', undefined]);
    expect(io3.out[0]).toBe('nothing to heal: every link was ok\nall links ok');
  });

  it('status: a table, or JSON', async () => {
    const io = fakeIo(directory);
    expect(await main(['status', '--data-dir', directory], io)).toBe(EXIT_OK);
    expect(io.out[0].split('\n')[0]).toMatch(/^NODE\s+PID\s+PROCESS\s+MODE\s+ZXID/);
    expect(io.out[0]).toContain('leader:   zk2');
    const json = fakeIo(directory);
    expect(await main(['status', '--json', '--data-dir', directory], json)).toBe(EXIT_OK);
    expect(JSON.parse(json.out[0])).toMatchObject({ leader: 'zk2', dataDir: directory });
  });

  it('events: the backlog, then live over server-sent events', async () => {
    const lab = new RemoteCluster(control.url);
    fake.emit({ type: 'lab-ready', leader: 'zk2', afterMs: 10 });
    const first = await lab.events();
    expect(first.map((event) => event.type)).toContain('lab-ready');
    const received: ClusterEvent[] = [];
    const unsubscribe = lab.subscribe((event) => received.push(event), { since: first.at(-1)!.seq - 1 });
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(1);
    fake.emit({ type: 'role-changed', node: 'zk1', from: 'follower', to: 'leader' });
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(2);
    expect(received.map((event) => event.type)).toEqual(['lab-ready', 'role-changed']);
    unsubscribe();
  });

  it('POST /stop asks the supervisor to stop', async () => {
    await new RemoteCluster(control.url).stop();
    await expect.poll(() => fake.stopRequests).toBe(1);
  });
});

function labState(dataDir: string, overrides: Partial<LabState> = {}): LabState {
  return {
    version: LAB_STATE_VERSION,
    state: 'running',
    dataDir,
    impl: 'kzlab',
    zookeepers: 3,
    portBase: 2181,
    tickTimeMs: 2000,
    connect: '127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183',
    controlUrl: 'http://127.0.0.1:1',
    supervisorPid: process.pid,
    supervisorStartTicks: processStartTicks(process.pid) ?? null,
    startedAt: '2026-01-02T03:00:00.000Z',
    updatedAt: '2026-01-02T03:00:00.000Z',
    nodes: ['zk1', 'zk2', 'zk3'].map((name, index) => ({
      name,
      kind: 'zookeeper',
      sid: index + 1,
      pid: 1000 + index,
      process: 'running',
      clientPort: 2181 + index,
      quorumPort: 2888 + index,
      electionPort: 3888 + index,
      adminPort: 8081 + index,
      adminUrl: `http://127.0.0.1:${8081 + index}/commands`,
      dataDir: `${dataDir}/${name}`,
      config: `${dataDir}/${name}/zoo.cfg`,
      log: `${dataDir}/${name}/${name}.log`,
    })),
    proxies: [],
    ...overrides,
  };
}

/** A ClusterHandle that records calls and answers from fixed data. */
class FakeCluster implements ClusterHandle {
  dataDir = '';
  controlUrl = '';
  stopRequests = 0;
  readonly calls: unknown[][] = [];
  private readonly log: ClusterEvent[] = [];
  private readonly listeners = new Set<(event: ClusterEvent) => void>();
  private readonly names = ['zk1', 'zk2', 'zk3'];

  emit(body: ClusterEventBody): void {
    const event = { seq: this.log.length + 1, at: Date.now(), ...body } as ClusterEvent;
    this.log.push(event);
    for (const listener of this.listeners) listener(event);
  }
  async start(): Promise<ClusterInfo> {
    return this.info();
  }
  async info(): Promise<ClusterInfo> {
    return {
      dataDir: this.dataDir,
      impl: 'kzlab',
      portBase: 2181,
      connect: '127.0.0.1:2181',
      bootstrap: '127.0.0.1:9092',
      controlUrl: this.controlUrl,
      supervisorPid: process.pid,
      tickTimeMs: 2000,
      nodes: [],
    };
  }
  async status(): Promise<ClusterStatus> {
    return {
      at: Date.now(),
      dataDir: this.dataDir,
      impl: 'kzlab',
      connect: '127.0.0.1:2181',
      bootstrap: '127.0.0.1:9092',
      controlUrl: this.controlUrl,
      supervisorPid: process.pid,
      leader: 'zk2',
      controller: 'broker1',
      nodes: [],
      links: [],
    };
  }
  private check(target: string): string {
    if (target === 'zk-follower')
      throw new LabError(LAB_ERROR_CODES.KZ_ERR_NO_LEADER, 'no follower right now');
    if (target === 'zk-leader') return 'zk2';
    if (!this.names.includes(target)) throw unknownNode(target, this.names);
    return target;
  }
  private signal(operation: string, target: string, signal: SignalReport['signal']): SignalReport {
    this.calls.push([operation, target]);
    const node = this.check(target);
    return {
      node,
      pid: 4242,
      signal,
      signalledAt: 1000,
      confirmedAt: 1004,
      confirmedAfterMs: 3.5,
      confirmed: true,
      process: 'killed',
    };
  }
  async kill(target: string): Promise<SignalReport> {
    return this.signal('kill', target, 'SIGKILL');
  }
  async pause(target: string): Promise<SignalReport> {
    return this.signal('pause', target, 'SIGSTOP');
  }
  async resume(target: string): Promise<SignalReport> {
    return this.signal('resume', target, 'SIGCONT');
  }
  async restart(target: string): Promise<RestartReport> {
    this.calls.push(['restart', target]);
    const node = this.check(target);
    return {
      node,
      stopped: null,
      pid: 5000,
      startedAt: 1000,
      answeringAfterMs: 100,
      servingAfterMs: 200,
      mode: 'follower',
    };
  }
  async partition(
    groups: readonly (readonly string[])[],
    options: PartitionOptions = {},
  ): Promise<LinkReport> {
    this.calls.push(['partition', groups, options.mode]);
    const seen = new Set<string>();
    for (const group of groups) {
      for (const name of group) {
        if (seen.has(name))
          throw new LabError(LAB_ERROR_CODES.KZ_ERR_BAD_REQUEST, `${name} is in group 1 and group 2`);
        seen.add(name);
      }
    }
    const changed = [
      { from: 'zk1', to: 'zk2', mode: 'stall' },
      { from: 'zk1', to: 'zk3', mode: 'stall' },
      { from: 'zk2', to: 'zk1', mode: 'stall' },
      { from: 'zk3', to: 'zk1', mode: 'stall' },
    ];
    return { changed, links: changed };
  }
  async heal(groups?: readonly (readonly string[])[]): Promise<LinkReport> {
    this.calls.push(['heal', groups]);
    return { changed: [], links: [] };
  }
  async events(options: { since?: number } = {}): Promise<ClusterEvent[]> {
    return this.log.filter((event) => event.seq > (options.since ?? 0));
  }
  subscribe(listener: (event: ClusterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async stop(): Promise<StopReport> {
    return { nodes: [] };
  }
}
