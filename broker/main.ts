// Process entry of one Kafka broker: `node broker/main.ts server.properties`
// (also `npx kzlab kafka-server server.properties`), like `kafka-server-start.sh config/server.properties`.
// Foreground, pino logs (node 'broker<id>'), clean shutdown on SIGTERM/SIGINT.
//
// server.properties is Kafka 2.4's format (broker/config). kzlab adds a few `kzlab.*` keys that Kafka does
// not know (so they are not reported as unknown):
//   kzlab.admin.port   admin HTTP port (GET /broker, /controller, /partitions, /metrics); unset or 0 = off
//   kzlab.admin.host   address the admin HTTP server binds (127.0.0.1)
// A bad value anywhere is a ConfigError (KZ_ERR_CONFIG): the message names key, value and line, and the
// process exits with status 2.

import { readFile } from 'node:fs/promises';
import process from 'node:process';

import type { Logger } from 'pino';

import { ConfigError } from '../client/common/errors.ts';
import { createLogger } from '../client/logging/logger.ts';
import { parseBrokerConfig, type ParsedBrokerConfig } from './config/broker-config.ts';
import { parseJavaProperties } from './config/java-properties.ts';
import { DEFAULT_KZLAB_SETTINGS, KafkaServer, type KzlabBrokerSettings } from './kafka-server.ts';

const KZLAB_PREFIX = 'kzlab.';
const KZLAB_KEYS = new Set(['kzlab.admin.port', 'kzlab.admin.host']);

export interface LoadedKafkaServerConfig extends ParsedBrokerConfig {
  readonly kzlab: KzlabBrokerSettings;
}

/** Parses server.properties text: Kafka's keys (broker/config) plus kzlab's own `kzlab.*` keys. */
export function parseKafkaServerProperties(text: string, file?: string): LoadedKafkaServerConfig {
  const parsed = parseBrokerConfig(text, file === undefined ? {} : { file });
  const settings = { ...DEFAULT_KZLAB_SETTINGS };
  const warnings = parsed.warnings.filter((w) => w.key === undefined || !KZLAB_KEYS.has(w.key));
  const latest = new Map<string, { value: string; line: number }>();
  for (const entry of parseJavaProperties(text, file)) {
    if (entry.key.startsWith(KZLAB_PREFIX)) latest.set(entry.key, { value: entry.value, line: entry.line });
  }
  for (const [key, { value, line }] of latest) {
    const details = { key, value, line, ...(file === undefined ? {} : { file }) };
    if (key === 'kzlab.admin.port') {
      const port = Number(value.trim());
      if (!/^\d+$/.test(value.trim()) || port > 65535)
        throw new ConfigError('must be a port number 0…65535 (0 = no admin server)', details);
      settings.adminPort = port;
    } else if (key === 'kzlab.admin.host') {
      if (value.trim() === '') throw new ConfigError('must be a host name or address', details);
      settings.adminHost = value.trim();
    }
    // Any other kzlab.* key: parseBrokerConfig has already warned that it is unknown.
  }
  return { config: parsed.config, warnings, kzlab: settings };
}

export async function loadKafkaServerConfig(path: string): Promise<LoadedKafkaServerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read the broker configuration file: ${(error as Error).message}`,
      { file: path },
      { cause: error },
    );
  }
  return parseKafkaServerProperties(text, path);
}

export interface RunKafkaServerOptions {
  log?: Logger;
  /** Install SIGTERM/SIGINT handlers that shut the broker down cleanly (default true). */
  handleSignals?: boolean;
}

/** Loads the config and starts the broker (resolves once it is running). */
export async function startKafkaServer(
  configPath: string,
  options: RunKafkaServerOptions = {},
): Promise<KafkaServer> {
  const { config, warnings, kzlab } = await loadKafkaServerConfig(configPath);
  const root = options.log ?? createLogger();
  const configLog = root.child({
    node: config.brokerId >= 0 ? `broker${config.brokerId}` : 'broker',
    component: 'config',
  });
  for (const warning of warnings) configLog.warn(warning.message);
  if (config.ignoredKeys.length > 0)
    configLog.info({ keys: config.ignoredKeys }, 'settings Kafka knows but kzlab does not act on');
  return KafkaServer.start({ config, kzlab, log: root });
}

/** `kafka-server-start.sh`: start, then run until SIGTERM/SIGINT; resolves after the clean shutdown. */
export async function runKafkaServer(configPath: string, options: RunKafkaServerOptions = {}): Promise<void> {
  const server = await startKafkaServer(configPath, options);
  if (options.handleSignals === false) return;
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      // A second signal while shutting down gives up on the clean shutdown.
      if (stopping) process.exit(1);
      stopping = true;
      server.shutdown().then(resolve, () => resolve());
      void signal;
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

if (import.meta.main) {
  const configPath = process.argv[2];
  if (!configPath) {
    process.stderr.write('usage: node broker/main.ts <server.properties>\n');
    process.exit(2);
  }
  runKafkaServer(configPath).then(
    () => process.exit(0),
    (error: unknown) => {
      const code = (error as { code?: string }).code;
      process.stderr.write(`kzlab kafka-server: ${(error as Error).message}${code ? ` [${code}]` : ''}\n`);
      process.exit(code === 'KZ_ERR_CONFIG' ? 2 : 1);
    },
  );
}
