// The dashboard's client routes without a broker: their input checks answer with clear 4xx errors before
// anything reaches Kafka, they sit behind the same header check as the fault buttons, and a lab without
// brokers says so. And the rebalance/Empty timeline entries derived from two group snapshots.
// (Producing, consuming and the groups against a real broker: test/browser/dashboard.test.ts.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ClusterHandle, ClusterInfo, NodeProcessInfo } from '../cluster/handle.ts';
import { ACTION_HEADER, startDashboard, type DashboardServer } from './dashboard-server.ts';
import { groupChanges, type GroupView, type GroupsView } from './lab-client.ts';

function broker(name: string, sid: number): NodeProcessInfo {
  return {
    name,
    kind: 'broker',
    sid,
    host: '127.0.0.1',
    clientPort: 1,
    quorumPort: null,
    electionPort: null,
    adminPort: 1,
    // Nothing listens there: polls fail quietly.
    adminUrl: 'http://127.0.0.1:1/broker',
    dataDir: `/lab/${name}`,
    config: `/lab/${name}/cfg`,
    log: `/lab/${name}/log`,
    pid: 1,
    process: 'running',
  };
}

function labWith(bootstrap: string, nodes: NodeProcessInfo[]): ClusterHandle {
  const info: ClusterInfo = {
    dataDir: '/lab',
    impl: 'kzlab',
    portBase: 2181,
    connect: '127.0.0.1:1',
    bootstrap,
    controlUrl: 'http://127.0.0.1:1',
    supervisorPid: 1,
    tickTimeMs: 2000,
    nodes,
  };
  return {
    info: async () => info,
    events: async () => [],
    subscribe: () => () => {},
  } as unknown as ClusterHandle;
}

const post = (url: string, body: unknown, headers: Record<string, string> = { [ACTION_HEADER]: '1' }) =>
  fetch(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, ...body.error };
}

describe('the client routes check their input', () => {
  let dashboard: DashboardServer;
  let empty: DashboardServer;

  beforeAll(async () => {
    const options = { host: '127.0.0.1', port: 0, zookeeperTimeoutMs: 300, idlePollIntervalMs: 60_000 };
    // Bootstrap on port 1: nothing answers, so these checks must not need a broker.
    dashboard = await startDashboard({ ...options, cluster: labWith('127.0.0.1:1', [broker('broker1', 1)]) });
    empty = await startDashboard({ ...options, cluster: labWith('', []) });
  });

  afterAll(async () => {
    await dashboard?.close();
    await empty?.close();
  });

  const produce = { topic: 'orders', key: 'k', value: 'v', partitioner: 'default', acks: 'all' };

  it('the page loads its client panels module', async () => {
    const response = await fetch(`${dashboard.url}client-panels.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/javascript');
    expect(await response.text()).toContain('export function initClientPanels');
    expect(await (await fetch(dashboard.url)).text()).toContain('data-testid="panel-produce"');
  });

  it('refuse posts without the dashboard header', async () => {
    for (const route of ['produce', 'consume', 'topics']) {
      const response = await post(`${dashboard.url}api/${route}`, produce, {});
      expect([route, response.status]).toEqual([route, 403]);
    }
  });

  it('answer 400 with the field at fault', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['produce', { ...produce, topic: 'no spaces' }, /topic/],
      ['produce', { ...produce, topic: '..' }, /topic/],
      ['produce', { ...produce, acks: '2' }, /acks/],
      ['produce', { ...produce, partitioner: 'hash' }, /partitioner/],
      ['produce', { ...produce, count: 0 }, /count/],
      ['produce', { ...produce, count: 101 }, /count/],
      ['produce', { topic: 'orders', key: null, partitioner: 'default', acks: '1' }, /value/],
      ['consume', { topic: 'orders', partition: -1, from: 'beginning' }, /partition/],
      ['consume', { topic: 'orders', partition: 0, from: 'middle' }, /from/],
      ['consume', { topic: 'orders', partition: 0, from: 'latest', limit: 1000 }, /limit/],
      ['topics', { name: 'x', partitions: 0, replicationFactor: 1 }, /partitions/],
      ['topics', { name: 'x', partitions: 65, replicationFactor: 1 }, /partitions/],
      ['topics', { name: 'x'.repeat(250), partitions: 1, replicationFactor: 1 }, /name/],
    ];
    for (const [route, body, field] of cases) {
      const error = await errorOf(await post(`${dashboard.url}api/${route}`, body));
      expect({ route, body, status: error.status, code: error.code }).toEqual({
        route,
        body,
        status: 400,
        code: 'KZ_ERR_BAD_REQUEST',
      });
      expect(error.message).toMatch(field);
    }
  });

  it('refuse a replication factor above the number of brokers, and internal topic names', async () => {
    expect(
      await errorOf(
        await post(`${dashboard.url}api/topics`, { name: 'x', partitions: 1, replicationFactor: 2 }),
      ),
    ).toEqual({
      status: 400,
      code: 'INVALID_REPLICATION_FACTOR',
      message: 'replication factor 2 is larger than the 1 broker(s) of this lab',
    });
    expect(
      (
        await errorOf(
          await post(`${dashboard.url}api/topics`, { name: '__mine', partitions: 1, replicationFactor: 1 }),
        )
      ).status,
    ).toBe(400);
  });

  it('a lab without brokers: 409 KZ_ERR_NO_BROKERS', async () => {
    expect(await errorOf(await post(`${empty.url}api/produce`, produce))).toEqual({
      status: 409,
      code: 'KZ_ERR_NO_BROKERS',
      message: 'this lab runs no brokers',
    });
    const groups = (await (await fetch(`${empty.url}api/groups`)).json()) as GroupsView;
    expect(groups.groups).toEqual([]);
    expect(groups.error).toBe('this lab runs no brokers');
  });
});

describe('groupChanges', () => {
  const group = (groupId: string, state: string, members: string[]): GroupView => ({
    groupId,
    state,
    protocol: 'range',
    coordinatorId: 2,
    members: members.map((memberId) => ({
      memberId,
      clientId: 'c',
      clientHost: '/127.0.0.1',
      assignment: [],
    })),
    partitions: [],
    totalLag: '0',
    error: null,
  });
  const view = (at: number, ...groups: GroupView[]): GroupsView => ({ at, groups, error: null });

  it('says nothing on the first snapshot, then a rebalance when the members change, and Empty once', () => {
    const first = view(1, group('g', 'Stable', ['m1']));
    expect(groupChanges(undefined, first)).toEqual([]);
    expect(groupChanges(first, view(2, group('g', 'Stable', ['m1'])))).toEqual([]);
    const second = view(3, group('g', 'Stable', ['m1', 'm2']));
    expect(groupChanges(first, second)).toEqual([
      {
        at: 3,
        kind: 'group-rebalanced',
        nodes: ['broker2'],
        source: 'observed',
        params: { group: 'g', members: 2, protocol: 'range' },
      },
    ]);
    const emptied = view(4, group('g', 'Empty', []));
    expect(groupChanges(second, emptied).map((draft) => draft.kind)).toEqual(['group-empty']);
    expect(groupChanges(emptied, view(5, group('g', 'Empty', [])))).toEqual([]);
    // A new group with members is a rebalance (its first generation).
    expect(groupChanges(emptied, view(6, group('g', 'Empty', []), group('h', 'Stable', ['x'])))).toHaveLength(
      1,
    );
  });
});
