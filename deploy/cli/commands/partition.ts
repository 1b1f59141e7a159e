// `kzlab partition <group> [<group> …]`: cut the network links between groups of servers (both
// directions), through the fault proxies that sit in front of every server's quorum and election port.

import { defineCommand } from '../command.ts';
import { formatLinkReport } from '../../cluster/format.ts';
import { parseGroupArguments } from '../../cluster/targets.ts';
import { DATA_DIR_FLAG, JSON_FLAG, withLab } from '../../local/lab-commands.ts';

export const partitionCommand = defineCommand({
  name: 'partition',
  summary: 'Cut the links between groups of nodes (zk1 zk2,zk3 · broker2); heal with `kzlab heal`.',
  arguments: '<group> [<group> …]',
  description: `
Each argument is a group of nodes separated by commas; every link between two nodes of different
groups is cut in both directions. One group alone is cut off from all the others:

  kzlab partition zk1              zk1 | everyone else (other servers and the brokers' sessions on it)
  kzlab partition zk1,zk2 zk3,zk4  two halves (zk5, if there is one, still reaches both: a bridge)
  kzlab partition zk-leader        isolate whoever leads right now
  kzlab partition broker2          broker2 loses ZooKeeper and the other brokers: its session expires,
                                   the controller moves its partitions, yet clients still reach it
  kzlab partition broker1 zk1,zk2,zk3,broker2,broker3
                                   the same, spelled out

The links between nodes go through fault proxies: servers' quorum and election ports, each broker's
ZooKeeper session, and each broker's listener for every other broker (replica fetches, controller
requests). Clients (and kzlab itself) still reach every node. Cuts add up until \`kzlab heal\`. --mode stall (the default) holds the traffic like a
silent network (iptables DROP); reset refuses it (a crashed peer); delay:<ms> only slows it down.`,
  flags: {
    'data-dir': DATA_DIR_FLAG,
    mode: {
      type: 'string',
      default: 'stall',
      valueName: 'MODE',
      description: 'stall | reset | drop-new | delay:<ms>',
    },
    json: JSON_FLAG,
  },
  positionals: { min: 1, max: 9 },
  async run({ flags, positionals }, io) {
    const groups = parseGroupArguments(positionals);
    const { report, names } = await withLab(flags['data-dir'], io, async ({ lab, state }) => ({
      report: await lab.partition(groups, { mode: flags.mode }),
      names: state.nodes.map((node) => node.name),
    }));
    io.stdout(flags.json ? JSON.stringify(report) : formatLinkReport(report, names, 'partition'));
    return 0;
  },
});
