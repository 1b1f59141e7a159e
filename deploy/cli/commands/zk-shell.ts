// `kzlab zk-shell -server HOST:PORT [command …]`: a zkCli-like ZooKeeper shell (Apache ZooKeeper's
// bin/zkCli.sh). Interactive with a prompt and history on a terminal; otherwise it runs the command given
// after the flags, or the commands read line by line from standard input. The interpreter is
// deploy/cli/zk-shell.ts; the connection is broker/zk/zk-client.ts's ZkClient (node-zookeeper-client).

import process from 'node:process';
import { createInterface } from 'node:readline';

import { defineCommand, type LeafCommand } from '../command.ts';
import { UsageError } from '../flags.ts';
import { ZkShell } from '../zk-shell.ts';

const definition = defineCommand({
  name: 'zk-shell',
  summary: 'A zkCli-like ZooKeeper shell: ls, get, stat, create, set, delete, deleteall, watches.',
  arguments: '[command [args …]]',
  positionals: { min: 0, max: Number.MAX_SAFE_INTEGER },
  description: `
Like ZooKeeper's zkCli.sh: connects to -server (zkCli's single-dash spelling works, as does --server)
and runs commands:
  ls [-s] [-w] [-R] path          get [-s] [-w] path          stat [-w] path
  create [-s] [-e] path [data]    set [-s] [-v version] path data
  delete [-v version] path        deleteall path              help  history  quit
-w leaves a one-shot watch; when it fires the shell prints, as zkCli does,
  WATCHER::
  WatchedEvent state:SyncConnected type:NodeDataChanged path:/x
Errors are worded as zkCli words them ("Node does not exist: /x", "Node already exists: /x").
On a terminal the shell is interactive ([zk: HOST:PORT(CONNECTED) 0] prompt, arrow-key history).
With a command after the flags it runs that one command; otherwise, with standard input not a
terminal, it runs the lines of standard input one by one. Exit status: 1 if any command failed.`,
  flags: {
    server: {
      type: 'string',
      valueName: 'HOST:PORT[,HOST:PORT…][/chroot]',
      description: 'the ZooKeeper servers (default 127.0.0.1:2181)',
    },
    timeout: {
      type: 'number',
      integer: true,
      min: 1,
      valueName: 'MS',
      description: 'session timeout (default 30000)',
    },
  },
  async run({ flags, positionals }, io) {
    const server = flags.server ?? '127.0.0.1:2181';
    if (!/^[^/\s]+:\d+(,[^/\s]+:\d+)*(\/\S*)?$/.test(server)) {
      throw new UsageError(`-server expects HOST:PORT[,HOST:PORT…][/chroot], got ${JSON.stringify(server)}`);
    }
    const sessionTimeoutMs = flags.timeout ?? 30_000;
    // Loaded here, not at the top: node-zookeeper-client is only needed when this command runs.
    const { ZkClient } = await import('../../../broker/zk/zk-client.ts');
    const client = await ZkClient.connect(server, {
      sessionTimeoutMs,
      connectionTimeoutMs: Math.min(sessionTimeoutMs, 15_000),
    });
    const shell = new ZkShell(client, io);
    // Session changes after the start, as zkCli's default watcher prints them.
    const sessionStates = {
      connected: 'SyncConnected',
      disconnected: 'Disconnected',
      expired: 'Expired',
      'new-session': 'SyncConnected',
      'auth-failed': 'AuthFailed',
    } as const;
    const stopSessionEvents = client.onSessionEvent((event) => {
      if (event === 'closed') return;
      io.stdout('\nWATCHER::\n');
      io.stdout(`WatchedEvent state:${sessionStates[event]} type:None path:null`);
    });
    let failures = 0;
    try {
      if (positionals.length > 0) {
        // The command as given (already split by the shell that started us): quote words back together.
        const line = positionals.map((word) => (/[\s"']/.test(word) ? `"${word}"` : word)).join(' ');
        return (await shell.execute(line)) ? 0 : 1;
      }
      const input = io.stdin ?? process.stdin;
      const interactive = input.isTTY === true && process.stdout.isTTY === true;
      const host = server.split(',')[0]!.split('/')[0]!;
      const lines = createInterface({
        input,
        output: interactive ? process.stdout : undefined,
        terminal: interactive,
        historySize: 500,
        crlfDelay: Infinity,
      });
      const prompt = () => {
        if (!interactive) return;
        lines.setPrompt(
          `[zk: ${host}(${client.isConnected ? 'CONNECTED' : 'CONNECTING'}) ${shell.commandCount}] `,
        );
        lines.prompt();
      };
      if (interactive) {
        io.stdout('\nWATCHER::\n');
        io.stdout('WatchedEvent state:SyncConnected type:None path:null');
      }
      // Ctrl-C ends the shell, as in zkCli (Ctrl-D too: end of input).
      lines.on('SIGINT', () => lines.close());
      prompt();
      for await (const line of lines) {
        if (!(await shell.execute(line))) failures++;
        if (shell.quit) break;
        prompt();
      }
      lines.close();
      return failures > 0 ? 1 : 0;
    } finally {
      stopSessionEvents();
      await client.close();
    }
  },
});

/** zkCli spells its flags with one dash: `-server h:p`, `-timeout ms`. */
const SINGLE_DASH = new Map([
  ['-server', '--server'],
  ['-timeout', '--timeout'],
]);

/**
 * Rewrites argv for parseFlags: zkCli's single-dash flags become double-dash ones, and everything from the
 * first word that is not a flag on is the shell command (after `--`, so its own `-w`, `-s` stay its own).
 */
export function zkShellArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    let word = argv[index]!;
    const [name, inline] = word.includes('=')
      ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('='))]
      : [word, ''];
    word = (SINGLE_DASH.get(name) ?? name) + inline;
    if (!word.startsWith('-')) {
      out.push('--', ...argv.slice(index));
      break;
    }
    out.push(word);
    if ((word === '--server' || word === '--timeout') && index + 1 < argv.length) {
      out.push(argv[index + 1]!);
      index++;
    }
  }
  return out;
}

export const zkShellCommand: LeafCommand = {
  ...definition,
  run: (argv, io, path) => definition.run(zkShellArgv(argv), io, path),
};
