// zoo.cfg — the configuration file of an Apache ZooKeeper server, read the way ZooKeeper 3.8 reads it.
//
// The file is a Java properties file (java.util.Properties.load): one `key=value` per line (`key: value`
// and `key value` work too), `#` or `!` starts a comment line, a trailing backslash continues the line,
// and backslash escapes (`\t`, `\uXXXX`, `\=`) are decoded. ZooKeeper then trims every key and value.
// Keys are case-sensitive. When a key appears twice, the last one wins (as in Java), with a warning here.
//
// Where kzlab differs from Apache ZooKeeper, on purpose:
//   * Unknown keys are returned as warnings. (ZooKeeper silently turns them into `zookeeper.<key>` system
//     properties, so a typo like `tickTme=2000` goes unnoticed.) Keys that ZooKeeper knows but kzlab does
//     not implement (TLS, SASL, hierarchical quorums, …) are accepted and reported as "ignored".
//   * `clientPort` defaults to 2181 with a warning. ZooKeeper 3.8 refuses to start without `clientPort`
//     (or `secureClientPort`, or a `;port` suffix on this server's `server.N` line). A lab that starts with
//     a one-line config is friendlier; the warning tells the learner that the real server would refuse.
//   * Values ZooKeeper would silently accept but that make no sense (e.g. `forceSync=maybe`, which ZooKeeper
//     treats as yes; `admin.enableServer=yes`, which Java reads as false) are rejected with a ConfigError.
//   * `clientPort=0` and `admin.serverPort=0` mean "let the OS pick a free port" (tests use that).
//
// Relative `dataDir`/`dataLogDir` are resolved against the current directory of the process, as the JVM
// does for `new File(dataDir)`; `parseZooKeeperConfig` takes that directory as an option so it stays pure.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';

import { ConfigError } from '../../client/common/errors.ts';

export { ConfigError };

/** One `server.N=host:quorumPort:electionPort[:participant|observer][;[clientAddr:]clientPort]` line. */
export interface QuorumServer {
  /** The `N` of `server.N` — the server id (`sid`, the content of that server's `myid` file). */
  readonly sid: number;
  /** Host name or IP address the peers use to reach this server (IPv6 without the brackets). */
  readonly host: string;
  /** Port followers use to connect to the leader (Zab traffic), 2888 by convention. */
  readonly quorumPort: number;
  /** Port used for leader election (FastLeaderElection notifications), 3888 by convention. */
  readonly electionPort: number;
  /** Voting member or non-voting observer. Default `participant`. */
  readonly role: 'participant' | 'observer';
  /** Client address from the dynamic `;clientAddr:clientPort` suffix, if given. */
  readonly clientPortAddress: string | undefined;
  /** Client port from the dynamic `;clientPort` suffix, if given. */
  readonly clientPort: number | undefined;
  /** 1-based line in the config file, for error messages. */
  readonly line: number;
}

/** Which four-letter words (`ruok`, `srvr`, `mntr`, …) the client port answers. */
export interface FourLetterWordWhitelist {
  /** `4lw.commands.whitelist=*`: every command is allowed. */
  readonly all: boolean;
  /** The explicitly listed commands (lower-case four-letter words), in file order. */
  readonly words: readonly string[];
}

