// Four-letter words against a real StandaloneServer on a temp dir, with two node-zookeeper-client sessions
// holding znodes, ephemerals and watches. Expected texts are the ones Apache ZooKeeper 3.8.0 printed for
// the same steps (captured from Debian's zookeeper; only session ids, ports and times differ).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseZooKeeperConfig } from './config.ts';
import {
  formatJavaDouble,
  fourLetterWord,
  hex64,
  javaDateString,
  learnerView,
  voteView,
  type FourLetterWordHost,
} from './four-letter-words.ts';
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
  // 40 s (the maximum at tickTime 2000): no ping can land in the middle of a test and shift a counter.
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

const silent = pino({ level: 'silent' });

describe('four-letter words on a standalone server', () => {
  let dir: string;
  let server: StandaloneServer;
  let port: number;
  let c1: NzkClient;
  let c2: NzkClient;
  /** Session ids as ZooKeeper prints them (hex, no leading zeros). */
  let s1: string;
  let s2: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kzlab-4lw-'));
    const { config } = parseZooKeeperConfig(
      [
        `dataDir=${dir}`,
        'clientPort=0',
        'clientPortAddress=127.0.0.1',
        '4lw.commands.whitelist=*',
        'admin.enableServer=false',
      ].join('\n'),
      path.join(dir, 'zoo.cfg'),
    );
    server = await StandaloneServer.start({ config, log: silent, fourLetterWords: fourLetterWord });
    port = server.clientPortNumber;
    // The same steps as the capture from Apache ZooKeeper.
    c1 = await connectClient(port);
    c2 = await connectClient(port);
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
    s1 = hex64(BigInt(`0x${c1.getSessionId().toString('hex')}`));
    s2 = hex64(BigInt(`0x${c2.getSessionId().toString('hex')}`));
  });

  afterAll(async () => {
    c1?.close();
    c2?.close();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ruok, isro, gtmk, stmk and hash answer like ZooKeeper (no newline where it prints none)', async () => {
    expect(await ask(port, 'ruok')).toBe('imok');
    expect(await ask(port, 'isro')).toBe('rw');
    expect(await ask(port, 'gtmk')).toBe('306');
    expect(await ask(port, 'stmk')).toBe('');
    expect(await ask(port, 'hash')).toBe('');
  });

  it('srvr: the counters, zxid, mode and node count of the server', async () => {
    const before = server.core.stats.packetsReceived;
    const text = await ask(port, 'srvr');
    const lines = text.split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(
      /^Zookeeper version: 3\.8\.0-kzlab-[\w.]+, built on \d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
    );
    expect(lines[1]).toMatch(/^Latency min\/avg\/max: \d+\/\d+\.\d+\/\d+$/);
    // The word itself is a received packet, as in ZooKeeper.
    expect(lines[2]).toBe(`Received: ${before + 1}`);
    expect(lines[3]).toBe(`Sent: ${server.core.stats.packetsSent - 1}`);
    // c1, c2 and this very connection.
    expect(lines.slice(4)).toEqual([
      'Connections: 3',
      'Outstanding: 0',
      'Zxid: 0x7',
      'Mode: standalone',
      'Node count: 10',
      '',
    ]);
  });

  it('stat: a brief line per client (the asking connection reads nothing more: [0], recved=1)', async () => {
    const text = await ask(port, 'stat');
    const [head, rest] = text.split('\n\n') as [string, string];
    const lines = head.split('\n');
    expect(lines[0]).toMatch(/^Zookeeper version: 3\.8\.0-kzlab/);
    expect(lines[1]).toBe('Clients:');
    expect(lines.slice(2)).toHaveLength(3);
    expect(lines[2]).toMatch(/^ \/127\.0\.0\.1:\d+\[1\]\(queued=0,recved=7,sent=7\)$/);
    expect(lines[3]).toMatch(/^ \/127\.0\.0\.1:\d+\[1\]\(queued=0,recved=5,sent=5\)$/);
    expect(lines[4]).toMatch(/^ \/127\.0\.0\.1:\d+\[0\]\(queued=0,recved=1,sent=0\)$/);
    expect(rest).toMatch(/^Latency min\/avg\/max: .*\nReceived: \d+\nSent: \d+\nConnections: 3\n/);
    expect(rest.endsWith('Zxid: 0x7\nMode: standalone\nNode count: 10\n')).toBe(true);
  });

  it('cons: full connection lines (session, last op, cxid, zxid, latencies) and a closing blank line', async () => {
    const text = await ask(port, 'cons');
    expect(text.endsWith(')\n\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const full = (sid: string, counts: string, lop: string, lcxid: string) =>
      new RegExp(
        `^ /127\\.0\\.0\\.1:\\d+\\[1\\]\\(queued=0,${counts},sid=0x${sid},lop=${lop},est=\\d{13},to=40000,` +
          `lcxid=0x${lcxid},lzxid=0x7,lresp=\\d+,llat=\\d+,minlat=\\d+,avglat=\\d+,maxlat=\\d+\\)$`,
      );
    expect(lines[0]).toMatch(full(s1, 'recved=7,sent=7', 'EXIS', '5'));
    expect(lines[1]).toMatch(full(s2, 'recved=5,sent=5', 'GETD', '3'));
    // No session: the brief form only.
    expect(lines[2]).toMatch(/^ \/127\.0\.0\.1:\d+\[0\]\(queued=0,recved=1,sent=0\)$/);
  });

  it('mntr: tab-separated zk_* lines in ZooKeeper order, with the values ZooKeeper gave', async () => {
    const text = await ask(port, 'mntr');
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    for (const line of lines) expect(line).toMatch(/^zk_[a-z_]+\t\S.*$/);
    const values = new Map(lines.map((line) => line.split('\t') as [string, string]));
    expect([...values.keys()].slice(0, 8)).toEqual([
      'zk_version',
      'zk_server_state',
      'zk_ephemerals_count',
      'zk_num_alive_connections',
      'zk_avg_latency',
      'zk_outstanding_requests',
      'zk_znode_count',
      'zk_global_sessions',
    ]);
    expect(values.get('zk_version')).toMatch(/^3\.8\.0-kzlab/);
    expect(values.get('zk_server_state')).toBe('standalone');
    expect(values.get('zk_avg_latency')).toMatch(/^\d+\.\d+$/);
    expect(values.get('zk_connection_drop_probability')).toBe('0.0');
    // Apache ZooKeeper 3.8.0 printed exactly these for the same steps.
    expect(Object.fromEntries([...values].filter(([key]) => EXPECTED_MNTR[key] !== undefined))).toEqual(
      EXPECTED_MNTR,
    );
    expect(Number(values.get('zk_open_file_descriptor_count'))).toBeGreaterThan(0);
    expect(Number(values.get('zk_max_file_descriptor_count'))).toBeGreaterThan(0);
  });

  it('wchs, wchc, wchp: data watches by connection and by path (child watches not listed)', async () => {
    expect(await ask(port, 'wchs')).toBe('2 connections watching 3 paths\nTotal watches:4\n');
    expect(await ask(port, 'wchc')).toBe(`0x${s1}\n\t/a\n\t/missing\n0x${s2}\n\t/a\n\t/a/b\n\n`);
    expect(await ask(port, 'wchp')).toBe(
      `/a\n\t0x${s1}\n\t0x${s2}\n/missing\n\t0x${s1}\n/a/b\n\t0x${s2}\n\n`,
    );
  });

  it('dump: session expiry sets, ephemerals per session, connection sets', async () => {
    const text = await ask(port, 'dump');
    const date = '[A-Z][a-z]{2} [A-Z][a-z]{2} \\d\\d \\d\\d:\\d\\d:\\d\\d \\S+ \\d{4}';
    expect(text).toMatch(
      new RegExp(
        `^SessionTracker dump:\\nSession Sets \\([12]\\)/\\(2\\):\\n[12] expire at ${date}:\\n\\t0x`,
      ),
    );
    expect(text).toContain(
      `ephemeral nodes dump:\nSessions with Ephemerals (2):\n0x${s1}:\n\t/e1\n0x${s2}:\n\t/a/e3\n\t/e2\nConnections dump:\n`,
    );
    expect(text).toMatch(/\nConnections Sets \([123]\)\/\(3\):\n/);
    expect(text).toMatch(/\n\tip: \/127\.0\.0\.1:\d+ sessionId: 0x0\n/);
    expect(text).toContain(` sessionId: 0x${s1}\n`);
    expect(text).toContain(` sessionId: 0x${s2}\n`);
  });

  it('conf and dirs: the configuration and directory sizes (log and snapshot swapped, as ZooKeeper)', async () => {
    const conf = await ask(port, 'conf');
    const snapDir = path.join(dir, 'version-2');
    expect(conf).toMatch(
      new RegExp(
        `^clientPort=${port}\\nsecureClientPort=-1\\ndataDir=${escape(snapDir)}\\ndataDirSize=\\d+\\n` +
          `dataLogDir=${escape(snapDir)}\\ndataLogSize=\\d+\\ntickTime=2000\\nmaxClientCnxns=60\\n` +
          `minSessionTimeout=4000\\nmaxSessionTimeout=40000\\nclientPortListenBacklog=-1\\nserverId=0\\n$`,
      ),
    );
    const size = Number(/dataDirSize=(\d+)/.exec(conf)![1]);
    expect(size).toBeGreaterThan(0);
    expect(await ask(port, 'dirs')).toBe(`datadir_size: ${size}\nlogdir_size: ${size}\n`);
  });

  it('envi: ZooKeeper’s keys in ZooKeeper’s order', async () => {
    const text = await ask(port, 'envi');
    const lines = text.split('\n');
    expect(lines.shift()).toBe('Environment:');
    expect(lines.pop()).toBe('');
    const entries = lines.map((line) => [
      line.slice(0, line.indexOf('=')),
      line.slice(line.indexOf('=') + 1),
    ]);
    expect(entries.map(([key]) => key)).toEqual([
      'zookeeper.version',
      'host.name',
      'java.version',
      'java.vendor',
      'java.home',
      'java.class.path',
      'java.library.path',
      'java.io.tmpdir',
      'java.compiler',
      'os.name',
      'os.arch',
      'os.version',
      'user.name',
      'user.home',
      'user.dir',
      'os.memory.free',
      'os.memory.max',
      'os.memory.total',
    ]);
    const env = Object.fromEntries(entries);
    expect(env['zookeeper.version']).toMatch(/^3\.8\.0-kzlab/);
    expect(env['user.dir']).toBe(process.cwd());
    expect(env['os.memory.max']).toMatch(/^\d+MB$/);
  });

  it('a server that does not serve says so; isro says "null"; ruok still answers', () => {
    const host: FourLetterWordHost = {
      config: server.config,
      core: server.core,
      startedAtMs: server.startedAtMs,
      clientPortNumber: port,
      failed: true,
      describeConnection: (id) => server.describeConnection(id),
    };
    const notServing = 'This ZooKeeper instance is not currently serving requests\n';
    for (const word of ['srvr', 'stat', 'mntr', 'cons', 'dump', 'wchc', 'conf', 'dirs', 'crst', 'srst']) {
      expect(fourLetterWord(word, host)).toBe(notServing);
    }
    expect(fourLetterWord('isro', host)).toBe('null');
    expect(fourLetterWord('ruok', host)).toBe('imok');
    expect(fourLetterWord('nope', host)).toBe('');
  });

  it('Mode comes from the host, so an ensemble member can say leader or follower', () => {
    const host: FourLetterWordHost = {
      config: server.config,
      core: server.core,
      startedAtMs: server.startedAtMs,
      clientPortNumber: port,
      failed: false,
      describeConnection: (id) => server.describeConnection(id),
      serverState: () => 'follower',
    };
    expect(fourLetterWord('srvr', host)).toContain('\nMode: follower\n');
    expect(fourLetterWord('mntr', host)).toContain('zk_server_state\tfollower\n');
  });

  it('crst resets every connection’s counters (lcxid dropped, lzxid -1) but keeps sessions', async () => {
    expect(await ask(port, 'crst')).toBe('Connection stats reset.\n');
    const lines = (await ask(port, 'cons')).trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^ /127\\.0\\.0\\.1:\\d+\\[1\\]\\(queued=0,recved=0,sent=0,sid=0x${s1},lop=NA,est=\\d+,to=40000,` +
          `lzxid=0xffffffffffffffff,lresp=0,llat=0,minlat=0,avglat=0,maxlat=0\\)$`,
      ),
    );
  });

  it('srst resets the server counters: the next srvr sees only itself and srst’s answer', async () => {
    expect(await ask(port, 'srst')).toBe('Server stats reset.\n');
    const text = await ask(port, 'srvr');
    expect(text).toContain('\nLatency min/avg/max: 0/0.0/0\nReceived: 1\nSent: 1\n');
  });
});

/** What Apache ZooKeeper 3.8.0 answered to mntr after the same steps (values that do not depend on timing). */
const EXPECTED_MNTR: Record<string, string> = {
  zk_server_state: 'standalone',
  zk_ephemerals_count: '3',
  zk_num_alive_connections: '3',
  zk_outstanding_requests: '0',
  zk_znode_count: '10',
  zk_global_sessions: '2',
  zk_non_mtls_remote_conn_count: '0',
  zk_last_client_response_size: '89',
  zk_max_client_response_size: '99',
  zk_connection_drop_probability: '0.0',
  zk_watch_count: '5',
  zk_auth_failed_count: '0',
  zk_approximate_data_size: '74',
  zk_local_sessions: '0',
  zk_outstanding_tls_handshake: '0',
  zk_min_client_response_size: '16',
  zk_non_mtls_local_conn_count: '0',
};

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('Java formatting helpers', () => {
  it('formatJavaDouble prints like Double.toString', () => {
    expect(formatJavaDouble(0)).toBe('0.0');
    expect(formatJavaDouble(4)).toBe('4.0');
    expect(formatJavaDouble(2.5)).toBe('2.5');
    expect(formatJavaDouble(4.0833)).toBe('4.0833');
    expect(formatJavaDouble(-0.5)).toBe('-0.5');
    expect(formatJavaDouble(0.001)).toBe('0.001');
    expect(formatJavaDouble(0.0001)).toBe('1.0E-4');
    expect(formatJavaDouble(12_345_678)).toBe('1.2345678E7');
    expect(formatJavaDouble(1e7)).toBe('1.0E7');
  });

  it('hex64 prints like Long.toHexString', () => {
    expect(hex64(0n)).toBe('0');
    expect(hex64(7n)).toBe('7');
    expect(hex64(-1n)).toBe('ffffffffffffffff');
    expect(hex64(0x100000bb5c00000n)).toBe('100000bb5c00000');
  });

  it('javaDateString prints like java.util.Date.toString', () => {
    const ms = Date.UTC(2026, 10, 1, 9, 5, 7);
    const text = javaDateString(ms);
    expect(text).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \S+ \d{4}$/);
    const local = new Date(ms);
    expect(text.slice(8, 19)).toBe(
      `${String(local.getDate()).padStart(2, '0')} ${String(local.getHours()).padStart(2, '0')}:` +
        `${String(local.getMinutes()).padStart(2, '0')}:07`,
    );
  });
});

describe('the quorum command’s vote', () => {
  it('a FastLeaderElection vote as JSON: the zxid in hex, the epochs as numbers; none before an election', () => {
    expect(voteView({ leader: 3, zxid: 0x200000007n, electionEpoch: 4n, peerEpoch: 2n })).toEqual({
      leader: 3,
      zxid: '0x200000007',
      electionEpoch: 4,
      peerEpoch: 2,
    });
    expect(voteView(null)).toBeNull();
  });
});

describe('the quorum command’s learners', () => {
  it('each learner: phase, how long since heard, and the highest proposal it ACKed (none yet: null)', () => {
    expect(
      learnerView({ sid: 2, phase: 'UPTODATE', lastHeardMs: 1000, ackedZxid: 0x100000095n }, 1250),
    ).toEqual({
      sid: 2,
      phase: 'UPTODATE',
      lastHeardAgoMs: 250,
      synced: true,
      ackedZxid: '0x100000095',
    });
    expect(learnerView({ sid: 3, phase: 'SYNCING', lastHeardMs: 1300, ackedZxid: -1n }, 1250)).toMatchObject({
      lastHeardAgoMs: 0,
      synced: false,
      ackedZxid: null,
    });
  });
});
