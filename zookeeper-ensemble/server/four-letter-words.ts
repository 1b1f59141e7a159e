// Four-letter words (ZooKeeper's FourLetterCommands): a client sends `ruok`, `srvr`, `mntr`, … in place
// of the first length prefix; the server answers with text and closes the connection. The texts follow
// Apache ZooKeeper 3.8 byte for byte where tools read them (srvr/stat "Mode:", mntr's tab-separated
// `zk_*` lines, envi's `key=value`, the wchc/wchp/dump layouts), checked against Debian's 3.8.0.
//
// The facts gathered here (latency, counts, connections, watches, sessions, directory sizes) also feed
// the AdminServer's JSON (admin-server.ts), so the two views of a server never disagree.
//
// ZooKeeper quirks kept on purpose, because tools compare against them:
//   * Node count / zk_znode_count is one more than the znodes: ZooKeeper's DataTree holds the root under
//     both "" and "/".
//   * wchs/wchc/wchp list data watches only (getData/exists, and persistent ones); child watches count in
//     zk_watch_count but are not listed.
//   * conf's dataDirSize (and dirs' datadir_size) is the size of the *log* directory and dataLogSize /
//     logdir_size that of the *snapshot* directory (ZooKeeperServer.getDataDirSize/getLogDirSize).
// Where kzlab differs: the java.* lines of envi describe the Node.js runtime; lresp in cons and the
// "expire at" times of dump are wall-clock based (ZooKeeper uses a monotonic clock for both); mntr lists
// the gauges kzlab measures (not ZooKeeper's few hundred processor-pipeline summaries); `stmk` cannot
// carry its 8-byte argument through our client port and answers nothing, as ZooKeeper does without one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import type { Vote } from '../core/election/vote.ts';
import type { ConnectionStats, ZooKeeperServer } from '../core/zookeeper-server.ts';
import type { ZooKeeperConfig } from './config.ts';

// ---------------------------------------------------------------------------------------------------------
// The server a word is asked of
// ---------------------------------------------------------------------------------------------------------

/** What the socket layer knows about a client connection. */
export interface ConnectionSocketInfo {
  remotePort: number;
  /** Set while the connection is answering a four-letter word (it then reads no more). */
  fourLetterWord: string | null;
}

/**
 * What the words and the AdminServer read from a server shell. StandaloneServer fits as it is; an
 * ensemble member's shell fits too and says leader/follower through `serverState` (or its core's mode).
 */
export interface FourLetterWordHost {
  readonly config: ZooKeeperConfig;
  readonly core: ZooKeeperServer;
  readonly startedAtMs: number;
  /** The bound client port (the configured one may be 0 = "any"). */
  readonly clientPortNumber: number;
  /** The transaction log failed: the server no longer serves. */
  readonly failed: boolean;
  describeConnection(connectionId: number): ConnectionSocketInfo | undefined;
  /** `Mode:` of srvr/stat and zk_server_state of mntr. Default: from the core's serving mode. */
  serverState?(): string;
  /** myid; 0 for a standalone server. */
  readonly serverId?: number;
  /** An ensemble member's view of its quorum (admin commands leader, voting_view, zabstate, quorum). */
  quorumView?(): QuorumView;
  /** Extra mntr values (a leader adds zk_followers, zk_synced_followers, …), without the zk_ prefix. */
  monitorValues?(): [string, MetricValue][];
}

export interface QuorumView {
  myid: number;
  state: string;
  zabState: string;
  currentEpoch: number;
  acceptedEpoch: number;
  lastLoggedZxid: string;
  lastProcessedZxid: string;
  leader: number | null;
  peers: { sid: number; host: string; quorumPort: number; electionPort: number; clientPort: number | null }[];
  /** On the leader: each learner's sync phase, how long since it was last heard from, what it ACKed. */
  learners: LearnerView[];
  /**
   * The FastLeaderElection vote this server would send now: its proposal while LOOKING, the vote it
   * settled on while FOLLOWING/LEADING; null before its first election.
   */
  vote: VoteView | null;
}