export interface ZooKeeperConfig {
  /** The config file this came from (as given by the caller). */
  readonly file: string;
  /** `tickTime`: the basic time unit in milliseconds; heartbeats and timeouts are multiples of it. Default 2000. */
  readonly tickTimeMs: number;
  /** `dataDir`: snapshots and the `myid` file (and the transaction log unless `dataLogDir` is set). Absolute. Required. */
  readonly dataDir: string;
  /** `dataLogDir`: the transaction log directory. Absolute. Default: `dataDir`. */
  readonly dataLogDir: string;
  /** `clientPort`: the port clients connect to. Default 2181 (see the header note). 0 = pick a free port. */
  readonly clientPort: number;
  /** `clientPortAddress`: the address the client port binds to. Default `0.0.0.0` (all interfaces). */
  readonly clientPortAddress: string;
  /** `initLimit`: ticks a follower may take to connect to and sync with the leader. Default 10. */
  readonly initLimitTicks: number;
  /** `syncLimit`: ticks a follower may lag behind the leader before it is dropped. Default 5. */
  readonly syncLimitTicks: number;
  /** `maxClientCnxns`: concurrent connections per client IP; 0 = unlimited. Default 60. */
  readonly maxClientCnxns: number;
  /** `minSessionTimeout` in ms. Default 2 × tickTime. */
  readonly minSessionTimeoutMs: number;
  /** `maxSessionTimeout` in ms. Default 20 × tickTime. */
  readonly maxSessionTimeoutMs: number;
  /** `4lw.commands.whitelist`. Default in ZooKeeper 3.8: only `srvr`. */
  readonly fourLetterWordWhitelist: FourLetterWordWhitelist;
  /** `admin.enableServer`: run the AdminServer (HTTP `/commands/...`). Default true. */
  readonly adminEnableServer: boolean;
  /** `admin.serverPort`. Default 8080. 0 = pick a free port. */
  readonly adminServerPort: number;
  /** `admin.serverAddress`. Default `0.0.0.0`. */
  readonly adminServerAddress: string;
  /** `snapCount`: transactions between snapshots (ZooKeeper randomises the actual point). Default 100000. */
  readonly snapCount: number;
  /** `autopurge.snapRetainCount`: snapshots (and their logs) kept by autopurge. Default 3, minimum 3. */
  readonly autopurgeSnapRetainCount: number;
  /** `autopurge.purgeInterval`: hours between purges; 0 = autopurge off. Default 0. */
  readonly autopurgePurgeIntervalHours: number;
  /** `forceSync`: fsync the transaction log before acknowledging. `yes`/`no`, default yes. */
  readonly forceSync: boolean;
  /** `jute.maxbuffer`: largest request/response/znode payload in bytes. Default 0xfffff (1048575). */
  readonly juteMaxBufferBytes: number;
  /** `preAllocSize` (given in KB in the file): transaction log files grow in steps of this size. Default 64 MB. */
  readonly preAllocSizeBytes: number;
  /** `globalOutstandingLimit`: queued requests before the server stops reading from clients. Default 1000. */
  readonly globalOutstandingLimit: number;
  /** `server.N` lines, sorted by sid. Empty for a standalone server. */
  readonly servers: readonly QuorumServer[];
  /** `standaloneEnabled`: with exactly one `server.N` line, run standalone instead of as an ensemble of one. Default true. */
  readonly standaloneEnabled: boolean;
  /** `reconfigEnabled`: allow dynamic reconfiguration. Accepted, not implemented. Default false. */
  readonly reconfigEnabled: boolean;
}

export interface ConfigWarning {
  /** 1-based line number, or undefined for a warning about the file as a whole. */
  readonly line: number | undefined;
  readonly key: string | undefined;
  /** A complete sentence including file and line, ready to log. */
  readonly message: string;
}

export interface ParsedZooKeeperConfig {
  readonly config: ZooKeeperConfig;
  /** Things worth telling the user that do not stop the server; the caller logs them. */
  readonly warnings: readonly ConfigWarning[];
}

export interface ParseOptions {
  /** Directory relative `dataDir`/`dataLogDir` are resolved against. Default: `process.cwd()`. */
  readonly cwd?: string;
}

/** The four-letter words ZooKeeper 3.8 knows (FourLetterCommands). */
export const FOUR_LETTER_WORDS: readonly string[] = [
  'conf',
  'cons',
  'crst',
  'dirs',
  'dump',
  'envi',
  'gtmk',
  'hash',
  'isro',
  'mntr',
  'ruok',
  'srst',
  'srvr',
  'stat',
  'stmk',
  'wchc',
  'wchp',
  'wchs',
];

export const ZOOKEEPER_CONFIG_DEFAULTS = {
  tickTimeMs: 2000,
  clientPort: 2181,
  clientPortAddress: '0.0.0.0',
  initLimitTicks: 10,
  syncLimitTicks: 5,
  maxClientCnxns: 60,
  minSessionTimeoutTicks: 2,
  maxSessionTimeoutTicks: 20,
  fourLetterWords: ['srvr'],
  adminEnableServer: true,
  adminServerPort: 8080,
  adminServerAddress: '0.0.0.0',
  snapCount: 100_000,
  snapCountMin: 2,
  autopurgeSnapRetainCount: 3,
  autopurgeSnapRetainCountMin: 3,
  autopurgePurgeIntervalHours: 0,
  forceSync: true,
  juteMaxBufferBytes: 0xfffff,
  preAllocSizeKb: 65_536,
  globalOutstandingLimit: 1000,
  standaloneEnabled: true,
  reconfigEnabled: false,
} as const;

