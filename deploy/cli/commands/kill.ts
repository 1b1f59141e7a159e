// `kzlab kill <node>`: SIGKILL one server of the running lab (kill -9), and say when the signal went
// out and when the process was gone. Bring it back with `kzlab restart <node>`.

import { defineCommand } from '../command.ts';
import { formatSignalReport } from '../../cluster/format.ts';
import { DATA_DIR_FLAG, JSON_FLAG, withLab } from '../../local/lab-commands.ts';

export const killCommand = defineCommand({
  name: 'kill',
  summary: 'SIGKILL one node of the running lab (zk2, broker2, zk-leader, zk-follower).',
  arguments: '<node>',
  description: `
Sends SIGKILL to the server's process, as \`kill -9\` would: no clean shutdown, its clients and peers
see the connection drop. Prints when the signal was sent and when the process was gone (in ms).
<node> is a name (zk1 … zk9, broker1 … broker9) or zk-leader (the server that leads right now) or zk-follower (the
follower with the lowest id). A killed broker's /brokers/ids/<id> stays until its ZooKeeper session
times out (6 s in a lab). Start it again, on the same data, with \`kzlab restart <node>\`.`,
  flags: { 'data-dir': DATA_DIR_FLAG, json: JSON_FLAG },
  positionals: { min: 1, max: 1 },
  async run({ flags, positionals }, io) {
    const report = await withLab(flags['data-dir'], io, ({ lab }) => lab.kill(positionals[0]));
    io.stdout(flags.json ? JSON.stringify(report) : formatSignalReport(report));
    return report.confirmed ? 0 : 1;
  },
});