export interface LearnerView {
  sid: number;
  phase: string;
  lastHeardAgoMs: number;
  synced: boolean;
  /** The highest proposal it ACKed (hex; an ACK covers every earlier one), null before its first. */
  ackedZxid: string | null;
}

/** The leader's handle of one learner as the quorum command shows it. */
export function learnerView(
  learner: { sid: number; phase: string; lastHeardMs: number; ackedZxid: bigint },
  nowMs: number,
): LearnerView {
  return {
    sid: learner.sid,
    phase: learner.phase,
    lastHeardAgoMs: Math.max(0, nowMs - learner.lastHeardMs),
    synced: learner.phase === 'UPTODATE',
    ackedZxid: learner.ackedZxid < 0n ? null : `0x${learner.ackedZxid.toString(16)}`,
  };
}

/** A Vote as JSON: the zxid in hex like the other zxids here, the epochs as numbers. */
export interface VoteView {
  leader: number;
  zxid: string;
  electionEpoch: number;
  peerEpoch: number;
}

export function voteView(vote: Vote | null): VoteView | null {
  if (vote === null) return null;
  return {
    leader: vote.leader,
    zxid: `0x${vote.zxid.toString(16)}`,
    electionEpoch: Number(vote.electionEpoch),
    peerEpoch: Number(vote.peerEpoch),
  };
}

/** ZooKeeper's Version.getFullVersion(): "<version>-<revision>, built on <date>". Parsers read the x.y.z. */
export const ZOOKEEPER_VERSION = `3.8.0-kzlab-${packageVersion()}, built on ${buildDate()}`;

/** The text ZooKeeper answers while it cannot serve (no quorum, failed log). */
export const NOT_SERVING = 'This ZooKeeper instance is not currently serving requests';

export function serverState(host: FourLetterWordHost): string {
  if (host.serverState) return host.serverState();
  const mode = host.core.mode;
  return mode === 'leader' || mode === 'follower' ? mode : 'standalone';
}

export function isServing(host: FourLetterWordHost): boolean {
  return !host.failed && host.core.mode !== 'stopped';
}

/** ZooTrace's text trace mask: process-wide in ZooKeeper too. Default 306 (client ping, request, session). */
let traceMask = 0b100110010n;
export function getTraceMask(): bigint {
  return traceMask;
}
export function setTraceMask(mask: bigint): void {
  traceMask = BigInt.asIntN(64, mask);
}

// ---------------------------------------------------------------------------------------------------------
// The words
// ---------------------------------------------------------------------------------------------------------

interface WordSpec {
  /** Answered with NOT_SERVING while the server does not serve (ZooKeeper's isZKServerRunning check). */
  readonly needsServing: boolean;
  readonly run: (host: FourLetterWordHost) => string;
}

const WORDS: Readonly<Record<string, WordSpec>> = {
  ruok: { needsServing: false, run: () => 'imok' },
  srvr: { needsServing: true, run: (host) => statText(host, false) },
  stat: { needsServing: true, run: (host) => statText(host, true) },
  mntr: { needsServing: true, run: (host) => monitorText(host) },
  conf: { needsServing: true, run: (host) => confText(host) },
  cons: { needsServing: true, run: (host) => consText(host) },
  envi: { needsServing: false, run: () => enviText() },
  wchs: { needsServing: true, run: (host) => wchsText(host) },
  wchc: { needsServing: true, run: (host) => wchcText(host) },
  wchp: { needsServing: true, run: (host) => wchpText(host) },
  dump: { needsServing: true, run: (host) => dumpText(host) },
  dirs: { needsServing: true, run: (host) => dirsText(host) },
  crst: {
    needsServing: true,
    run: (host) => {
      host.core.resetConnectionStats();
      return 'Connection stats reset.\n';
    },
  },
  srst: {
    needsServing: true,
    run: (host) => {
      host.core.resetStats();
      return 'Server stats reset.\n';
    },
  },
  // isro answers "null" (not the usual sentence) while the server does not serve.
  isro: { needsServing: false, run: (host) => (isServing(host) ? (isReadOnly(host) ? 'ro' : 'rw') : 'null') },
  gtmk: { needsServing: false, run: () => String(getTraceMask()) },
  // The new mask travels as 8 bytes after "stmk"; our client port closes after the word, so there is
  // never one, and ZooKeeper too answers nothing then.
  stmk: { needsServing: false, run: () => '' },
  // The digest log (a zxid:digest line every 128 txns) needs DataTree digests, which kzlab does not keep.
  hash: { needsServing: true, run: () => '' },
};

