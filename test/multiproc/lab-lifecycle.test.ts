// The life of a lab across `kzlab up` runs (a one-server lab: quick, and our standalone server):
// the data survives a stop and a new `up` on the same directory; a second `up` on a running lab and a
// port clash are refused with a clear message; servers left behind by a SIGKILLed supervisor are cleared
// by the next `up`; Ctrl-C (SIGINT) stops cleanly too.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ClusterStatus } from '../../deploy/cluster/handle.ts';
import { portBasesOverlap } from '../../deploy/cluster/port-plan.ts';
import { runKzlab, startLabProcess, type LabProcess } from '../../deploy/local/lab-process.ts';
import { processExists } from '../../deploy/local/node-process.ts';
import { findFreePortBase } from '../../deploy/local/ports.ts';
import { ZkClient } from '../support/nzk.ts';
import { waitFor } from '../support/process.ts';

describe('a one-server lab across runs', () => {
  let root = '';
  let dataDir = '';
  let portBase = 0;
  const labs: LabProcess[] = [];
  const pids = new Set<number>();

  const start = async (): Promise<LabProcess> => {
    const lab = await startLabProcess({
      dataDir,
      portBase,
      zookeepers: 1,
      tickTimeMs: 500,
      readyTimeoutSeconds: 30,
    });
    labs.push(lab);
    for (const node of lab.ready.nodes) if (node.pid !== null) pids.add(node.pid);
    return lab;
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kzlab-lab-lifecycle-'));
    dataDir = path.join(root, 'data');
    portBase = await findFreePortBase({ zookeepers: 1 });
  });

  afterAll(async () => {
    for (const lab of labs) await lab.stop('SIGTERM').catch(() => undefined);
    for (const pid of pids) if (processExists(pid)) process.kill(pid, 'SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  it('standalone: the leader is the standalone server; partition has nothing to cut', async () => {
    const lab = await start();
    expect(lab.ready.leader).toBe('zk1');
    expect(lab.ready.zookeeper).toBe(`127.0.0.1:${portBase}`);
    const status = await lab.kzlabJson<ClusterStatus>(['status']);
    expect(status.nodes).toHaveLength(1);
    expect(status.nodes[0]).toMatchObject({ name: 'zk1', mode: 'standalone', process: 'running' });
    expect(await readFile(path.join(dataDir, 'zk1', 'zoo.cfg'), 'utf8')).not.toContain('server.1=');

    const partition = await lab.kzlab(['partition', 'zk1']);
    expect(partition.code).toBe(2);
    expect(partition.stderr).toContain('a lab of one server has no links between servers to cut');

    const client = await ZkClient.connect(lab.ready.zookeeper);
    try {
      await client.create('/lab-survives', Buffer.from('still here'));
    } finally {
      client.close();
    }
  });

  it('a second `up` on the running lab is refused (exit 1), and so is a lab on the same ports', async () => {
    const running = labs.at(-1)!;
    const second = await runKzlab(
      ['up', '--zookeepers', '1', '--data-dir', dataDir, '--port-base', String(portBase)],
      30_000,
    );
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`a lab already runs in ${dataDir} (supervisor pid ${running.pid}`);

    const elsewhere = path.join(root, 'other');
    const clash = await runKzlab(
      ['up', '--zookeepers', '1', '--data-dir', elsewhere, '--port-base', String(portBase)],
      30_000,
    );
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(`${portBase} (zk1 client port)`);
    expect(clash.stderr).toContain('[KZ_ERR_PORT_IN_USE]');

    const shape = await runKzlab(
      ['up', '--zookeepers', '3', '--data-dir', dataDir, '--port-base', String(portBase)],
      30_000,
    );
    expect(shape.code).toBe(1);
    expect(shape.stderr).toContain('a lab already runs');
  });

  it('SIGINT (Ctrl-C) stops it; `up` again brings the same data back', async () => {
    const first = labs.at(-1)!;
    const exit = await first.stop('SIGINT', 30_000);
    expect(exit).toEqual({ code: 0, signal: null });
    for (const pid of pids) expect(processExists(pid)).toBe(false);

    // A lab of another shape on this data directory is refused while stopped, too.
    const shape = await runKzlab(
      ['up', '--zookeepers', '3', '--data-dir', dataDir, '--port-base', String(portBase)],
      30_000,
    );
    expect(shape.code).toBe(1);
    expect(shape.stderr).toContain('holds a lab of 1 kzlab ZooKeeper server(s)');

    const again = await start();
    const client = await ZkClient.connect(again.ready.zookeeper);
    try {
      const { data } = await client.getData('/lab-survives');
      expect(data?.toString()).toBe('still here');
    } finally {
      client.close();
    }
  });

  it('servers left behind by a SIGKILLed supervisor are cleared by the next `up`', async () => {
    const lab = labs.at(-1)!;
    const orphan = lab.ready.nodes[0].pid!;
    await lab.stop('SIGKILL', 10_000);
    // The server outlives its supervisor (it runs in its own process group).
    expect(processExists(orphan)).toBe(true);
    const status = await runKzlab(['status', '--data-dir', dataDir], 30_000);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(`its supervisor (pid ${lab.pid}) is gone`);

    const next = await start();
    expect(next.stderr()).toContain(
      `zk1 (pid ${orphan}) was left running by a lab supervisor that died: sending SIGKILL`,
    );
    await waitFor(() => !processExists(orphan), { deadlineMs: 10_000, what: `pid ${orphan} to be gone` });
    const exit = await next.stop('SIGTERM', 30_000);
    expect(exit.code).toBe(0);
  });
});

describe('labs side by side', () => {
  it('two labs with different --port-base and --data-dir run at once and are told apart', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'kzlab-lab-side-by-side-'));
    const labs: LabProcess[] = [];
    try {
      const first = await findFreePortBase({ zookeepers: 1, from: 12_000, to: 18_000 });
      let second = await findFreePortBase({ zookeepers: 1, from: 18_000, to: 24_000 });
      while (portBasesOverlap(first, second).length > 0)
        second = await findFreePortBase({ zookeepers: 1, from: 18_000, to: 24_000 });
      for (const [name, portBase] of [
        ['a', first],
        ['b', second],
      ] as const) {
        labs.push(
          await startLabProcess({
            dataDir: path.join(root, name),
            portBase,
            zookeepers: 1,
            tickTimeMs: 500,
            readyTimeoutSeconds: 30,
          }),
        );
      }
      const [a, b] = labs;
      expect(a.ready.zookeeper).toBe(`127.0.0.1:${first}`);
      expect(b.ready.zookeeper).toBe(`127.0.0.1:${second}`);
      const statusA = await a.kzlabJson<ClusterStatus>(['status']);
      const statusB = await b.kzlabJson<ClusterStatus>(['status']);
      expect(statusA.dataDir).toBe(path.join(root, 'a'));
      expect(statusB.dataDir).toBe(path.join(root, 'b'));
      expect(statusA.supervisorPid).toBe(a.pid);
      expect(statusB.supervisorPid).toBe(b.pid);
      const kill = await b.kzlab(['kill', 'zk1']);
      expect(kill.code).toBe(0);
      expect((await a.kzlabJson<ClusterStatus>(['status'])).nodes[0].mode).toBe('standalone');
    } finally {
      for (const lab of labs) await lab.stop('SIGTERM').catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    }
  });
});
