// StandaloneServer end to end on loopback: writes over the real client port (raw jute frames), stop,
// start again on the same data dir, and the tree comes back exactly — data, ACLs, every Stat field and
// zxid — with its sessions; also after a torn log tail and with snapshots taken along the way.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { JuteReader, JuteWriter } from '../jute/binary.ts';
import { CreateFlag, OpCode, Perms, Xid } from '../jute/constants.ts';
import * as R from '../jute/schema.ts';
import type { ACLRecord, RecordSchema, StatRecord } from '../jute/schema.ts';
import { parseZooKeeperConfig } from './config.ts';
import { generateDigest, StandaloneServer } from './standalone-server.ts';
import { listLogFiles } from './txn-log.ts';

const log = pino({ level: 'silent' });
const OPEN: ACLRecord[] = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];

describe('generateDigest (DigestAuthenticationProvider; expected values from ZooKeeper 3.8.0 in Java)', () => {
  it.each([
    ['user:password', 'user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY='],
    ['super:secret', 'super:lK75jTNcA+U9vtVEw5vB51mj/w4='],
    ['a:b:c', 'a:cLzgnoJ6mP5qz3w+mwvPE2vDgu0='],
    ['bob:', 'bob:tK1fpNO1hB0F++FhHpSq0Fa4tv0='],
  ])('%s → %s', (input, expected) => {
    expect(generateDigest(input)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// A minimal raw client (our jute schemas over node:net)

interface Reply {
  xid: number;
  zxid: bigint;
  err: number;
  reader: JuteReader;
}

class RawClient {
  private readonly socket: net.Socket;
  private buffered = Buffer.alloc(0);
  private readonly waiting: { resolve: (payload: Buffer) => void; reject: (error: Error) => void }[] = [];
  private nextXid = 1;
  closed = false;
  sessionId = 0n;
  passwd: Uint8Array = new Uint8Array(16);
  timeOut = 0;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4) {
        const length = this.buffered.readInt32BE(0);
        if (this.buffered.length < 4 + length) break;
        const payload = this.buffered.subarray(4, 4 + length);
        this.buffered = this.buffered.subarray(4 + length);
        // Watch notifications are not used by these tests.
        if (length >= 4 && payload.readInt32BE(0) === Xid.NOTIFICATION && this.sessionId !== 0n) continue;
        this.waiting.shift()?.resolve(Buffer.from(payload));
      }
    });
    const fail = () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w.reject(new Error('connection closed'));
    };
    socket.on('close', fail);
    socket.on('error', fail);
  }

  static async connect(
    port: number,
    options: { sessionId?: bigint; passwd?: Uint8Array; timeOut?: number } = {},
  ): Promise<RawClient> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawClient(socket);
    const writer = new JuteWriter();
    R.ConnectRequest.encode(writer, {
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeOut: options.timeOut ?? 30_000,
      sessionId: options.sessionId ?? 0n,
      passwd: options.passwd ?? new Uint8Array(16),
    });
    writer.writeBool(false);
    const reader = new JuteReader(await client.roundTrip(writer.toBytes()));
    const response = R.ConnectResponse.decode(reader);
    client.sessionId = response.sessionId;
    client.passwd = response.passwd ?? new Uint8Array(16);
    client.timeOut = response.timeOut;
    return client;
  }

  private roundTrip(payload: Uint8Array): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    const head = Buffer.alloc(4);
    head.writeInt32BE(payload.length);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(Buffer.concat([head, payload]));
    });
  }

  async call<T>(
    type: number,
    schema: RecordSchema<T> | null,
    value?: T,
    xid = this.nextXid++,
  ): Promise<Reply> {
    const writer = new JuteWriter();
    R.RequestHeader.encode(writer, { xid, type });
    if (schema) schema.encode(writer, value as T);
    const reader = new JuteReader(await this.roundTrip(writer.toBytes()));
    const header = R.ReplyHeader.decode(reader);
    expect(header.xid).toBe(xid);
    return { ...header, reader };
  }

  async ok<T>(type: number, schema: RecordSchema<T> | null, value?: T): Promise<Reply> {
    const reply = await this.call(type, schema, value);
    expect(
      reply.err,
      `op ${type} ${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`,
    ).toBe(0);
    return reply;
  }

  create(p: string, data: string | null, flags = 0, acl: ACLRecord[] = OPEN): Promise<Reply> {
    return this.ok(OpCode.create, R.CreateRequest, {
      path: p,
      data: data === null ? null : Buffer.from(data),
      acl,
      flags,
    });
  }

  async getData(p: string): Promise<{ data: Uint8Array | null; stat: StatRecord }> {
    return R.GetDataResponse.decode(
      (await this.ok(OpCode.getData, R.GetDataRequest, { path: p, watch: false })).reader,
    );
  }

  async children(p: string): Promise<string[]> {
    return R.GetChildrenResponse.decode(
      (await this.ok(OpCode.getChildren, R.GetChildrenRequest, { path: p, watch: false })).reader,
    ).children;
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------------------------------------

const dirs: string[] = [];
const servers: StandaloneServer[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) await server.stop();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function configFor(dataDir: string, extra: Record<string, string> = {}) {
  const lines = {
    tickTime: '200',
    dataDir,
    clientPort: '0',
    clientPortAddress: '127.0.0.1',
    'admin.enableServer': 'false',
    '4lw.commands.whitelist': '*',
    maxSessionTimeout: '60000',
    ...extra,
  };
  const text = Object.entries(lines)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  return parseZooKeeperConfig(text, path.join(dataDir, 'zoo.cfg'), { cwd: dataDir }).config;
}

async function start(dataDir: string, extra: Record<string, string> = {}): Promise<StandaloneServer> {
  const server = await StandaloneServer.start({ config: configFor(dataDir, extra), log });
  servers.push(server);
  return server;
}

async function stop(server: StandaloneServer): Promise<void> {
  servers.splice(servers.indexOf(server), 1);
  await server.stop();
}

async function connect(
  server: StandaloneServer,
  options: Parameters<typeof RawClient.connect>[1] = {},
): Promise<RawClient> {
  const client = await RawClient.connect(server.clientPortNumber, options);
  clients.push(client);
  return client;
}

/** Everything a client can see of a node, read through the server core's tree. */
function snapshotOf(server: StandaloneServer) {
  return new Map(
    [...server.core.tree.walk()].map(([p, node]) => [
      p,
      {
        stat: server.core.tree.statNode(p),
        stored: { ...node.stat },
        data: node.data ? Buffer.from(node.data).toString('hex') : null,
        acl: node.acl,
      },
    ]),
  );
}

/** A workload touching every kind of transaction. */
async function workload(client: RawClient): Promise<void> {
  await client.create('/app', 'root data');
  await client.create('/app/config', '{"a":1}');
  await client.create('/app/seq-', null, CreateFlag.PERSISTENT_SEQUENTIAL);
  await client.create('/app/seq-', 'two', CreateFlag.PERSISTENT_SEQUENTIAL);
  await client.create('/app/gone', 'x');
  await client.ok(OpCode.delete, R.DeleteRequest, { path: '/app/gone', version: 0 });
  for (let i = 0; i < 5; i++) {
    await client.ok(OpCode.setData, R.SetDataRequest, {
      path: '/app/config',
      data: Buffer.from(`{"a":${i}}`),
      version: i,
    });
  }
  await client.create('/app/eph', 'mine', CreateFlag.EPHEMERAL);
  await client.call(
    OpCode.auth,
    R.AuthPacket,
    { type: 0, scheme: 'digest', auth: Buffer.from('bob:pw') },
    Xid.AUTH,
  );
  const bob: ACLRecord[] = [{ perms: Perms.ALL, id: { scheme: 'digest', id: generateDigest('bob:pw') } }];
  await client.create('/app/secret', 's3cret', 0, bob);
  await client.ok(OpCode.setACL, R.SetACLRequest, {
    path: '/app',
    acl: [
      {
        perms: Perms.READ | Perms.WRITE | Perms.CREATE | Perms.DELETE,
        id: { scheme: 'world', id: 'anyone' },
      },
    ],
    version: 0,
  });
  // A failed write (consumes a zxid) and a multi.
  expect(
    (await client.call(OpCode.create, R.CreateRequest, { path: '/nope/x', data: null, acl: OPEN, flags: 0 }))
      .err,
  ).not.toBe(0);
  const writer = new JuteWriter();
  R.MultiHeader.encode(writer, { type: OpCode.create, done: false, err: -1 });
  R.CreateRequest.encode(writer, { path: '/app/m', data: Buffer.from('m'), acl: OPEN, flags: 0 });
  R.MultiHeader.encode(writer, { type: OpCode.setData, done: false, err: -1 });
  R.SetDataRequest.encode(writer, { path: '/app/m', data: Buffer.from('mm'), version: 0 });
  R.MultiHeader.encode(writer, { type: -1, done: true, err: -1 });
  const multiBytes = writer.toBytes();
  await client.ok(
    OpCode.multi,
    {
      name: 'raw',
      fields: [],
      encode: (w: JuteWriter) => void w.writeRaw(multiBytes),
      decode: () => ({}),
    } as unknown as RecordSchema<object>,
    {},
  );
}

describe('StandaloneServer restart', () => {
  it('answers ruok with imok on the client port', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kzlab-standalone-'));
    dirs.push(dir);
    const server = await start(dir);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: server.clientPortNumber }, () =>
        socket.write('ruok'),
      );
      const chunks: Buffer[] = [];
      socket.on('data', (c) => chunks.push(c));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
      socket.on('error', reject);
    });
    expect(answer).toBe('imok');
  });

  for (const snapCount of ['100000', '2']) {
    it(`restores the exact tree, zxid and sessions after stop/start (snapCount=${snapCount})`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kzlab-standalone-'));
      dirs.push(dir);
      const first = await start(dir, { snapCount });
      const client = await connect(first, { timeOut: 60_000 });
      await workload(client);
      const expected = snapshotOf(first);
      const lastZxid = first.core.lastProcessedZxid;
      expect(lastZxid).toBeGreaterThan(15n);
      const { sessionId, passwd } = client;
      client.close();
      await stop(first);

      const second = await start(dir, { snapCount });
      expect(second.core.lastProcessedZxid).toBe(lastZxid);
      expect(snapshotOf(second)).toEqual(expected);
      expect(second.core.sessions.get(sessionId)?.timeoutMs).toBe(60_000);
      // The session survived the restart: re-attach and still own the ephemeral.
      const again = await connect(second, { sessionId, passwd });
      expect(again.sessionId).toBe(sessionId);
      const eph = await again.getData('/app/eph');
      expect(eph.stat.ephemeralOwner).toBe(sessionId);
      expect(Buffer.from(eph.data!).toString()).toBe('mine');
      // New writes continue the zxid sequence.
      const reply = await again.create('/app/after-restart', null);
      expect(reply.zxid).toBe(lastZxid + 1n);
      // A fresh client sees the sequential names and data over the wire.
      const other = await connect(second);
      expect((await other.children('/app')).sort()).toEqual([
        'after-restart',
        'config',
        'eph',
        'm',
        'secret',
        'seq-0000000001',
        'seq-0000000002',
      ]);
      expect(Buffer.from((await other.getData('/app/m')).data!).toString()).toBe('mm');
      expect(
        (await other.call(OpCode.getData, R.GetDataRequest, { path: '/app/secret', watch: false })).err,
      ).toBe(-102);
    });
  }

  it('a session closed before the restart stays closed after it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kzlab-standalone-'));
    dirs.push(dir);
    const first = await start(dir);
    const client = await connect(first);
    await client.create('/e', null, CreateFlag.EPHEMERAL);
    const { sessionId, passwd } = client;
    await client.ok(OpCode.closeSession, null);
    await stop(first);
    const second = await start(dir);
    expect(second.core.sessions.get(sessionId)).toBeUndefined();
    expect(second.core.tree.getNode('/e')).toBeUndefined();
    const again = await connect(second, { sessionId, passwd });
    expect(again.timeOut).toBe(0);
  });

  it('a torn log tail is cut on start: every acknowledged write before it is there, and the server serves', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kzlab-standalone-'));
    dirs.push(dir);
    const first = await start(dir);
    const client = await connect(first);
    for (let i = 0; i < 10; i++) await client.create(`/t${i}`, `v${i}`);
    const expected = snapshotOf(first);
    const lastZxid = first.core.lastProcessedZxid;
    client.close();
    await stop(first);
    // A crash in the middle of writing the next entry: a partial entry and garbage at the end of the log.
    const logs = listLogFiles(dir);
    const newest = logs.at(-1)!.file;
    fs.appendFileSync(newest, Buffer.from([0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 99, 1, 2, 3]));
    const sizeWithGarbage = fs.statSync(newest).size;
    const second = await start(dir);
    expect(second.core.lastProcessedZxid).toBe(lastZxid);
    expect(snapshotOf(second)).toEqual(expected);
    expect(fs.statSync(newest).size).toBe(sizeWithGarbage - 15);
    const again = await connect(second);
    expect(Buffer.from((await again.getData('/t9')).data!).toString()).toBe('v9');
    expect((await again.create('/t10', null)).zxid).toBe(lastZxid + 2n); // +1 was the new session
  });
});
