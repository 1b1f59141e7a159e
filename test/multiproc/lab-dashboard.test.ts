// `kzlab up` with its dashboard, as a learner starts it: the ready output (here the --json line) names the
// dashboard's URL, the page and its state answer there while the lab runs, a port already taken is
// refused before anything starts, and stopping the lab stops the dashboard without delaying the stop.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { portOf } from '../../deploy/cluster/port-plan.ts';
import { runKzlab, startLabProcess, type LabProcess } from '../../deploy/local/lab-process.ts';
import { processExists } from '../../deploy/local/node-process.ts';
import { findFreePortBase, isPortFree } from '../../deploy/local/ports.ts';

describe('kzlab up serves the dashboard', () => {
  let root = '';
  let portBase = 0;
  let dashboardPort = 0;
  let lab: LabProcess | undefined;
  const pids = new Set<number>();

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kzlab-lab-dashboard-'));
    // A port base whose plan and plan's dashboard port are free.
    for (let attempt = 0; attempt < 20 && dashboardPort === 0; attempt++) {
      portBase = await findFreePortBase({ zookeepers: 1 });
      const candidate = portOf('dashboard', 1, portBase);
      if (await isPortFree(candidate)) dashboardPort = candidate;
    }
    expect(dashboardPort).not.toBe(0);
  });

  afterAll(async () => {
    await lab?.stop('SIGKILL').catch(() => undefined);
    for (const pid of pids) if (processExists(pid)) process.kill(pid, 'SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  it('a taken dashboard port is refused before anything starts', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(dashboardPort, '127.0.0.1', resolve));
    try {
      const result = await runKzlab([
        'up',
        '--data-dir',
        path.join(root, 'refused'),
        '--port-base',
        String(portBase),
        '--zookeepers',
        '1',
        '--brokers',
        '0',
        '--dashboard-port',
        String(dashboardPort),
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`the dashboard's port ${dashboardPort} is already in use`);
      expect(result.stderr).toContain('--dashboard-port 0');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('the ready line names the dashboard; its page and state answer; the stop is not delayed', async () => {
    const dataDir = path.join(root, 'data');
    lab = await startLabProcess({
      dataDir,
      portBase,
      zookeepers: 1,
      tickTimeMs: 500,
      readyTimeoutSeconds: 30,
      dashboardPort,
    });
    for (const node of lab.ready.nodes) if (node.pid !== null) pids.add(node.pid);
    const url = `http://127.0.0.1:${dashboardPort}/`;
    expect(lab.ready.dashboard).toBe(url);

    const page = await fetch(url, { signal: AbortSignal.timeout(5000) });
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    const { state, journal } = (await (
      await fetch(`${url}api/state`, { signal: AbortSignal.timeout(5000) })
    ).json()) as {
      state: { lab: { connect: string }; ensemble: { servers: { name: string; role: string }[] } };
      journal: { kind: string }[];
    };
    expect(state.lab.connect).toBe(lab.ready.zookeeper);
    expect(state.ensemble.servers.map((server) => server.name)).toEqual(['zk1']);
    // The lab's start is in the journal: the dashboard started before the servers.
    expect(journal.map((entry) => entry.kind)).toContain('lab-starting');

    const began = performance.now();
    const exit = await lab.stop('SIGTERM', 20_000);
    const stopMs = performance.now() - began;
    lab = undefined;
    expect(exit.code).toBe(0);
    // Without a dashboard the stop of a one-server lab takes well under a second; the dashboard must not
    // add its polling deadlines (seconds) to it.
    expect(stopMs).toBeLessThan(3000);
    expect(await isPortFree(dashboardPort)).toBe(true);
    expect(existsSync(path.join(dataDir, 'dashboard.log'))).toBe(true);
  });
});
