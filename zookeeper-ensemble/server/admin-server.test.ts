// The AdminServer over HTTP against a real StandaloneServer (admin.serverPort=0), with two sessions holding
// znodes, ephemerals and watches. Expected JSON layouts are those of Apache ZooKeeper 3.8.0's
// JettyAdminServer for the same steps (Jackson pretty printing; session ids as exact 64-bit numbers).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_COMMAND_NAMES,
  commandListHtml,
  toJacksonJson,
  UNKNOWN_COMMAND_STATUS,
} from './admin-server.ts';
import { parseZooKeeperConfig, type ZooKeeperConfig } from './config.ts';
import { JavaDouble } from './four-letter-words.ts';
import { StandaloneServer } from './standalone-server.ts';

interface NzkClient {
  connect(): void;
  close(): void;
  once(event: 'connected', listener: () => void): void;
  getSessionId(): Buffer;
  create(path: string, data: Buffer | null, mode: number, callback: (error: Error | null) => void): void;
  getData(path: string, watcher: () => void, callback: (error: Error | null) => void): void;
  getChildren(path: string, watcher: () => void, callback: (error: Error | null) => void): void;
  exists(path: string, watcher: () => void, callback: (error: Error | null) => void): void;
}
interface NzkModule {
  createClient(connectString: string, options: { sessionTimeout: number; retries: number }): NzkClient;
  CreateMode: { PERSISTENT: number; EPHEMERAL: number };
}
const nzk = createRequire(import.meta.url)('node-zookeeper-client') as NzkModule;

