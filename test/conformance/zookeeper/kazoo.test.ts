// Conformance: kazoo (Python) basics and recipes against the server under test, via kazoo_suite.py run
// with Debian's /usr/bin/python3 (the pyenv python3 on PATH has no kazoo).
//   KZLAB_ZK_IMPL=apache npx vitest run --project conformance kazoo
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipUnlessAvailable } from '../../support/ci.ts';
import { kazooAvailable, runSuite, type CheckResult, type Summary } from '../../support/kazoo.ts';
import { startZooKeeper, type ZooKeeperServer } from '../../support/zookeeper-servers.ts';


describe.skipIf(skipUnlessAvailable(kazooAvailable()))('kazoo conformance', () => {
  let server: ZooKeeperServer;
  let summary: Summary;
  const byName = (name: string): CheckResult => {
    const result = summary.results.find((r) => r.name === name);
    if (!result) throw new Error(`kazoo suite has no check named ${name}`);
    return result;
  };

  beforeAll(async () => {
    server = await startZooKeeper();
    ({ summary } = await runSuite(server.connectString, '/kazoo'));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs with kazoo 2.x', () => {
    expect(summary.kazoo).toMatch(/^2\./);
    expect(summary.results.length).toBeGreaterThanOrEqual(16);
  });

  const checks = [
    'basics',
    'create_modes_and_create2',
    'transactions',
    'acl_and_auth',
    'sync_and_server_info',
    'watches_one_shot',
    'data_watch_and_children_watch',
    'lock_two_contenders',
    'election',
    'counter',
    'barrier',
    'double_barrier',
    'queues',
    'party_and_semaphore',
    'ephemerals_vanish_with_session',
    'connection_states',
  ];
  for (const name of checks) {
    it(name, () => {
      const result = byName(name);
      expect(result.ok, `${result.error ?? ''}\n${result.traceback ?? ''}`).toBe(true);
    });
  }

  it('reports what the server told kazoo', () => {
    expect(byName('sync_and_server_info').detail?.server_version).toEqual([3, 8, 0]);
    expect(byName('create_modes_and_create2').detail?.sequential).toEqual([
      '/kazoo/modes/s-0000000001',
      '/kazoo/modes/es-0000000002',
    ]);
    expect(byName('transactions').detail?.failed).toEqual([
      'RolledBackError',
      'NoNodeError',
      'RuntimeInconsistency',
    ]);
    expect(byName('lock_two_contenders').detail?.contenders).toEqual(['first', 'second']);
    expect(byName('election').detail?.leaders).toEqual(['one', 'two']);
    expect(byName('queues').detail?.queue).toEqual(['urgent', 'one', 'two', null]);
    expect(byName('data_watch_and_children_watch').detail).toEqual({
      data: [null, 'a', 'b', null],
      children: [[], ['x'], ['x', 'y'], ['y']],
    });
  });
});
