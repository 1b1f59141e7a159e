// The zoo.cfg `kzlab up` writes for each server of a lab. Both implementations read the same file: ours
// (zookeeper-ensemble/server/config.ts) and Apache ZooKeeper 3.8 (QuorumPeerMain).
//
// In an ensemble each server gets its own file: its own `server.N` line has its real quorum and election
// ports (which it binds), every other line has the address of a fault proxy in the supervisor that
// forwards to that peer (zk2's file says server.1=127.0.0.1:<proxy zk2→zk1>:<proxy zk2→zk1>). That is
// what lets `kzlab partition` cut a link: it stalls the proxies of both directions.

import type { ClusterSpec } from '../cluster/spec.ts';
import { nodePaths } from '../cluster/spec.ts';

export interface PeerAddress {
  readonly host: string;
  readonly quorumPort: number;
  readonly electionPort: number;
}

export interface LabZooCfgOptions {
  readonly spec: ClusterSpec;
  /** The server this file is for (`zk2`). */
  readonly name: string;
  /** How this server reaches each other server (by sid): the fault proxies. Ignored for a lab of one. */
  readonly peers: ReadonlyMap<number, PeerAddress>;
}

export function renderLabZooCfg({ spec, name, peers }: LabZooCfgOptions): string {
  const self = spec.ports.zookeepers.find((zk) => zk.name === name);
  if (self === undefined) throw new RangeError(`no ZooKeeper server ${name} in this lab`);
  const { dir } = nodePaths(spec, name);
  const zk = spec.zookeeper;
  const lines = [
    `# ${name} of the kzlab lab in ${spec.dataDir} (${zk.impl} ZooKeeper, ${zk.count} server${zk.count === 1 ? '' : 's'}).`,
    '# Written by `kzlab up` and rewritten on every run: copy it elsewhere to keep your own edits.',
    `tickTime=${zk.tickTimeMs}`,
    `initLimit=${zk.initLimitTicks}`,
    `syncLimit=${zk.syncLimitTicks}`,
    `dataDir=${dir}`,
    `clientPort=${self.clientPort}`,
    `clientPortAddress=${spec.host}`,
    '# every four-letter word (ruok, srvr, stat, mntr, cons, wchc, dump …), for learning',
    '4lw.commands.whitelist=*',
    'admin.enableServer=true',
    `admin.serverAddress=${spec.host}`,
    `admin.serverPort=${self.adminPort}`,
  ];
  if (spec.ports.zookeepers.length > 1) {
    lines.push(
      `# The ensemble. ${name}'s own line holds the ports it listens on; every other line points at a`,
      `# fault proxy in the kzlab supervisor (${name}->peer), which \`kzlab partition\` can cut.`,
    );
    for (const server of spec.ports.zookeepers) {
      if (server.name === name) {
        lines.push(`server.${server.sid}=${spec.host}:${server.quorumPort}:${server.electionPort}`);
        continue;
      }
      const peer = peers.get(server.sid);
      if (peer === undefined)
        throw new RangeError(`no address for server.${server.sid} in ${name}'s zoo.cfg`);
      lines.push(`server.${server.sid}=${peer.host}:${peer.quorumPort}:${peer.electionPort}`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
