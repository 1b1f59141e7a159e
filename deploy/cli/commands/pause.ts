// `kzlab pause <node>`: SIGSTOP one server of the running lab. The kernel still accepts TCP connections
// for it, but nothing answers: peers and clients only notice through their own timeouts.

import { defineCommand } from '../command.ts';
import { formatSignalReport } from '../../cluster/format.ts';
import { DATA_DIR_FLAG, JSON_FLAG, withLab } from '../../local/lab-commands.ts';

export const pauseCommand = defineCommand({
  name: 'pause',
  summary: 'SIGSTOP one server of the running lab (a long GC pause, a hung VM).',
  arguments: '<node>',
  description: `
Sends SIGSTOP to the server's process. It stays in memory and its sockets stay open, but it runs no
more: TCP connections to it still succeed (the kernel completes the handshake) and then nothing answers,
so followers, the leader and clients only find out through their own timeouts (syncLimit, session
timeouts). Continue it with \`kzlab resume <node>\`.
<node> is a name (zk1 … zk9, broker1 … broker9), zk-leader or zk-follower.`,
  flags: { 'data-dir': DATA_DIR_FLAG, json: JSON_FLAG },
  positionals: { min: 1, max: 1 },
  async run({ flags, positionals }, io) {
    const report = await withLab(flags['data-dir'], io, ({ lab }) => lab.pause(positionals[0]));
    io.stdout(flags.json ? JSON.stringify(report) : formatSignalReport(report));
    return 0;
  },
});
