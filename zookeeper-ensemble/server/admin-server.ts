// The AdminServer (ZooKeeper's JettyAdminServer) over HTTP with fastify: `GET /commands` lists the
// commands, `GET /commands/<name>` runs one and answers JSON shaped like ZooKeeper 3.8's, down to the
// Jackson pretty-printing (`"key" : value`, `[ a, b ]`, `{ }`), the trailing `"command"` and `"error"`
// fields, 64-bit session ids as exact JSON numbers and doubles printed the Java way ("0.0").
// Aliases (srvr, mntr, wchc, …) answer under the command's primary name, as ZooKeeper does.
//
// Where kzlab differs: an unknown command answers 404 (ZooKeeper 3.8.0 answers 200 with the same JSON;
// later versions moved to 404), and the command list is served as text/html (Jetty sends no type).
import Fastify, { LogController } from 'fastify';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import {
  JavaDouble,
  NOT_SERVING,
  configuration,
  connectionInfos,
  connectionLatency,
  dataWatchesByPath,
  dataWatchesBySession,
  environment,
  ephemeralsBySession,
  formatJavaDouble,
  getTraceMask,
  hex64,
  isReadOnly,
  isServing,
  monitorValues,
  serverLatency,
  serverState,
  sessionExpirySets,
  setTraceMask,
  watchSummary,
  znodeCount,
  ZOOKEEPER_VERSION,
  type ConnectionInfo,
  type FourLetterWordHost,
} from './four-letter-words.ts';
import { listSnapshots } from './snapshot.ts';

/** A server the AdminServer can describe: StandaloneServer, or an ensemble member's shell. */
export interface AdminServerHost extends FourLetterWordHost {
  readonly log: Logger;
}

export interface AdminServerHandle {
  readonly port: number;
  close(): Promise<void>;
}

/** HTTP status of an unknown command (ZooKeeper 3.8.0: 200; 3.9: 404). */
export const UNKNOWN_COMMAND_STATUS = 200;

// ---------------------------------------------------------------------------------------------------------
// JSON as ZooKeeper's Jackson writes it
// ---------------------------------------------------------------------------------------------------------

export type Json =
  null | boolean | number | bigint | string | JavaDouble | readonly Json[] | { readonly [key: string]: Json };

/** Jackson's DefaultPrettyPrinter: objects one key per line (2-space indent), arrays inline. No final newline. */
export function toJacksonJson(value: Json, depth = 0): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : javaDoubleText(value);
  if (typeof value === 'string') return quote(value);
  if (value instanceof JavaDouble) return javaDoubleText(value.value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[ ]';
    return `[ ${value.map((item: Json) => toJacksonJson(item, depth)).join(', ')} ]`;
  }
  const entries = Object.entries(value as { readonly [key: string]: Json });
  if (entries.length === 0) return '{ }';
  const inner = '  '.repeat(depth + 1);
  const body = entries
    .map(([key, item]) => `${inner}${quote(key)} : ${toJacksonJson(item, depth + 1)}`)
    .join(',\n');
  return `{\n${body}\n${'  '.repeat(depth)}}`;
}

function javaDoubleText(x: number): string {
  // Jackson writes doubles with Double.toString; JSON has no NaN or Infinity, Jackson quotes them.
  return Number.isFinite(x) ? formatJavaDouble(x) : `"${formatJavaDouble(x)}"`;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function quote(text: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/["\\\u0000-\u001f]/g, (char) => {
    return SHORT_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  });
  return `"${escaped}"`;
}

// ---------------------------------------------------------------------------------------------------------
// The commands: one table, primary name first
// ---------------------------------------------------------------------------------------------------------

type JsonObject = { [key: string]: Json };

interface AdminCommand {
  /** Primary name first, then aliases (ZooKeeper's Command.getNames()). */
  readonly names: readonly string[];
  /** Answered with NOT_SERVING while the server does not serve (Command.isServerRequired). */
  readonly serverRequired: boolean;
  /** The command's own fields; an `error` field here marks a command-level failure. */
  readonly run: (host: AdminServerHost, params: Readonly<Record<string, string>>) => JsonObject;
}

