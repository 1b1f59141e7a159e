// `kzlab zk-shell` as a real process against our ZooKeeper server: a scripted session (commands on
// standard input) that uses every command and sees watches fire, one command given on the command line,
// a watch fired by another session, zkCli's error wording, and the usage errors and --help.
// KZLAB_ZK_IMPL=apache runs the same against Apache ZooKeeper 3.8 (Debian), where it passes too.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { labNode } from '../../deploy/local/lab-process.ts';
import { skipUnlessAvailable } from '../support/ci.ts';

import { runCli, startCli } from '../support/kzlab-cli.ts';
import { repoRoot, startZooKeeper, type ZooKeeperServer } from '../support/zookeeper-servers.ts';

/** util-linux `script` runs a command on a pseudo-terminal: the shell then thinks it is interactive. */
const SCRIPT = '/usr/bin/script';

const STAT_LINES = [
  /^cZxid = 0x[0-9a-f]+$/,
  /^ctime = (Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$/,
  /^mZxid = 0x[0-9a-f]+$/,
  /^mtime = \w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$/,
  /^pZxid = 0x[0-9a-f]+$/,
  /^cversion = \d+$/,
  /^dataVersion = \d+$/,
  /^aclVersion = 0$/,
  /^ephemeralOwner = 0x[0-9a-f]+$/,
  /^dataLength = \d+$/,
  /^numChildren = \d+$/,
];

/** Parses the stat block that starts at `lines[from]` into name → value. */
function statAt(lines: readonly string[], from: number): Record<string, string> {
  const block = lines.slice(from, from + STAT_LINES.length);
  block.forEach((line, index) => expect(line).toMatch(STAT_LINES[index]!));
  return Object.fromEntries(block.map((line) => line.split(' = ') as [string, string]));
}

describe('kzlab zk-shell against our ZooKeeper server', () => {
  let zk: ZooKeeperServer | undefined;
  let server = '';

  beforeAll(async () => {
    zk = await startZooKeeper(); // ours; KZLAB_ZK_IMPL=apache: Apache ZooKeeper
    server = zk.connectString;
  });

  afterAll(async () => {
    await zk?.stop();
  });

  it('a scripted session: every command, zkCli output and errors, watches firing', async () => {
    const script = [
      'create /app v1',
      'create /app again',
      'create /app/config "hello world"',
      'create -s /app/seq- x',
      'create -e /app/ephemeral',
      'ls /app',
      'ls -R /app',
      'get -w /app',
      'set /app v2',
      'get -s /app',
      'stat -w /app/config',
      'set /app/config v3 -v 0',
      'set /app/config stale -v 0',
      'ls -w /app',
      'create /app/new',
      'get /app/new',
      'delete -v 5 /app/new',
      'delete /app/new',
      'delete /app',
      'stat /missing',
      'get /missing',
      'deleteall /app',
      'ls /',
      'frobnicate',
      'get',
      'history',
      'help',
      'quit',
      'ls /',
    ].join('\n');
    const result = await runCli(['zk-shell', '-server', server], {
      input: `${script}\n`,
      deadlineMs: 20_000,
    });
    expect(result.code, result.stderr).toBe(1); // some commands failed on purpose
    const lines = result.stdout.split('\n');
    let at = 0;
    const expectLines = (...expected: string[]) => {
      expect(lines.slice(at, at + expected.length)).toEqual(expected);
      at += expected.length;
    };
    expectLines(
      'Created /app',
      'Created /app/config',
      'Created /app/seq-0000000001',
      'Created /app/ephemeral',
      '[config, ephemeral, seq-0000000001]',
      '/app',
      '/app/config',
      '/app/ephemeral',
      '/app/seq-0000000001',
      'v1',
      // set /app v2 fires the data watch of `get -w /app` before set returns
      '',
      'WATCHER::',
      '',
      'WatchedEvent state:SyncConnected type:NodeDataChanged path:/app',
      'v2',
    );
    const appStat = statAt(lines, at);
    expect(appStat).toMatchObject({
      dataVersion: '1',
      dataLength: '2',
      numChildren: '3',
      ephemeralOwner: '0x0',
    });
    at += STAT_LINES.length;
    const configStat = statAt(lines, at);
    expect(configStat).toMatchObject({ dataVersion: '0', dataLength: '11', numChildren: '0' });
    at += STAT_LINES.length;
    expectLines(
      // set /app/config v3 -v 0 fires the watch of `stat -w /app/config`
      '',
      'WATCHER::',
      '',
      'WatchedEvent state:SyncConnected type:NodeDataChanged path:/app/config',
      '[config, ephemeral, seq-0000000001]',
      // create /app/new fires the child watch of `ls -w /app`
      '',
      'WATCHER::',
      '',
      'WatchedEvent state:SyncConnected type:NodeChildrenChanged path:/app',
      'Created /app/new',
      'null',
      '[zookeeper]',
    );
    expectLines('0: create /app v1', '1: create /app again');
    at += 23;
    expectLines('25: history', 'ZooKeeper -server host:port cmd args');
    expect(lines.slice(at)).toContain('\tls [-s] [-w] [-R] path');
    // `quit` ended the session: the last `ls /` did not run.
    expect(result.stdout.match(/^\[zookeeper\]$/gm)).toHaveLength(1);

    expect(result.stderr.split('\n')).toEqual([
      'Node already exists: /app',
      'version No is not valid : /app/config',
      'version No is not valid : /app/new',
      'Node not empty: /app',
      'Node does not exist: /missing',
      'Node does not exist: /missing',
      'Command not found: frobnicate',
      'ZooKeeper -server host:port cmd args',
      ...lines.slice(at, at + 10),
      'missing argument',
      'usage: get [-s] [-w] path',
      '',
    ]);
  });

  it('one command after the flags: its output and exit status', async () => {
    const created = await runCli(['zk-shell', '-server', server, 'create', '/one', 'two words']);
    expect(created).toMatchObject({ code: 0, stdout: 'Created /one\n', stderr: '' });
    const read = await runCli(['zk-shell', '--server', server, 'get', '-s', '/one']);
    expect(read.code).toBe(0);
    const lines = read.stdout.split('\n');
    expect(lines[0]).toBe('two words');
    expect(statAt(lines, 1)).toMatchObject({ dataLength: '9', numChildren: '0' });
    const missing = await runCli(['zk-shell', '-server', server, 'delete', '/nothing']);
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: 'Node does not exist: /nothing\n' });
    const chrooted = await runCli(['zk-shell', '-server', `${server}/one`, 'ls', '/']);
    expect(chrooted).toMatchObject({ code: 0, stdout: '[]\n' });
  });

  it.skipIf(skipUnlessAvailable(existsSync(SCRIPT)))(
    'on a terminal: the zkCli prompt with a command counter, and quit',
    async () => {
      const command = `${labNode()} ${join(repoRoot, 'deploy', 'cli.ts')} zk-shell -server ${server}`;
      const child = spawn(SCRIPT, ['-qfec', command, '/dev/null'], {
        cwd: repoRoot,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const seen = async (text: string) => {
        const deadline = Date.now() + 10_000;
        while (!out.includes(text)) {
          if (Date.now() > deadline)
            throw new Error(`no ${JSON.stringify(text)} within 10 s on the terminal:\n${out}`);
          await new Promise((resolve) => child.stdout.once('data', resolve).once('close', resolve));
        }
      };
      try {
        await seen(`[zk: ${server}(CONNECTED) 0] `);
        child.stdin.write('ls /zookeeper\r');
        await seen('[config, quota]');
        await seen(`[zk: ${server}(CONNECTED) 1] `);
        child.stdin.write('quit\r');
        expect(await exited).toBe(0);
      } finally {
        clearTimeout(timer);
        child.kill('SIGKILL');
      }
      expect(out).toContain('WatchedEvent state:SyncConnected type:None path:null');
    },
  );

  it('a watch fires when another session changes the node', async () => {
    expect((await runCli(['zk-shell', '-server', server, 'create', '/watched', 'a'])).code).toBe(0);
    const shell = startCli(['zk-shell', '-server', server]);
    try {
      shell.child.stdin.write('get -w /watched\n');
      await shell.waitForOutput('a\n', 10_000);
      const other = await runCli(['zk-shell', '-server', server, 'set', '/watched', 'b']);
      expect(other.code).toBe(0);
      await shell.waitForOutput(
        'WatchedEvent state:SyncConnected type:NodeDataChanged path:/watched',
        10_000,
      );
      shell.child.stdin.write('get /watched\n');
      await shell.waitForOutput(/path:\/watched\nb\n/, 10_000);
    } finally {
      const result = await shell.finish(10_000);
      expect(result).toMatchObject({ code: 0, killed: false });
    }
  });
});

describe('kzlab zk-shell: usage errors and --help', () => {
  it('bad flags exit 2 with a message; an unreachable server exits 1; --help exits 0', async () => {
    const [badServer, unknownFlag, help, unreachable] = await Promise.all([
      runCli(['zk-shell', '-server', 'nohostport', 'ls', '/']),
      runCli(['zk-shell', '-frob', 'ls', '/']),
      runCli(['zk-shell', '--help']),
      runCli(['zk-shell', '-server', '127.0.0.1:1', '-timeout', '1000', 'ls', '/'], { deadlineMs: 20_000 }),
    ]);
    expect(badServer.code).toBe(2);
    expect(badServer.stderr).toContain(
      'kzlab zk-shell: -server expects HOST:PORT[,HOST:PORT…][/chroot], got "nohostport"',
    );
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain('kzlab zk-shell: unknown flag -frob');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: kzlab zk-shell \[flags\] \[command \[args …\]\]/);
    expect(help.stdout).toContain('WatchedEvent state:SyncConnected type:NodeDataChanged path:/x');
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('could not connect to ZooKeeper at 127.0.0.1:1');
  });
});
