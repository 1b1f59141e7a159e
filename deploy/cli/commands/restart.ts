// `kzlab restart <node>`: stop one server if it runs (SIGTERM, SIGKILL after a deadline) and start it
// again on the same data directory; waits until it answers and, for a while, until it serves.

import { defineCommand } from '../command.ts';
import { formatRestartReport } from '../../cluster/format.ts';
import { DATA_DIR_FLAG, JSON_FLAG, withLab } from '../../local/lab-commands.ts';

export const restartCommand = defineCommand({
  name: 'restart',
  summary: 'Stop one server if it runs and start it again on the same data.',
  arguments: '<node>',
  description: `
A running or paused server is stopped cleanly first (SIGTERM; SIGKILL if it is still there after 10 s);
a killed one is just started. The new process reads the same zoo.cfg and data directory (snapshots and
transaction log), rejoins the ensemble and syncs from the leader. The command waits until the server
answers, then up to 30 s until it serves, and prints how long each took.
A broker counts as serving once it is registered again (its admin HTTP answers GET /broker).
<node> is a name (zk1 … zk9, broker1 … broker9), zk-leader or zk-follower.`,
  flags: { 'data-dir': DATA_DIR_FLAG, json: JSON_FLAG },
  positionals: { min: 1, max: 1 },
  async run({ flags, positionals }, io) {
    const report = await withLab(flags['data-dir'], io, ({ lab }) => lab.restart(positionals[0]));
    io.stdout(flags.json ? JSON.stringify(report) : formatRestartReport(report));
    return 0;
  },
});
