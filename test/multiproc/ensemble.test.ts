// Real ensembles of our ZooKeeper (3 and 5 processes on loopback, fault proxies between peers) under the
// faults issue 3 names: kill -9 of the leader under a writing client, SIGSTOP of the leader past
// syncLimit, minority and majority loss, partition and heal, restart with and without data, and a
// client session surviving the loss of its server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveClusterSpec } from '../../deploy/cluster/spec.ts';
import { LocalCluster } from '../../deploy/local/local-cluster.ts';
import { findFreePortBase } from '../../deploy/local/ports.ts';
import { fourLetterWord } from '../support/zookeeper-servers.ts';
import { ZkClient } from '../support/nzk.ts';

const NODE_EXISTS = -110;

interface Lab {
  cluster: LocalCluster;
  dataDir: string;
  connect: string;
  clientPort(name: string): number;
  names: string[];
}

async function startLab(size: number): Promise<Lab> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `kzlab-ens${size}-`));
  const portBase = await findFreePortBase({ zookeepers: size });
  // A short tick keeps failure detection (syncLimit × tickTime) fast enough for a test.
  const spec = resolveClusterSpec({ dataDir, portBase, zookeepers: size, tickTimeMs: 200, initLimitTicks: 10, syncLimitTicks: 5 });
  const cluster = new LocalCluster({ spec, roleWatchIntervalMs: 200 });
  await cluster.start();
  const ports = new Map(spec.ports.zookeepers.map((zk) => [zk.name, zk.clientPort]));
  return {
    cluster,
    dataDir,
    connect: spec.ports.zookeepers.map((zk) => `127.0.0.1:${zk.clientPort}`).join(','),
    clientPort: (name) => ports.get(name)!,
    names: spec.ports.zookeepers.map((zk) => zk.name),
  };
}

async function srvrMode(lab: Lab, name: string): Promise<string> {
  try {
    const text = await fourLetterWord('127.0.0.1', lab.clientPort(name), 'srvr');
    return /Mode: (\w+)/.exec(text)?.[1] ?? 'not-serving';
  } catch {
    return 'down';
  }
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, deadlineMs: number): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value) return value as T;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function leaderOf(lab: Lab, among = lab.names): Promise<string | undefined> {
  const modes = await Promise.all(among.map(async (name) => [name, await srvrMode(lab, name)] as const));
  const serving = modes.filter(([, mode]) => mode === 'leader' || mode === 'follower');
  const leaders = modes.filter(([, mode]) => mode === 'leader');
  return leaders.length === 1 && serving.length > among.length / 2 ? leaders[0][0] : undefined;
}

