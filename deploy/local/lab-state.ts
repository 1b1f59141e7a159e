// <data-dir>/lab.json: the lab state file. The supervisor (`kzlab up`) writes it when it starts, whenever
// a node gets a new PID, and when it stops; the other `kzlab` commands read it to find the supervisor's
// control API. It is written atomically (temporary file + rename).

import { readFile, rename, writeFile } from 'node:fs/promises';

import { LAB_ERROR_CODES, LabError } from '../cluster/errors.ts';
import type { ClusterInfo } from '../cluster/handle.ts';
import { labStatePath, type ZooKeeperImpl } from '../cluster/spec.ts';
import { processCommandLine, processExists, processStartTicks } from './node-process.ts';

export const LAB_STATE_VERSION = 1;

export interface LabStateNode {
  readonly name: string;
  readonly kind: string;
  readonly sid: number;
  readonly pid: number | null;
  readonly process: string;
  /** ZooKeeper client port, or a broker's Kafka port. */
  readonly clientPort: number;
  /** Null for a broker. */
  readonly quorumPort: number | null;
  readonly electionPort: number | null;
  readonly adminPort: number;
  readonly adminUrl: string;
  readonly dataDir: string;
  readonly config: string;
  readonly log: string;
}

export interface LabState {
  readonly version: number;
  /** `starting` until a leader serves, `running`, `stopping`, `stopped`. */
  readonly state: 'starting' | 'running' | 'stopping' | 'stopped';
  readonly dataDir: string;
  readonly impl: ZooKeeperImpl;
  readonly zookeepers: number;
  /** Brokers (absent in lab.json files written before brokers existed). */
  readonly brokers?: number;
  readonly portBase: number;
  readonly tickTimeMs: number;
  readonly connect: string;
  /** Kafka's bootstrap.servers ('' without brokers; absent in older files). */
  readonly bootstrap?: string;
  readonly controlUrl: string;
  readonly supervisorPid: number;
  /** The supervisor's start time in clock ticks since boot (/proc), to tell it from a later process with its PID. */
  readonly supervisorStartTicks: number | null;
  /** ISO times. */
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly stoppedAt?: string;
  readonly nodes: readonly LabStateNode[];
  /** The fault proxies: `from` reaches `service` of `to` through 127.0.0.1:`port`. */
  readonly proxies: readonly {
    readonly from: string;
    readonly to: string;
    readonly service: string;
    readonly port: number;
  }[];
}

export function labStateFromInfo(
  info: ClusterInfo,
  extra: {
    state: LabState['state'];
    zookeepers: number;
    startedAt: string;
    stoppedAt?: string;
    proxies: LabState['proxies'];
  },
): LabState {
  return {
    version: LAB_STATE_VERSION,
    state: extra.state,
    dataDir: info.dataDir,
    impl: info.impl,
    zookeepers: extra.zookeepers,
    portBase: info.portBase,
    tickTimeMs: info.tickTimeMs,
    brokers: info.nodes.filter((node) => node.kind === 'broker').length,
    connect: info.connect,
    bootstrap: info.bootstrap,
    controlUrl: info.controlUrl,
    supervisorPid: info.supervisorPid,
    supervisorStartTicks: processStartTicks(info.supervisorPid) ?? null,
    startedAt: extra.startedAt,
    updatedAt: new Date().toISOString(),
    ...(extra.stoppedAt === undefined ? {} : { stoppedAt: extra.stoppedAt }),
    nodes: info.nodes.map((node) => ({
      name: node.name,
      kind: node.kind,
      sid: node.sid,
      pid: node.pid,
      process: node.process,
      clientPort: node.clientPort,
      quorumPort: node.quorumPort,
      electionPort: node.electionPort,
      adminPort: node.adminPort,
      adminUrl: node.adminUrl,
      dataDir: node.dataDir,
      config: node.config,
      log: node.log,
    })),
    proxies: extra.proxies,
  };
}

export async function writeLabState(state: LabState): Promise<void> {
  const file = labStatePath(state.dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, file);
}

/** The lab state in `dataDir`, or undefined when there is none. Throws on a file that is not a lab state. */
export async function readLabState(dataDir: string): Promise<LabState | undefined> {
  const file = labStatePath(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let state: LabState;
  try {
    state = JSON.parse(text) as LabState;
  } catch (error) {
    throw new LabError(
      LAB_ERROR_CODES.KZ_ERR_NO_LAB,
      `${file} is not valid JSON: delete it if no lab runs in ${dataDir}`,
      { cause: error },
    );
  }
  if (
    typeof state !== 'object' ||
    state === null ||
    state.version !== LAB_STATE_VERSION ||
    !Array.isArray(state.nodes)
  ) {
    throw new LabError(
      LAB_ERROR_CODES.KZ_ERR_NO_LAB,
      `${file} is not a kzlab lab state (version ${LAB_STATE_VERSION}): delete it if no lab runs in ${dataDir}`,
    );
  }
  return state;
}

/**
 * Is the supervisor recorded in `state` still running? The PID must exist and, where /proc tells, have
 * the recorded start time — a PID reused by another program (after a reboot, say) does not count.
 */
export function supervisorAlive(state: LabState): boolean {
  if (state.state === 'stopped') return false;
  if (!processExists(state.supervisorPid)) return false;
  const recorded = state.supervisorStartTicks;
  const actual = processStartTicks(state.supervisorPid);
  if (recorded === null || recorded === undefined || actual === undefined) return true; // nothing to compare
  return recorded === actual;
}

/**
 * Node processes of a lab whose supervisor died without stopping them (it was SIGKILLed): PIDs from
 * lab.json that still run with that node's zoo.cfg (a broker: server.properties) on their command line.
 */
export function strandedNodes(state: LabState): { name: string; pid: number }[] {
  const stranded: { name: string; pid: number }[] = [];
  for (const node of state.nodes) {
    if (node.pid === null || !processExists(node.pid)) continue;
    const commandLine = processCommandLine(node.pid);
    if (commandLine !== undefined && commandLine.includes(node.config))
      stranded.push({ name: node.name, pid: node.pid });
  }
  return stranded;
}
