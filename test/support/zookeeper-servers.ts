// Start a standalone ZooKeeper server for conformance tests: real Apache ZooKeeper 3.8 (Debian's jar)
// or ours (zookeeper-ensemble/main.ts), both from the same zoo.cfg format, both ready when `ruok` → `imok`.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getFreePort } from './ports.ts';
import { makeTempDir, spawnLogged, waitFor, type ManagedProcess } from './process.ts';

export type ZooKeeperImpl = 'apache' | 'kzlab';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

const apacheJar = '/usr/share/java/zookeeper.jar';
/** slf4j bindings in order of preference; the first present is put on the classpath. */
const slf4jBindings = ['/usr/share/java/slf4j-simple.jar', '/usr/share/java/slf4j-nop.jar'];
const kzlabMain = join(repoRoot, 'zookeeper-ensemble', 'main.ts');
const repoNode = join(repoRoot, 'node_modules', '.bin', 'node');

export function apacheAvailable(): boolean {
  return existsSync(apacheJar) && existsSync('/usr/bin/java');
}

export function kzlabAvailable(): boolean {
  return existsSync(kzlabMain) && existsSync(repoNode);
}

export function implAvailable(impl: ZooKeeperImpl): boolean {
  return impl === 'apache' ? apacheAvailable() : kzlabAvailable();
}

/** The implementation under test: env KZLAB_ZK_IMPL ('apache' | 'kzlab'), default 'kzlab'. */
export function defaultImpl(): ZooKeeperImpl {
  const value = process.env.KZLAB_ZK_IMPL ?? 'kzlab';
  if (value !== 'apache' && value !== 'kzlab') {
    throw new Error(`KZLAB_ZK_IMPL must be 'apache' or 'kzlab', got '${value}'`);
  }
  return value;
}

/** Java classpath for Apache ZooKeeper: the jar's manifest Class-Path brings jute, netty, slf4j-api, … */
export function apacheClasspath(): string {
  const binding = slf4jBindings.find((jar) => existsSync(jar));
  return binding ? `${apacheJar}:${binding}` : apacheJar;
}

export interface StartZooKeeperOptions {
  impl?: ZooKeeperImpl;
  /** Extra zoo.cfg lines (override the defaults). */
  extraConfig?: Record<string, string>;
  /** Extra JVM system properties for apache (-Dkey=value). */
  javaProperties?: Record<string, string>;
  /** Deadline for `ruok` → `imok` after spawn. */
  readyDeadlineMs?: number;
}

export interface ZooKeeperServer {
  impl: ZooKeeperImpl;
  connectString: string;
  host: string;
  port: number;
  dataDir: string;
  configPath: string;
  /** PID of the current server process (changes on restart). */
  readonly pid: number;
  readonly logPath: string;
  logTail(lines?: number): string;
  /**
   * SIGTERM (then SIGKILL), then removes the server's temp dir (config, data, log) unless
   * KZLAB_KEEP_TMP=1. Use halt() to stop but keep everything for a later restart().
   */
  stop(): Promise<void>;
  /** SIGTERM (then SIGKILL); data dir and log are kept. */
  halt(): Promise<void>;
  /** Stop (if running) and start again on the same port and data dir; resolves when ready. */
  restart(): Promise<void>;
}

/** Temp dirs of servers not stop()ped yet, removed if this process exits normally (KZLAB_KEEP_TMP=1 keeps them). */
const serverDirs = new Set<string>();
let cleanupInstalled = false;

function removeDirAtExit(dir: string): void {
  serverDirs.add(dir);
  if (cleanupInstalled || process.env.KZLAB_KEEP_TMP === '1') return;
  cleanupInstalled = true;
  process.once('exit', () => {
    for (const d of serverDirs) rmSync(d, { recursive: true, force: true });
  });
}

