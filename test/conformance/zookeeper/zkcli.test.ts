// Conformance: Debian's Java zkCli (one JVM per batch of commands fed through stdin) and the C client
// cli_mt (batch mode, one command per process) against the server under test.
//   KZLAB_ZK_IMPL=apache npx vitest run --project conformance zkcli
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliMt, cliMtAvailable, parseZkCliStat, zkCli, zkCliAvailable } from '../../support/cli-clients.ts';
import { skipUnlessAvailable } from '../../support/ci.ts';
import { decode, JuteProbe } from '../../support/jute-probe.ts';
import { startZooKeeper, type ZooKeeperServer } from '../../support/zookeeper-servers.ts';

const hex = (value: bigint) => `0x${value.toString(16)}`;

describe.skipIf(skipUnlessAvailable(zkCliAvailable()))('zkCli (Java) conformance', () => {
  let server: ZooKeeperServer;
  let probe: JuteProbe;

  beforeAll(async () => {
    server = await startZooKeeper();
    probe = await JuteProbe.connect({ host: server.host, port: server.port });
  });
  afterAll(async () => {
    await probe?.close().catch(() => undefined);
    await server?.stop();
  });

  it('create, ls, get -s, set, stat, delete, deleteall, sequential and ephemeral nodes', async () => {
    const commands = [
      'create /zc hello', // 0
      'create /zc hello', // 1
      'ls /zc', // 2
      'get -s /zc', // 3
      'set /zc world', // 4
      'set -s /zc again', // 5
      'set -v 0 /zc x', // 6
      'stat /zc', // 7
      'create /zc/c1 a', // 8
      'create -e -s /zc/e- d', // 9
      'create -s /zc/s- d', // 10
      'create /zc/c2', // 11
      'ls -s /zc', // 12
      'ls -R /zc', // 13
      'getAllChildrenNumber /zc', // 14
      'getEphemerals /zc', // 15
      'getEphemerals', // 16
      'delete /zc', // 17
      'delete -v 7 /zc/c1', // 18
      'delete /zc/c1', // 19
      'get /zc/c2', // 20
      'get /zc/nope', // 21
      'stat /nope', // 22
      'ls /nope', // 23
      'create /zc/bad/', // 24
      'sync /zc', // 25
      'whoami', // 26
    ];
    const { outputs: out } = await zkCli(server.connectString, commands);
    expect(out[0]).toBe('Created /zc');
    expect(out[1]).toBe('Node already exists: /zc');
    expect(out[2]).toBe('[]');

    const [data, ...statLines] = out[3].split('\n');
    expect(data).toBe('hello');
    const created = parseZkCliStat(statLines.join('\n'));
    const wire = decode.dataAndStat((await probe.getData('/zc')).body).stat;
    expect(created).toMatchObject({
      cZxid: hex(wire.czxid),
      mZxid: hex(wire.czxid),
      pZxid: hex(wire.czxid),
      cversion: '0',
      dataVersion: '0',
      aclVersion: '0',
      ephemeralOwner: '0x0',
      dataLength: '5',
      numChildren: '0',
    });
    expect(created.ctime).toMatch(/^\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} \w+ \d{4}$/);

    expect(out[4]).toBe('');
    const afterSet = parseZkCliStat(out[5]);
    expect(afterSet).toMatchObject({ cZxid: hex(wire.czxid), dataVersion: '2', dataLength: '5' });
    expect(BigInt(afterSet.mZxid)).toBeGreaterThan(wire.czxid);
    expect(out[6]).toBe('version No is not valid : /zc');
    expect(parseZkCliStat(out[7])).toEqual(afterSet);

    expect(out[8]).toBe('Created /zc/c1');
    expect(out[9]).toBe('Created /zc/e-0000000001');
    expect(out[10]).toBe('Created /zc/s-0000000002');
    expect(out[11]).toBe('Created /zc/c2');
    const [lsLine, ...lsStat] = out[12].split('\n');
    expect(
      lsLine
        .replace(/^\[|\]$/g, '')
        .split(', ')
        .sort(),
    ).toEqual(['c1', 'c2', 'e-0000000001', 's-0000000002']);
    expect(parseZkCliStat(lsStat.join('\n'))).toMatchObject({
      cversion: '4',
      numChildren: '4',
      dataVersion: '2',
    });
    expect(out[13].split('\n').sort()).toEqual([
      '/zc',
      '/zc/c1',
      '/zc/c2',
      '/zc/e-0000000001',
      '/zc/s-0000000002',
    ]);
    expect(out[14]).toBe('4');
    expect(out[15]).toBe('[/zc/e-0000000001]');
    expect(out[16]).toBe('[/zc/e-0000000001]');
    expect(out[17]).toBe('Node not empty: /zc');
    expect(out[18]).toBe('version No is not valid : /zc/c1');
    expect(out[19]).toBe('');
    expect(out[20]).toBe('null');
    expect(out[21]).toBe('Node does not exist: /zc/nope');
    expect(out[22]).toBe('Node does not exist: /nope');
    expect(out[23]).toBe('Node does not exist: /nope');
    expect(out[24]).toBe('Path must not end with / character');
    expect(out[25]).toBe('Sync is OK');
    expect(out[26]).toBe('Auth scheme: User\nip: 127.0.0.1');

    const cleanup = await zkCli(server.connectString, ['deleteall /zc', 'ls /zc', 'ls /']);
    expect(cleanup.outputs[0]).toBe('');
    expect(cleanup.outputs[1]).toBe('Node does not exist: /zc');
    expect(cleanup.outputs[2]).not.toContain('zc,');
  });

  it('setAcl / getAcl / addauth digest and NOAUTH for other sessions', async () => {
    const first = await zkCli(server.connectString, [
      'create /zc-acl secret',
      'addauth digest alice:secret',
      'setAcl /zc-acl auth:alice:cdrwa',
      'getAcl /zc-acl',
      'getAcl -s /zc-acl',
      'get /zc-acl',
      'create /zc-acl-open',
      'setAcl -v 5 /zc-acl-open world:anyone:r',
      'setAcl /zc-acl-open world:anyone:r',
      'getAcl /zc-acl-open',
      'whoami',
    ]);
    const out = first.outputs;
    expect(out[0]).toBe('Created /zc-acl');
    expect(out[1]).toBe('');
    expect(out[2]).toBe('');
    expect(out[3]).toBe("'digest,'alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=\n: cdrwa");
    const [scheme, perms, ...stat] = out[4].split('\n');
    expect(`${scheme}\n${perms}`).toBe(out[3]);
    expect(parseZkCliStat(stat.join('\n'))).toMatchObject({ aclVersion: '1', dataVersion: '0' });
    expect(out[5]).toBe('secret');
    expect(out[7]).toBe('version No is not valid : /zc-acl-open');
    expect(out[8]).toBe('');
    expect(out[9]).toBe("'world,'anyone\n: r");
    expect(out[10].split('\n').sort()).toEqual(['Auth scheme: User', 'digest: alice', 'ip: 127.0.0.1']);

    const second = await zkCli(server.connectString, [
      'get /zc-acl',
      'getAcl /zc-acl',
      'stat /zc-acl',
      'set /zc-acl-open x',
      'addauth digest alice:secret',
      'get /zc-acl',
    ]);
    expect(second.outputs[0]).toBe('Insufficient permission : /zc-acl');
    expect(second.outputs[1]).toBe('Insufficient permission : /zc-acl');
    expect(parseZkCliStat(second.outputs[2])).toMatchObject({ aclVersion: '1', dataLength: '6' });
    expect(second.outputs[3]).toBe('Insufficient permission : /zc-acl-open');
    expect(second.outputs[5]).toBe('secret');
  });

  it('watches print WatchedEvent lines; ephemerals go with the zkCli session', async () => {
    const run = await zkCli(server.connectString, [
      'create /zc-watch v',
      'get -w /zc-watch',
      'set /zc-watch v2',
      'ls -w /zc-watch',
      'create /zc-watch/child',
      'stat -w /zc-watch/none',
      'create /zc-watch/none',
      'create -e /zc-watch/eph',
      'sync /zc-watch',
    ]);
    expect(run.outputs[1]).toBe('v');
    expect(run.events).toEqual([
      'WatchedEvent state:SyncConnected type:NodeDataChanged path:/zc-watch',
      'WatchedEvent state:SyncConnected type:NodeChildrenChanged path:/zc-watch',
      'WatchedEvent state:SyncConnected type:NodeCreated path:/zc-watch/none',
    ]);
    expect(run.outputs[5]).toBe('Node does not exist: /zc-watch/none');
    const later = await zkCli(server.connectString, ['stat /zc-watch/eph', 'ls /zc-watch']);
    expect(later.outputs[0]).toBe('Node does not exist: /zc-watch/eph');
    expect(
      later.outputs[1]
        .replace(/^\[|\]$/g, '')
        .split(', ')
        .sort(),
    ).toEqual(['child', 'none']);
  });
});

