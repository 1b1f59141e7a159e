import { describe, expect, it } from 'vitest';

import { zkShellArgv } from './commands/zk-shell.ts';
import { formatStat, javaDateString, keeperMessage, splitCommandLine } from './zk-shell.ts';

describe('zk-shell pieces', () => {
  it('splits command lines on blanks, keeping quoted words whole', () => {
    expect(splitCommandLine('  create /a "two words"  \'x y\' z ')).toEqual([
      'create',
      '/a',
      'two words',
      'x y',
      'z',
    ]);
    expect(splitCommandLine('')).toEqual([]);
  });

  it('prints dates as java.util.Date does (in UTC) and stats as zkCli does', () => {
    expect(javaDateString(0n)).toBe('Thu Jan 01 00:00:00 UTC 1970');
    expect(javaDateString(1_795_265_223_442n)).toBe('Sat Nov 21 12:47:03 UTC 2026');
    expect(
      formatStat({
        czxid: 0x100000002n,
        mzxid: 0x100000005n,
        ctime: 0n,
        mtime: 1000n,
        version: 3,
        cversion: 1,
        aversion: 0,
        ephemeralOwner: -1n,
        dataLength: 5,
        numChildren: 2,
        pzxid: 0x100000004n,
      }).split('\n'),
    ).toEqual([
      'cZxid = 0x100000002',
      'ctime = Thu Jan 01 00:00:00 UTC 1970',
      'mZxid = 0x100000005',
      'mtime = Thu Jan 01 00:00:01 UTC 1970',
      'pZxid = 0x100000004',
      'cversion = 1',
      'dataVersion = 3',
      'aclVersion = 0',
      'ephemeralOwner = 0xffffffffffffffff',
      'dataLength = 5',
      'numChildren = 2',
    ]);
  });

  it('words KeeperExceptions as zkCli does', () => {
    expect(keeperMessage('NONODE', '/x')).toBe('Node does not exist: /x');
    expect(keeperMessage('NODEEXISTS', '/x')).toBe('Node already exists: /x');
    expect(keeperMessage('BADVERSION', '/x')).toBe('version No is not valid : /x');
    expect(keeperMessage('NOTEMPTY', '/x')).toBe('Node not empty: /x');
    expect(keeperMessage('SESSIONEXPIRED', '/x')).toBe('KeeperErrorCode = SESSIONEXPIRED for /x');
  });

  it("rewrites zkCli's single-dash flags and puts the command after --", () => {
    expect(zkShellArgv(['-server', 'h:1', 'ls', '-R', '/'])).toEqual([
      '--server',
      'h:1',
      '--',
      'ls',
      '-R',
      '/',
    ]);
    expect(zkShellArgv(['-timeout=5', '--server=h:1'])).toEqual(['--timeout=5', '--server=h:1']);
    expect(zkShellArgv(['-h'])).toEqual(['-h']);
    expect(zkShellArgv(['-frob', 'get', '/'])).toEqual(['-frob', '--', 'get', '/']);
  });
});
