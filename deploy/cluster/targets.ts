// Node targets on the command line and in the control API: `zk2`, or a role alias resolved against the
// servers' current modes (`zk-leader`, `zk-follower`); and partition groups (`zk1 zk2,zk3`).
// Pure: the caller supplies the modes.

import { LAB_ERROR_CODES, LabError, unknownNode } from './errors.ts';
import type { ServerMode } from './srvr.ts';

export const ROLE_ALIASES = ['zk-leader', 'zk-follower'] as const;
export type RoleAlias = (typeof ROLE_ALIASES)[number];

export type ParsedTarget =
  { readonly kind: 'node'; readonly name: string } | { readonly kind: 'role'; readonly role: RoleAlias };

/** Checks a target name against the lab's node names; throws KZ_ERR_UNKNOWN_NODE. */
export function parseTarget(target: string, names: readonly string[]): ParsedTarget {
  const trimmed = target.trim();
  if ((ROLE_ALIASES as readonly string[]).includes(trimmed))
    return { kind: 'role', role: trimmed as RoleAlias };
  if (names.includes(trimmed)) return { kind: 'node', name: trimmed };
  throw unknownNode(target, names);
}

/** Does resolving `target` need the servers' current modes? */
export function needsModes(target: string): boolean {
  return (ROLE_ALIASES as readonly string[]).includes(target.trim());
}

/**
 * Resolves a target to a node name. `modes` are the current modes by node name (in sid order);
 * `zk-leader` also accepts a standalone server (a lab of one).
 */
export function resolveTarget(
  target: string,
  names: readonly string[],
  modes: ReadonlyMap<string, ServerMode>,
): string {
  const parsed = parseTarget(target, names);
  if (parsed.kind === 'node') return parsed.name;
  const wanted: readonly ServerMode[] = parsed.role === 'zk-leader' ? ['leader', 'standalone'] : ['follower'];
  const found = names.filter((name) => wanted.includes(modes.get(name) ?? 'down'));
  if (found.length === 0) {
    const seen = names.map((name) => `${name} ${modes.get(name) ?? 'down'}`).join(', ');
    throw new LabError(
      LAB_ERROR_CODES.KZ_ERR_NO_LEADER,
      `no server is ${parsed.role === 'zk-leader' ? 'the leader' : 'a follower'} right now (${seen}); an election may be going on: try again, or name the server`,
      { retriable: true },
    );
  }
  if (parsed.role === 'zk-leader' && found.length > 1) {
    // Two servers claiming leadership at once happens briefly around a partition: say so.
    throw new LabError(
      LAB_ERROR_CODES.KZ_ERR_NO_LEADER,
      `more than one server says it leads (${found.join(', ')}): name the server you mean`,
      { retriable: true },
    );
  }
  return found[0];
}

/**
 * Parses partition arguments: each argument is one group, nodes separated by commas
 * (`zk1 zk2,zk3` → [[zk1], [zk2, zk3]]). Names are not checked here.
 */
export function parseGroupArguments(args: readonly string[]): string[][] {
  return args.map((arg) =>
    arg
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );
}

/**
 * Completes and checks resolved partition groups: one group means "against everyone else"; a node may
 * appear in one group only; every group must be non-empty; at least two groups result.
 */
export function completeGroups(groups: readonly (readonly string[])[], names: readonly string[]): string[][] {
  if (groups.length === 0) throw badRequest('name at least one group of nodes, e.g. `zk1 zk2,zk3`');
  const seen = new Map<string, number>();
  groups.forEach((group, index) => {
    if (group.length === 0) throw badRequest(`group ${index + 1} is empty`);
    for (const name of group) {
      if (!names.includes(name)) throw unknownNode(name, names);
      const earlier = seen.get(name);
      if (earlier !== undefined) {
        throw badRequest(
          earlier === index
            ? `${name} appears twice in group ${index + 1}`
            : `${name} is in group ${earlier + 1} and group ${index + 1}`,
        );
      }
      seen.set(name, index);
    }
  });
  const result = groups.map((group) => [...group]);
  if (result.length === 1) {
    const rest = names.filter((name) => !seen.has(name));
    if (rest.length === 0)
      throw badRequest(`the group ${result[0].join(',')} holds every node: nothing to cut it from`);
    result.push(rest);
  }
  return result;
}

/** Every directed pair (from, to) with from and to in different groups. */
export function linksBetween(groups: readonly (readonly string[])[]): { from: string; to: string }[] {
  const links: { from: string; to: string }[] = [];
  groups.forEach((group, i) => {
    groups.forEach((other, j) => {
      if (i === j) return;
      for (const from of group) for (const to of other) links.push({ from, to });
    });
  });
  return links;
}

function badRequest(message: string): LabError {
  return new LabError(LAB_ERROR_CODES.KZ_ERR_BAD_REQUEST, message);
}