/** One write with a deadline: ok, a ZooKeeper error code, or 'unknown' (timeout / connection loss). */
async function attempt(fn: () => Promise<unknown>, deadlineMs = 2000): Promise<'ok' | 'unknown' | number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'unknown'>((resolve) => (timer = setTimeout(() => resolve('unknown'), deadlineMs)));
  try {
    const result = await Promise.race([fn().then(() => 'ok' as const), timeout]);
    return result;
  } catch (error) {
    const code = (error as { code?: number }).code;
    return typeof code === 'number' && code !== -4 ? code : 'unknown';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Every path must exist on every given server. Followers apply commits asynchronously (node-zookeeper-client
 * has no sync), so each server gets a few seconds to catch up before the check fails.
 */
async function expectEverywhere(lab: Lab, paths: string[], servers: string[]): Promise<void> {
  for (const name of servers) {
    const client = await ZkClient.connect(`127.0.0.1:${lab.clientPort(name)}`);
    try {
      let missing: string[] = paths;
      const end = Date.now() + 5000;
      do {
        const { children } = await client.getChildren('/w');
        const present = new Set(children.map((c) => `/w/${c}`));
        missing = paths.filter((p) => !present.has(p));
        if (missing.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      } while (Date.now() < end);
      expect(missing, `acknowledged writes missing on ${name}`).toEqual([]);
    } finally {
      client.close();
    }
  }
}

for (const size of [3, 5]) {
  describe(`ensemble of ${size} (real processes)`, () => {
    let lab: Lab;
    beforeAll(async () => {
      lab = await startLab(size);
    });
    afterAll(async () => {
      await lab?.cluster.stop();
      if (lab) fs.rmSync(lab.dataDir, { recursive: true, force: true });
    });

    test('kill -9 of the leader under a writing client: no acknowledged write lost, writes resume', async () => {
      const client = await ZkClient.connect(lab.connect, { sessionTimeout: 8000 });
      const acked: string[] = [];
      try {
        await client.mkdirp('/w');
        let killedAt = 0;
        let resumedAt = 0;
        for (let i = 0; acked.length < 60 || resumedAt === 0; i++) {
          if (i > 2000) throw new Error('too many attempts');
          const p = `/w/n${i}`;
          if (acked.length === 20 && killedAt === 0) {
            const leader = await leaderOf(lab);
            expect(leader).toBeDefined();
            await lab.cluster.kill(leader!);
            killedAt = Date.now();
          }
          let outcome = await attempt(() => client.create(p, Buffer.from('v')));
          // Unknown outcome: retry the same create; NODEEXISTS proves the first one was applied.
          while (outcome === 'unknown') outcome = await attempt(() => client.create(p, Buffer.from('v')));
          if (outcome === 'ok' || outcome === NODE_EXISTS) {
            acked.push(p);
            if (killedAt > 0 && resumedAt === 0) resumedAt = Date.now();
          }
        }
        expect(resumedAt - killedAt).toBeLessThan(10_000);
        const survivors = [];
        for (const name of lab.names) if ((await srvrMode(lab, name)) !== 'down') survivors.push(name);
        await expectEverywhere(lab, acked, survivors);
      } finally {
        client.close();
      }
      // Bring the killed server back: it rejoins and catches up.
      for (const name of lab.names) if ((await srvrMode(lab, name)) === 'down') await lab.cluster.restart(name);
      await waitUntil('every server serving again', async () => {
        const modes = await Promise.all(lab.names.map((n) => srvrMode(lab, n)));
        return modes.every((m) => m === 'leader' || m === 'follower');
      }, 20_000);
      await expectEverywhere(lab, acked, lab.names);
    });

    test('SIGSTOP of the leader past syncLimit: the others elect a new leader; resumed, it rejoins as a follower', async () => {
      const leader = (await waitUntil('a leader', () => leaderOf(lab), 10_000)) as string;
      await lab.cluster.pause(leader);
      try {
        const others = lab.names.filter((n) => n !== leader);
        const next = await waitUntil('a new leader among the others', () => leaderOf(lab, others), 15_000);
        expect(next).not.toBe(leader);
      } finally {
        await lab.cluster.resume(leader);
      }
      await waitUntil(`${leader} following again`, async () => (await srvrMode(lab, leader)) === 'follower', 15_000);
    });

    test('partition the leader away: the majority serves, the isolated leader stops serving; heal: it rejoins', async () => {
      const leader = (await waitUntil('a leader', () => leaderOf(lab), 10_000)) as string;
      await lab.cluster.partition([[leader]]);
      try {
        const others = lab.names.filter((n) => n !== leader);
        await waitUntil('a leader in the majority', () => leaderOf(lab, others), 15_000);
        await waitUntil(`${leader} no longer serving`, async () => (await srvrMode(lab, leader)) === 'not-serving', 15_000);
        const client = await ZkClient.connect(others.map((n) => `127.0.0.1:${lab.clientPort(n)}`).join(','));
        try {
          expect(await attempt(() => client.create('/partitioned-write', null))).toBe('ok');
        } finally {
          client.close();
        }
      } finally {
        await lab.cluster.heal();
      }
      await waitUntil(`${leader} serving again`, async () => ['leader', 'follower'].includes(await srvrMode(lab, leader)), 15_000);
      await expectEverywhere(lab, [], lab.names);
    });

    test('a follower restarted without its data rejoins (SNAP or DIFF from zero) and has everything', async () => {
      const leader = (await waitUntil('a leader', () => leaderOf(lab), 10_000)) as string;
      const follower = lab.names.find((n) => n !== leader)!;
      const client = await ZkClient.connect(lab.connect);
      const written: string[] = [];
      try {
        for (let i = 0; i < 20; i++) {
          await client.create(`/w/wipe${i}`, null);
          written.push(`/w/wipe${i}`);
        }
      } finally {
        client.close();
      }
      await lab.cluster.kill(follower);
      for (const entry of fs.readdirSync(path.join(lab.dataDir, follower))) {
        if (entry === 'version-2' || entry.endsWith('Epoch')) fs.rmSync(path.join(lab.dataDir, follower, entry), { recursive: true, force: true });
      }
      await lab.cluster.restart(follower);
      await waitUntil(`${follower} serving`, async () => (await srvrMode(lab, follower)) === 'follower', 20_000);
      await expectEverywhere(lab, written, [follower]);
    });

    test('a session survives the loss of the server it is connected to (ephemeral kept, same session id)', async () => {
      await waitUntil('a leader', () => leaderOf(lab), 10_000);
      const client = await ZkClient.connect(lab.connect, { sessionTimeout: 10_000 });
      let victim: string | undefined;
      try {
        const sessionId = client.sessionId;
        await client.create('/w/eph', null, 1); // EPHEMERAL
        // Which server holds the connection? Its `cons` lists the session id.
        const hex = `0x${sessionId.toString(16)}`;
        for (const name of lab.names) {
          const cons = await fourLetterWord('127.0.0.1', lab.clientPort(name), 'cons').catch(() => '');
          if (cons.includes(`sid=${hex}`)) victim = name;
        }
        expect(victim, `no server lists session ${hex}`).toBeDefined();
        await lab.cluster.kill(victim!);
        // The client moves to another server; the session, and so the ephemeral node, survive.
        await waitUntil('the ephemeral readable after failover', async () => (await attempt(() => client.exists('/w/eph'))) === 'ok', 15_000);
        expect(client.sessionId).toBe(sessionId);
        expect(await client.exists('/w/eph')).not.toBeNull();
      } finally {
        client.close();
        if (victim) await lab.cluster.restart(victim);
      }
    });

    if (size === 5) {
      test('minority loss keeps serving; majority loss stops every server', async () => {
        await waitUntil('a leader', () => leaderOf(lab), 15_000);
        const followers: string[] = [];
        for (const name of lab.names) if ((await srvrMode(lab, name)) === 'follower') followers.push(name);
        await lab.cluster.kill(followers[0]);
        await lab.cluster.kill(followers[1]);
        const client = await ZkClient.connect(lab.connect);
        try {
          expect(await attempt(() => client.create('/w/minority-down', null), 5000)).toBe('ok');
        } finally {
          client.close();
        }
        await lab.cluster.kill(followers[2]);
        const alive = lab.names.filter((n) => !followers.slice(0, 3).includes(n));
        await waitUntil('the two survivors stop serving', async () => {
          const modes = await Promise.all(alive.map((n) => srvrMode(lab, n)));
          return modes.every((m) => m === 'not-serving');
        }, 15_000);
        for (const name of followers.slice(0, 3)) await lab.cluster.restart(name);
        await waitUntil('serving again', () => leaderOf(lab), 20_000);
      });
    }
  });
}