/** The words this module answers (FOUR_LETTER_WORDS in config.ts lists those the client port recognises). */
export const ANSWERED_WORDS: readonly string[] = Object.keys(WORDS);

/**
 * Answer one four-letter word. The client port has already checked `4lw.commands.whitelist`.
 * An unknown word gets an empty answer (ZooKeeper closes the connection without a word).
 */
export function fourLetterWord(word: string, host: FourLetterWordHost): string {
  const spec = WORDS[word];
  if (!spec) return '';
  // ZooKeeper counts the word itself as a received packet (ServerCnxn.packetReceived).
  host.core.stats.packetsReceived++;
  const answer = spec.needsServing && !isServing(host) ? `${NOT_SERVING}\n` : spec.run(host);
  // …and its answer as a sent one, counted once written (so srvr sees the earlier words' answers).
  host.core.stats.packetsSent++;
  return answer;
}

function statText(host: FourLetterWordHost, withClients: boolean): string {
  const core = host.core;
  const latency = serverLatency(core);
  let text = `Zookeeper version: ${ZOOKEEPER_VERSION}\n`;
  if (isReadOnly(host)) text += 'READ-ONLY mode; serving only read-only clients\n';
  if (withClients) {
    text += 'Clients:\n';
    for (const connection of connectionInfos(host)) text += `${connectionLine(connection, true)}\n`;
    text += '\n';
  }
  text +=
    `Latency min/avg/max: ${latency.min}/${formatJavaDouble(latency.avg)}/${latency.max}\n` +
    `Received: ${core.stats.packetsReceived}\n` +
    `Sent: ${core.stats.packetsSent}\n` +
    `Connections: ${core.connectionCount()}\n` +
    `Outstanding: ${core.outstandingRequests}\n` +
    `Zxid: 0x${hex64(core.lastProcessedZxid)}\n` +
    `Mode: ${serverState(host)}\n` +
    `Node count: ${znodeCount(core)}\n`;
  return text;
}

function monitorText(host: FourLetterWordHost): string {
  return monitorValues(host)
    .map(([key, value]) => `zk_${key}\t${formatMetric(value)}\n`)
    .join('');
}

function confText(host: FourLetterWordHost): string {
  const c = configuration(host);
  return (
    `clientPort=${c.clientPort}\n` +
    `secureClientPort=-1\n` +
    `dataDir=${c.snapDir}\n` +
    `dataDirSize=${c.dataDirSize}\n` +
    `dataLogDir=${c.logDir}\n` +
    `dataLogSize=${c.logDirSize}\n` +
    `tickTime=${c.tickTime}\n` +
    `maxClientCnxns=${c.maxClientCnxns}\n` +
    `minSessionTimeout=${c.minSessionTimeout}\n` +
    `maxSessionTimeout=${c.maxSessionTimeout}\n` +
    `clientPortListenBacklog=-1\n` +
    `serverId=${c.serverId}\n`
  );
}

function consText(host: FourLetterWordHost): string {
  return `${connectionInfos(host)
    .map((connection) => `${connectionLine(connection, false)}\n`)
    .join('')}\n`;
}

