// The dashboard server without a lab: a fake ClusterHandle whose nodes are small fake admin servers (a
// ZooKeeper AdminServer answering `quorum` and `srvr`, a broker admin HTTP), and no ZooKeeper to read a
// tree from. Checks the page and its modules are served, the state and the stream, that lab events and
// observed role changes reach the stream as journal entries, and that the fault routes call the cluster.

import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';

import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { LAB_ERROR_CODES, LabError } from '../cluster/errors.ts';
import type { ClusterEvent, ClusterHandle, ClusterInfo, NodeProcessInfo } from '../cluster/handle.ts';
import type { Drill, DrillReport } from '../drills/drill.ts';
import { ACTION_HEADER, startDashboard, type DashboardServer } from './dashboard-server.ts';

interface FakeNodes {
  zkState: string;
  app: FastifyInstance;
  port: number;
}

async function fakeAdminServers(): Promise<FakeNodes> {
  const fake = { zkState: 'LOOKING' } as FakeNodes;
  const app = Fastify();
  app.get('/commands/quorum', async () => ({
    myid: 1,
    state: fake.zkState,
    zabState: fake.zkState === 'LEADING' ? 'BROADCAST' : 'ELECTION',
    currentEpoch: fake.zkState === 'LEADING' ? 4 : 3,
    acceptedEpoch: 4,
    lastLoggedZxid: '0x300000007',
    lastProcessedZxid: '0x300000007',
    leader: fake.zkState === 'LEADING' ? 1 : null,
    peers: [],
    learners: [],
    command: 'quorum',
    error: null,
  }));
  app.get('/commands/srvr', async () =>
    fake.zkState === 'LEADING'
      ? {
          server_stats: { server_state: 'leader', num_alive_client_connections: 3 },
          node_count: 12,
          error: null,
        }
      : { command: 'server_stats', error: 'This ZooKeeper instance is not currently serving requests' },
  );
  app.get('/broker/broker', async () => ({
    brokerId: 1,
    clusterId: 'c',
    brokerEpoch: '42',
    controllerId: 1,
  }));
  app.get('/broker/controller', async () => ({
    brokerId: 1,
    isController: true,
    controllerEpoch: 2,
    offlinePartitions: 0,
  }));
  app.get('/broker/partitions', async () => ({
    partitions: [
      {
        topic: 'orders',
        partition: 0,
        role: 'leader',
        leader: 1,
        leaderEpoch: 0,
        replicas: [1],
        isr: [1],
        logStartOffset: '0',
        logEndOffset: '17',
        highWatermark: '17',
      },
    ],
  }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  fake.app = app;
  fake.port = typeof address === 'object' && address !== null ? address.port : 0;
  return fake;
}

function node(name: string, kind: 'zookeeper' | 'broker', adminUrl: string): NodeProcessInfo {
  return {
    name,
    kind,
    sid: 1,
    host: '127.0.0.1',
    clientPort: kind === 'zookeeper' ? 2181 : 9092,
    quorumPort: null,
    electionPort: null,
    adminPort: 1,
    adminUrl,
    dataDir: `/lab/${name}`,
    config: `/lab/${name}/cfg`,
    log: `/lab/${name}/log`,
    pid: 1234,
    process: 'running',
  };
}

function fakeCluster(fake: FakeNodes) {
  const listeners = new Set<(event: ClusterEvent) => void>();
  const base = `http://127.0.0.1:${fake.port}`;
  const info: ClusterInfo = {
    dataDir: '/lab',
    impl: 'kzlab',
    portBase: 2181,
    // Nothing listens there: the tree cannot be read, the brokers' own views are used.
    connect: '127.0.0.1:1',
    bootstrap: '127.0.0.1:9092',
    controlUrl: 'http://127.0.0.1:8090',
    supervisorPid: 1,
    tickTimeMs: 2000,
    nodes: [node('zk1', 'zookeeper', `${base}/commands`), node('broker1', 'broker', `${base}/broker`)],
  };
  const report = {
    node: 'zk1',
    pid: 1234,
    signal: 'SIGKILL',
    signalledAt: 1,
    confirmedAt: 2,
    confirmedAfterMs: 1,
    confirmed: true,
    process: 'killed',
  };
  const cluster = {
    start: vi.fn(async () => info),
    info: vi.fn(async () => info),
    status: vi.fn(),
    kill: vi.fn(async () => report),
    pause: vi.fn(async () => {
      throw new LabError(LAB_ERROR_CODES.KZ_ERR_NODE_STATE, 'zk1 (pid 1234) is already paused');
    }),
    resume: vi.fn(),
    restart: vi.fn(),
    partition: vi.fn(async () => ({ changed: [], links: [] })),
    heal: vi.fn(async () => ({ changed: [], links: [] })),
    events: vi.fn(async (): Promise<ClusterEvent[]> => [
      {
        seq: 1,
        at: 10,
        type: 'lab-starting',
        impl: 'kzlab',
        zookeepers: 1,
        brokers: 1,
        externalZooKeeper: null,
        portBase: 2181,
      },
    ]),
    subscribe: vi.fn((listener: (event: ClusterEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }),
    stop: vi.fn(),
  };
  const emit = (event: ClusterEvent): void => {
    for (const listener of listeners) listener(event);
  };
  return { cluster, handle: cluster as unknown as ClusterHandle, emit };
}

const POST = { method: 'POST', headers: { [ACTION_HEADER]: '1' } };

/** A dashboard on a free port that polls the fake lab often, for tests that wait on what it sees. */
const QUICK_POLLS = {
  host: '127.0.0.1',
  port: 0,
  pollIntervalMs: 100,
  idlePollIntervalMs: 100,
  zookeeperTimeoutMs: 300,
} as const;

/** Reads server-sent events from a fetch body until `until` says stop or the deadline passes. */
async function readEvents(
  url: string,
  until: (events: { event: string; data: unknown }[]) => boolean,
  deadlineMs = 10_000,
): Promise<{ event: string; data: unknown }[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadlineMs);
  const events: { event: string; data: unknown }[] = [];
  try {
    const response = await fetch(url, { signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

describe('the dashboard server against a fake lab', () => {
  let fake: FakeNodes;
  let lab: ReturnType<typeof fakeCluster>;
  let dashboard: DashboardServer;

  beforeAll(async () => {
    fake = await fakeAdminServers();
    lab = fakeCluster(fake);
    dashboard = await startDashboard({
      cluster: lab.handle,
      ...QUICK_POLLS,
    });
  });

  afterAll(async () => {
    await dashboard?.close();
    await fake?.app.close();
  });

  it('serves the page and its modules', async () => {
    const page = await fetch(dashboard.url);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/app.js">');
    expect(html).toContain('data-testid="lang-ko"');
    for (const [file, type] of [
      ['app.js', 'text/javascript'],
      ['i18n.js', 'text/javascript'],
      ['style.css', 'text/css'],
    ]) {
      const response = await fetch(`${dashboard.url}${file}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain(type);
    }
    expect((await fetch(`${dashboard.url}../etc/passwd`)).status).toBe(404);
  });

  it('GET /api/state: the nodes as their admin servers describe them, the journal so far', async () => {
    const body = (await (await fetch(`${dashboard.url}api/state`)).json()) as {
      state: {
        ensemble: { servers: { name: string; role: string; lastZxid: string }[]; hasQuorum: boolean };
        controller: { broker: string; epoch: number };
        topics: { name: string; partitions: { leader: number; replicas: { logEndOffset: string }[] }[] }[];
        tree: { error?: string } | null;
      };
      journal: { kind: string }[];
      lagHistory: { windowMs: number; groups: Record<string, unknown> };
    };
    expect(body.state.ensemble.servers).toMatchObject([{ name: 'zk1', role: 'LOOKING', lastZxid: '3:7' }]);
    // The consumer groups' lag trend travels with the snapshot (none here: no page polled the groups).
    expect(body.lagHistory).toMatchObject({ windowMs: 600_000, groups: {} });
    expect(body.state.ensemble.hasQuorum).toBe(false);
    expect(body.state.controller).toMatchObject({ broker: 'broker1', epoch: 2 });
    expect(body.state.topics[0]).toMatchObject({
      name: 'orders',
      partitions: [{ leader: 1, replicas: [{ logEndOffset: '17' }] }],
    });
    expect(body.state.tree?.error).toMatch(/ZooKeeper.*300 ms/);
    expect(body.journal.map((entry) => entry.kind)).toEqual(['lab-starting']);
  });

  it('the stream: a snapshot first, then lab events and observed changes as journal entries', async () => {
    const events = await readEvents(`${dashboard.url}api/stream`, (received) => {
      if (received.length === 1) {
        // Connected: now things happen in the lab.
        lab.emit({
          seq: 2,
          at: 20,
          type: 'node-signalled',
          node: 'zk1',
          pid: 1234,
          signal: 'SIGCONT',
          reason: 'resume',
        });
        fake.zkState = 'LEADING';
      }
      return received.some(
        (event) => event.event === 'journal' && (event.data as { kind: string }).kind === 'zk-leader-elected',
      );
    });
    expect(events[0].event).toBe('snapshot');
    const journal = events
      .filter((event) => event.event === 'journal')
      .map((event) => event.data as { kind: string; nodes: string[]; params: Record<string, unknown> });
    expect(journal[0]).toMatchObject({ kind: 'node-resume', nodes: ['zk1'], params: { signal: 'SIGCONT' } });
    expect(journal.find((entry) => entry.kind === 'zk-leader-elected')).toMatchObject({
      nodes: ['zk1'],
      params: { node: 'zk1', epoch: 4 },
    });
    const patches = events
      .filter((event) => event.event === 'patch')
      .map((event) => event.data as { sections: Record<string, unknown> });
    expect(patches.some((patch) => 'ensemble' in patch.sections)).toBe(true);
    expect(patches.every((patch) => !('lab' in patch.sections))).toBe(true);
  });

  it('fault routes refuse posts without the dashboard header (no cross-site kills)', async () => {
    const before = lab.cluster.kill.mock.calls.length;
    const response = await fetch(`${dashboard.url}api/nodes/zk1/kill`, { method: 'POST' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      ACTION_HEADER,
    );
    // Nor from a page whose host name was re-pointed at 127.0.0.1.
    const rebound = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${dashboard.url}api/nodes/zk1/kill`);
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { [ACTION_HEADER]: '1', host: 'evil.example:80' },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      request.end();
    });
    expect(rebound).toBe(403);
    expect(lab.cluster.kill.mock.calls.length).toBe(before);
  });

  it('fault routes call the lab; its errors keep their code and status', async () => {
    const kill = await fetch(`${dashboard.url}api/nodes/zk1/kill`, POST);
    expect(kill.status).toBe(200);
    expect(await kill.json()).toMatchObject({ node: 'zk1', signal: 'SIGKILL' });
    expect(lab.cluster.kill).toHaveBeenCalledWith('zk1');

    await fetch(`${dashboard.url}api/nodes/zk1/partition`, POST);
    expect(lab.cluster.partition).toHaveBeenCalledWith([['zk1']]);
    await fetch(`${dashboard.url}api/nodes/zk1/heal`, POST);
    expect(lab.cluster.heal).toHaveBeenCalledWith([['zk1']]);
    await fetch(`${dashboard.url}api/heal`, POST);
    expect(lab.cluster.heal).toHaveBeenLastCalledWith();

    const pause = await fetch(`${dashboard.url}api/nodes/zk1/pause`, POST);
    expect(pause.status).toBe(409);
    expect(await pause.json()).toEqual({
      error: { code: 'KZ_ERR_NODE_STATE', message: 'zk1 (pid 1234) is already paused' },
    });

    const unknown = await fetch(`${dashboard.url}api/nodes/zk1/explode`, POST);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('KZ_ERR_BAD_REQUEST');
  });
});

describe('closing the dashboard', () => {
  it('does not wait for a poll stuck on a silent ZooKeeper', async () => {
    // A "ZooKeeper" that accepts connections and never answers: the tree read would wait for its deadline.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const fake = await fakeAdminServers();
    const lab = fakeCluster(fake);
    const info = await lab.handle.info();
    lab.cluster.info.mockResolvedValue({ ...info, connect: `127.0.0.1:${port}` });
    const dashboard = await startDashboard({
      cluster: lab.handle,
      host: '127.0.0.1',
      port: 0,
      zookeeperTimeoutMs: 20_000,
    });
    try {
      // Wait until the first poll is under way (it asked the fake admin server's nodes via info()).
      await vi.waitFor(() => expect(sockets.size).toBeGreaterThan(0), { timeout: 5000 });
      const began = performance.now();
      await dashboard.close();
      expect(performance.now() - began).toBeLessThan(2000);
    } finally {
      await dashboard.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
      await fake.app.close();
    }
  });
});

describe('drills from the dashboard', () => {
  it('GET /api/drills lists them; POST …/run starts one, streams its steps and verdict, refuses a second', async () => {
    const fake = await fakeAdminServers();
    const lab = fakeCluster(fake);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const drill: Drill = {
      name: 'fake-drill',
      title: { en: 'A fake drill', ko: '가짜 훈련' },
      plan: { en: 'kills zk1', ko: 'zk1을 죽입니다' },
      question: { en: 'What happens?', ko: '어떻게 될까요?' },
      choices: [
        { id: 'a', text: { en: 'it dies', ko: '죽는다' } },
        { id: 'b', text: { en: 'nothing', ko: '아무 일 없다' } },
      ],
      needs: { zookeepers: 1, brokers: 0 },
      async run({ lab: handle, step }) {
        step({ en: 'killing zk1', ko: 'zk1을 죽입니다' });
        await handle.kill('zk1');
        await gate;
        step({ en: 'done', ko: '끝' });
        return {
          pass: true,
          answer: 'a',
          measured: { killedAfterMs: 1 },
          failures: [],
          explanation: { en: 'because', ko: '왜냐하면' },
        };
      },
    };
    const dashboard = await startDashboard({
      cluster: lab.handle,
      ...QUICK_POLLS,
      drills: [drill],
    });
    try {
      const list = (await (await fetch(`${dashboard.url}api/drills`)).json()) as {
        running: string | null;
        drills: { name: string; title: { ko: string }; choices: { id: string }[] }[];
      };
      expect(list).toMatchObject({
        running: null,
        drills: [{ name: 'fake-drill', title: { ko: '가짜 훈련' } }],
      });
      expect((await fetch(`${dashboard.url}api/drills/nope/run`, POST)).status).toBe(404);
      const badPrediction = await fetch(`${dashboard.url}api/drills/fake-drill/run`, {
        ...POST,
        headers: { ...POST.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ predict: 'z' }),
      });
      expect(badPrediction.status).toBe(400);
      expect((await fetch(`${dashboard.url}api/drills/fake-drill/run`, { method: 'POST' })).status).toBe(403);

      const events = await readEvents(`${dashboard.url}api/stream`, (received) => {
        if (received.length === 1) {
          void (async () => {
            const started = await fetch(`${dashboard.url}api/drills/fake-drill/run`, {
              ...POST,
              headers: { ...POST.headers, 'content-type': 'application/json' },
              body: JSON.stringify({ predict: 'b' }),
            });
            expect(started.status).toBe(202);
            // While it runs: a second run is refused, the list names it.
            expect((await fetch(`${dashboard.url}api/drills/fake-drill/run`, POST)).status).toBe(409);
            const during = (await (await fetch(`${dashboard.url}api/drills`)).json()) as { running: string };
            expect(during.running).toBe('fake-drill');
            release();
          })();
        }
        return received.some(
          (event) => event.event === 'drill' && (event.data as { phase: string }).phase === 'done',
        );
      });
      const phases = events
        .filter((event) => event.event === 'drill')
        .map(
          (event) => event.data as { phase: string; step?: { text: { en: string } }; report?: DrillReport },
        );
      expect(phases.map((event) => event.phase)).toEqual(['started', 'step', 'step', 'done']);
      expect(phases[1].step?.text.en).toBe('killing zk1');
      expect(phases[3].report).toMatchObject({
        drill: 'fake-drill',
        verdict: 'pass',
        predicted: 'b',
        predictionCorrect: false,
        measured: { killedAfterMs: 1 },
      });
      expect(lab.cluster.kill).toHaveBeenCalledWith('zk1');
      await vi.waitFor(async () =>
        expect(
          ((await (await fetch(`${dashboard.url}api/drills`)).json()) as { running: null }).running,
        ).toBeNull(),
      );
    } finally {
      release();
      await dashboard.close();
      await fake.app.close();
    }
  });
});