/**
 * Keys Apache ZooKeeper 3.8 understands that kzlab accepts without acting on them. They produce an
 * "ignored" warning rather than an "unknown key" warning.
 */
const IGNORED_KEYS = new Set([
  'secureClientPort',
  'secureClientPortAddress',
  'observerMasterPort',
  'clientPortListenBacklog',
  'localSessionsEnabled',
  'localSessionsUpgradingEnabled',
  'connectToLearnerMasterLimit',
  'electionAlg',
  'quorumListenOnAllIPs',
  'peerType',
  'syncEnabled',
  'dynamicConfigFile',
  'sslQuorum',
  'portUnification',
  'sslQuorumReloadCertFiles',
  'client.portUnification',
  'multiAddress.enabled',
  'multiAddress.reachabilityCheckEnabled',
  'multiAddress.reachabilityCheckTimeoutMs',
  'admin.idleTimeout',
  'admin.commandURL',
  'audit.enable',
  'maxCnxns',
  'serverCnxnFactory',
  'snapSizeLimitInKb',
  'txnLogSizeLimitInKb',
  'commitLogCount',
  'fsync.warningthresholdms',
  'skipACL',
  'cnxTimeout',
  'electionPortBindRetry',
  'leaderServes',
  'digest.enabled',
  'snapshot.trust.empty',
  'snapshot.compression.method',
]);
const IGNORED_PREFIXES = ['quorum.auth.', 'ssl.', 'authProvider.', 'group.', 'weight.', 'metricsProvider.'];