const COMMANDS: readonly AdminCommand[] = [
  {
    names: ['configuration', 'conf', 'config'],
    serverRequired: true,
    run: (host) => configurationJson(host),
  },
  {
    names: ['connection_stat_reset', 'crst'],
    serverRequired: true,
    run: (host) => {
      host.core.resetConnectionStats();
      return {};
    },
  },
  {
    names: ['connections', 'cons'],
    serverRequired: true,
    run: (host) => ({
      connections: connectionInfos(host).map((c) => connectionJson(c, false)),
      secure_connections: [],
    }),
  },
  {
    names: ['dirs'],
    serverRequired: true,
    run: (host) => {
      const c = configuration(host);
      return { datadir_size: c.dataDirSize, logdir_size: c.logDirSize };
    },
  },
  {
    names: ['dump'],
    serverRequired: true,
    run: (host) => ({
      expiry_time_to_session_ids: Object.fromEntries(
        [...sessionExpirySets(host.core)].map(([expiresAtMs, ids]) => [String(expiresAtMs), ids]),
      ),
      session_id_to_ephemeral_paths: Object.fromEntries(
        [...ephemeralsBySession(host.core)].map(([sessionId, paths]) => [String(sessionId), paths]),
      ),
    }),
  },
  {
    names: ['environment', 'env', 'envi'],
    serverRequired: false,
    run: () => Object.fromEntries(environment()),
  },
  { names: ['get_trace_mask', 'gtmk'], serverRequired: false, run: () => ({ tracemask: getTraceMask() }) },
  // The digest log needs DataTree digests, which kzlab does not keep.
  { names: ['hash'], serverRequired: true, run: () => ({ digests: [] }) },
  {
    names: ['initial_configuration', 'icfg'],
    serverRequired: false,
    run: (host) => ({ initial_configuration: initialConfiguration(host) }),
  },
  { names: ['is_read_only', 'isro'], serverRequired: true, run: (host) => ({ read_only: isReadOnly(host) }) },
  { names: ['last_snapshot', 'lsnp'], serverRequired: true, run: (host) => lastSnapshotJson(host) },
  {
    names: ['leader', 'lead'],
    serverRequired: true,
    run: (host) => {
      const view = host.quorumView?.();
      // A standalone server is no QuorumZooKeeperServer; ZooKeeper answers exactly this.
      if (!view) return { error: 'server is not initialized' };
      const leader = view.peers.find((p) => p.sid === view.leader);
      return { is_leader: view.state === 'LEADING', leader_id: view.leader ?? -1, leader_ip: leader?.host ?? '' };
    },
  },
  {
    // kzlab's own: the whole quorum as this server sees it (the lab's status and the dashboard read it).
    names: ['quorum'],
    serverRequired: false,
    run: (host) => (host.quorumView ? (host.quorumView() as unknown as JsonObject) : { error: 'standalone server' }),
  },
  {
    names: ['monitor', 'mntr'],
    serverRequired: true,
    run: (host) => Object.fromEntries(monitorValues(host)) as JsonObject,
  },
  { names: ['observer_connection_stat_reset', 'orst'], serverRequired: true, run: () => ({}) },
  { names: ['observers', 'obsr'], serverRequired: true, run: () => ({ synced_observers: 0, observers: [] }) },
  { names: ['ruok'], serverRequired: false, run: () => ({}) },
  { names: ['server_stats', 'srvr'], serverRequired: true, run: (host) => serverStatsJson(host) },
  {
    names: ['set_trace_mask', 'stmk'],
    serverRequired: false,
    run: (_host, params): JsonObject => {
      const text = params.traceMask;
      if (text === undefined || !/^[+-]?\d+$/.test(text))
        return { error: 'setTraceMask requires long traceMask argument' };
      setTraceMask(BigInt(text));
      return { tracemask: getTraceMask() };
    },
  },
  {
    names: ['stat_reset', 'srst'],
    serverRequired: true,
    run: (host) => {
      host.core.resetStats();
      return {};
    },
  },
  {
    names: ['stats', 'stat'],
    serverRequired: true,
    run: (host) => ({
      ...serverStatsJson(host),
      connections: connectionInfos(host).map((c) => connectionJson(c, true)),
      secure_connections: [],
    }),
  },
  { names: ['system_properties', 'sysp'], serverRequired: false, run: () => systemProperties() },
  {
    names: ['voting_view'],
    serverRequired: true,
    run: (host) => {
      const config: JsonObject = {};
      for (const p of host.quorumView?.().peers ?? []) {
        const client = p.clientPort === null ? '' : `;0.0.0.0:${p.clientPort}`;
        config[String(p.sid)] = `${p.host}:${p.quorumPort}:${p.electionPort}:participant${client}`;
      }
      return { current_config: config };
    },
  },
  {
    names: ['watch_summary', 'wchs'],
    serverRequired: true,
    run: (host) => {
      const summary = watchSummary(host.core);
      return {
        num_connections: summary.connections,
        num_paths: summary.paths,
        num_total_watches: summary.watches,
      };
    },
  },
  {
    names: ['watches', 'wchc'],
    serverRequired: true,
    run: (host) => ({
      session_id_to_watched_paths: Object.fromEntries(
        [...dataWatchesBySession(host.core)].map(([sessionId, paths]) => [String(sessionId), paths]),
      ),
    }),
  },
  {
    names: ['watches_by_path', 'wchp'],
    serverRequired: true,
    run: (host) => ({ path_to_session_ids: Object.fromEntries(dataWatchesByPath(host.core)) }),
  },
  {
    names: ['zabstate'],
    serverRequired: true,
    run: (host) => {
      const view = host.quorumView?.();
      return view ? { voting: true, zabstate: view.zabState } : { voting: false, zabstate: '' };
    },
  },
];