export async function startZooKeeper(options: StartZooKeeperOptions = {}): Promise<ZooKeeperServer> {
  const impl = options.impl ?? defaultImpl();
  if (!implAvailable(impl)) {
    throw new Error(
      impl === 'apache'
        ? `Apache ZooKeeper is not available here (need ${apacheJar} and /usr/bin/java)`
        : `our ZooKeeper server is not available yet: ${kzlabMain} does not exist ` +
            `(run with KZLAB_ZK_IMPL=apache to test against real ZooKeeper)`,
    );
  }
  const host = '127.0.0.1';
  const baseDir = makeTempDir(`zk-${impl}`);
  removeDirAtExit(baseDir);
  const dataDir = join(baseDir, 'data');
  mkdirSync(dataDir);
  const port = await getFreePort(host);
  const config: Record<string, string> = {
    tickTime: '2000',
    dataDir,
    clientPort: String(port),
    clientPortAddress: host,
    '4lw.commands.whitelist': '*',
  };
  if (impl === 'apache') config['admin.enableServer'] = 'false';
  else config['admin.serverPort'] = String(await getFreePort(host));
  Object.assign(config, options.extraConfig ?? {});
  const configPath = join(baseDir, 'zoo.cfg');
  writeFileSync(
    configPath,
    Object.entries(config)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );

  const readyDeadlineMs = options.readyDeadlineMs ?? 30_000;
  let generation = 0;
  let current: ManagedProcess | undefined;

  const launch = async (): Promise<void> => {
    generation += 1;
    const name = `${impl}-zk-${generation}`;
    const proc =
      impl === 'apache'
        ? spawnLogged({
            name,
            logDir: baseDir,
            cwd: baseDir,
            command: '/usr/bin/java',
            args: [
              '-Xms64m',
              '-Xmx256m',
              '-XX:+UseSerialGC',
              '-XX:TieredStopAtLevel=1',
              ...Object.entries(options.javaProperties ?? {}).map(([k, v]) => `-D${k}=${v}`),
              '-cp',
              apacheClasspath(),
              'org.apache.zookeeper.server.ZooKeeperServerMain',
              configPath,
            ],
          })
        : spawnLogged({
            name,
            logDir: baseDir,
            cwd: repoRoot,
            command: repoNode,
            args: [kzlabMain, configPath],
          });
    current = proc;
    await waitFor(
      async () => {
        const status = proc.exitStatus();
        if (status) {
          throw new Error(`${name} exited early (code ${status.code}, signal ${status.signal})`);
        }
        // Apache answers `ruok` with `imok` as soon as the port is open, before it serves requests;
        // `srvr` says "This ZooKeeper instance is not currently serving requests" until then.
        if ((await fourLetterWord(host, port, 'ruok', { deadlineMs: 2_000 })) !== 'imok') return false;
        const srvr = await fourLetterWord(host, port, 'srvr', { deadlineMs: 2_000 });
        return !srvr.includes('not currently serving');
      },
      {
        deadlineMs: readyDeadlineMs,
        what: `${name} on ${host}:${port} to answer ruok with imok and serve (srvr)`,
        intervalMs: 100,
        context: () => proc.logTail(60),
      },
    ).catch(async (error: unknown) => {
      await proc.stop({ graceMs: 2_000 });
      throw error;
    });
  };

  await launch();

  const server: ZooKeeperServer = {
    impl,
    connectString: `${host}:${port}`,
    host,
    port,
    dataDir,
    configPath,
    get pid() {
      if (!current) throw new Error('server not started');
      return current.pid;
    },
    get logPath() {
      if (!current) throw new Error('server not started');
      return current.logPath;
    },
    logTail: (lines = 40) => current?.logTail(lines) ?? '',
    async stop() {
      if (current) await current.stop({ graceMs: 5_000 });
      if (process.env.KZLAB_KEEP_TMP !== '1') {
        rmSync(baseDir, { recursive: true, force: true });
        serverDirs.delete(baseDir);
      }
    },
    async halt() {
      if (current) await current.stop({ graceMs: 5_000 });
    },
    async restart() {
      if (current) await current.stop({ graceMs: 5_000 });
      await launch();
    },
  };
  return server;
}

/**
 * Sends a four-letter word (ruok, srvr, stat, conf, envi, mntr, cons, wchs, dump, …) and returns the
 * whole answer (the server closes the connection when done).
 */
export function fourLetterWord(
  host: string,
  port: number,
  word: string,
  { deadlineMs = 5_000 }: { deadlineMs?: number } = {},
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`four-letter word '${word}' to ${host}:${port}: no answer within ${deadlineMs} ms`));
    }, deadlineMs);
    socket.once('connect', () => socket.write(word));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolvePromise(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
