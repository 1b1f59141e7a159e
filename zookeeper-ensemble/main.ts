// Process entry of one ZooKeeper server: `node zookeeper-ensemble/main.ts zoo.cfg`
// (also `npx kzlab zookeeper-server zoo.cfg`). Foreground, pino logs, clean stop on SIGTERM/SIGINT.
import type { Logger } from 'pino';
import { createLogger } from '../client/logging/logger.ts';
import { loadZooKeeperConfig } from './server/config.ts';
import { StandaloneServer } from './server/standalone-server.ts';

export interface RunOptions {
  log?: Logger;
  /** Install SIGTERM/SIGINT handlers that stop the server and exit (default true). */
  handleSignals?: boolean;
}

export async function startZooKeeperServer(configPath: string, options: RunOptions = {}): Promise<StandaloneServer> {
  const root = options.log ?? createLogger();
  const { config, warnings } = await loadZooKeeperConfig(configPath);
  const log = root.child({ node: 'zk', component: 'server' });
  for (const warning of warnings) log.warn(warning.message);
  if (config.servers.length > 1) {
    throw new Error(`${configPath}: ensembles (server.N lines) are not supported by this build yet; remove them to run standalone`);
  }
  const { fourLetterWord } = await import('./server/four-letter-words.ts').catch(() => ({ fourLetterWord: undefined }));
  return StandaloneServer.start({ config, log, fourLetterWords: fourLetterWord });
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
