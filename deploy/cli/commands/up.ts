// `kzlab up`: start the lab. Today that is one standalone ZooKeeper server (ours) running in this
// process; the ensemble (3 or 5 servers) and the Kafka brokers come later.
//
// It writes <data-dir>/zk1/zoo.cfg (regenerated on every run), checks that the ports are free, starts
// the server, waits until the client port accepts connections and prints the connect string.

import { mkdir, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { KZ_ERROR_CODES, KzError } from '../../../client/common/errors.ts';
import { defineCommand } from '../command.ts';
import { UsageError } from '../flags.ts';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 30_000;

export interface StandaloneZooCfg {
  readonly dataDir: string;
  readonly clientPort: number;
  readonly adminPort: number;
}

/** The zoo.cfg `kzlab up` writes for a standalone server (Apache ZooKeeper can run the same file). */
export function renderStandaloneZooCfg({ dataDir, clientPort, adminPort }: StandaloneZooCfg): string {
  return [
    '# Written by `kzlab up` and rewritten on every run: copy it elsewhere to keep your own edits,',
    '# then run `npx kzlab zookeeper-server <your-copy>`.',
    'tickTime=2000',
    'initLimit=10',
    'syncLimit=5',
    `dataDir=${dataDir}`,
    `clientPort=${clientPort}`,
    `clientPortAddress=${HOST}`,
    '# every four-letter word (ruok, srvr, stat, mntr, cons, wchc, dump …), for learning',
    '4lw.commands.whitelist=*',
    'admin.enableServer=true',
    `admin.serverAddress=${HOST}`,
    `admin.serverPort=${adminPort}`,
    '',
  ].join('\n');
}

export const upCommand = defineCommand({
  name: 'up',
  summary: 'Start the lab: today one standalone ZooKeeper server (ours), in this process.',
  description: `
Writes <data-dir>/zk1/zoo.cfg (dataDir <data-dir>/zk1), starts kzlab's ZooKeeper server on
${HOST}:<port-base> and prints its connect string. Stop it with Ctrl-C; the data stays in <data-dir>.`,
  flags: {
    'data-dir': {
      type: 'string',
      default: 'data',
      valueName: 'DIR',
      description: 'root of the data directories',
    },
    'port-base': {
      type: 'number',
      integer: true,
      min: 1,
      max: 65_535,
      default: 2181,
      valueName: 'PORT',
      description: 'client port of zk1',
    },
    'admin-port': {
      type: 'number',
      integer: true,
      min: 1,
      max: 65_535,
      default: 8081,
      valueName: 'PORT',
      description: 'AdminServer HTTP port of zk1',
    },
    json: { type: 'boolean', description: 'print one JSON line instead of text' },
  },
  async run({ flags }, io) {
    const root = path.resolve(io.cwd, flags['data-dir']);
    const dataDir = path.join(root, 'zk1');
    const configPath = path.join(dataDir, 'zoo.cfg');
    const clientPort = flags['port-base'];
    const adminPort = flags['admin-port'];
    if (clientPort === adminPort) {
      throw new UsageError(`--port-base and --admin-port must differ (both are ${clientPort})`);
    }

    const { runZooKeeperServer } = await io.modules.zookeeperMain();
    await assertPortFree(clientPort, '--port-base');
    await assertPortFree(adminPort, '--admin-port');
    await mkdir(dataDir, { recursive: true });
    await writeFile(configPath, renderStandaloneZooCfg({ dataDir, clientPort, adminPort }));

    // The server logs to stderr so that stdout carries only the connect string (or the JSON line).
    const log = await io.modules.stderrLogger?.();
    // runZooKeeperServer may resolve once the server listens, or only when it stops: either way the
    // connect string is printed once the port accepts connections (or the function has returned).
    const running = runZooKeeperServer(configPath, log === undefined ? undefined : { log });
    const ready = new AbortController();
    const outcome = await Promise.race([
      running.then(() => 'returned' as const),
      waitForPort(clientPort, READY_TIMEOUT_MS, ready.signal),
    ]).finally(() => ready.abort());
    if (outcome === 'timeout') {
      io.stderr(
        `kzlab up: warning: ${HOST}:${clientPort} did not accept connections within ${READY_TIMEOUT_MS / 1000} s`,
      );
    }

    const connect = `${HOST}:${clientPort}`;
    const shown = (file: string): string => path.relative(io.cwd, file) || '.';
    if (flags.json) {
      io.stdout(
        JSON.stringify({
          zookeeper: {
            connect,
            servers: [{ name: 'zk1', host: HOST, clientPort, adminPort, config: configPath, dataDir }],
          },
        }),
      );
    } else {
      io.stdout(
        [
          `ZooKeeper: ${connect}`,
          `  zk1 config  ${shown(configPath)}`,
          `  zk1 data    ${shown(dataDir)}`,
          `  zk1 admin   ${HOST}:${adminPort}`,
          `  try         /usr/share/zookeeper/bin/zkCli.sh -server ${connect}`,
        ].join('\n'),
      );
    }
    await running;
    return 0;
  },
});

/** Fails with a clear message if something already listens on HOST:port. */
async function assertPortFree(port: number, flag: string): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, HOST, () => resolve());
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${code ?? String(error)})`;
    throw new KzError(
      KZ_ERROR_CODES.KZ_ERR_PORT_IN_USE,
      `${HOST}:${port} ${why}. Is a ZooKeeper (Debian's zookeeper service, or an earlier kzlab up) still running? ` +
        `Stop it, or choose another port with ${flag}.`,
      { cause: error },
    );
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Resolves 'ready' once HOST:port accepts a TCP connection, 'timeout' after timeoutMs, 'aborted' on abort. */
async function waitForPort(
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<'ready' | 'timeout' | 'aborted'> {
  const deadline = performance.now() + timeoutMs;
  while (!signal.aborted) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: HOST, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (connected) return 'ready';
    if (performance.now() >= deadline) return 'timeout';
    await sleep(50, undefined, { signal }).catch(() => undefined);
  }
  return 'aborted';
}