interface PropertyLine {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/**
 * Parses the text of a zoo.cfg. Pure apart from path resolution against `options.cwd`.
 * Throws ConfigError (code KZ_ERR_CONFIG) naming the file, line, key and value for any bad value.
 */
export function parseZooKeeperConfig(
  text: string,
  file: string,
  options: ParseOptions = {},
): ParsedZooKeeperConfig {
  const cwd = options.cwd ?? process.cwd();
  const warnings: ConfigWarning[] = [];
  const warn = (line: number | undefined, key: string | undefined, message: string): void => {
    const where = line === undefined ? file : `${file}:${line}`;
    warnings.push({ line, key, message: `${where}: ${message}` });
  };

  // Last occurrence of each key wins, as with java.util.Properties.
  const entries = new Map<string, PropertyLine>();
  for (const entry of readProperties(text, file)) {
    const earlier = entries.get(entry.key);
    if (earlier !== undefined) {
      warn(
        entry.line,
        entry.key,
        `${entry.key} is set again (first on line ${earlier.line}); the last value wins`,
      );
      entries.delete(entry.key); // re-insert so iteration order follows the winning line
    }
    entries.set(entry.key, entry);
  }

  const fail = (entry: PropertyLine, problem: string): never => {
    throw new ConfigError(problem, { file, line: entry.line, key: entry.key, value: entry.value });
  };
  const int = (entry: PropertyLine, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const parsed = parseInteger(entry.value);
    if (parsed === undefined) return fail(entry, 'not an integer');
    if (parsed < min || parsed > max) {
      return fail(
        entry,
        max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}` : `must be between ${min} and ${max}`,
      );
    }
    return parsed;
  };
  const bool = (entry: PropertyLine, yes: string, no: string): boolean => {
    const lower = entry.value.toLowerCase();
    if (lower === yes) return true;
    if (lower === no) return false;
    return fail(entry, `must be "${yes}" or "${no}"`);
  };
  const nonEmpty = (entry: PropertyLine): string =>
    entry.value === '' ? fail(entry, 'must not be empty') : entry.value;

  const d = ZOOKEEPER_CONFIG_DEFAULTS;
  let tickTimeMs: number = d.tickTimeMs;
  let dataDir: string | undefined;
  let dataLogDir: string | undefined;
  let clientPort: number | undefined;
  let clientPortAddress: string = d.clientPortAddress;
  let initLimitTicks: number = d.initLimitTicks;
  let syncLimitTicks: number = d.syncLimitTicks;
  let maxClientCnxns: number = d.maxClientCnxns;
  let minSessionTimeout: { entry: PropertyLine; valueMs: number } | undefined;
  let maxSessionTimeout: { entry: PropertyLine; valueMs: number } | undefined;
  let fourLetterWordWhitelist: FourLetterWordWhitelist = { all: false, words: [...d.fourLetterWords] };
  let adminEnableServer: boolean = d.adminEnableServer;
  let adminServerPort: number = d.adminServerPort;
  let adminServerAddress: string = d.adminServerAddress;
  let snapCount: number = d.snapCount;
  let autopurgeSnapRetainCount: number = d.autopurgeSnapRetainCount;
  let autopurgePurgeIntervalHours: number = d.autopurgePurgeIntervalHours;
  let forceSync: boolean = d.forceSync;
  let juteMaxBufferBytes: number = d.juteMaxBufferBytes;
  let preAllocSizeBytes: number = d.preAllocSizeKb * 1024;
  let globalOutstandingLimit: number = d.globalOutstandingLimit;
  let standaloneEnabled: boolean = d.standaloneEnabled;
  let reconfigEnabled: boolean = d.reconfigEnabled;
  const serversBySid = new Map<number, QuorumServer>();

  for (const entry of entries.values()) {
    const { key } = entry;
    switch (key) {
      case 'tickTime':
        tickTimeMs = int(entry, 1);
        break;
      case 'dataDir':
        dataDir = path.resolve(cwd, nonEmpty(entry));
        break;
      case 'dataLogDir':
        dataLogDir = path.resolve(cwd, nonEmpty(entry));
        break;
      case 'clientPort':
        clientPort = int(entry, 0, 65_535);
        break;
      case 'clientPortAddress':
        clientPortAddress = nonEmpty(entry);
        break;
      case 'initLimit':
        initLimitTicks = int(entry, 1);
        break;
      case 'syncLimit':
        syncLimitTicks = int(entry, 1);
        break;
      case 'maxClientCnxns':
        maxClientCnxns = int(entry, 0);
        break;
      case 'minSessionTimeout':
        minSessionTimeout = { entry, valueMs: int(entry, 1) };
        break;
      case 'maxSessionTimeout':
        maxSessionTimeout = { entry, valueMs: int(entry, 1) };
        break;
      case '4lw.commands.whitelist':
        fourLetterWordWhitelist = parseWhitelist(entry, warn);
        break;
      case 'admin.enableServer':
        adminEnableServer = bool(entry, 'true', 'false');
        break;
      case 'admin.serverPort':
        adminServerPort = int(entry, 0, 65_535);
        break;
      case 'admin.serverAddress':
        adminServerAddress = nonEmpty(entry);
        break;
      case 'snapCount': {
        const value = int(entry, Number.MIN_SAFE_INTEGER);
        if (value < d.snapCountMin) {
          warn(
            entry.line,
            key,
            `snapCount=${value} is below ${d.snapCountMin}; using ${d.snapCountMin} as ZooKeeper does`,
          );
        }
        snapCount = Math.max(value, d.snapCountMin);
        break;
      }
      case 'autopurge.snapRetainCount': {
        const value = int(entry, Number.MIN_SAFE_INTEGER);
        if (value < d.autopurgeSnapRetainCountMin) {
          warn(
            entry.line,
            key,
            `autopurge.snapRetainCount=${value} is below the minimum ${d.autopurgeSnapRetainCountMin}; ` +
              `using ${d.autopurgeSnapRetainCountMin} as ZooKeeper does`,
          );
        }
        autopurgeSnapRetainCount = Math.max(value, d.autopurgeSnapRetainCountMin);
        break;
      }
      case 'autopurge.purgeInterval':
        autopurgePurgeIntervalHours = int(entry, 0);
        break;
      case 'forceSync':
        forceSync = bool(entry, 'yes', 'no');
        break;
      case 'jute.maxbuffer':
        juteMaxBufferBytes = int(entry, 1);
        break;
      case 'preAllocSize':
        preAllocSizeBytes = int(entry, 1) * 1024;
        break;
      case 'globalOutstandingLimit':
        globalOutstandingLimit = int(entry, 1);
        break;
      case 'standaloneEnabled':
        standaloneEnabled = bool(entry, 'true', 'false');
        break;
      case 'reconfigEnabled':
        reconfigEnabled = bool(entry, 'true', 'false');
        if (reconfigEnabled)
          warn(
            entry.line,
            key,
            'reconfigEnabled=true is accepted but dynamic reconfiguration is not implemented by kzlab',
          );
        break;
      default:
        if (key.startsWith('server.')) {
          const server = parseServerLine(entry, fail);
          const other = serversBySid.get(server.sid);
          if (other !== undefined)
            fail(entry, `duplicate server id ${server.sid} (also on line ${other.line})`);
          serversBySid.set(server.sid, server);
        } else if (IGNORED_KEYS.has(key) || IGNORED_PREFIXES.some((prefix) => key.startsWith(prefix))) {
          warn(
            entry.line,
            key,
            `${key} is an Apache ZooKeeper setting that kzlab does not implement; ignored`,
          );
        } else {
          warn(entry.line, key, `unknown key ${key}; ignored (check the spelling: keys are case-sensitive)`);
        }
    }
  }

  if (dataDir === undefined) {
    throw new ConfigError('dataDir is not set (it is required)', { file, key: 'dataDir' });
  }
  if (clientPort === undefined) {
    clientPort = d.clientPort;
    warn(
      undefined,
      'clientPort',
      `clientPort is not set; using ${d.clientPort} (Apache ZooKeeper 3.8 would refuse to start without it)`,
    );
  }

  // Session timeout bounds default to multiples of tickTime, like ZooKeeperServer.
  const minSessionTimeoutMs = minSessionTimeout?.valueMs ?? d.minSessionTimeoutTicks * tickTimeMs;
  const maxSessionTimeoutMs = maxSessionTimeout?.valueMs ?? d.maxSessionTimeoutTicks * tickTimeMs;
  if (minSessionTimeoutMs > maxSessionTimeoutMs) {
    const describe = (
      given: { entry: PropertyLine } | undefined,
      key: string,
      ticks: number,
      valueMs: number,
    ): string =>
      given === undefined
        ? `${key} (default ${ticks} × tickTime = ${valueMs})`
        : `${key}=${valueMs} (line ${given.entry.line})`;
    const blame = (minSessionTimeout ?? maxSessionTimeout)!.entry; // at least one of them was set
    throw new ConfigError(
      `${describe(minSessionTimeout, 'minSessionTimeout', d.minSessionTimeoutTicks, minSessionTimeoutMs)} ` +
        `must not be larger than ` +
        describe(maxSessionTimeout, 'maxSessionTimeout', d.maxSessionTimeoutTicks, maxSessionTimeoutMs),
      { file, line: blame.line, key: blame.key, value: blame.value },
    );
  }

  const servers = [...serversBySid.values()].sort((a, b) => a.sid - b.sid);

  return {
    config: {
      file,
      tickTimeMs,
      dataDir,
      dataLogDir: dataLogDir ?? dataDir,
      clientPort,
      clientPortAddress,
      initLimitTicks,
      syncLimitTicks,
      maxClientCnxns,
      minSessionTimeoutMs,
      maxSessionTimeoutMs,
      fourLetterWordWhitelist,
      adminEnableServer,
      adminServerPort,
      adminServerAddress,
      snapCount,
      autopurgeSnapRetainCount,
      autopurgePurgeIntervalHours,
      forceSync,
      juteMaxBufferBytes,
      preAllocSizeBytes,
      globalOutstandingLimit,
      servers,
      standaloneEnabled,
      reconfigEnabled,
    },
    warnings,
  };
}

/** Reads and parses a zoo.cfg file. Throws ConfigError if it cannot be read or is invalid. */
export async function loadZooKeeperConfig(
  file: string,
  options: ParseOptions = {},
): Promise<ParsedZooKeeperConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file: ${(error as Error).message}`, { file }, { cause: error });
  }
  return parseZooKeeperConfig(text, file, options);
}

/**
 * True when ZooKeeper would run this config as a standalone server (ZooKeeperServerMain) rather than as
 * an ensemble member (QuorumPeerMain): no `server.N` lines, or exactly one with `standaloneEnabled=true`.
 */
export function isStandalone(config: ZooKeeperConfig): boolean {
  return config.servers.length === 0 || (config.servers.length === 1 && config.standaloneEnabled);
}

/** Is `word` (e.g. `ruok`) allowed by `4lw.commands.whitelist`? */
export function isFourLetterWordAllowed(config: ZooKeeperConfig, word: string): boolean {
  return config.fourLetterWordWhitelist.all || config.fourLetterWordWhitelist.words.includes(word);
}

/**
 * Parses the content of a `myid` file: the server id (`sid`) as a decimal integer on the first line.
 * Throws ConfigError naming `file` if it is not one.
 */
export function parseMyId(text: string, file: string): number {
  const firstLine = (text.split(/\r?\n/, 1)[0] ?? '').trim();
  const sid = /^\d+$/.test(firstLine) ? Number(firstLine) : Number.NaN;
  if (!Number.isSafeInteger(sid)) {
    throw new ConfigError('myid must contain the server id as a non-negative integer', {
      file,
      line: 1,
      value: firstLine,
    });
  }
  return sid;
}

/**
 * Reads `<dataDir>/myid`, the file that tells an ensemble member which `server.N` line it is.
 * A standalone server does not need it. Throws ConfigError if the file is missing or malformed.
 */
export async function readMyId(dataDir: string): Promise<number> {
  const file = path.join(dataDir, 'myid');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read myid file: ${(error as Error).message}`, { file }, { cause: error });
  }
  return parseMyId(text, file);
}

// ---------------------------------------------------------------------------------------------------------

/** Decimal integer, or hexadecimal with 0x (ZooKeeper reads several settings with Integer.decode). */
function parseInteger(text: string): number | undefined {
  let value: number;
  if (/^[+-]?\d+$/.test(text)) value = Number(text);
  else if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(text))
    value = (text.startsWith('-') ? -1 : 1) * Number(text.replace(/^[+-]/, ''));
  else return undefined;
  return Number.isSafeInteger(value) ? value : undefined;
}

function parseWhitelist(
  entry: PropertyLine,
  warn: (line: number, key: string, message: string) => void,
): FourLetterWordWhitelist {
  let all = false;
  const words: string[] = [];
  for (const raw of entry.value.split(',')) {
    const word = raw.trim();
    if (word === '') continue;
    if (word === '*') {
      all = true;
    } else if (!FOUR_LETTER_WORDS.includes(word)) {
      warn(entry.line, entry.key, `"${word}" is not a four-letter word ZooKeeper knows; ignored`);
    } else if (!words.includes(word)) {
      words.push(word);
    }
  }
  return { all, words };
}

/** `server.N=host:quorumPort:electionPort[:participant|observer][;[clientAddr:]clientPort]` */
function parseServerLine(
  entry: PropertyLine,
  fail: (entry: PropertyLine, problem: string) => never,
): QuorumServer {
  const sidText = entry.key.slice('server.'.length);
  if (!/^\d+$/.test(sidText) || !Number.isSafeInteger(Number(sidText))) {
    fail(entry, 'the server id after "server." must be a non-negative integer');
  }
  const sid = Number(sidText);
  const expected =
    'expected host:quorumPort:electionPort[:participant|observer][;[clientAddress:]clientPort]';
  if (entry.value.includes('|')) fail(entry, 'multiple addresses per server (|) are not supported by kzlab');

  const semicolon = entry.value.indexOf(';');
  const serverPart = semicolon === -1 ? entry.value : entry.value.slice(0, semicolon);
  const clientPart = semicolon === -1 ? undefined : entry.value.slice(semicolon + 1).trim();

  const split = splitHostAndRest(serverPart.trim());
  if (split === undefined) return fail(entry, expected);
  const { host, rest } = split;
  if (rest.length < 2 || rest.length > 3) return fail(entry, expected);
  const port = (text: string, what: string): number => {
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= 1 && value <= 65_535)) fail(entry, `${what} "${text}" must be a port between 1 and 65535`);
    return value;
  };
  const quorumPort = port(rest[0]!, 'quorum port');
  const electionPort = port(rest[1]!, 'election port');
  if (quorumPort === electionPort) fail(entry, 'the quorum port and the election port must differ');
  let role: QuorumServer['role'] = 'participant';
  if (rest.length === 3) {
    const roleText = rest[2]!.toLowerCase();
    if (roleText !== 'participant' && roleText !== 'observer') {
      fail(entry, `role "${rest[2]}" must be "participant" or "observer"`);
    }
    role = roleText as QuorumServer['role'];
  }

  let clientPortAddress: string | undefined;
  let clientPort: number | undefined;
  if (clientPart !== undefined) {
    if (clientPart === '') fail(entry, `nothing after ";": ${expected}`);
    const lastColon = clientPart.lastIndexOf(':');
    const portText = lastColon === -1 ? clientPart : clientPart.slice(lastColon + 1);
    if (lastColon !== -1) {
      clientPortAddress = clientPart.slice(0, lastColon).replace(/^\[(.*)\]$/, '$1');
      if (clientPortAddress === '') fail(entry, `empty client address before ":${portText}"`);
    }
    clientPort = port(portText, 'client port');
  }

  return { sid, host, quorumPort, electionPort, role, clientPortAddress, clientPort, line: entry.line };
}

/** Splits `host:a:b[:c]` or `[ipv6]:a:b[:c]` into the host and the remaining colon-separated fields. */
function splitHostAndRest(text: string): { host: string; rest: string[] } | undefined {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close <= 1 || text[close + 1] !== ':') return undefined;
    return { host: text.slice(1, close), rest: text.slice(close + 2).split(':') };
  }
  const fields = text.split(':');
  const host = fields.shift() ?? '';
  if (host === '') return undefined;
  return { host, rest: fields };
}

// --- java.util.Properties line format ----------------------------------------------------------------

const WHITESPACE = new Set([' ', '\t', '\f']);

/** Splits the file into logical `key=value` lines with their 1-based starting line numbers. Keys and values trimmed. */
function readProperties(text: string, file: string): PropertyLine[] {
  const physical = text.split(/\r\n|\r|\n/);
  const result: PropertyLine[] = [];
  for (let index = 0; index < physical.length; index++) {
    const startLine = index + 1;
    let logical = stripLeadingWhitespace(physical[index]!);
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue;
    // An odd number of trailing backslashes continues the line; the next line's leading blanks are dropped.
    while (endsWithContinuation(logical) && index + 1 < physical.length) {
      index++;
      logical = logical.slice(0, -1) + stripLeadingWhitespace(physical[index]!);
    }
    if (endsWithContinuation(logical)) logical = logical.slice(0, -1);
    result.push(splitKeyValue(logical, file, startLine));
  }
  return result;
}

function stripLeadingWhitespace(line: string): string {
  let start = 0;
  while (start < line.length && WHITESPACE.has(line[start]!)) start++;
  return line.slice(start);
}

function endsWithContinuation(line: string): boolean {
  let backslashes = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

function splitKeyValue(logical: string, file: string, line: number): PropertyLine {
  // The key ends at the first unescaped '=', ':' or whitespace.
  let keyEnd = 0;
  while (keyEnd < logical.length) {
    const char = logical[keyEnd]!;
    if (char === '\\') keyEnd += 2;
    else if (char === '=' || char === ':' || WHITESPACE.has(char)) break;
    else keyEnd++;
  }
  keyEnd = Math.min(keyEnd, logical.length);
  let valueStart = keyEnd;
  while (valueStart < logical.length && WHITESPACE.has(logical[valueStart]!)) valueStart++;
  if (valueStart < logical.length && (logical[valueStart] === '=' || logical[valueStart] === ':'))
    valueStart++;
  const key = unescape(logical.slice(0, keyEnd), file, line).trim();
  const value = unescape(logical.slice(valueStart), file, line).trim();
  return { key, value, line };
}

function unescape(text: string, file: string, line: number): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = text[++i];
    if (next === undefined) break;
    if (next === 't') out += '\t';
    else if (next === 'n') out += '\n';
    else if (next === 'r') out += '\r';
    else if (next === 'f') out += '\f';
    else if (next === 'u') {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new ConfigError(`malformed \\uXXXX escape "\\u${hex}"`, { file, line });
      }
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 4;
    } else out += next;
  }
  return out;
}