function enviText(): string {
  return `Environment:\n${environment()
    .map(([key, value]) => `${key}=${value}\n`)
    .join('')}`;
}

function wchsText(host: FourLetterWordHost): string {
  const summary = watchSummary(host.core);
  return `${summary.connections} connections watching ${summary.paths} paths\nTotal watches:${summary.watches}\n`;
}

function wchcText(host: FourLetterWordHost): string {
  let text = '';
  for (const [sessionId, paths] of dataWatchesBySession(host.core)) {
    text += `0x${hex64(sessionId)}\n`;
    for (const watchedPath of paths) text += `\t${watchedPath}\n`;
  }
  return `${text}\n`;
}

function wchpText(host: FourLetterWordHost): string {
  let text = '';
  for (const [watchedPath, sessionIds] of dataWatchesByPath(host.core)) {
    text += `${watchedPath}\n`;
    for (const sessionId of sessionIds) text += `\t0x${hex64(sessionId)}\n`;
  }
  return `${text}\n`;
}

function dumpText(host: FourLetterWordHost): string {
  const sessions = sessionExpirySets(host.core);
  const ephemerals = ephemeralsBySession(host.core);
  const connections = connectionExpirySets(host);
  let text = 'SessionTracker dump:\n';
  text += expirySetsText('Session', sessions, (sessionId) => `0x${hex64(sessionId)}`);
  text += 'ephemeral nodes dump:\n';
  text += `Sessions with Ephemerals (${ephemerals.size}):\n`;
  for (const [sessionId, paths] of ephemerals) {
    text += `0x${hex64(sessionId)}:\n`;
    for (const ephemeralPath of paths) text += `\t${ephemeralPath}\n`;
  }
  text += 'Connections dump:\n';
  text += expirySetsText(
    'Connections',
    connections,
    (c) => `ip: /${c.stats.remoteAddress}:${c.remotePort} sessionId: 0x${hex64(c.stats.sessionId)}`,
  );
  return text;
}

/** ExpiryQueue.dump: "<prefix>Sets (<buckets>)/(<items>):", then each bucket oldest first. */
function expirySetsText<T>(prefix: string, sets: Map<number, T[]>, describe: (item: T) => string): string {
  let items = 0;
  for (const bucket of sets.values()) items += bucket.length;
  let text = `${prefix} Sets (${sets.size})/(${items}):\n`;
  for (const [expiresAtMs, bucket] of sets) {
    text += `${bucket.length} expire at ${javaDateString(expiresAtMs)}:\n`;
    for (const item of bucket) text += `\t${describe(item)}\n`;
  }
  return text;
}

function dirsText(host: FourLetterWordHost): string {
  const c = configuration(host);
  return `datadir_size: ${c.dataDirSize}\nlogdir_size: ${c.logDirSize}\n`;
}

// ---------------------------------------------------------------------------------------------------------
// Facts shared with the AdminServer
// ---------------------------------------------------------------------------------------------------------

export function isReadOnly(_host: FourLetterWordHost): boolean {
  return false; // kzlab has no read-only mode (ReadOnlyZooKeeperServer)
}

export interface Latency {
  min: number;
  /** Rounded to 4 decimals (AvgMinMaxCounter.getAvg); printed as a Java double. */
  avg: number;
  max: number;
}

/** ServerStats latency: 0 when nothing was measured yet. */
export function serverLatency(core: ZooKeeperServer): Latency {
  const s = core.stats;
  if (s.latencyCount === 0) return { min: 0, avg: 0, max: 0 };
  return {
    min: s.minLatencyMs === Number.MAX_SAFE_INTEGER ? 0 : s.minLatencyMs,
    avg: Math.round((s.totalLatencyMs / s.latencyCount) * 10_000) / 10_000,
    max: s.maxLatencyMs,
  };
}

