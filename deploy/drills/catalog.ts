// Every drill, in the order `kzlab drill list` shows them (issue 7's order, zombie-leader after leader-kill).

import { consumerDies } from './consumer-drill.ts';
import type { Drill } from './drill.ts';
import { controllerKill, isrBelowMin, leaderKill, sameKey, sessionExpiry } from './kafka-drills.ts';
import { uncleanElection } from './unclean-drill.ts';
import { zkFollowerPause, zkLeaderKill, zkQuorumLoss } from './zookeeper-drills.ts';
import { zombieLeader } from './zombie-drill.ts';

export const DRILLS: readonly Drill[] = [
  zkLeaderKill,
  zkQuorumLoss,
  zkFollowerPause,
  controllerKill,
  leaderKill,
  zombieLeader,
  isrBelowMin,
  uncleanElection,
  sessionExpiry,
  consumerDies,
  sameKey,
];

export function findDrill(name: string): Drill | undefined {
  return DRILLS.find((drill) => drill.name === name);
}
