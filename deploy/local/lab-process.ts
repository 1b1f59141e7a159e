// Driving `kzlab up` as a separate process, the way a learner or a script does: spawn it with --json,
// wait for its one JSON line, run other `kzlab` commands against it, and stop it with a signal. Used by
// the multi-process tests (test/multiproc/lab-*.test.ts); benchmarks and drills that want a lab in
// another process can use it too.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

import type { ZooKeeperImpl } from '../cluster/spec.ts';
import { REPO_ROOT } from './node-process.ts';
import type { UpJsonLine } from './supervisor.ts';

const CLI = path.join(REPO_ROOT, 'deploy', 'cli.ts');
const REPO_NODE = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');

/** The project's Node 24. */
export function labNode(): string {
  return existsSync(REPO_NODE) ? realpathSync(REPO_NODE) : process.execPath;
}

export interface LabProcessOptions {
  readonly dataDir: string;
  readonly portBase: number;
  readonly zookeepers: number;
  /** `--brokers`; default 0 (a ZooKeeper-only lab), unlike the command's own default of 3. */
  readonly brokers?: number;
  /** `--zookeeper-connect`: brokers on this ZooKeeper, no servers of the lab's own. */
  readonly zookeeperConnect?: string;
  readonly impl?: ZooKeeperImpl;
  readonly tickTimeMs?: number;
  /** `--ready-timeout`, seconds. */
  readonly readyTimeoutSeconds?: number;
  /** `--dashboard-port`; default 0 (no dashboard), unlike the command's own default of 8080. */
  readonly dashboardPort?: number;
  /** How long to wait for the JSON line. Default: ready timeout + 15 s. */
  readonly startDeadlineMs?: number;
}

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface LabProcess {
  readonly pid: number;
  readonly ready: UpJsonLine;
  /** Everything the supervisor wrote on stderr so far (its event narrative). */
  stderr(): string;
  /** Runs `kzlab <args> --data-dir <dataDir>` and collects its output. */
  kzlab(args: readonly string[], deadlineMs?: number): Promise<CommandResult>;
  /** Runs a lab command with --json and parses its stdout; throws with the output when it fails. */
  kzlabJson<T>(args: readonly string[], deadlineMs?: number): Promise<T>;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILL after `deadlineMs`. */
  stop(
    signal?: NodeJS.Signals,
    deadlineMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `kzlab up --json …` and resolves once it printed its JSON line; rejects (after stopping it) otherwise. */
export async function startLabProcess(options: LabProcessOptions): Promise<LabProcess> {
  const readyTimeoutSeconds = options.readyTimeoutSeconds ?? 60;
  const args = [
    CLI,
    'up',
    '--json',
    '--data-dir',
    options.dataDir,
    '--port-base',
    String(options.portBase),
    '--zookeepers',
    String(options.zookeepers),
    '--brokers',
    String(options.brokers ?? 0),
    '--dashboard-port',
    String(options.dashboardPort ?? 0),
    ...(options.zookeeperConnect === undefined ? [] : ['--zookeeper-connect', options.zookeeperConnect]),
    '--impl',
    options.impl ?? 'kzlab',
    '--tick-time',
    String(options.tickTimeMs ?? 2000),
    '--ready-timeout',
    String(readyTimeoutSeconds),
  ];
  const child: ChildProcess = spawn(labNode(), args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${labNode()} ${args.join(' ')}`);
  const pid = child.pid;
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  const stop = async (
    signal: NodeJS.Signals = 'SIGTERM',
    deadlineMs = 30_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), deadlineMs);
    });
    const outcome = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (outcome !== 'late') return outcome;
    child.kill('SIGKILL');
    await exited;
    throw new Error(
      `kzlab up (pid ${pid}) did not exit within ${deadlineMs} ms of ${signal}; stderr:\n${stderr}`,
    );
  };

  const deadlineMs = options.startDeadlineMs ?? readyTimeoutSeconds * 1000 + 15_000;
  const ready = await new Promise<UpJsonLine>((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`kzlab up printed no JSON line within ${deadlineMs} ms`)),
      deadlineMs,
    );
    const check = (): void => {
      const newline = stdout.indexOf('\n');
      if (newline === -1) return;
      try {
        finish(undefined, JSON.parse(stdout.slice(0, newline)) as UpJsonLine);
      } catch (error) {
        finish(error as Error);
      }
    };
    const onExit = (): void => finish(new Error('kzlab up exited before it was ready'));
    function finish(error: Error | undefined, line?: UpJsonLine): void {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.off('exit', onExit);
      if (error === undefined && line !== undefined) resolve(line);
      else reject(error);
    }
    child.stdout?.on('data', check);
    child.once('exit', onExit);
  }).catch(async (error: unknown) => {
    await stop('SIGTERM').catch(() => undefined);
    throw new Error(`${(error as Error).message}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  });

  const kzlab = (commandArgs: readonly string[], commandDeadlineMs = 120_000): Promise<CommandResult> =>
    runKzlab([...commandArgs, '--data-dir', options.dataDir], commandDeadlineMs);

  return {
    pid,
    ready,
    stderr: () => stderr,
    kzlab,
    async kzlabJson<T>(commandArgs: readonly string[], commandDeadlineMs?: number): Promise<T> {
      const result = await kzlab([...commandArgs, '--json'], commandDeadlineMs);
      if (result.code !== 0) {
        throw new Error(
          `kzlab ${commandArgs.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`,
        );
      }
      return JSON.parse(result.stdout) as T;
    },
    stop,
    exited,
  };
}

/** Runs `kzlab <args>` (the project's Node 24) and collects its output; SIGKILL after the deadline. */
export function runKzlab(args: readonly string[], deadlineMs = 120_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(labNode(), [CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n[killed: no exit within ${deadlineMs} ms]`;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