/** ZooKeeper's node count: the root is stored twice (under "" and "/"), so one more than the znodes. */
export function znodeCount(core: ZooKeeperServer): number {
  return core.tree.nodeCount + 1;
}

/** DataTree.approximateDataSize: the length of every path plus the bytes of its data. */
export function approximateDataSize(core: ZooKeeperServer): number {
  let size = 0;
  for (const [nodePath, node] of core.tree.walk()) size += nodePath.length + (node.data?.length ?? 0);
  return size;
}

export function ephemeralsCount(core: ZooKeeperServer): number {
  let count = 0;
  for (const paths of core.tree.ephemeralsBySession().values()) count += paths.size;
  return count;
}

/** zk_watch_count: data and child watches together. */
export function watchCount(core: ZooKeeperServer): number {
  return core.tree.dataWatches.size + core.tree.childWatches.size;
}

export interface ConnectionInfo {
  stats: ConnectionStats;
  remotePort: number;
  /** NIO interest ops: 1 (OP_READ) while reading, 0 for a connection answering a four-letter word. */
  interestOps: number;
}

/** Every client connection, in the order they were accepted. */
export function connectionInfos(host: FourLetterWordHost): ConnectionInfo[] {
  return host.core.connectionStats().map((stats) => {
    const socket = host.describeConnection(stats.connectionId);
    const word = socket?.fourLetterWord ?? null;
    return {
      // The word itself was this connection's one packet (it never reached the core as a frame).
      stats: word === null ? stats : { ...stats, packetsReceived: stats.packetsReceived + 1 },
      remotePort: socket?.remotePort ?? 0,
      interestOps: word === null ? 1 : 0,
    };
  });
}

/** Per-connection latency as ServerCnxn reports it (average truncated to a whole millisecond). */
export function connectionLatency(stats: ConnectionStats): Latency {
  if (stats.latencyCount === 0) return { min: 0, avg: 0, max: 0 };
  return {
    min: stats.minLatencyMs === Number.MAX_SAFE_INTEGER ? 0 : stats.minLatencyMs,
    avg: Math.floor(stats.totalLatencyMs / stats.latencyCount),
    max: stats.maxLatencyMs,
  };
}

/** ServerCnxn.dumpConnectionInfo: the brief form (stat) or the full one (cons). */
function connectionLine(connection: ConnectionInfo, brief: boolean): string {
  const s = connection.stats;
  let line =
    ` /${s.remoteAddress}:${connection.remotePort}[${connection.interestOps.toString(16)}]` +
    `(queued=${s.outstandingRequests},recved=${s.packetsReceived},sent=${s.packetsSent}`;
  if (!brief && s.sessionId !== 0n) {
    const latency = connectionLatency(s);
    line += `,sid=0x${hex64(s.sessionId)},lop=${s.lastOp},est=${s.establishedMs},to=${s.sessionTimeoutMs}`;
    if (s.lastCxid >= 0) line += `,lcxid=0x${s.lastCxid.toString(16)}`;
    line +=
      `,lzxid=0x${hex64(s.lastZxid)},lresp=${s.lastResponseMs},llat=${s.lastLatencyMs}` +
      `,minlat=${latency.min},avglat=${latency.avg},maxlat=${latency.max}`;
  }
  return `${line})`;
}

export interface ConfigurationFacts {
  clientPort: number;
  /** dataDir/version-2 (FileTxnSnapLog's snapDir). */
  snapDir: string;
  /** dataLogDir/version-2 (FileTxnSnapLog's dataDir, where the txn logs live). */
  logDir: string;
  /** ZooKeeper's getDataDirSize(): the size of the log directory (sic). */
  dataDirSize: number;
  /** ZooKeeper's getLogDirSize(): the size of the snapshot directory (sic). */
  logDirSize: number;
  tickTime: number;
  maxClientCnxns: number;
  minSessionTimeout: number;
  maxSessionTimeout: number;
  serverId: number;
}

