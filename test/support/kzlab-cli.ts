// Runs the `kzlab` command as a real process (the project's Node 24 on deploy/cli.ts), with text on its
// standard input, and collects its output. Bounded: SIGKILL after the deadline, which the result says.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

import { labNode } from '../../deploy/local/lab-process.ts';
import { repoRoot } from './zookeeper-servers.ts';

const CLI = join(repoRoot, 'deploy', 'cli.ts');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Killed at the deadline. */
  readonly killed: boolean;
}

export interface CliRunOptions {
  /** Written to stdin, which is then closed (default: closed at once). */
  readonly input?: string;
  readonly deadlineMs?: number;
}

/** A running `kzlab …` whose output can be awaited line by line. */
export interface CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout contains `text` (rejects at the deadline or if the process exits first). */
  waitForOutput(text: string | RegExp, deadlineMs: number): Promise<void>;
  /** Closes stdin (if still open), waits for the exit; SIGKILL after the deadline. */
  finish(deadlineMs: number): Promise<CliResult>;
}

export function startCli(args: readonly string[]): CliProcess {
  const child = spawn(labNode(), [CLI, ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exitCode: number | null | undefined;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  child.stdin.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForOutput(text, deadlineMs) {
      const seen = () => (typeof text === 'string' ? out.includes(text) : text.test(out));
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (seen()) {
            done();
            resolve();
          } else if (exitCode !== undefined) {
            done();
            reject(
              new Error(
                `kzlab ${args.join(' ')} exited (${exitCode}) before printing ${String(text)}\nstdout:\n${out}\nstderr:\n${err}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `kzlab ${args.join(' ')} did not print ${String(text)} within ${deadlineMs} ms\nstdout:\n${out}\nstderr:\n${err}`,
            ),
          );
        }, deadlineMs);
        const onData = () => check();
        const done = () => {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.off('close', onData);
        };
        child.stdout.on('data', onData);
        child.on('close', onData);
        check();
      });
    },
    async finish(deadlineMs) {
      if (!child.stdin.writableEnded) child.stdin.end();
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, deadlineMs);
      const code = await exited;
      clearTimeout(timer);
      return { code, stdout: out, stderr: err, killed };
    },
  };
}

/** Runs `kzlab <args>` with `input` on stdin to completion. */
export function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
  const cli = startCli(args);
  cli.child.stdin.end(options.input ?? '');
  return cli.finish(options.deadlineMs ?? 30_000);
}
