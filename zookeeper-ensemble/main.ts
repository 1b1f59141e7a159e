// Process entry of one ZooKeeper server: `node zookeeper-ensemble/main.ts zoo.cfg`
// (also `npx kzlab zookeeper-server zoo.cfg`). Foreground, pino logs, clean stop on SIGTERM/SIGINT.
import type { Logger } from 'pino';
import { createLogger } from '../client/logging/logger.ts';
import { isStandalone, loadZooKeeperConfig, readMyId } from './server/config.ts';
import { QuorumPeerServer } from './server/quorum-peer-server.ts';
import { StandaloneServer } from './server/standalone-server.ts';

export type ZooKeeperProcess = StandaloneServer | QuorumPeerServer;

export interface RunOptions {
  log?: Logger;
  /** Install SIGTERM/SIGINT handlers that stop the server and exit (default true). */
  handleSignals?: boolean;
}

/** Standalone without server.N lines (or with one and standaloneEnabled), else an ensemble member (myid). */
export async function startZooKeeperServer(configPath: string, options: RunOptions = {}): Promise<ZooKeeperProcess> {
  const root = options.log ?? createLogger();
  const { config, warnings } = await loadZooKeeperConfig(configPath);
  if (isStandalone(config)) {
    const log = root.child({ node: 'zk', component: 'server' });
    for (const warning of warnings) log.warn(warning.message);
    return StandaloneServer.start({ config, log });
  }
  const myId = await readMyId(config.dataDir);
  const log = root.child({ node: `zk${myId}`, component: 'quorum-peer' });
  for (const warning of warnings) log.warn(warning.message);
  const voters = config.servers.filter((s) => s.role === 'participant').length;
  if (voters % 2 === 0) {
    log.warn(
      `${voters} voting servers: an even ensemble tolerates no more failures than ${voters - 1} servers ` +
        `(a majority of ${voters} is ${voters / 2 + 1}), so the extra server only adds write cost`,
    );
  }
  return QuorumPeerServer.start({ config, myId, log });
}

export async function runZooKeeperServer(configPath: string, options: RunOptions = {}): Promise<void> {
  const server = await startZooKeeperServer(configPath, options);
  if (options.handleSignals === false) return;
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      server.log.info({ signal }, 'stopping');
      server.stop().then(resolve, (error: unknown) => {
        server.log.error({ err: error }, 'error while stopping');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

if (import.meta.main) {
  const configPath = process.argv[2];
  if (!configPath) {
    process.stderr.write('usage: node zookeeper-ensemble/main.ts <zoo.cfg>\n');
    process.exit(2);
  }
  runZooKeeperServer(configPath).then(
    () => process.exit(0),
    (error: unknown) => {
      const code = (error as { code?: string }).code;
      process.stderr.write(`kzlab zookeeper-server: ${(error as Error).message}\n`);
      process.exit(code === 'KZ_ERR_CONFIG' ? 2 : 1);
    },
  );
}
