// CPU accounting for benchmarks: this process (process.cpuUsage), a server process tree
// (/proc/<pid>/stat utime+stime of the pid and all its descendants) and the whole machine (/proc/stat).
// Linux only for the /proc parts; elsewhere those figures are null.

import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Linux USER_HZ: /proc reports CPU time in 1/100 s ticks on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

/** Fields after the `(comm)` part of /proc/<pid>/stat, or null if the process is gone. */
function statFields(pid: number): string[] | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // fields[0] is field 3 of proc(5) (state), so field N is fields[N - 3].
  return text.slice(close + 2).split(' ');
}

/** utime + stime of one process in ticks, or null if it does not exist. */
export function processCpuTicks(pid: number): number | null {
  const f = statFields(pid);
  if (f === null) return null;
  const utime = Number(f[14 - 3]);
  const stime = Number(f[15 - 3]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

/** The pid and all its live descendants (scans /proc once). */
export function processTree(rootPid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [rootPid];
  }
  const children = new Map<number, number[]>();
  for (const name of entries) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    const f = statFields(pid);
    if (f === null) continue;
    const ppid = Number(f[4 - 3]);
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push(pid);
    for (const child of children.get(pid) ?? []) queue.push(child);
  }
  return out;
}

/** CPU seconds used so far by the pid's process tree, or null if the root pid is gone / no /proc. */
export function processTreeCpuSeconds(rootPid: number): number | null {
  if (processCpuTicks(rootPid) === null) return null;
  let ticks = 0;
  for (const pid of processTree(rootPid)) ticks += processCpuTicks(pid) ?? 0;
  return ticks / TICKS_PER_SECOND;
}

export interface MachineCpu {
  busySeconds: number;
  totalSeconds: number;
}

/** Aggregate machine CPU from /proc/stat ("busy" excludes idle and iowait), or null without /proc. */
export function machineCpu(): MachineCpu | null {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return null;
  }
  const line = text.slice(0, text.indexOf('\n'));
  if (!line.startsWith('cpu ')) return null;
  // user nice system idle iowait irq softirq steal [guest guest_nice: already counted in user/nice]
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = v[3] + v[4];
  return { busySeconds: (total - idle) / TICKS_PER_SECOND, totalSeconds: total / TICKS_PER_SECOND };
}

export interface CpuSnapshot {
  wallMs: number;
  client: NodeJS.CpuUsage;
  /** CPU seconds per server pid (tree already expanded); null when none is known or alive. */
  server: Map<number, number> | null;
  machine: MachineCpu | null;
}

/** The given pids and all their descendants, deduplicated (scan /proc once per root, outside hot loops). */
export function expandProcessTrees(rootPids: readonly number[]): number[] {
  const all = new Set<number>();
  for (const root of rootPids) {
    if (processCpuTicks(root) === null) continue;
    for (const pid of processTree(root)) all.add(pid);
  }
  return [...all];
}

/**
 * Read all three clocks. `serverPids` should already be expanded (expandProcessTrees) so that
 * taking a snapshot costs a few small /proc reads, not a /proc scan. Empty list: server is null.
 */
export function cpuSnapshot(serverPids: readonly number[]): CpuSnapshot {
  let server: Map<number, number> | null = null;
  for (const pid of serverPids) {
    const ticks = processCpuTicks(pid);
    if (ticks === null) continue;
    server ??= new Map();
    server.set(pid, ticks / TICKS_PER_SECOND);
  }
  return { wallMs: performance.now(), client: process.cpuUsage(), server, machine: machineCpu() };
}

/** CPU use between two snapshots. Percentages of ONE core except machineBusyPct (of all cores). */
export interface CpuUse {
  wallSeconds: number;
  /** This benchmark process (the client), % of one core. ~100 % means the client was the bottleneck. */
  clientCorePct: number;
  /** Server process tree(s), % of one core; null when no server pid is known. */
  serverCorePct: number | null;
  /** Everything else on the machine, % of one core (machine busy minus client minus server). */
  otherCorePct: number | null;
  /** Whole machine busy, % of all cores together. */
  machineBusyPct: number | null;
  cores: number;
}

export function cpuUse(start: CpuSnapshot, end: CpuSnapshot): CpuUse {
  const wallSeconds = Math.max(1e-9, (end.wallMs - start.wallMs) / 1000);
  const clientSeconds = (end.client.user - start.client.user + end.client.system - start.client.system) / 1e6;
  let serverSeconds: number | null = null;
  if (start.server !== null && end.server !== null) {
    serverSeconds = 0;
    // only pids alive at both ends, so a process that exits in between does not go negative
    for (const [pid, before] of start.server) {
      const after = end.server.get(pid);
      if (after !== undefined) serverSeconds += after - before;
    }
  }
  let machineBusyPct: number | null = null;
  let otherCorePct: number | null = null;
  const cores = availableParallelism();
  if (start.machine !== null && end.machine !== null) {
    const busy = end.machine.busySeconds - start.machine.busySeconds;
    const total = end.machine.totalSeconds - start.machine.totalSeconds;
    if (total > 0) {
      machineBusyPct = (100 * busy) / total;
      // total/wall ~ number of cores, so busy/wall is "cores busy"
      const otherSeconds = Math.max(0, busy - clientSeconds - (serverSeconds ?? 0));
      otherCorePct = (100 * otherSeconds) / wallSeconds;
    }
  }
  return {
    wallSeconds,
    clientCorePct: (100 * clientSeconds) / wallSeconds,
    serverCorePct: serverSeconds === null ? null : (100 * serverSeconds) / wallSeconds,
    otherCorePct,
    machineBusyPct,
    cores,
  };
}
