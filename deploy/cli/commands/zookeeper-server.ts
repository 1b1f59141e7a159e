// `kzlab zookeeper-server <zoo.cfg>`: run one of our ZooKeeper servers in this process, like
// `zkServer.sh start-foreground` / `java … ZooKeeperServerMain zoo.cfg` does for Apache ZooKeeper.

import path from 'node:path';

import { defineCommand } from '../command.ts';

export const zookeeperServerCommand = defineCommand({
  name: 'zookeeper-server',
  summary: "Run kzlab's ZooKeeper server in the foreground from a zoo.cfg file.",
  arguments: '<zoo.cfg>',
  positionals: { min: 1, max: 1 },
  description: `
The file uses Apache ZooKeeper's zoo.cfg format (tickTime, dataDir, clientPort, server.N=…).
Relative paths inside it are resolved against the current directory, as ZooKeeper does.
Stop the server with Ctrl-C.`,
  flags: {},
  async run({ positionals }, io) {
    const configPath = path.resolve(io.cwd, positionals[0]!);
    const { runZooKeeperServer } = await io.modules.zookeeperMain();
    await runZooKeeperServer(configPath);
    return 0;
  },
});