export function configuration(host: FourLetterWordHost): ConfigurationFacts {
  const { config } = host;
  const snapDir = path.join(config.dataDir, 'version-2');
  const logDir = path.join(config.dataLogDir, 'version-2');
  return {
    clientPort: host.clientPortNumber,
    snapDir,
    logDir,
    dataDirSize: directorySize(logDir),
    logDirSize: directorySize(snapDir),
    tickTime: config.tickTimeMs,
    maxClientCnxns: config.maxClientCnxns,
    minSessionTimeout: config.minSessionTimeoutMs,
    maxSessionTimeout: config.maxSessionTimeoutMs,
    serverId: host.serverId ?? 0,
  };
}

/** Bytes of every file below `dir` (File.length, so preallocated logs count in full); 0 if missing. */
export function directorySize(dir: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const entry of entries) total += directorySize(path.join(dir, entry));
  return total;
}

/** Open and maximum (soft limit) file descriptors of this process, as UnixOperatingSystemMXBean reports. */
export function fileDescriptors(): { open: number; max: number } | null {
  try {
    const open = fs.readdirSync('/proc/self/fd').length;
    const limits = fs.readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits)?.[1];
    if (soft === undefined) return null;
    return { open, max: soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft) };
  } catch {
    return null; // not Linux
  }
}

/** Environment.list(): ZooKeeper's keys; the java.* ones describe the Node.js runtime serving them. */
export function environment(): [string, string][] {
  const heap = process.memoryUsage();
  const mb = (bytes: number) => `${Math.floor(bytes / 1_048_576)}MB`;
  let userName = '<NA>';
  try {
    userName = os.userInfo().username;
  } catch {
    // no passwd entry for this uid
  }
  return [
    ['zookeeper.version', ZOOKEEPER_VERSION],
    ['host.name', os.hostname()],
    ['java.version', process.versions.node],
    ['java.vendor', 'Node.js'],
    ['java.home', path.dirname(path.dirname(process.execPath))],
    ['java.class.path', process.argv[1] ?? '<NA>'],
    ['java.library.path', process.env.LD_LIBRARY_PATH ?? '<NA>'],
    ['java.io.tmpdir', os.tmpdir()],
    ['java.compiler', '<NA>'],
    ['os.name', os.type()],
    ['os.arch', javaArch(process.arch)],
    ['os.version', os.release()],
    ['user.name', userName],
    ['user.home', os.homedir()],
    ['user.dir', process.cwd()],
    ['os.memory.free', mb(heap.heapTotal - heap.heapUsed)],
    ['os.memory.max', mb(v8.getHeapStatistics().heap_size_limit)],
    ['os.memory.total', mb(heap.heapTotal)],
  ];
}

function javaArch(arch: string): string {
  return arch === 'x64' ? 'amd64' : arch === 'arm64' ? 'aarch64' : arch === 'ia32' ? 'x86' : arch;
}

export interface WatchSummary {
  connections: number;
  paths: number;
  watches: number;
}

/** wchs: data watches only (DataTree.getWatchesSummary), as in ZooKeeper. */
export function watchSummary(core: ZooKeeperServer): WatchSummary {
  const watches = core.tree.dataWatches;
  return { connections: watches.byWatcher().size, paths: watches.pathCount, watches: watches.size };
}

function sessionOfConnection(core: ZooKeeperServer): Map<number, bigint> {
  return new Map(core.connectionStats().map((c) => [c.connectionId, c.sessionId]));
}

/** wchc: session id → data-watched paths. */
export function dataWatchesBySession(core: ZooKeeperServer): Map<bigint, string[]> {
  const sessions = sessionOfConnection(core);
  const result = new Map<bigint, string[]>();
  for (const [watcher, paths] of core.tree.dataWatches.byWatcher()) {
    const sessionId = sessions.get(watcher) ?? 0n;
    result.set(sessionId, [...(result.get(sessionId) ?? []), ...paths]);
  }
  return result;
}