const COMMAND_BY_NAME = new Map<string, AdminCommand>(
  COMMANDS.flatMap((command) => command.names.map((name) => [name, command] as const)),
);

/** Primary command names, sorted (the `/commands` page). */
export const ADMIN_COMMAND_NAMES: readonly string[] = COMMANDS.map((command) => command.names[0]!).sort();

/** Run one command as ZooKeeper's Commands.runCommand does; `status` is the HTTP status to answer with. */
export function runAdminCommand(
  host: AdminServerHost,
  name: string,
  params: Readonly<Record<string, string>> = {},
): { status: number; body: JsonObject } {
  const command = COMMAND_BY_NAME.get(name);
  if (!command)
    return { status: UNKNOWN_COMMAND_STATUS, body: { command: name, error: `Unknown command: ${name}` } };
  const primary = command.names[0]!;
  if (command.serverRequired && !isServing(host))
    return { status: 200, body: { command: primary, error: NOT_SERVING } };
  const data = command.run(host, params);
  // A command that fails puts its error first and has no second one (as ZooKeeper's responses read).
  return {
    status: 200,
    body: 'error' in data ? { ...data, command: primary } : { ...data, command: primary, error: null },
  };
}

function serverStatsJson(host: AdminServerHost): JsonObject {
  const core = host.core;
  const latency = serverLatency(core);
  const dirs = configuration(host);
  const clientResponse = {
    last_buffer_size: core.stats.lastClientResponseSize,
    min_buffer_size: core.stats.minClientResponseSize,
    max_buffer_size: core.stats.maxClientResponseSize,
  };
  return {
    version: ZOOKEEPER_VERSION,
    read_only: isReadOnly(host),
    server_stats: {
      packets_sent: core.stats.packetsSent,
      packets_received: core.stats.packetsReceived,
      fsync_threshold_exceed_count: 0,
      client_response_stats: clientResponse,
      data_dir_size: dirs.dataDirSize,
      log_dir_size: dirs.logDirSize,
      provider_null: false,
      server_state: serverState(host),
      last_processed_zxid: core.lastProcessedZxid,
      outstanding_requests: core.outstandingRequests,
      avg_latency: new JavaDouble(latency.avg),
      max_latency: latency.max,
      min_latency: latency.min,
      num_alive_client_connections: core.connectionCount(),
      uptime: Math.max(0, Date.now() - host.startedAtMs),
      auth_failed_count: core.stats.authFailedCount,
      non_mtlsremote_conn_count: 0,
      non_mtlslocal_conn_count: 0,
    },
    client_response: clientResponse,
    node_count: znodeCount(core),
  };
}

/** ServerCnxn.getConnectionInfo. */
function connectionJson(connection: ConnectionInfo, brief: boolean): JsonObject {
  const s = connection.stats;
  const info: JsonObject = {
    remote_socket_address: `${s.remoteAddress}:${connection.remotePort}`,
    interest_ops: connection.interestOps,
    outstanding_requests: s.outstandingRequests,
    packets_received: s.packetsReceived,
    packets_sent: s.packetsSent,
  };
  if (brief) return info;
  const latency = connectionLatency(s);
  return {
    ...info,
    session_id: s.sessionId,
    last_operation: s.lastOp,
    established: s.establishedMs,
    session_timeout: s.sessionTimeoutMs,
    last_cxid: s.lastCxid,
    last_zxid: s.lastZxid,
    last_response_time: s.lastResponseMs,
    last_latency: s.lastLatencyMs,
    min_latency: latency.min,
    avg_latency: latency.avg,
    max_latency: latency.max,
  };
}

