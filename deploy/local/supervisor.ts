// The supervisor: what `kzlab up` runs in the foreground. It
//   1. refuses to start over a lab that still runs in the same data directory (and SIGKILLs node
//      processes left behind by a supervisor that was itself SIGKILLed — only PIDs from lab.json whose
//      command line names that node's zoo.cfg),
//   2. checks that every port of the plan is free,
//   3. starts the control API (fastify, 127.0.0.1) and a LocalCluster (fault proxies + servers, then
//      the brokers once the ensemble serves),
//   4. keeps <data-dir>/lab.json up to date and appends every event to <data-dir>/events.jsonl,
//   5. starts the teaching dashboard (deploy/dashboard) unless told not to, and prints the connect string,
//      the brokers' bootstrap string and the dashboard's URL (or one JSON line with --json) once a
//      leader serves and every broker is registered,
//   6. on Ctrl-C, SIGTERM, SIGHUP or POST /stop stops every server (SIGTERM, then SIGKILL after a
//      deadline) and the proxies; a second Ctrl-C SIGKILLs everything at once. Data stays.

import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import pino from 'pino';

import { KZ_ERROR_CODES, KzError } from '../../client/common/errors.ts';
import { LAB_ERROR_CODES, LabError } from '../cluster/errors.ts';
import { formatEvent, formatMs, formatReady } from '../cluster/format.ts';
import type { ClusterEvent, ClusterInfo, ClusterStatus } from '../cluster/handle.ts';
import {
  bootstrapServers,
  connectString,
  controlUrl,
  labEventsPath,
  type ClusterSpec,
} from '../cluster/spec.ts';
import type { DashboardServer } from '../dashboard/dashboard-server.ts';
import { startControlServer, type ControlServer } from './control-server.ts';
import {
  labStateFromInfo,
  readLabState,
  strandedNodes,
  supervisorAlive,
  writeLabState,
  type LabState,
} from './lab-state.ts';
import { LocalCluster } from './local-cluster.ts';
import { processExists } from './node-process.ts';
import { assertPlanPortsFree, isPortFree } from './ports.ts';

export interface SupervisorIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** For showing paths relative to where the user is. */
  readonly cwd: string;
}

export interface SupervisorOptions {
  readonly spec: ClusterSpec;
  /** Print one JSON line when ready instead of the text block. */
  readonly json: boolean;
  readonly readyTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  readonly roleWatchIntervalMs?: number;
  /** Fault proxies between the servers (default true); see LocalClusterOptions.faultProxies. */
  readonly faultProxies?: boolean;
  /** Install SIGINT/SIGTERM/SIGHUP handlers. Default true. */
  readonly handleSignals?: boolean;
  /** Resolving this stops the lab too (tests). */
  readonly stopWhen?: Promise<unknown>;
  /** The dashboard's port (0: any free port); null or absent: no dashboard. */
  readonly dashboardPort?: number | null;
}