describe.skipIf(skipUnlessAvailable(cliMtAvailable()))('cli_mt (C client) conformance', () => {
  let server: ZooKeeperServer;

  beforeAll(async () => {
    server = await startZooKeeper();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('create, get, set, ls, delete in batch mode', async () => {
    const c = server.connectString;
    let out = await cliMt(c, 'create /cmt');
    expect(out).toContain('[/cmt]: rc = 0');
    expect(out).toContain('name = /cmt');
    expect(out).toMatch(/Got a new session id: 0x[0-9a-f]+/);

    out = await cliMt(c, 'get /cmt');
    expect(out).toContain('/cmt: rc = 0');
    // The C cli always creates znodes with the 3-byte value "new".
    expect(out).toContain(' value_len = 3\nnew\n');
    expect(out).toMatch(/version=0\taversion=0/);

    out = await cliMt(c, 'set /cmt hello');
    expect(out).toContain('/cmt: rc = 0');
    expect(out).toMatch(/version=1\taversion=0/);
    out = await cliMt(c, 'get /cmt');
    expect(out).toContain(' value_len = 5\nhello\n');

    out = await cliMt(c, 'create +s /cmt/s-');
    expect(out).toContain('name = /cmt/s-0000000000');
    out = await cliMt(c, 'create +e /cmt/e');
    expect(out).toContain('[/cmt/e]: rc = 0');
    out = await cliMt(c, 'ls /cmt');
    expect(out).toContain('/cmt: rc = 0');
    // The ephemeral went away with the batch session that created it.
    expect(out).toContain('\ts-0000000000\n');
    expect(out).not.toContain('\te\n');

    out = await cliMt(c, 'delete /cmt');
    expect(out).toContain('/cmt: rc = -111');
    out = await cliMt(c, 'delete /cmt/s-0000000000');
    expect(out).toContain('/cmt/s-0000000000: rc = 0');
    out = await cliMt(c, 'delete /cmt');
    expect(out).toContain('/cmt: rc = 0');
    out = await cliMt(c, 'get /cmt');
    expect(out).toContain('/cmt: rc = -101');
  });
});