function configurationJson(host: AdminServerHost): JsonObject {
  const c = configuration(host);
  return {
    client_port: c.clientPort,
    data_dir: c.snapDir,
    data_log_dir: c.logDir,
    tick_time: c.tickTime,
    max_client_cnxns: c.maxClientCnxns,
    min_session_timeout: c.minSessionTimeout,
    max_session_timeout: c.maxSessionTimeout,
    server_id: c.serverId,
    client_port_listen_backlog: -1,
  };
}

/** The config file as it was read (ZooKeeper keeps the text it started from; kzlab re-reads the file). */
function initialConfiguration(host: AdminServerHost): string {
  try {
    return fs.readFileSync(host.config.file, 'utf8');
  } catch {
    return '';
  }
}

/** The newest snapshot: its zxid in hex (no 0x) and its time in seconds. */
function lastSnapshotJson(host: AdminServerHost): JsonObject {
  const snapshots = listSnapshots(host.config.dataDir);
  let newest: { file: string; zxid: bigint } | undefined;
  for (const snapshot of snapshots) if (!newest || snapshot.zxid > newest.zxid) newest = snapshot;
  if (!newest) return { zxid: '0', timestamp: 0 };
  let seconds = 0;
  try {
    seconds = Math.floor(fs.statSync(newest.file).mtimeMs / 1000);
  } catch {
    // removed by autopurge meanwhile
  }
  return { zxid: hex64(newest.zxid), timestamp: seconds };
}

/** The JVM's system properties have no Node.js twin; these are the portable ones, sorted like Java's. */
function systemProperties(): JsonObject {
  const env = Object.fromEntries(environment());
  const properties: Record<string, string> = {
    'file.encoding': 'UTF-8',
    'file.separator': path.sep,
    'java.class.path': env['java.class.path']!,
    'java.home': env['java.home']!,
    'java.io.tmpdir': os.tmpdir(),
    'java.vendor': env['java.vendor']!,
    'java.version': env['java.version']!,
    'line.separator': os.EOL,
    'os.arch': env['os.arch']!,
    'os.name': env['os.name']!,
    'os.version': env['os.version']!,
    'path.separator': path.delimiter,
    'user.dir': env['user.dir']!,
    'user.home': env['user.home']!,
    'user.name': env['user.name']!,
  };
  return Object.fromEntries(Object.entries(properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// ---------------------------------------------------------------------------------------------------------
// The HTTP server
// ---------------------------------------------------------------------------------------------------------

/** The `/commands` page: one link per primary command name, as JettyAdminServer prints it. */
export function commandListHtml(): string {
  return ADMIN_COMMAND_NAMES.map((name) => `<a href="/commands/${name}">${name}</a>\n<br/>\n`).join('');
}

/**
 * Start the AdminServer on admin.serverAddress:admin.serverPort (0 = any free port). Rejects if the port
 * cannot be bound (ZooKeeper then refuses to start).
 */
export async function startAdminServer(server: AdminServerHost): Promise<AdminServerHandle> {
  const log = server.log.child({ component: 'admin-server' });
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
  });

  for (const url of ['/commands', '/commands/']) {
    app.get(url, async (_request, reply) => reply.type('text/html; charset=utf-8').send(commandListHtml()));
  }
  app.get<{ Params: { name: string }; Querystring: Record<string, string | string[]> }>(
    '/commands/:name',
    async (request, reply) => {
      const params: Record<string, string> = {};
      for (const [key, value] of Object.entries(request.query ?? {})) {
        params[key] = Array.isArray(value) ? (value[0] ?? '') : value;
      }
      let result: { status: number; body: JsonObject };
      try {
        result = runAdminCommand(server, request.params.name, params);
      } catch (error) {
        log.error({ err: error, command: request.params.name }, 'admin command failed');
        result = { status: 500, body: { command: request.params.name, error: (error as Error).message } };
      }
      log.debug({ command: request.params.name, status: result.status }, 'admin command');
      // A Buffer, so fastify does not append "; charset=utf-8": ZooKeeper sends plain application/json.
      return reply
        .code(result.status)
        .header('content-type', 'application/json')
        .send(Buffer.from(toJacksonJson(result.body), 'utf8'));
    },
  );

  const { adminServerAddress: host, adminServerPort: port } = server.config;
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  log.info(
    { address: host, port: bound },
    `Started AdminServer on address ${host}, port ${bound} and command URL /commands`,
  );
  return {
    port: bound,
    close: async () => {
      await app.close();
    },
  };
}