/** The JSON line `kzlab up --json` prints once ready. */
export interface UpJsonLine {
  /** The ZooKeeper connect string (the lab's ensemble, or the external one). */
  readonly zookeeper: string;
  /** Kafka's bootstrap.servers: `127.0.0.1:9092,…`; '' without brokers. */
  readonly bootstrap: string;
  /** ZooKeeper servers (kind `zookeeper`), then brokers (kind `broker`: sid = broker.id, clientPort = Kafka port). */
  readonly nodes: readonly {
    readonly name: string;
    readonly kind: string;
    readonly sid: number;
    readonly pid: number | null;
    readonly clientPort: number;
    readonly quorumPort: number | null;
    readonly electionPort: number | null;
    readonly adminPort: number;
    readonly adminUrl: string;
    readonly dataDir: string;
    readonly config: string;
    readonly log: string;
  }[];
  readonly leader: string | null;
  /** The broker holding the controller when the lab became ready, or null. */
  readonly controller: string | null;
  readonly impl: string;
  readonly portBase: number;
  readonly dataDir: string;
  readonly control: string;
  /** The dashboard's URL, or null without one. */
  readonly dashboard: string | null;
  readonly supervisorPid: number;
  readonly readyAfterMs: number;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs a lab until it is told to stop. Returns the exit status: 0 after a requested stop, 1 if it failed to start. */
export async function runLabSupervisor(options: SupervisorOptions, io: SupervisorIo): Promise<number> {
  const { spec } = options;
  // Paths below the current directory are shown relative to it, others in full.
  const show = (file: string): string => {
    const relative = path.relative(io.cwd, file);
    return relative === '' ? '.' : relative.startsWith('..') ? file : relative;
  };
  await mkdir(spec.dataDir, { recursive: true });
  await checkPreviousLab(spec, io);
  await assertPlanPortsFree(spec.ports, spec.host, { brokerPeers: options.faultProxies !== false });
  const dashboardPort = options.dashboardPort ?? null;
  if (dashboardPort !== null && dashboardPort !== 0 && !(await isPortFree(dashboardPort, spec.host))) {
    throw new KzError(
      KZ_ERROR_CODES.KZ_ERR_PORT_IN_USE,
      `the dashboard's port ${dashboardPort} is already in use on ${spec.host}: choose another with --dashboard-port N, or --dashboard-port 0 for none`,
    );
  }

  const startedAt = new Date().toISOString();
  const began = performance.now();
  const cluster = new LocalCluster({
    spec,
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
    ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
    ...(options.roleWatchIntervalMs === undefined
      ? {}
      : { roleWatchIntervalMs: options.roleWatchIntervalMs }),
    controlUrl: controlUrl(spec),
    supervisorPid: process.pid,
  });

  // Stop requests: signals, POST /stop, options.stopWhen. The first one stops cleanly; a second signal
  // SIGKILLs everything at once.
  let stopReason: string | undefined;
  let resolveStop!: (reason: string) => void;
  const stopRequested = new Promise<string>((resolve) => {
    resolveStop = resolve;
  });
  const requestStop = (reason: string): void => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    resolveStop(reason);
    // Interrupts a start in progress too.
    void cluster.stop(reason);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopReason === undefined) {
      requestStop(signal);
      return;
    }
    io.stderr(`${signal} again: SIGKILL to every server now`);
    cluster.killAllNow();
  };
  const onExit = (): void => cluster.killAllNow();
  if (options.handleSignals !== false) for (const signal of SIGNALS) process.on(signal, onSignal);
  // Whatever happens to this process, its servers do not outlive it (unless it is SIGKILLed itself).
  process.on('exit', onExit);
  void options.stopWhen?.then(() => requestStop('stopWhen'));

  // lab.json, written one at a time; events.jsonl; the terminal narrative on stderr.
  let labState: LabState['state'] = 'starting';
  let writing: Promise<void> = Promise.resolve();
  const saveState = (state: LabState['state'], stoppedAt?: string): Promise<void> => {
    labState = state;
    writing = writing
      .then(async () => {
        const info = await cluster.info();
        await writeLabState(
          labStateFromInfo(info, {
            state: labState,
            zookeepers: spec.zookeeper.count,
            startedAt,
            proxies: cluster.proxyPorts(),
            ...(stoppedAt === undefined ? {} : { stoppedAt }),
          }),
        );
      })
      .catch((error: unknown) =>
        io.stderr(`kzlab up: could not write lab.json: ${(error as Error).message}`),
      );
    return writing;
  };
  const eventsFile: WriteStream = createWriteStream(labEventsPath(spec.dataDir), { flags: 'a' });
  eventsFile.on('error', (error) => io.stderr(`kzlab up: could not write events.jsonl: ${error.message}`));
  const unsubscribe = cluster.subscribe((event: ClusterEvent) => {
    eventsFile.write(`${JSON.stringify(event)}\n`);
    if (!isNoise(event)) io.stderr(formatEvent(event));
    if (event.type === 'node-started' || event.type === 'node-exited') void saveState(labState);
  });

  let control: ControlServer | undefined;
  let dashboard: DashboardServer | undefined;
  let exitStatus = 0;
  try {
    control = await startControlServer({
      cluster,
      host: spec.host,
      port: spec.ports.controlPort,
      onStop: () => requestStop('POST /stop'),
    });
    if (dashboardPort !== null) {
      // Before the lab starts, so a learner can watch it boot.
      const { startDashboard } = await import('../dashboard/dashboard-server.ts');
      dashboard = await startDashboard({
        cluster,
        host: spec.host,
        port: dashboardPort,
        log: pino(
          { level: 'info' },
          pino.destination({ dest: path.join(spec.dataDir, 'dashboard.log'), sync: true }),
        ),
      });
    }
    await saveState('starting');
    let info: ClusterInfo;
    try {
      info = await cluster.start();
    } catch (error) {
      if (stopReason !== undefined) throw new StopDuringStart();
      throw error;
    }
    const status = await cluster.status();
    await saveState('running');
    const readyAfterMs = Math.round(performance.now() - began);
    if (options.json) {
      io.stdout(JSON.stringify(upJsonLine(spec, info, status, readyAfterMs, dashboard?.url ?? null)));
    } else {
      io.stdout(formatReady(info, status, show, dashboard?.url ?? null));
    }
    await stopRequested;
  } catch (error) {
    if (!(error instanceof StopDuringStart)) {
      exitStatus = 1;
      reportStartFailure(error, io);
    }
  } finally {
    if (stopReason === undefined) requestStop('start failed');
    await saveState('stopping');
    const report = await cluster.stop(stopReason ?? 'stop');
    await dashboard?.close();
    await control?.close();
    unsubscribe();
    await saveState('stopped', new Date().toISOString());
    await new Promise<void>((resolve) => eventsFile.end(() => resolve()));
    if (options.handleSignals !== false) for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off('exit', onExit);
    if (report.nodes.length > 0) {
      io.stderr(
        `stopped ${report.nodes.map((node) => `${node.node} (pid ${node.pid}, ${node.signal}, ${formatMs(node.goneAfterMs)})`).join(', ')}; data kept in ${show(spec.dataDir)}`,
      );
    }
  }
  return exitStatus;
}

