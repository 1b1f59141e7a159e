// One lab node as an OS process: the command line of each ZooKeeper implementation, spawning with the
// output appended to the node's log file, signals by PID, and waiting (with deadlines) for the process to
// be gone or stopped.
//
// Children are spawned `detached` (their own process group) so that Ctrl-C in the terminal reaches only
// the supervisor, which then stops them in order; the supervisor signals each child by its PID only.

import os from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, realpathSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { LAB_ERROR_CODES, LabError } from '../cluster/errors.ts';
import type { ProcessState } from '../cluster/handle.ts';
import type { ZooKeeperImpl } from '../cluster/spec.ts';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const KZLAB_ZOOKEEPER_MAIN = path.join(REPO_ROOT, 'zookeeper-ensemble', 'main.ts');
const KZLAB_BROKER_MAIN = path.join(REPO_ROOT, 'broker', 'main.ts');
const REPO_NODE = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');

const APACHE_JAR_DIR = '/usr/share/java';
const APACHE_JAR = path.join(APACHE_JAR_DIR, 'zookeeper.jar');
/** Added to the class path when present: a logging binding, and the servlet API for the AdminServer. */
const APACHE_EXTRA_JARS = ['slf4j-simple.jar', 'servlet-api.jar'];
const APACHE_MAIN_CLASS = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';

export interface NodeCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

/**
 * The command line that runs one ZooKeeper server from `configPath`. QuorumPeerMain (Apache) runs a
 * standalone server by itself when the file has no `server.N` lines, as ours does.
 */
export function zookeeperCommand(impl: ZooKeeperImpl, configPath: string, nodeDir: string): NodeCommand {
  if (impl === 'kzlab') {
    if (!existsSync(KZLAB_ZOOKEEPER_MAIN)) {
      throw new LabError(
        LAB_ERROR_CODES.KZ_ERR_NODE_START,
        `${KZLAB_ZOOKEEPER_MAIN} does not exist: kzlab's ZooKeeper server is not built yet`,
      );
    }
    return { command: projectNode(), args: [KZLAB_ZOOKEEPER_MAIN, configPath], cwd: REPO_ROOT };
  }
  if (!existsSync(APACHE_JAR)) {
    throw new LabError(
      LAB_ERROR_CODES.KZ_ERR_NODE_START,
      `${APACHE_JAR} not found: --impl apache needs Debian's Apache ZooKeeper (apt-get install zookeeper)`,
    );
  }
  const classPath = [
    APACHE_JAR,
    ...APACHE_EXTRA_JARS.map((jar) => path.join(APACHE_JAR_DIR, jar)).filter((jar) => existsSync(jar)),
  ];
  return {
    command: 'java',
    args: [
      // Small and quick to start: these JVMs hold a few znodes.
      '-Xms32m',
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-cp',
      classPath.join(':'),
      APACHE_MAIN_CLASS,
      configPath,
    ],
    cwd: nodeDir,
  };
}

/** The command line that runs one Kafka broker from its server.properties (`kzlab kafka-server`'s entry). */
export function brokerCommand(configPath: string): NodeCommand {
  if (!existsSync(KZLAB_BROKER_MAIN)) {
    throw new LabError(
      LAB_ERROR_CODES.KZ_ERR_NODE_START,
      `${KZLAB_BROKER_MAIN} does not exist: kzlab's Kafka broker is not built yet`,
    );
  }
  return { command: projectNode(), args: [KZLAB_BROKER_MAIN, configPath], cwd: REPO_ROOT };
}

/** The project's Node 24 (the `node` npm package); this process's own node when that is missing. */
function projectNode(): string {
  return existsSync(REPO_NODE) ? realpathSync(REPO_NODE) : process.execPath;
}

export interface ExitInfo {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** performance.now() when the exit was seen. */
  readonly atMonotonic: number;
}

/** Why the supervisor expects the current process to end (an exit without a reason is a crash). */
export type ExitReason = 'kill' | 'restart' | 'stop';

