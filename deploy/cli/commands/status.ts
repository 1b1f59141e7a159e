// `kzlab status`: every server of the running lab — process, mode (leader/follower/…), zxid, latency,
// connections — and the links a partition has cut.

import { defineCommand } from '../command.ts';
import { formatStatus } from '../../cluster/format.ts';
import { DATA_DIR_FLAG, JSON_FLAG, withLab } from '../../local/lab-commands.ts';

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'Show every node of the running lab: process, mode, zxid, latency, connections; brokers.',
  description: `
Asks every running server the four-letter word srvr (a paused server is not asked: it would not
answer) and every broker its admin HTTP GET /broker (mode broker or controller, broker epoch), and
shows one line per node, the leader, the controller, the Kafka bootstrap string, and any links cut by
\`kzlab partition\`.
--json prints the same as one JSON object.`,
  flags: { 'data-dir': DATA_DIR_FLAG, json: JSON_FLAG },
  async run({ flags }, io) {
    const status = await withLab(flags['data-dir'], io, ({ lab }) => lab.status());
    io.stdout(flags.json ? JSON.stringify(status) : formatStatus(status));
    return 0;
  },
});
