// Start a standalone ZooKeeper-protocol server for a benchmark run, wait until it answers
// `ruok` with `imok`, and stop it again. Two kinds:
//   real-zookeeper: Debian's Apache ZooKeeper 3.8 (java ... ZooKeeperServerMain zoo.cfg)
//   kzlab:          our own server (node_modules/.bin/node zookeeper-ensemble/main.ts zoo.cfg)
// Both get the same zoo.cfg, a fresh temporary dataDir and a free client port on 127.0.0.1.

import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ServerKind = 'real-zookeeper' | 'kzlab';

export class ServerStartError extends Error {
  readonly code = 'SERVER_START_FAILED';
  readonly retriable = false;
  readonly kind: ServerKind;
  readonly logFile: string | undefined;
  constructor(kind: ServerKind, message: string, logFile?: string) {
    super(message);
    this.name = 'ServerStartError';
    this.kind = kind;
    this.logFile = logFile;
  }
}

export interface StartServerOptions {
  /** forceSync in zoo.cfg (and -Dzookeeper.forceSync for the JVM). ZooKeeper's default is yes. */
  forceSync: boolean;
  /** Give up if `ruok` has not answered `imok` after this long. */
  readyTimeoutMs: number;
  /** Keep the temporary directory (data + log) after stop, for inspection. */
  keepDir?: boolean;
}

export interface StartedServer {
  kind: ServerKind;
  /** host:port for the client. */
  connect: string;
  port: number;
  pid: number;
  dir: string;
  logFile: string;
  /** Spawn → first `imok`. */
  startupMs: number;
  command: string[];
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const JAVA_DIR = '/usr/share/java';

/** Every child we started and have not stopped yet (with its temp dir); killed on process exit. */
const liveChildren = new Map<ChildProcess, string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => killAllStartedServersSync());
}

/** SIGKILL every server this process started and has not stopped (for exit and signal handlers). */
export function killAllStartedServersSync(): void {
  for (const [child, dir] of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
  liveChildren.clear();
}

/** A TCP port that was free on 127.0.0.1 a moment ago (bind to 0, read it, close). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

/** Send a ZooKeeper four-letter word and return everything the server wrote before closing. */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = createConnection({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${word}: no answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => socket.end(word));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

export function zooCfg(options: { dataDir: string; clientPort: number; forceSync: boolean }): string {
  return [
    '# written by kzlab bench zk: standalone server',
    'tickTime=2000',
    'initLimit=10',
    'syncLimit=5',
    `dataDir=${options.dataDir}`,
    `clientPort=${options.clientPort}`,
    'clientPortAddress=127.0.0.1',
    'maxClientCnxns=1000',
    '4lw.commands.whitelist=*',
    'admin.enableServer=false',
    `forceSync=${options.forceSync ? 'yes' : 'no'}`,
    '',
  ].join('\n');
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function realZooKeeperCommand(cfgFile: string, forceSync: boolean): string[] {
  const jar = join(JAVA_DIR, 'zookeeper.jar');
  if (!existsSync(jar)) {
    throw new ServerStartError(
      'real-zookeeper',
      `${jar} not found: install Debian's zookeeper package (apt-get install zookeeper)`,
    );
  }
  // zookeeper.jar's manifest Class-Path brings jute, netty, jetty and slf4j-api; add a logging binding.
  const classPath = [jar];
  const binding = join(JAVA_DIR, 'slf4j-simple.jar');
  if (existsSync(binding)) classPath.push(binding);
  return [
    'java',
    '-Xms64m',
    '-Xmx256m',
    `-Dzookeeper.forceSync=${forceSync ? 'yes' : 'no'}`,
    '-Dzookeeper.4lw.commands.whitelist=*',
    '-Dzookeeper.admin.enableServer=false',
    '-cp',
    classPath.join(':'),
    'org.apache.zookeeper.server.ZooKeeperServerMain',
    cfgFile,
  ];
}

function kzlabCommand(cfgFile: string): string[] {
  const node = join(repoRoot, 'node_modules', '.bin', 'node');
  // KZLAB_BENCH_KZLAB_ENTRY swaps in another entry file (for testing this harness).
  const main = process.env.KZLAB_BENCH_KZLAB_ENTRY ?? join(repoRoot, 'zookeeper-ensemble', 'main.ts');
  if (!existsSync(main)) {
    throw new ServerStartError(
      'kzlab',
      `${main} not found: the kzlab ZooKeeper server entry point is not there yet`,
    );
  }
  if (!existsSync(node)) throw new ServerStartError('kzlab', `${node} not found: run npm install`);
  return [node, main, cfgFile];
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Start a fresh standalone server of the given kind and wait for `imok`. */
export async function startServer(kind: ServerKind, options: StartServerOptions): Promise<StartedServer> {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), `kzlab-bench-${kind}-`));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const port = await freePort();
  const cfgFile = join(dir, 'zoo.cfg');
  writeFileSync(cfgFile, zooCfg({ dataDir, clientPort: port, forceSync: options.forceSync }));
  const logFile = join(dir, 'server.log');
  let command: string[];
  try {
    command =
      kind === 'real-zookeeper' ? realZooKeeperCommand(cfgFile, options.forceSync) : kzlabCommand(cfgFile);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const logFd = openSync(logFile, 'a');
  const spawnedAt = performance.now();
  const child = spawn(command[0], command.slice(1), {
    cwd: kind === 'kzlab' ? repoRoot : dir,
    stdio: ['ignore', logFd, logFd],
    env: process.env,
  });
  closeSync(logFd);
  liveChildren.set(child, dir);
  let spawnError: Error | null = null;
  child.once('error', (error) => {
    spawnError = error;
  });
  child.once('exit', () => liveChildren.delete(child));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 5000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5000);
      }
    }
    liveChildren.delete(child);
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
  };

  const deadline = spawnedAt + options.readyTimeoutMs;
  let lastProblem: string;
  for (;;) {
    if (spawnError !== null) {
      await stop();
      throw new ServerStartError(kind, `could not spawn ${command[0]}: ${(spawnError as Error).message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = tail(logFile);
      liveChildren.delete(child);
      throw new ServerStartError(
        kind,
        `${kind} exited during start-up (code ${child.exitCode}, signal ${child.signalCode}); log ${logFile}:\n${log}`,
        logFile,
      );
    }
    try {
      const answer = await fourLetterWord('127.0.0.1', port, 'ruok', 1000);
      if (answer.trim() === 'imok') break;
      lastProblem = `ruok answered ${JSON.stringify(answer)}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    if (performance.now() > deadline) {
      const log = tail(logFile);
      await stop();
      throw new ServerStartError(
        kind,
        `${kind} on 127.0.0.1:${port} did not answer ruok with imok within ${options.readyTimeoutMs} ms (${lastProblem}); log tail:\n${log}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const startupMs = performance.now() - spawnedAt;

  return {
    kind,
    connect: `127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    dir,
    logFile,
    startupMs,
    command,
    stop,
  };
}
