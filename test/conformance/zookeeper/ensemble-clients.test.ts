// The conformance clients against a 3-server ensemble of ours (real processes, reads served by followers,
// writes forwarded to the leader): kazoo's whole suite with its recipes, zkCli, node-zookeeper-client.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveClusterSpec } from '../../../deploy/cluster/spec.ts';
import { LocalCluster } from '../../../deploy/local/local-cluster.ts';
import { findFreePortBase } from '../../../deploy/local/ports.ts';
import { skipUnlessAvailable } from '../../support/ci.ts';
import { waitFor } from '../../support/process.ts';
import { zkCli, zkCliAvailable } from '../../support/cli-clients.ts';
import { kazooAvailable, runSuite, type Summary } from '../../support/kazoo.ts';
import { ZkClient } from '../../support/nzk.ts';

describe('conformance clients against a 3-server ensemble', () => {
  let cluster: LocalCluster;
  let dataDir: string;
  let connect: string;
  let ports: number[];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kzlab-ens-clients-'));
    const portBase = await findFreePortBase({ zookeepers: 3 });
    const spec = resolveClusterSpec({ dataDir, portBase, zookeepers: 3 });
    cluster = new LocalCluster({ spec });
    await cluster.start();
    ports = spec.ports.zookeepers.map((zk) => zk.clientPort);
    connect = ports.map((port) => `127.0.0.1:${port}`).join(',');
  });
  afterAll(async () => {
    await cluster?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  describe.skipIf(skipUnlessAvailable(kazooAvailable()))('kazoo', () => {
    let summary: Summary;
    beforeAll(async () => {
      ({ summary } = await runSuite(connect, '/kazoo-ensemble'));
    });
    it('every check of the suite passes (recipes included)', () => {
      const failed = summary.results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error ?? ''}`);
      expect(failed).toEqual([]);
      expect(summary.results.length).toBeGreaterThanOrEqual(16);
    });
  });

  describe.skipIf(skipUnlessAvailable(zkCliAvailable()))('zkCli', () => {
    it('writes through one server are read back through another', async () => {
      const write = await zkCli(`127.0.0.1:${ports[0]}`, ['create /zkcli-ens hello', 'create /zkcli-ens/child x']);
      expect(write.outputs).toEqual(['Created /zkcli-ens', 'Created /zkcli-ens/child']);
      const read = await zkCli(`127.0.0.1:${ports[2]}`, ['sync /zkcli-ens', 'get /zkcli-ens', 'ls /zkcli-ens']);
      expect(read.outputs[1]).toBe('hello');
      expect(read.outputs[2]).toBe('[child]');
    });
  });

  it('node-zookeeper-client: a watch set through one server fires for a write through another', async () => {
    const watcher = await ZkClient.connect(`127.0.0.1:${ports[1]}`);
    const writer = await ZkClient.connect(`127.0.0.1:${ports[2]}`);
    try {
      await writer.create('/nzk-ens', Buffer.from('v0'));
      // The read must have been answered (the watch is set) before the write, or the write can win the
      // race and the read simply returns v1 with nothing left to fire. The create must also have reached
      // the watcher's server (a follower may apply it a moment later).
      await waitFor(async () => (await watcher.exists('/nzk-ens')) !== null, {
        deadlineMs: 10_000,
        what: '/nzk-ens on the watcher’s server',
      });
      let resolveFired!: (name: string) => void;
      const fired = new Promise<string>((resolve) => (resolveFired = resolve));
      const before = await watcher.getData('/nzk-ens', (event) => resolveFired(event.getName()));
      expect(before.data?.toString()).toBe('v0');
      await writer.setData('/nzk-ens', Buffer.from('v1'));
      expect(await fired).toBe('NODE_DATA_CHANGED');
      const { data } = await watcher.getData('/nzk-ens');
      expect(data?.toString()).toBe('v1');
    } finally {
      watcher.close();
      writer.close();
    }
  });
});
