// `kzlab heal [<group> <group> …]`: restore the links cut by `kzlab partition` (all, or only those
// between the given groups).

import { defineCommand } from '../command.ts';
import { formatLinkReport } from '../../cluster/format.ts';
import { parseGroupArguments } from '../../cluster/targets.ts';
import { DATA_DIR_FLAG, JSON_FLAG, withLab } from '../../local/lab-commands.ts';

export const healCommand = defineCommand({
  name: 'heal',
  summary: 'Restore the links cut by `kzlab partition` (all, or between given groups).',
  arguments: '[<group> …]',
  description: `
Without arguments every link is back to ok at once (held traffic flows again; connections that were
only stalled survive). With groups, as for \`kzlab partition\`, only the links between them heal.`,
  flags: { 'data-dir': DATA_DIR_FLAG, json: JSON_FLAG },
  positionals: { min: 0, max: 9 },
  async run({ flags, positionals }, io) {
    const groups = parseGroupArguments(positionals);
    const { report, names } = await withLab(flags['data-dir'], io, async ({ lab, state }) => ({
      report: await lab.heal(groups.length === 0 ? undefined : groups),
      names: state.nodes.map((node) => node.name),
    }));
    io.stdout(flags.json ? JSON.stringify(report) : formatLinkReport(report, names, 'heal'));
    return 0;
  },
});
