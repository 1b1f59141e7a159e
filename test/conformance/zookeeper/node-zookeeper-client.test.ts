// Conformance: the node-zookeeper-client npm package (what our brokers use) against the server under test.
//   KZLAB_ZK_IMPL=apache npx vitest run --project conformance node-zookeeper-client
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JuteProbe } from '../../support/jute-probe.ts';
import { errorCode, nextEvent, nzk, statOf, ZkClient } from '../../support/nzk.ts';
import { startZooKeeper, type ZooKeeperServer } from '../../support/zookeeper-servers.ts';
import { digestId } from './differential-scenarios.ts';

const { CreateMode, Exception, Event, Permission } = nzk;

describe('node-zookeeper-client conformance', () => {
  let server: ZooKeeperServer;
  const clients: ZkClient[] = [];

  async function client(options = {}): Promise<ZkClient> {
    const c = await ZkClient.connect(server.connectString, options);
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    server = await startZooKeeper();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('connects and negotiates a session', async () => {
    const c = await client({ sessionTimeout: 12_000 });
    expect(c.sessionId).not.toBe(0n);
    expect(c.raw.getSessionTimeout()).toBe(12_000);
    expect(c.raw.getSessionPassword()).toHaveLength(16);
    expect(c.raw.getState().name).toBe('SYNC_CONNECTED');
    const stat = await c.exists('/');
    expect(stat).not.toBeNull();
  });

  it('creates znodes in every mode with %010d sequence suffixes', async () => {
    const c = await client();
    await c.create('/nzk-modes', Buffer.from('root'));
    expect(await c.create('/nzk-modes/p', Buffer.from('p'), CreateMode.PERSISTENT)).toBe('/nzk-modes/p');
    expect(await c.create('/nzk-modes/e', Buffer.from('e'), CreateMode.EPHEMERAL)).toBe('/nzk-modes/e');
    const ps = await c.create('/nzk-modes/ps-', null, CreateMode.PERSISTENT_SEQUENTIAL);
    const es = await c.create('/nzk-modes/es-', null, CreateMode.EPHEMERAL_SEQUENTIAL);
    expect(ps).toMatch(/^\/nzk-modes\/ps-\d{10}$/);
    expect(ps).toBe('/nzk-modes/ps-0000000002');
    expect(es).toBe('/nzk-modes/es-0000000003');

    const persistent = statOf((await c.getData('/nzk-modes/p')).stat);
    const ephemeral = statOf((await c.getData('/nzk-modes/e')).stat);
    const ephemeralSeq = statOf((await c.getData(es)).stat);
    expect(persistent.ephemeralOwner).toBe(0n);
    expect(ephemeral.ephemeralOwner).toBe(c.sessionId);
    expect(ephemeralSeq.ephemeralOwner).toBe(c.sessionId);
    expect(await errorCode(() => c.create('/nzk-modes/p'))).toBe(Exception.NODE_EXISTS);
    expect(await errorCode(() => c.create('/nzk-modes/missing/child'))).toBe(Exception.NO_NODE);
    expect(await errorCode(() => c.create('/nzk-modes/e/child'))).toBe(Exception.NO_CHILDREN_FOR_EPHEMERALS);
  });

  it('keeps full Stat semantics (czxid, mzxid, pzxid, versions, dataLength, numChildren)', async () => {
    const c = await client();
    await c.create('/nzk-stat', Buffer.from('abc'));
    const created = statOf((await c.getData('/nzk-stat')).stat);
    expect(created).toMatchObject({
      version: 0,
      cversion: 0,
      aversion: 0,
      dataLength: 3,
      numChildren: 0,
      ephemeralOwner: 0n,
    });
    expect(created.mzxid).toBe(created.czxid);
    expect(created.pzxid).toBe(created.czxid);
    expect(created.mtime).toBe(created.ctime);

    const afterSet = statOf(await c.setData('/nzk-stat', Buffer.from('hello'), 0));
    expect(afterSet.version).toBe(1);
    expect(afterSet.dataLength).toBe(5);
    expect(afterSet.czxid).toBe(created.czxid);
    expect(afterSet.mzxid).toBeGreaterThan(created.mzxid);
    expect(afterSet.pzxid).toBe(created.pzxid);
    expect(afterSet.mtime).toBeGreaterThanOrEqual(created.mtime);

    await c.create('/nzk-stat/a');
    const childCreate = statOf((await c.getData('/nzk-stat/a')).stat);
    await c.create('/nzk-stat/b');
    await c.remove('/nzk-stat/a');
    const parent = statOf((await c.getChildren('/nzk-stat')).stat);
    expect(parent.numChildren).toBe(1);
    // cversion counts child creations and deletions.
    expect(parent.cversion).toBe(3);
    expect(parent.pzxid).toBeGreaterThan(childCreate.czxid);
    expect(parent.mzxid).toBe(afterSet.mzxid);
    expect(parent.version).toBe(1);
    // ... but the sequence suffix counts creations only.
    expect(await c.create('/nzk-stat/s-', null, CreateMode.PERSISTENT_SEQUENTIAL)).toBe(
      '/nzk-stat/s-0000000002',
    );
  });

  it('exists / getData / setData with versions', async () => {
    const c = await client();
    expect(await c.exists('/nzk-versions')).toBeNull();
    expect(await errorCode(() => c.getData('/nzk-versions'))).toBe(Exception.NO_NODE);
    expect(await errorCode(() => c.setData('/nzk-versions', Buffer.from('x')))).toBe(Exception.NO_NODE);
    await c.create('/nzk-versions', Buffer.from('v0'));
    expect((await c.exists('/nzk-versions'))?.version).toBe(0);
    expect((await c.setData('/nzk-versions', Buffer.from('v1'), 0)).version).toBe(1);
    expect(await errorCode(() => c.setData('/nzk-versions', Buffer.from('v2'), 0))).toBe(
      Exception.BAD_VERSION,
    );
    expect((await c.setData('/nzk-versions', Buffer.from('v2'), -1)).version).toBe(2);
    const { data, stat } = await c.getData('/nzk-versions');
    expect(data?.toString()).toBe('v2');
    expect(stat.version).toBe(2);
    await c.setData('/nzk-versions', Buffer.alloc(0));
    expect((await c.getData('/nzk-versions')).data).toEqual(Buffer.alloc(0));
    await c.create('/nzk-versions/null-data', null);
    // A null data buffer (length -1 on the wire) comes back as "no data" (the library maps it to undefined).
    expect((await c.getData('/nzk-versions/null-data')).data ?? null).toBeNull();
  });

  it('getChildren returns children and the parent Stat (getChildren2)', async () => {
    const c = await client();
    await c.create('/nzk-children');
    expect((await c.getChildren('/nzk-children')).children).toEqual([]);
    for (const name of ['x', 'y', 'z']) await c.create(`/nzk-children/${name}`);
    const { children, stat } = await c.getChildren('/nzk-children');
    expect([...children].sort()).toEqual(['x', 'y', 'z']);
    expect(stat.numChildren).toBe(3);
    expect(stat.cversion).toBe(3);
    expect(await errorCode(() => c.getChildren('/nzk-children/none'))).toBe(Exception.NO_NODE);
  });

  it('delete: NOTEMPTY, NONODE, BADVERSION', async () => {
    const c = await client();
    await c.create('/nzk-delete');
    await c.create('/nzk-delete/child');
    expect(await errorCode(() => c.remove('/nzk-delete'))).toBe(Exception.NOT_EMPTY);
    expect(await errorCode(() => c.remove('/nzk-delete/none'))).toBe(Exception.NO_NODE);
    expect(await errorCode(() => c.remove('/nzk-delete/child', 3))).toBe(Exception.BAD_VERSION);
    await c.remove('/nzk-delete/child', 0);
    await c.remove('/nzk-delete');
    expect(await c.exists('/nzk-delete')).toBeNull();
  });

  it('multi (transaction) is all-or-nothing', async () => {
    const c = await client();
    await c.create('/nzk-multi');
    const ok = await c.commit(
      c
        .transaction()
        .create('/nzk-multi/a', Buffer.from('a'))
        .create('/nzk-multi/s-', null, nzk.ACL.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL)
        .setData('/nzk-multi/a', Buffer.from('a2'), 0)
        .check('/nzk-multi/a', 1)
        .remove('/nzk-multi/a', 1),
    );
    expect(ok.error).toBeNull();
    expect(ok.results.map((r) => r.type)).toEqual([1, 1, 5, 13, 2]);
    expect(ok.results[0].path).toBe('/nzk-multi/a');
    expect(ok.results[1].path).toBe('/nzk-multi/s-0000000001');
    expect(ok.results[2].stat?.version).toBe(1);

    const failed = await c.commit(
      c
        .transaction()
        .create('/nzk-multi/b')
        .setData('/nzk-multi/missing', Buffer.from('x'))
        .create('/nzk-multi/c'),
    );
    expect(failed.error?.code).toBe(Exception.NO_NODE);
    expect(failed.results.map((r) => r.err)).toEqual([Exception.OK, Exception.NO_NODE, -2]);
    expect(await c.exists('/nzk-multi/b')).toBeNull();
    expect(await c.exists('/nzk-multi/c')).toBeNull();
    expect((await c.getChildren('/nzk-multi')).children).toEqual(['s-0000000001']);
  });

  it('one-shot watches: data, child and exists watches fire the right events', async () => {
    const c = await client();
    const other = await client();
    await c.create('/nzk-watch', Buffer.from('0'));

    const created = nextEvent();
    expect(await c.exists('/nzk-watch/n', created.watcher)).toBeNull();
    await other.create('/nzk-watch/n', Buffer.from('1'));
    const createdEvent = await created.event;
    expect(createdEvent.getType()).toBe(Event.NODE_CREATED);
    expect(createdEvent.getPath()).toBe('/nzk-watch/n');

    let dataFired = 0;
    const changed = nextEvent();
    await c.getData('/nzk-watch/n', (e) => {
      dataFired += 1;
      changed.watcher(e);
    });
    await other.setData('/nzk-watch/n', Buffer.from('2'));
    expect((await changed.event).getType()).toBe(Event.NODE_DATA_CHANGED);
    await other.setData('/nzk-watch/n', Buffer.from('3'));

    const children = nextEvent();
    await c.getChildren('/nzk-watch', children.watcher);
    await other.create('/nzk-watch/m');
    const childEvent = await children.event;
    expect(childEvent.getType()).toBe(Event.NODE_CHILDREN_CHANGED);
    expect(childEvent.getPath()).toBe('/nzk-watch');
    // The data watch was one-shot: the second setData (ordered before the child event) did not fire it.
    expect(dataFired).toBe(1);

    const deleted = nextEvent();
    await c.exists('/nzk-watch/n', deleted.watcher);
    await other.remove('/nzk-watch/n');
    const deletedEvent = await deleted.event;
    expect(deletedEvent.getType()).toBe(Event.NODE_DELETED);
    expect(deletedEvent.getName()).toBe('NODE_DELETED');
  });

  it('ephemerals disappear when their session closes and other sessions are notified', async () => {
    const watcher = await client();
    const owner = await ZkClient.connect(server.connectString);
    await watcher.create('/nzk-eph');
    await owner.create('/nzk-eph/e', null, CreateMode.EPHEMERAL);
    const before = statOf((await watcher.getChildren('/nzk-eph')).stat);
    const deleted = nextEvent();
    const children = nextEvent();
    await watcher.exists('/nzk-eph/e', deleted.watcher);
    await watcher.getChildren('/nzk-eph', children.watcher);
    owner.close();
    expect((await deleted.event).getType()).toBe(Event.NODE_DELETED);
    expect((await children.event).getType()).toBe(Event.NODE_CHILDREN_CHANGED);
    expect(await watcher.exists('/nzk-eph/e')).toBeNull();
    const after = statOf((await watcher.getChildren('/nzk-eph')).stat);
    expect(after.numChildren).toBe(0);
    expect(after.cversion).toBe(before.cversion + 1);
    expect(after.pzxid).toBeGreaterThan(before.pzxid);
  });

  it('ACLs: digest auth with addAuthInfo, NOAUTH without it', async () => {
    const aliceAcl = [new nzk.ACL(Permission.ALL, new nzk.Id('digest', digestId('alice', 'secret')))];
    const alice = await client();
    alice.raw.addAuthInfo('digest', Buffer.from('alice:secret'));
    const stranger = await client();
    await alice.create('/nzk-acl');
    await alice.create('/nzk-acl/private', Buffer.from('s3cret'), CreateMode.PERSISTENT, aliceAcl);
    expect((await alice.getData('/nzk-acl/private')).data?.toString()).toBe('s3cret');
    expect(await errorCode(() => stranger.getData('/nzk-acl/private'))).toBe(Exception.NO_AUTH);
    expect(await errorCode(() => stranger.setData('/nzk-acl/private', Buffer.from('x')))).toBe(
      Exception.NO_AUTH,
    );
    expect(await stranger.exists('/nzk-acl/private')).not.toBeNull();

    const { acls, stat } = await alice.getACL('/nzk-acl/private');
    expect(acls).toHaveLength(1);
    expect(acls[0].permission).toBe(Permission.ALL);
    expect(acls[0].id.scheme).toBe('digest');
    expect(acls[0].id.id).toBe(digestId('alice', 'secret'));
    expect(stat.aversion).toBe(0);

    const readable = [new nzk.ACL(Permission.READ, new nzk.Id('world', 'anyone')), ...aliceAcl];
    expect((await alice.setACL('/nzk-acl/private', readable, 0)).aversion).toBe(1);
    expect(await errorCode(() => alice.setACL('/nzk-acl/private', readable, 0))).toBe(Exception.BAD_VERSION);
    expect((await stranger.getData('/nzk-acl/private')).data?.toString()).toBe('s3cret');
    expect(await errorCode(() => stranger.setData('/nzk-acl/private', Buffer.from('x')))).toBe(
      Exception.NO_AUTH,
    );
    const bogus = [new nzk.ACL(Permission.ALL, new nzk.Id('nosuchscheme', 'x'))];
    expect(await errorCode(() => alice.setACL('/nzk-acl/private', bogus))).toBe(Exception.INVALID_ACL);
  });

  it('rejects invalid paths before sending them', async () => {
    const c = await client();
    for (const path of ['', 'relative', '/trailing/', '/a//b', '/a/./b', '/a/../b']) {
      expect(() => c.raw.exists(path, undefined, () => undefined), path).toThrow();
    }
  });

  it('re-attaches the same session after the socket is closed underneath', async () => {
    const c = await client({ sessionTimeout: 10_000 });
    const sessionId = c.sessionId;
    await c.create('/nzk-reattach');
    await c.create('/nzk-reattach/e', null, CreateMode.EPHEMERAL);
    const watch = nextEvent(10_000);
    await c.getData('/nzk-reattach/e', watch.watcher);

    const reconnected = c.waitFor('connected');
    c.raw.connectionManager.socket?.destroy();
    await reconnected;
    expect(c.sessionId).toBe(sessionId);
    expect(statOf((await c.getData('/nzk-reattach/e')).stat).ephemeralOwner).toBe(sessionId);

    // The watch was re-registered with SetWatches on the new connection.
    const other = await client();
    await other.setData('/nzk-reattach/e', Buffer.from('changed'));
    expect((await watch.event).getType()).toBe(Event.NODE_DATA_CHANGED);
  });

  it('attaches a new client to an existing session with its id and password', async () => {
    const probe = await JuteProbe.connect({ host: server.host, port: server.port, sessionTimeoutMs: 10_000 });
    const creator = await client();
    await creator.create('/nzk-attach');
    await probe.create('/nzk-attach/e', Buffer.from('p'), 1);
    const sessionId = Buffer.alloc(8);
    sessionId.writeBigInt64BE(probe.sessionId);
    probe.destroy();
    const attached = await client({
      sessionId,
      sessionPassword: probe.connectResponse.passwd,
      sessionTimeout: 10_000,
    });
    expect(attached.sessionId).toBe(probe.sessionId);
    expect(statOf((await attached.getData('/nzk-attach/e')).stat).ephemeralOwner).toBe(probe.sessionId);
    const gone = nextEvent();
    await creator.exists('/nzk-attach/e', gone.watcher);
    attached.close();
    expect((await gone.event).getType()).toBe(Event.NODE_DELETED);
  });

  it('an attach with a wrong password expires the client', async () => {
    const probe = await JuteProbe.connect({ host: server.host, port: server.port });
    const sessionId = Buffer.alloc(8);
    sessionId.writeBigInt64BE(probe.sessionId);
    const raw = nzk.createClient(server.connectString, {
      sessionId,
      sessionPassword: Buffer.alloc(16, 9),
      spinDelay: 100,
    });
    const expired = new Promise<void>((resolve) => raw.once('expired', resolve));
    raw.connect();
    await expired;
    raw.close();
    // Apache closes the session's current connection before it checks the password.
    await probe.waitClosed(5_000);
  });
});
