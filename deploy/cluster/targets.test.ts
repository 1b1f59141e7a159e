import { describe, expect, it } from 'vitest';

import { KzError } from '../../client/common/errors.ts';
import { LAB_ERROR_CODES } from './errors.ts';
import type { ServerMode } from './srvr.ts';
import {
  completeGroups,
  linksBetween,
  needsModes,
  parseGroupArguments,
  parseTarget,
  resolveTarget,
} from './targets.ts';

const names = ['zk1', 'zk2', 'zk3'];
const modes = (entries: [string, ServerMode][]): Map<string, ServerMode> => new Map(entries);

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof KzError ? error.code : 'not a KzError';
  }
  return undefined;
}

describe('targets', () => {
  it('accepts node names and role aliases, rejects anything else with KZ_ERR_UNKNOWN_NODE', () => {
    expect(parseTarget('zk2', names)).toEqual({ kind: 'node', name: 'zk2' });
    expect(parseTarget('zk-leader', names)).toEqual({ kind: 'role', role: 'zk-leader' });
    expect(parseTarget('zk-follower', names)).toEqual({ kind: 'role', role: 'zk-follower' });
    expect(codeOf(() => parseTarget('zk4', names))).toBe(LAB_ERROR_CODES.KZ_ERR_UNKNOWN_NODE);
    expect(() => parseTarget('broker1', names)).toThrow(
      'unknown node "broker1" (this lab has zk1, zk2, zk3, and the aliases zk-leader and zk-follower)',
    );
    expect(needsModes('zk-leader')).toBe(true);
    expect(needsModes('zk1')).toBe(false);
  });

  it('resolves zk-leader and zk-follower from the current modes', () => {
    const current = modes([
      ['zk1', 'follower'],
      ['zk2', 'leader'],
      ['zk3', 'follower'],
    ]);
    expect(resolveTarget('zk-leader', names, current)).toBe('zk2');
    expect(resolveTarget('zk-follower', names, current)).toBe('zk1');
    expect(resolveTarget('zk3', names, current)).toBe('zk3');
    expect(resolveTarget('zk-leader', ['zk1'], modes([['zk1', 'standalone']]))).toBe('zk1');
  });

  it('says so when no server (or more than one) leads', () => {
    const electing = modes([
      ['zk1', 'not-serving'],
      ['zk2', 'paused'],
    ]);
    expect(codeOf(() => resolveTarget('zk-leader', names, electing))).toBe(LAB_ERROR_CODES.KZ_ERR_NO_LEADER);
    expect(() => resolveTarget('zk-leader', names, electing)).toThrow(
      '(zk1 not-serving, zk2 paused, zk3 down)',
    );
    const split = modes([
      ['zk1', 'leader'],
      ['zk2', 'leader'],
    ]);
    expect(() => resolveTarget('zk-leader', names, split)).toThrow(
      'more than one server says it leads (zk1, zk2)',
    );
  });
});

describe('partition groups', () => {
  it('parses comma-separated groups', () => {
    expect(parseGroupArguments(['zk1', 'zk2,zk3'])).toEqual([['zk1'], ['zk2', 'zk3']]);
    expect(parseGroupArguments(['zk1, zk2,'])).toEqual([['zk1', 'zk2']]);
  });

  it('one group is cut from everyone else', () => {
    expect(completeGroups([['zk2']], names)).toEqual([['zk2'], ['zk1', 'zk3']]);
  });

  it('nodes named in no group keep all their links (a bridge)', () => {
    const five = ['zk1', 'zk2', 'zk3', 'zk4', 'zk5'];
    const groups = completeGroups(
      [
        ['zk1', 'zk2'],
        ['zk4', 'zk5'],
      ],
      five,
    );
    expect(groups).toEqual([
      ['zk1', 'zk2'],
      ['zk4', 'zk5'],
    ]);
    const links = linksBetween(groups);
    expect(links).toHaveLength(8);
    expect(links.some((link) => link.from === 'zk3' || link.to === 'zk3')).toBe(false);
  });

  it('lists every directed link between different groups', () => {
    expect(linksBetween([['zk1'], ['zk2', 'zk3']])).toEqual([
      { from: 'zk1', to: 'zk2' },
      { from: 'zk1', to: 'zk3' },
      { from: 'zk2', to: 'zk1' },
      { from: 'zk3', to: 'zk1' },
    ]);
  });

  it('rejects overlapping, empty, unknown and all-covering groups', () => {
    expect(codeOf(() => completeGroups([['zk1'], ['zk1', 'zk2']], names))).toBe(
      LAB_ERROR_CODES.KZ_ERR_BAD_REQUEST,
    );
    expect(() => completeGroups([['zk1'], ['zk1', 'zk2']], names)).toThrow('zk1 is in group 1 and group 2');
    expect(() => completeGroups([['zk1', 'zk1']], names)).toThrow('zk1 appears twice in group 1');
    expect(() => completeGroups([[], ['zk1']], names)).toThrow('group 1 is empty');
    expect(() => completeGroups([], names)).toThrow('name at least one group');
    expect(() => completeGroups([['zk1', 'zk2', 'zk3']], names)).toThrow('holds every node');
    expect(codeOf(() => completeGroups([['zk7']], names))).toBe(LAB_ERROR_CODES.KZ_ERR_UNKNOWN_NODE);
  });
});
