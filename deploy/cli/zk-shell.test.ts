import { describe, expect, it } from 'vitest';

import type { ZkStat } from '../../broker/zk/zk-client.ts';
import { zkShellArgv } from './commands/zk-shell.ts';
import {
  formatStat,
  javaDateString,
  keeperMessage,
  splitCommandLine,
  ZkShell,
  type ZkShellClient,
} from './zk-shell.ts';

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

/** A tiny in-memory tree with ZkClient's shape: enough to check the interpreter's own logic. */
function memoryClient(): ZkShellClient & { deleted: string[] } {
  const nodes = new Map<string, { data: Uint8Array | null; version: number }>([
    ['/', { data: null, version: 0 }],
  ]);
  const deleted: string[] = [];
  const stat = (path: string): ZkStat => ({
    czxid: 1n,
    mzxid: 1n,
    ctime: 0n,
    mtime: 0n,
    version: nodes.get(path)!.version,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0n,
    dataLength: nodes.get(path)!.data?.length ?? 0,
    numChildren: childrenOf(path).length,
    pzxid: 1n,
  });
  const childrenOf = (path: string) =>
    [...nodes.keys()]
      .filter((p) => p !== '/' && p.slice(0, p.lastIndexOf('/') || 1) === path)
      .map((p) => p.slice(p.lastIndexOf('/') + 1));
  const fail = (keeperCode: string, path: string) =>
    Object.assign(new Error(keeperCode), { keeperCode, path });
  const need = (path: string) => {
    if (!nodes.has(path)) throw fail('NONODE', path);
  };
  return {
    deleted,
    async create(path, data) {
      if (nodes.has(path)) throw fail('NODEEXISTS', path);
      need(path.slice(0, path.lastIndexOf('/')) || '/');
      nodes.set(path, { data, version: 0 });
      return path;
    },
    async getData(path) {
      need(path);
      return { data: nodes.get(path)!.data, stat: stat(path) };
    },
    async exists(path) {
      return nodes.has(path) ? stat(path) : null;
    },
    async getChildren(path) {
      need(path);
      return { children: childrenOf(path).reverse(), stat: stat(path) };
    },
    async setData(path, data, version = -1) {
      need(path);
      const node = nodes.get(path)!;
      if (version !== -1 && version !== node.version) throw fail('BADVERSION', path);
      nodes.set(path, { data, version: node.version + 1 });
      return stat(path);
    },
    async delete(path, version = -1) {
      need(path);
      if (childrenOf(path).length > 0) throw fail('NOTEMPTY', path);
      if (version !== -1 && version !== nodes.get(path)!.version) throw fail('BADVERSION', path);
      nodes.delete(path);
      deleted.push(path);
    },
  };
}

describe('ZkShell, the interpreter', () => {
  const session = () => {
    const out: string[] = [];
    const err: string[] = [];
    const client = memoryClient();
    const shell = new ZkShell(client, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
    return { shell, client, out, err };
  };

  it('deleteall removes the deepest nodes first; ls sorts; set -v checks the version', async () => {
    const { shell, client, out, err } = session();
    for (const line of ['create /a', 'create /a/b', 'create /a/b/c', 'create /a/d', 'ls /a']) {
      expect(await shell.execute(line)).toBe(true);
    }
    expect(out.at(-1)).toBe('[b, d]');
    expect(await shell.execute('set /a/d x -v 1')).toBe(false);
    expect(err).toEqual(['version No is not valid : /a/d']);
    expect(await shell.execute('set -v 0 /a/d x')).toBe(true);
    expect(await shell.execute('deleteall /a')).toBe(true);
    expect(client.deleted).toEqual(['/a/d', '/a/b/c', '/a/b', '/a']);
    expect(shell.commandCount).toBe(8);
  });

  it('bad uses print the problem and the synopsis; blank lines are no commands', async () => {
    const { shell, err } = session();
    expect(await shell.execute('   ')).toBe(true);
    expect(shell.commandCount).toBe(0);
    expect(await shell.execute('get -x /')).toBe(false);
    expect(await shell.execute('delete -v')).toBe(false);
    expect(await shell.execute('set /a')).toBe(false);
    expect(await shell.execute('get a')).toBe(false);
    expect(await shell.execute('get /a/')).toBe(false);
    expect(await shell.execute('delete -v x /')).toBe(false);
    expect(err).toEqual([
      'unknown option -x\nusage: get [-s] [-w] path',
      'option -v needs a value\nusage: delete [-v version] path',
      'missing argument\nusage: set [-s] [-v version] path data',
      'Path must start with / character',
      'Path must not end with / character',
      'version must be a number, got "x"',
    ]);
  });

  it('quit stops the session', async () => {
    const { shell } = session();
    expect(shell.quit).toBe(false);
    await shell.execute('quit');
    expect(shell.quit).toBe(true);
  });
});