/** wchp: data-watched path → session ids. */
export function dataWatchesByPath(core: ZooKeeperServer): Map<string, bigint[]> {
  const sessions = sessionOfConnection(core);
  const result = new Map<string, bigint[]>();
  for (const [watchedPath, watchers] of core.tree.dataWatches.byPath()) {
    result.set(
      watchedPath,
      watchers.map((watcher) => sessions.get(watcher) ?? 0n),
    );
  }
  return result;
}

/** Sessions by the time their expiry bucket falls due, oldest first; ids ascending within a bucket. */
export function sessionExpirySets(core: ZooKeeperServer): Map<number, bigint[]> {
  const sets = new Map<number, bigint[]>();
  const sessions = [...core.sessions.all()].sort(
    (a, b) => a.expiresAtMs - b.expiresAtMs || compareIds(a.sessionId, b.sessionId),
  );
  for (const session of sessions) {
    const bucket = sets.get(session.expiresAtMs) ?? [];
    bucket.push(session.sessionId);
    sets.set(session.expiresAtMs, bucket);
  }
  return sets;
}

/** Session id → its ephemeral znodes (sorted), sessions in id order; sessions without any left out. */
export function ephemeralsBySession(core: ZooKeeperServer): Map<bigint, string[]> {
  const entries = [...core.tree.ephemeralsBySession()]
    .filter(([, paths]) => paths.size > 0)
    .sort(([a], [b]) => compareIds(a, b));
  return new Map(entries.map(([sessionId, paths]) => [sessionId, [...paths].sort()]));
}

/** NIOServerCnxnFactory's connection expiry ZooKeeper keeps next to the session one. */
const SESSIONLESS_CONNECTION_TIMEOUT_MS = 10_000;

/**
 * Connections by expiry bucket. kzlab keeps no separate connection expiry queue: a connection with a
 * session expires with it; one without expires 10 s after it was accepted (ZooKeeper's
 * sessionlessCnxnTimeout), rounded up to the next 10 s as ZooKeeper's queue rounds.
 */
function connectionExpirySets(host: FourLetterWordHost): Map<number, ConnectionInfo[]> {
  const core = host.core;
  const expiring = connectionInfos(host).map((connection) => {
    const session =
      connection.stats.sessionId === 0n ? undefined : core.sessions.get(connection.stats.sessionId);
    const interval = SESSIONLESS_CONNECTION_TIMEOUT_MS;
    const at =
      session?.expiresAtMs ??
      (Math.floor((connection.stats.establishedMs + SESSIONLESS_CONNECTION_TIMEOUT_MS) / interval) + 1) *
        interval;
    return { at, connection };
  });
  expiring.sort((a, b) => a.at - b.at);
  const sets = new Map<number, ConnectionInfo[]>();
  for (const { at, connection } of expiring) sets.set(at, [...(sets.get(at) ?? []), connection]);
  return sets;
}

