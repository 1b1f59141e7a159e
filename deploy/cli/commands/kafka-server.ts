// `kzlab kafka-server <server.properties>`: run one Kafka broker in the foreground, like Apache Kafka's
// `kafka-server-start.sh config/server.properties`.

import path from 'node:path';

import { defineCommand } from '../command.ts';
import { importModule } from '../modules.ts';

/** broker/main.ts, as far as this command uses it. */
export interface KafkaMainModule {
  runKafkaServer(configPath: string): Promise<void>;
}

export const kafkaServerCommand = defineCommand({
  name: 'kafka-server',
  summary: 'Run a Kafka broker (ZooKeeper mode, Kafka 2.4) in the foreground from a server.properties file.',
  arguments: '<server.properties>',
  positionals: { min: 1, max: 1 },
  description: `
The file uses Apache Kafka 2.4's server.properties keys (broker.id, listeners, advertised.listeners,
log.dirs, zookeeper.connect, num.partitions, …) with Kafka's defaults; relative paths are resolved
against the current directory. kzlab adds kzlab.admin.port (admin HTTP: /broker, /controller,
/partitions, /metrics; unset or 0 = off) and kzlab.admin.host (127.0.0.1).
A bad value exits with status 2. Stop the broker with Ctrl-C (clean shutdown).`,
  flags: {},
  async run({ positionals }, io) {
    const configPath = path.resolve(io.cwd, positionals[0]!);
    const { runKafkaServer } = await importModule<KafkaMainModule>(
      new URL('../../../broker/main.ts', import.meta.url),
      'broker/main.ts',
      ['runKafkaServer'],
    );
    await runKafkaServer(configPath);
    return 0;
  },
});