/** A lab node's process across restarts. */
export class NodeProcess {
  readonly name: string;
  readonly logPath: string;
  state: ProcessState = 'stopped';
  /** Set while the supervisor itself is ending the process. */
  expectedExit: ExitReason | undefined;
  lastExit: ExitInfo | undefined;
  private child: ChildProcess | undefined;
  private currentPid: number | null = null;
  private exitPromise: Promise<ExitInfo> | undefined;
  private readonly onExit: (exit: ExitInfo, expected: ExitReason | undefined) => void;

  constructor(
    name: string,
    logPath: string,
    onExit: (exit: ExitInfo, expected: ExitReason | undefined) => void,
  ) {
    this.name = name;
    this.logPath = logPath;
    this.onExit = onExit;
  }

  get pid(): number | null {
    return this.currentPid;
  }

  /** A process exists (running, starting or paused). */
  get alive(): boolean {
    return this.child !== undefined;
  }

  /** Starts the process with stdout and stderr appended to the log file. Returns the PID. */
  spawn(command: NodeCommand): number {
    if (this.child !== undefined)
      throw new Error(`${this.name} already has a process (pid ${this.currentPid})`);
    const fd = openSync(this.logPath, 'a');
    let child: ChildProcess;
    try {
      writeSync(
        fd,
        `\n==== ${new Date().toISOString()} kzlab starts ${this.name}: ${command.command} ${command.args.join(' ')}\n`,
      );
      child = spawn(command.command, [...command.args], {
        cwd: command.cwd,
        // Node's compile cache (shared by the lab's servers) skips re-stripping and re-compiling our
        // TypeScript on every start: ~150 ms less per server process.
        env: { NODE_COMPILE_CACHE: path.join(os.tmpdir(), 'kzlab-node-compile-cache'), ...process.env },
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) {
      // No PID: the executable could not be started (ENOENT and the like); its 'error' event follows.
      child.once('error', () => {});
      throw new LabError(
        LAB_ERROR_CODES.KZ_ERR_NODE_START,
        `could not start ${this.name}: ${command.command} did not start (is it installed?)`,
      );
    }
    const pid = child.pid;
    this.child = child;
    this.currentPid = pid;
    this.state = 'starting';
    this.expectedExit = undefined;
    this.exitPromise = new Promise<ExitInfo>((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (done) return;
        done = true;
        const exit: ExitInfo = { pid, code, signal, atMonotonic: performance.now() };
        this.lastExit = exit;
        this.child = undefined;
        this.currentPid = null;
        const expected = this.expectedExit;
        this.expectedExit = undefined;
        resolve(exit);
        this.onExit(exit, expected);
      };
      child.once('exit', (code, signal) => finish(code, signal));
      child.once('error', () => finish(null, null));
    });
    return pid;
  }

  /** Sends `signal` to the current process; false when there is none (or it is already gone). */
  signal(signal: NodeJS.Signals): boolean {
    const pid = this.currentPid;
    if (pid === null) return false;
    try {
      process.kill(pid, signal);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw error;
    }
  }

  /** Resolves with the exit, or undefined if the process is still there after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<ExitInfo | undefined> {
    const exited = this.exitPromise;
    if (this.child === undefined || exited === undefined) return this.lastExit;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last lines of the log file (for start-up failures). */
  logTail(lines = 25): string {
    try {
      const text = readFileSync(this.logPath, 'utf8');
      return text
        .split('\n')
        .slice(-lines - 1)
        .join('\n')
        .trimEnd();
    } catch {
      return '(no log)';
    }
  }
}

/**
 * The kernel's run state of a process (the third field of /proc/<pid>/stat): `R` running, `S` sleeping,
 * `T` stopped (SIGSTOP), `Z` zombie, …; undefined when there is no such process or no /proc.
 */
export function kernelProcessState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).charAt(0) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined without
 * /proc. Together with the PID it names one process for good: a PID reused later has another start time.
 */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so field 22 is fields[19].
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/** Is /proc there to ask? (Linux.) */
export function canReadProcessStates(): boolean {
  return existsSync(`/proc/${process.pid}/stat`);
}

/** The command line of a process (arguments joined by spaces), or undefined. */
export function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/** Is there a process with this PID (that we may signal)? */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