function compareIds(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------
// mntr: one table, in the order ZooKeeper 3.8 prints these keys
// ---------------------------------------------------------------------------------------------------------

/** A value of mntr / the monitor command. JavaDouble marks a Java double (printed "0.0", "2.5"). */
export type MetricValue = number | bigint | string | JavaDouble;

interface MonitorFacts {
  host: FourLetterWordHost;
  core: ZooKeeperServer;
  latency: Latency;
  fds: { open: number; max: number } | null;
}

const ZERO = (): number => 0;

/**
 * The gauges and counters kzlab measures, plus those that are zero because kzlab has no such feature
 * (TLS, client-side connection dropping, local sessions). Keys without the zk_ prefix.
 */
const MONITOR_METRICS: readonly (readonly [string, (facts: MonitorFacts) => MetricValue | undefined])[] = [
  ['version', () => ZOOKEEPER_VERSION],
  ['server_state', ({ host }) => serverState(host)],
  ['ephemerals_count', ({ core }) => ephemeralsCount(core)],
  ['num_alive_connections', ({ core }) => core.connectionCount()],
  ['avg_latency', ({ latency }) => new JavaDouble(latency.avg)],
  ['outstanding_requests', ({ core }) => core.outstandingRequests],
  ['znode_count', ({ core }) => znodeCount(core)],
  ['global_sessions', ({ core }) => core.sessions.size],
  ['non_mtls_remote_conn_count', ZERO],
  ['last_client_response_size', ({ core }) => core.stats.lastClientResponseSize],
  ['packets_sent', ({ core }) => core.stats.packetsSent],
  ['packets_received', ({ core }) => core.stats.packetsReceived],
  ['max_client_response_size', ({ core }) => core.stats.maxClientResponseSize],
  ['connection_drop_probability', () => new JavaDouble(0)],
  ['watch_count', ({ core }) => watchCount(core)],
  ['auth_failed_count', ({ core }) => core.stats.authFailedCount],
  ['min_latency', ({ latency }) => latency.min],
  ['max_file_descriptor_count', ({ fds }) => fds?.max],
  ['approximate_data_size', ({ core }) => approximateDataSize(core)],
  ['open_file_descriptor_count', ({ fds }) => fds?.open],
  ['local_sessions', ZERO],
  ['uptime', ({ host }) => Math.max(0, Date.now() - host.startedAtMs)],
  ['max_latency', ({ latency }) => latency.max],
  ['outstanding_tls_handshake', ZERO],
  ['min_client_response_size', ({ core }) => core.stats.minClientResponseSize],
  ['non_mtls_local_conn_count', ZERO],
];

/** mntr / monitor values in ZooKeeper's order, without the zk_ prefix. */
export function monitorValues(host: FourLetterWordHost): [string, MetricValue][] {
  const facts: MonitorFacts = {
    host,
    core: host.core,
    latency: serverLatency(host.core),
    fds: fileDescriptors(),
  };
  const values: [string, MetricValue][] = [];
  for (const [key, read] of MONITOR_METRICS) {
    const value = read(facts);
    if (value !== undefined) values.push([key, value]);
  }
  return [...values, ...(host.monitorValues?.() ?? [])];
}

function formatMetric(value: MetricValue): string {
  return value instanceof JavaDouble ? formatJavaDouble(value.value) : String(value);
}

// ---------------------------------------------------------------------------------------------------------
// Java's ways of printing
// ---------------------------------------------------------------------------------------------------------

/** A number Java holds as a double: printed with a fraction ("0.0") even when whole. */
export class JavaDouble {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** Double.toString: plain between 10^-3 and 10^7 (always with a fraction), else "1.0E-4" style. */
export function formatJavaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = String(x);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** Long.toHexString: two's complement for negative values, no leading zeros. */
export function hex64(value: bigint): string {
  return BigInt.asUintN(64, value).toString(16);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** java.util.Date.toString in the local time zone: "Sat Nov 21 09:55:12 UTC 2026". */
export function javaDateString(ms: number): string {
  const date = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  const zone =
    new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
      .formatToParts(date)
      .find((part) => part.type === 'timeZoneName')?.value ?? 'UTC';
  return (
    `${DAYS[date.getDay()]} ${MONTHS[date.getMonth()]} ${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${zone} ${date.getFullYear()}`
  );
}

function packageVersion(): string {
  try {
    const text = fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return String((JSON.parse(text) as { version?: unknown }).version ?? '0');
  } catch {
    return '0';
  }
}

/** "yyyy-MM-dd HH:mm UTC" of when this source was last changed (ZooKeeper stamps its build time). */
function buildDate(): string {
  let ms = 0;
  try {
    ms = fs.statSync(new URL(import.meta.url)).mtimeMs;
  } catch {
    // bundled or virtual module: the epoch says "unknown"
  }
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
