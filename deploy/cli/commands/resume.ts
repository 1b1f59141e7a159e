// `kzlab resume <node>`: SIGCONT a server paused with `kzlab pause`.

import { defineCommand } from '../command.ts';
import { formatSignalReport } from '../../cluster/format.ts';
import { DATA_DIR_FLAG, JSON_FLAG, withLab } from '../../local/lab-commands.ts';

export const resumeCommand = defineCommand({
  name: 'resume',
  summary: 'SIGCONT a server paused with `kzlab pause`.',
  arguments: '<node>',
  description: `
Sends SIGCONT to a paused server's process: it carries on where it stopped, often to find that the
ensemble moved on without it (a new epoch, a new leader) while it was away.`,
  flags: { 'data-dir': DATA_DIR_FLAG, json: JSON_FLAG },
  positionals: { min: 1, max: 1 },
  async run({ flags, positionals }, io) {
    const report = await withLab(flags['data-dir'], io, ({ lab }) => lab.resume(positionals[0]));
    io.stdout(flags.json ? JSON.stringify(report) : formatSignalReport(report));
    return 0;
  },
});
