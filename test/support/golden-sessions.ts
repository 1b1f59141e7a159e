// Scripted client sessions recorded through the recording proxy: used by capture-zookeeper-golden.ts to
// write test/fixtures/zookeeper/golden-<client>.json from real Apache ZooKeeper, and by
// test/conformance/zookeeper/golden-replay.test.ts to replay them against the server under test.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { zkCli } from './cli-clients.ts';
import { JuteProbe, OpCode } from './jute-probe.ts';
import { nzk, nextEvent, ZkClient } from './nzk.ts';
import { waitFor, withDeadline } from './process.ts';
import {
  annotateFrames,
  startRecordingProxy,
  type GoldenFrame,
  type RecordingProxy,
} from './recording-proxy.ts';
import { repoRoot, type ZooKeeperServer } from './zookeeper-servers.ts';

function isRequest(frameHex: string, xid: number, type: number): boolean {
  const bytes = Buffer.from(frameHex, 'hex');
  return bytes.length >= 12 && bytes.readInt32BE(4) === xid && bytes.readInt32BE(8) === type;
}

async function direct(server: ZooKeeperServer): Promise<JuteProbe> {
  return JuteProbe.connect({ host: server.host, port: server.port });
}

export async function captureNodeZookeeperClient(server: ZooKeeperServer): Promise<GoldenFrame[]> {
  const proxy = await startRecordingProxy({ targetHost: server.host, targetPort: server.port });
  const other = await direct(server);
  const c = await ZkClient.connect(proxy.connectString, { sessionTimeout: 4_000 });
  await c.create('/ng', Buffer.from('node-zookeeper-client'));
  await c.create('/ng/e', null, nzk.CreateMode.EPHEMERAL);
  await c.create('/ng/s-', Buffer.from('s'), nzk.CreateMode.PERSISTENT_SEQUENTIAL);
  await c.create('/ng/missing/child').catch(() => undefined);
  await c.getData('/ng');
  await c.setData('/ng', Buffer.from('v1'), 0);
  await c.setData('/ng', Buffer.from('v2'), 0).catch(() => undefined);
  await c.getChildren('/ng');
  await c.exists('/ng/none');
  const created = nextEvent();
  await c.exists('/ng/watched', created.watcher);
  await other.create('/ng/watched', null);
  await created.event;
  const changed = nextEvent();
  await c.getData('/ng/watched', changed.watcher);
  await other.setData('/ng/watched', Buffer.from('x'));
  await changed.event;
  const children = nextEvent();
  await c.getChildren('/ng', children.watcher);
  await other.create('/ng/new-child', null);
  await children.event;
  await c.commit(
    c
      .transaction()
      .create('/ng/t1', Buffer.from('1'))
      .check('/ng', 1)
      .setData('/ng/t1', Buffer.from('2'), 0)
      .remove('/ng/t1'),
  );
  await c.commit(c.transaction().create('/ng/t2').remove('/ng/none'));
  c.raw.addAuthInfo('digest', Buffer.from('alice:secret'));
  await c.setACL('/ng/s-0000000001', [new nzk.ACL(nzk.Permission.READ, new nzk.Id('world', 'anyone'))], 0);
  await c.getACL('/ng/s-0000000001');
  await c.remove('/ng/e');
  // Idle until the library pings (a third of the 4 s session timeout).
  await waitFor(() => proxy.frames.some((f) => isRequest(f.bytes.toString('hex'), -2, OpCode.ping)), {
    deadlineMs: 5_000,
    what: 'a ping from node-zookeeper-client',
  });
  // Drop the connection under the client: it reconnects with the same session (ConnectRequest with
  // sessionId, password, lastZxidSeen), re-sends its auth and re-registers its watches with SetWatches
  // (op 101; this library uses a normal xid, Java uses -8). (Restarting the server instead makes this
  // library queue one auth+SetWatches pair per refused reconnect attempt and send them all at once.)
  const afterReconnect = nextEvent(10_000);
  await c.getData('/ng', afterReconnect.watcher);
  await c.getChildren('/ng/watched', () => undefined);
  await c.exists('/ng/later', () => undefined);
  const reconnected = c.waitFor('connected', 10_000);
  proxy.dropConnections();
  await reconnected;
  await c.exists('/ng');
  await other.setData('/ng', Buffer.from('after reconnect'));
  await explained(proxy, () => afterReconnect.event);
  await other.close();
  const closed = c.waitFor('disconnected').catch(() => undefined);
  c.close();
  await closed;
  await waitFor(
    () =>
      proxy.frames.some(
        (f) =>
          f.direction === 'c2s' && f.bytes.length >= 12 && f.bytes.readInt32BE(8) === OpCode.closeSession,
      ),
    {
      deadlineMs: 5_000,
      what: 'closeSession from node-zookeeper-client',
    },
  );
  await waitFor(
    () =>
      proxy.frames.filter((f) => f.direction === 's2c').length > 0 &&
      proxy.frames.at(-1)?.direction === 's2c',
    {
      deadlineMs: 5_000,
      what: 'the closeSession reply',
    },
  );
  await proxy.stop();
  return annotateFrames(proxy.frames);
}

export async function captureKazoo(server: ZooKeeperServer): Promise<GoldenFrame[]> {
  const proxy = await startRecordingProxy({ targetHost: server.host, targetPort: server.port });
  const script = join(repoRoot, 'test', 'support', 'kazoo_golden_session.py');
  const child = spawn('/usr/bin/python3', [script, proxy.connectString, server.connectString], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const done = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line === 'RESTART') {
        void server.restart().then(
          () => child.stdin.write('restarted\n'),
          (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
        );
      } else if (line === 'DONE') {
        resolve();
      }
    });
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`kazoo session exited with ${code}`)),
    );
  });
  await withDeadline(done, 60_000, 'the kazoo golden session');
  await withDeadline(
    new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))),
    10_000,
    'kazoo to exit',
  );
  await proxy.stop();
  return annotateFrames(proxy.frames);
}

export async function captureZkCli(server: ZooKeeperServer): Promise<GoldenFrame[]> {
  const proxy = await startRecordingProxy({ targetHost: server.host, targetPort: server.port });
  const run = await zkCli(proxy.connectString, [
    'create /zg zkcli',
    'create -e -s /zg/e- d',
    'create -c /zg/container',
    'get -s /zg',
    'set /zg v1',
    'set -v 0 /zg v2',
    'ls -s /zg',
    'ls -R /zg',
    'stat /zg',
    'getAllChildrenNumber /zg',
    'getEphemerals /zg',
    'get -w /zg',
    'set /zg v3',
    'addauth digest alice:secret',
    'setAcl /zg auth:alice:cdrwa',
    'getAcl /zg',
    'sync /zg',
    'delete /zg/none',
    'deleteall /zg',
    'whoami',
  ]);
  if (!run.events.some((e) => e.includes('NodeDataChanged')))
    throw new Error(`zkCli: no watch event seen\n${run.raw}`);
  await proxy.stop();
  return annotateFrames(proxy.frames);
}

/** Runs `fn`; on failure prints the tail of what the proxy saw. */
async function explained<T>(proxy: RecordingProxy, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    for (const f of annotateFrames(proxy.frames).slice(-25)) console.error(f.connection, f.direction, f.note);
    throw error;
  }
}

export const goldenSessions: Record<string, (server: ZooKeeperServer) => Promise<GoldenFrame[]>> = {
  'node-zookeeper-client': captureNodeZookeeperClient,
  kazoo: captureKazoo,
  zkcli: captureZkCli,
};