class StopDuringStart extends Error {}

function upJsonLine(
  spec: ClusterSpec,
  info: ClusterInfo,
  status: ClusterStatus,
  readyAfterMs: number,
  dashboardUrl: string | null,
): UpJsonLine {
  return {
    zookeeper: connectString(spec),
    bootstrap: bootstrapServers(spec),
    nodes: info.nodes.map((node) => ({
      name: node.name,
      kind: node.kind,
      sid: node.sid,
      pid: node.pid,
      clientPort: node.clientPort,
      quorumPort: node.quorumPort,
      electionPort: node.electionPort,
      adminPort: node.adminPort,
      adminUrl: node.adminUrl,
      dataDir: node.dataDir,
      config: node.config,
      log: node.log,
    })),
    leader: status.leader,
    controller: status.controller,
    impl: info.impl,
    portBase: info.portBase,
    dataDir: info.dataDir,
    control: info.controlUrl,
    dashboard: dashboardUrl,
    supervisorPid: info.supervisorPid,
    readyAfterMs,
  };
}

/** Start-up chatter that says nothing new on a terminal (it still goes to events.jsonl). */
function isNoise(event: ClusterEvent): boolean {
  return (
    event.type === 'role-changed' &&
    ((event.from === 'down' && event.to === 'unreachable') ||
      (event.from === 'unreachable' && event.to === 'down'))
  );
}

function reportStartFailure(error: unknown, io: SupervisorIo): void {
  if (error instanceof KzError) {
    io.stderr(`kzlab up: ${error.message} [${error.code}]`);
  } else {
    io.stderr(
      `kzlab up: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
}

/**
 * A lab.json in the data directory: refuse if its supervisor still runs or its shape differs; clear
 * away node processes a dead supervisor left behind.
 */
async function checkPreviousLab(spec: ClusterSpec, io: SupervisorIo): Promise<void> {
  const previous = await readLabState(spec.dataDir);
  if (previous === undefined) return;
  if (supervisorAlive(previous)) {
    throw new LabError(
      LAB_ERROR_CODES.KZ_ERR_LAB_EXISTS,
      `a lab already runs in ${spec.dataDir} (supervisor pid ${previous.supervisorPid}, control API ${previous.controlUrl}). ` +
        `Look at it with \`npx kzlab status --data-dir ${spec.dataDir}\`, stop it with Ctrl-C in its terminal (or kill ${previous.supervisorPid}), or use another --data-dir.`,
    );
  }
  for (const { name, pid } of strandedNodes(previous)) {
    io.stderr(
      `kzlab up: ${name} (pid ${pid}) was left running by a lab supervisor that died: sending SIGKILL`,
    );
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    const deadline = performance.now() + 5000;
    while (processExists(pid) && performance.now() < deadline) await delay(20);
    if (processExists(pid)) {
      throw new LabError(
        LAB_ERROR_CODES.KZ_ERR_LAB_EXISTS,
        `${name} (pid ${pid}) from an earlier lab in ${spec.dataDir} does not go away; stop it by hand`,
      );
    }
  }
  if (previous.impl !== spec.zookeeper.impl || previous.zookeepers !== spec.zookeeper.count) {
    // The brokers' meta.properties name the cluster of that ZooKeeper, so the shape includes which one.
    const asItWas =
      previous.zookeepers === 0
        ? `--zookeeper-connect ${previous.connect}`
        : `--zookeepers ${previous.zookeepers} --impl ${previous.impl}`;
    throw new LabError(
      LAB_ERROR_CODES.KZ_ERR_LAB_EXISTS,
      `${spec.dataDir} holds a lab of ${describeZooKeeper(previous.zookeepers, previous.impl, previous.connect)}; this one would have ${describeZooKeeper(spec.zookeeper.count, spec.zookeeper.impl, connectString(spec))}. ` +
        `Start it as it was (${asItWas}), use another --data-dir, or delete ${spec.dataDir} to start afresh.`,
    );
  }
}

function describeZooKeeper(count: number, impl: string, connect: string): string {
  return count === 0
    ? `brokers on an external ZooKeeper (${connect})`
    : `${count} ${impl} ZooKeeper server(s)`;
}
