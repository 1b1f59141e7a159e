// The built-in assignors, by the protocol name they announce in JoinGroup.
import { rangeAssignor } from './range.ts';
import { roundRobinAssignor } from './roundrobin.ts';
import { cooperativeStickyAssignor, stickyAssignor } from './sticky.ts';
import type { PartitionAssignor } from './types.ts';

export * from './types.ts';
export { rangeAssign, rangeAssignor } from './range.ts';
export { roundRobinAssign, roundRobinAssignor } from './roundrobin.ts';
export {
  cooperativeStickyAssign,
  cooperativeStickyAssignor,
  decodeStickyUserData,
  encodeStickyUserData,
  stickyAssign,
  stickyAssignor,
} from './sticky.ts';

export type AssignorName = 'range' | 'roundrobin' | 'sticky' | 'cooperative-sticky';

export const BUILT_IN_ASSIGNORS: Readonly<Record<AssignorName, PartitionAssignor>> = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  sticky: stickyAssignor,
  'cooperative-sticky': cooperativeStickyAssignor,
};

export function resolveAssignors(specs: readonly (AssignorName | PartitionAssignor)[]): PartitionAssignor[] {
  return specs.map((spec) => {
    if (typeof spec !== 'string') return spec;
    const assignor = BUILT_IN_ASSIGNORS[spec];
    if (!assignor) throw new Error(`unknown assignor ${JSON.stringify(spec)}`);
    return assignor;
  });
}
