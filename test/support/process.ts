// Child processes for tests: output captured to a file, bounded waits, stop by PID (always awaited).
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** File receiving the child's stdout and stderr. */
  readonly logPath: string;
  /** Resolves when the child has exited (never rejects). */
  readonly exited: Promise<ExitStatus>;
  /** The exit status once the child has exited, else undefined. */
  exitStatus(): ExitStatus | undefined;
  readLog(): string;
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL if still alive after `graceMs`; resolves once the child has exited. */
  stop(options?: { graceMs?: number; signal?: NodeJS.Signals }): Promise<ExitStatus>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Directory for the log file; a fresh temp dir by default. */
  logDir?: string;
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kzlab-${prefix}-`));
}

export function tailOf(text: string, lines = 40): string {
  const all = text.split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}

/** PIDs of children still running; killed if this process exits without stopping them (crash, abort). */
const liveChildren = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pid of liveChildren) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function spawnLogged(options: SpawnOptions): ManagedProcess {
  const logDir = options.logDir ?? makeTempDir(options.name);
  const logPath = join(logDir, `${options.name}.log`);
  const fd = openSync(logPath, 'a');
  let child;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      status = { code, signal };
      resolve(status);
    });
    child.once('error', (error) => {
      try {
        appendFileSync(logPath, `\n[spawn error] ${error.message}\n`);
      } finally {
        status ??= { code: null, signal: null };
        resolve(status);
      }
    });
  });
  if (child.pid === undefined) {
    throw new Error(`failed to spawn ${options.command}: no pid (does the executable exist?)`);
  }
  const pid = child.pid;
  installExitHook();
  liveChildren.add(pid);
  void exited.then(() => liveChildren.delete(pid));
  const readLog = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  const handle: ManagedProcess = {
    name: options.name,
    pid,
    logPath,
    exited,
    exitStatus: () => status,
    readLog,
    logTail: (lines = 40) => tailOf(readLog(), lines),
    async stop({ graceMs = 5_000, signal = 'SIGTERM' } = {}) {
      if (status) return status;
      sendSignal(pid, signal);
      const timer = new Promise<'timeout'>((resolve) => {
        const t = setTimeout(() => resolve('timeout'), graceMs);
        void exited.then(() => clearTimeout(t));
      });
      const first = await Promise.race([exited, timer]);
      if (first !== 'timeout') return first;
      sendSignal(pid, 'SIGKILL');
      const killTimer = new Promise<'timeout'>((resolve) => {
        const t = setTimeout(() => resolve('timeout'), 10_000);
        void exited.then(() => clearTimeout(t));
      });
      const second = await Promise.race([exited, killTimer]);
      if (second === 'timeout')
        throw new Error(`${options.name} (pid ${pid}) did not exit 10 s after SIGKILL`);
      return second;
    },
  };
  return handle;
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export interface WaitForOptions {
  deadlineMs: number;
  /** What we are waiting for, in words, for the error message. */
  what: string;
  intervalMs?: number;
  /** Extra context for the error (e.g. a server's log tail). */
  context?: () => string;
}

/**
 * Polls `predicate` until it returns a truthy value (returned) or the deadline passes (throws a clear
 * error with the last predicate error and `context()`). Exceptions thrown by the predicate count as "not yet".
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { deadlineMs, what, intervalMs = 50, context }: WaitForOptions,
): Promise<NonNullable<T>> {
  const start = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() - start >= deadlineMs) {
      const parts = [`timed out after ${deadlineMs} ms waiting for ${what}`];
      if (lastError !== undefined) {
        parts.push(`last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
      }
      if (context) parts.push(`--- context ---\n${context()}`);
      throw new Error(parts.join('\n'));
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Races `promise` against a deadline; throws `timed out ... waiting for <what>` on expiry. */
export async function withDeadline<T>(promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${deadlineMs} ms waiting for ${what}`)),
      deadlineMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
