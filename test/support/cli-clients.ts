// Drivers for the command-line ZooKeeper clients installed from Debian: the Java zkCli and the C cli_mt.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const zkCliPath = '/usr/share/zookeeper/bin/zkCli.sh';
export const cliMtPath = '/usr/lib/zookeeper/bin/cli_mt';

export function zkCliAvailable(): boolean {
  return existsSync(zkCliPath) && existsSync('/usr/bin/java');
}
export function cliMtAvailable(): boolean {
  return existsSync(cliMtPath);
}

export interface RunResult {
  output: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs a command with `input` on stdin, stdout+stderr merged in order (via the shell), bounded. */
export function runMerged(
  command: string,
  args: string[],
  input: string,
  deadlineMs: number,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('/bin/bash', ['-c', `exec ${quoted} 2>&1`], { stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${command} ${args.join(' ')}: no exit within ${deadlineMs} ms\n${Buffer.concat(chunks).toString()}`,
        ),
      );
    }, deadlineMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ output: Buffer.concat(chunks).toString('utf8'), code, signal });
    });
    child.stdin.end(input);
  });
}

const separator = /^ZooKeeper CLI version: .*$/m;

export interface ZkCliRun {
  /** Output of each command, in order (SLF4J noise and connection-state watcher lines removed). */
  outputs: string[];
  /** Every "WatchedEvent ..." line printed (asynchronous, so not tied to a command). */
  events: string[];
  raw: string;
}

/**
 * Runs zkCli once (one JVM, one session) with `commands` fed through stdin. A `version` command after each
 * command separates the outputs (stdin mode prints no prompts), so outputs[i] belongs to commands[i].
 */
export async function zkCli(
  connectString: string,
  commands: string[],
  deadlineMs = 30_000,
): Promise<ZkCliRun> {
  const script = ['version', ...commands.flatMap((c) => [c, 'version']), 'quit', ''].join('\n');
  const { output, code } = await runMerged(zkCliPath, ['-server', connectString], script, deadlineMs);
  if (code !== 0) throw new Error(`zkCli exited with ${code}:\n${output}`);
  const events = output.split('\n').filter((l) => l.startsWith('WatchedEvent ') && !l.includes('type:None'));
  const cleaned = output
    .split('\n')
    .filter((l) => !l.startsWith('SLF4J:') && l !== 'WATCHER::' && !l.startsWith('WatchedEvent '))
    .join('\n');
  const parts = cleaned.split(separator);
  // parts[0] is the preamble before the first `version`; the last part follows the final `version`.
  const outputs = parts.slice(1, commands.length + 1).map((p) => p.replace(/^\n+|\n+$/g, ''));
  if (outputs.length !== commands.length) {
    throw new Error(`zkCli: expected ${commands.length} outputs, got ${outputs.length}:\n${output}`);
  }
  return { outputs, events, raw: output };
}

/** One cli_mt batch command (`-c`), one session per call. */
export async function cliMt(connectString: string, command: string, deadlineMs = 10_000): Promise<string> {
  const { output } = await runMerged(cliMtPath, ['-h', connectString, '-c', command], '', deadlineMs);
  return output;
}

/** Parses zkCli's Stat printout (`cZxid = 0x..` lines) into a record of strings. */
export function parseZkCliStat(text: string): Record<string, string> {
  const stat: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+) = (.*)$/.exec(line);
    if (m) stat[m[1]] = m[2];
  }
  return stat;
}