function call(run: (callback: (error: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => run((error) => (error ? reject(error) : resolve())));
}

async function connectClient(port: number): Promise<NzkClient> {
  const client = nzk.createClient(`127.0.0.1:${port}`, { sessionTimeout: 40_000, retries: 0 });
  await new Promise<void>((resolve) => {
    client.once('connected', resolve);
    client.connect();
  });
  return client;
}

function ask(port: number, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(word));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function makeConfig(dir: string, lines: string[]): ZooKeeperConfig {
  const text = [`dataDir=${dir}`, 'clientPortAddress=127.0.0.1', '4lw.commands.whitelist=*', ...lines].join(
    '\n',
  );
  const file = path.join(dir, 'zoo.cfg');
  fs.writeFileSync(file, `${text}\n`);
  return parseZooKeeperConfig(text, file).config;
}

const silent = pino({ level: 'silent' });

describe('AdminServer', () => {
  let dir: string;
  let server: StandaloneServer;
  let base: string;
  let c1: NzkClient;
  let c2: NzkClient;
  /** Session ids as signed 64-bit decimals, as the JSON carries them. */
  let id1: bigint;
  let id2: bigint;

  async function get(command: string): Promise<{ status: number; type: string | null; text: string }> {
    const response = await fetch(`${base}/commands${command === '' ? '' : `/${command}`}`);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text: await response.text(),
    };
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kzlab-admin-'));
    const config = makeConfig(dir, [
      'clientPort=0',
      'admin.enableServer=true',
      'admin.serverAddress=127.0.0.1',
      'admin.serverPort=0',
    ]);
    server = await StandaloneServer.start({ config, log: silent });
    expect(server.adminPortNumber).toBeGreaterThan(0);
    base = `http://127.0.0.1:${server.adminPortNumber}`;
    c1 = await connectClient(server.clientPortNumber);
    c2 = await connectClient(server.clientPortNumber);
    const { PERSISTENT, EPHEMERAL } = nzk.CreateMode;
    await call((cb) => c1.create('/a', Buffer.from('hello'), PERSISTENT, cb));
    await call((cb) => c1.create('/a/b', Buffer.from('x'), PERSISTENT, cb));
    await call((cb) => c1.create('/e1', Buffer.from('eph'), EPHEMERAL, cb));
    await call((cb) => c2.create('/e2', Buffer.from('eph2'), EPHEMERAL, cb));
    await call((cb) => c2.create('/a/e3', null, EPHEMERAL, cb));
    await call((cb) => c1.getData('/a', () => {}, cb));
    await call((cb) => c1.getChildren('/a', () => {}, cb));
    await call((cb) => c1.exists('/missing', () => {}, cb));
    await call((cb) => c2.exists('/a', () => {}, cb));
    await call((cb) => c2.getData('/a/b', () => {}, cb));
    id1 = BigInt.asIntN(64, BigInt(`0x${c1.getSessionId().toString('hex')}`));
    id2 = BigInt.asIntN(64, BigInt(`0x${c2.getSessionId().toString('hex')}`));
  });

  afterAll(async () => {
    c1?.close();
    c2?.close();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('GET /commands lists every primary command name as a link, as JettyAdminServer does', async () => {
    const { status, text } = await get('');
    expect(status).toBe(200);
    expect(text).toBe(commandListHtml());
    // The 26 commands of ZooKeeper 3.8, in its (sorted) order, plus kzlab's own `quorum`.
    expect(ADMIN_COMMAND_NAMES).toEqual([
      'configuration',
      'connection_stat_reset',
      'connections',
      'dirs',
      'dump',
      'environment',
      'get_trace_mask',
      'hash',
      'initial_configuration',
      'is_read_only',
      'last_snapshot',
      'leader',
      'monitor',
      'observer_connection_stat_reset',
      'observers',
      'quorum',
      'ruok',
      'server_stats',
      'set_trace_mask',
      'stat_reset',
      'stats',
      'system_properties',
      'voting_view',
      'watch_summary',
      'watches',
      'watches_by_path',
      'zabstate',
    ]);
    expect(text.startsWith('<a href="/commands/configuration">configuration</a>\n<br/>\n')).toBe(true);
    expect(await (await fetch(`${base}/commands/`)).text()).toBe(text);
  });

  it('ruok: the bare response, byte for byte, as application/json', async () => {
    const { status, type, text } = await get('ruok');
    expect(status).toBe(200);
    expect(type).toBe('application/json');
    expect(text).toBe('{\n  "command" : "ruok",\n  "error" : null\n}');
  });

  it('server_stats (and its alias srvr): counters, state, zxid, node count', async () => {
    for (const name of ['server_stats', 'srvr']) {
      const { text } = await get(name);
      const json = JSON.parse(text);
      expect(Object.keys(json)).toEqual([
        'version',
        'read_only',
        'server_stats',
        'client_response',
        'node_count',
        'command',
        'error',
      ]);
      expect(json.command).toBe('server_stats');
      expect(json.error).toBeNull();
      expect(json.version).toMatch(/^3\.8\.0-kzlab/);
      expect(json.read_only).toBe(false);
      expect(json.node_count).toBe(10);
      expect(Object.keys(json.server_stats)).toEqual(SERVER_STATS_KEYS);
      expect(json.server_stats.server_state).toBe('standalone');
      expect(json.server_stats.last_processed_zxid).toBe(7);
      // The admin request is no client connection.
      expect(json.server_stats.num_alive_client_connections).toBe(2);
      expect(json.client_response).toEqual({
        last_buffer_size: 89,
        min_buffer_size: 16,
        max_buffer_size: 99,
      });
      // A Java double: always with a fraction.
      expect(text).toMatch(/\n {4}"avg_latency" : \d+\.\d+,\n/);
    }
  });

  it('stats: server_stats plus a brief entry per connection', async () => {
    const json = JSON.parse((await get('stat')).text);
    expect(json.command).toBe('stats');
    expect(json.secure_connections).toEqual([]);
    expect(json.connections).toHaveLength(2);
    for (const connection of json.connections) {
      expect(Object.keys(connection)).toEqual([
        'remote_socket_address',
        'interest_ops',
        'outstanding_requests',
        'packets_received',
        'packets_sent',
      ]);
      expect(connection.remote_socket_address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(connection.interest_ops).toBe(1);
    }
    expect(json.connections.map((c: { packets_received: number }) => c.packets_received)).toEqual([7, 5]);
  });

  it('connections: the full entry, session ids exact beyond 2^53', async () => {
    const { text } = await get('cons');
    const json = JSON.parse(text);
    expect(json.command).toBe('connections');
    expect(Object.keys(json.connections[0])).toEqual(CONNECTION_KEYS);
    expect(json.connections[0].last_operation).toBe('EXIS');
    expect(json.connections[0].last_cxid).toBe(5);
    expect(json.connections[0].last_zxid).toBe(7);
    expect(json.connections[1].last_operation).toBe('GETD');
    expect(text).toContain(`"session_id" : ${id1},\n`);
    expect(text).toContain(`"session_id" : ${id2},\n`);
    // Objects inside arrays: Jackson's layout.
    expect(text).toMatch(
      /^\{\n {2}"connections" : \[ \{\n {4}"remote_socket_address" : "127\.0\.0\.1:\d+",\n/,
    );
    expect(text).toContain('\n  }, {\n    "remote_socket_address"');
    expect(text).toContain(
      '\n  } ],\n  "secure_connections" : [ ],\n  "command" : "connections",\n  "error" : null\n}',
    );
  });

  it('monitor (mntr): the mntr values without the zk_ prefix, typed', async () => {
    const { text } = await get('mntr');
    const json = JSON.parse(text);
    expect(json.command).toBe('monitor');
    expect(Object.keys(json).slice(0, 5)).toEqual([
      'version',
      'server_state',
      'ephemerals_count',
      'num_alive_connections',
      'avg_latency',
    ]);
    expect(json).toMatchObject({
      server_state: 'standalone',
      ephemerals_count: 3,
      num_alive_connections: 2,
      znode_count: 10,
      global_sessions: 2,
      watch_count: 5,
      approximate_data_size: 74,
      outstanding_requests: 0,
    });
    expect(text).toContain('\n  "connection_drop_probability" : 0.0,\n');
    expect(text).toMatch(/\n {2}"avg_latency" : \d+\.\d+,\n/);
  });

  it('watch_summary, watches, watches_by_path: data watches, keyed by session id', async () => {
    expect((await get('wchs')).text).toBe(
      '{\n  "num_connections" : 2,\n  "num_paths" : 3,\n  "num_total_watches" : 4,\n  "command" : "watch_summary",\n  "error" : null\n}',
    );
    expect((await get('wchc')).text).toBe(
      `{\n  "session_id_to_watched_paths" : {\n    "${id1}" : [ "/a", "/missing" ],\n    "${id2}" : [ "/a", "/a/b" ]\n  },\n` +
        '  "command" : "watches",\n  "error" : null\n}',
    );
    expect((await get('watches_by_path')).text).toBe(
      `{\n  "path_to_session_ids" : {\n    "/a" : [ ${id1}, ${id2} ],\n    "/missing" : [ ${id1} ],\n    "/a/b" : [ ${id2} ]\n  },\n` +
        '  "command" : "watches_by_path",\n  "error" : null\n}',
    );
  });

  it('dump: expiry buckets and ephemerals per session', async () => {
    const { text } = await get('dump');
    expect(text).toMatch(
      new RegExp(`^\\{\\n {2}"expiry_time_to_session_ids" : \\{\\n {4}"\\d+" : \\[ ${id1}(, ${id2})? \\]`),
    );
    expect(text).toContain(
      `  "session_id_to_ephemeral_paths" : {\n    "${id1}" : [ "/e1" ],\n    "${id2}" : [ "/a/e3", "/e2" ]\n  },\n` +
        '  "command" : "dump",\n  "error" : null\n}',
    );
  });

  it('configuration, dirs, is_read_only, initial_configuration, environment', async () => {
    const conf = JSON.parse((await get('conf')).text);
    expect(conf).toEqual({
      client_port: server.clientPortNumber,
      data_dir: path.join(dir, 'version-2'),
      data_log_dir: path.join(dir, 'version-2'),
      tick_time: 2000,
      max_client_cnxns: 60,
      min_session_timeout: 4000,
      max_session_timeout: 40000,
      server_id: 0,
      client_port_listen_backlog: -1,
      command: 'configuration',
      error: null,
    });
    const dirs = JSON.parse((await get('dirs')).text);
    expect(dirs.datadir_size).toBeGreaterThan(0);
    expect((await get('isro')).text).toBe(
      '{\n  "read_only" : false,\n  "command" : "is_read_only",\n  "error" : null\n}',
    );
    const initial = JSON.parse((await get('icfg')).text);
    expect(initial.initial_configuration).toBe(fs.readFileSync(path.join(dir, 'zoo.cfg'), 'utf8'));
    const env = JSON.parse((await get('envi')).text);
    expect(env.command).toBe('environment');
    expect(env['zookeeper.version']).toMatch(/^3\.8\.0-kzlab/);
    expect(env['user.dir']).toBe(process.cwd());
  });

  it('standalone answers for the quorum commands, and a failing command puts its error first', async () => {
    expect((await get('leader')).text).toBe(
      '{\n  "error" : "server is not initialized",\n  "command" : "leader"\n}',
    );
    expect(JSON.parse((await get('observers')).text)).toEqual({
      synced_observers: 0,
      observers: [],
      command: 'observers',
      error: null,
    });
    expect((await get('voting_view')).text).toBe(
      '{\n  "current_config" : { },\n  "command" : "voting_view",\n  "error" : null\n}',
    );
    expect(JSON.parse((await get('zabstate')).text)).toEqual({
      voting: false,
      zabstate: '',
      command: 'zabstate',
      error: null,
    });
    expect(JSON.parse((await get('hash')).text)).toEqual({ digests: [], command: 'hash', error: null });
    const snapshot = JSON.parse((await get('lsnp')).text);
    expect(snapshot.command).toBe('last_snapshot');
    expect(snapshot.zxid).toBe('0'); // the snapshot taken at startup
    expect(snapshot.timestamp).toBeGreaterThan(1_600_000_000);
  });

  it('set_trace_mask needs traceMask; the mask is shared with gtmk', async () => {
    expect((await get('set_trace_mask')).text).toBe(
      '{\n  "error" : "setTraceMask requires long traceMask argument",\n  "command" : "set_trace_mask"\n}',
    );
    try {
      expect(JSON.parse((await get('stmk?traceMask=8')).text).tracemask).toBe(8);
      expect(JSON.parse((await get('gtmk')).text).tracemask).toBe(8);
      expect(await ask(server.clientPortNumber, 'gtmk')).toBe('8');
    } finally {
      await get('stmk?traceMask=306');
    }
    expect(await ask(server.clientPortNumber, 'gtmk')).toBe('306');
  });

  it('an unknown command answers 200 with ZooKeeper’s error JSON (as 3.8.0 does)', async () => {
    const { status, type, text } = await get('nosuch');
    expect(status).toBe(UNKNOWN_COMMAND_STATUS);
    expect(status).toBe(200);
    expect(type).toBe('application/json');
    expect(text).toBe('{\n  "command" : "nosuch",\n  "error" : "Unknown command: nosuch"\n}');
  });

  it('connection_stat_reset and stat_reset reset the counters', async () => {
    expect(JSON.parse((await get('crst')).text)).toEqual({ command: 'connection_stat_reset', error: null });
    const cons = JSON.parse((await get('cons')).text);
    expect(cons.connections[0]).toMatchObject({
      packets_received: 0,
      last_operation: 'NA',
      last_cxid: -1,
      last_zxid: -1,
    });
    expect(JSON.parse((await get('srst')).text)).toEqual({ command: 'stat_reset', error: null });
    const stats = JSON.parse((await get('srvr')).text).server_stats;
    expect(stats).toMatchObject({ packets_received: 0, packets_sent: 0, min_latency: 0, max_latency: 0 });
    expect(stats.client_response_stats).toEqual({
      last_buffer_size: -1,
      min_buffer_size: -1,
      max_buffer_size: -1,
    });
  });
});

describe('AdminServer lifecycle', () => {
  it('is not started with admin.enableServer=false', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kzlab-admin-off-'));
    const server = await StandaloneServer.start({
      config: makeConfig(dir, ['clientPort=0', 'admin.enableServer=false']),
      log: silent,
    });
    try {
      expect(server.adminPortNumber).toBe(0);
    } finally {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops with the server', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kzlab-admin-stop-'));
    const server = await StandaloneServer.start({
      config: makeConfig(dir, ['clientPort=0', 'admin.serverAddress=127.0.0.1', 'admin.serverPort=0']),
      log: silent,
    });
    const url = `http://127.0.0.1:${server.adminPortNumber}/commands/ruok`;
    expect((await fetch(url)).status).toBe(200);
    await server.stop();
    await expect(fetch(url)).rejects.toThrow();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a taken admin port stops the whole server from starting, client port included (as ZooKeeper)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kzlab-admin-busy-'));
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as net.AddressInfo).port;
    const clientPort = await freePort();
    try {
      const config = makeConfig(dir, [
        `clientPort=${clientPort}`,
        'admin.serverAddress=127.0.0.1',
        `admin.serverPort=${busy}`,
      ]);
      await expect(StandaloneServer.start({ config, log: silent })).rejects.toThrow(/EADDRINUSE/);
      const refused = await new Promise<boolean>((resolve) => {
        const socket = net.connect(clientPort, '127.0.0.1');
        socket.on('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.on('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('toJacksonJson', () => {
  it('lays out like Jackson’s DefaultPrettyPrinter', () => {
    const value = {
      a: 1,
      b: new JavaDouble(0),
      c: 2.5,
      big: 72057644331827201n,
      s: 'x"y\\z\n\u0001',
      empty: [],
      none: {},
      list: [1, 2],
      objects: [{ k: 'v' }, { k: null }],
      nested: { inner: [true, false] },
    };
    expect(toJacksonJson(value)).toBe(
      [
        '{',
        '  "a" : 1,',
        '  "b" : 0.0,',
        '  "c" : 2.5,',
        '  "big" : 72057644331827201,',
        '  "s" : "x\\"y\\\\z\\n\\u0001",',
        '  "empty" : [ ],',
        '  "none" : { },',
        '  "list" : [ 1, 2 ],',
        '  "objects" : [ {',
        '    "k" : "v"',
        '  }, {',
        '    "k" : null',
        '  } ],',
        '  "nested" : {',
        '    "inner" : [ true, false ]',
        '  }',
        '}',
      ].join('\n'),
    );
  });
});

const SERVER_STATS_KEYS = [
  'packets_sent',
  'packets_received',
  'fsync_threshold_exceed_count',
  'client_response_stats',
  'data_dir_size',
  'log_dir_size',
  'provider_null',
  'server_state',
  'last_processed_zxid',
  'outstanding_requests',
  'avg_latency',
  'max_latency',
  'min_latency',
  'num_alive_client_connections',
  'uptime',
  'auth_failed_count',
  'non_mtlsremote_conn_count',
  'non_mtlslocal_conn_count',
];

const CONNECTION_KEYS = [
  'remote_socket_address',
  'interest_ops',
  'outstanding_requests',
  'packets_received',
  'packets_sent',
  'session_id',
  'last_operation',
  'established',
  'session_timeout',
  'last_cxid',
  'last_zxid',
  'last_response_time',
  'last_latency',
  'min_latency',
  'avg_latency',
  'max_latency',
];
