// The command interpreter behind `kzlab zk-shell`, modelled on Apache ZooKeeper's zkCli (ZooKeeperMain):
// the same commands, options, output (stat lines, `WATCHER::` events) and error messages, over any client
// with ZkClient's shape (broker/zk/zk-client.ts, node-zookeeper-client underneath).

import type { KeeperCode } from '../../broker/zk/errors.ts';
import type { CreateMode, WatchEvent, Watcher, ZkStat } from '../../broker/zk/zk-client.ts';

/** What the shell needs from a ZooKeeper client (ZkClient has it; tests may pass a fake). */
export interface ZkShellClient {
  create(path: string, data: Uint8Array | null, mode?: CreateMode): Promise<string>;
  getData(path: string, watcher?: Watcher): Promise<{ data: Uint8Array | null; stat: ZkStat }>;
  exists(path: string, watcher?: Watcher): Promise<ZkStat | null>;
  getChildren(path: string, watcher?: Watcher): Promise<{ children: string[]; stat: ZkStat }>;
  setData(path: string, data: Uint8Array | null, version?: number): Promise<ZkStat>;
  delete(path: string, version?: number): Promise<void>;
}

export interface ZkShellOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

interface CommandSpec {
  /** The zkCli synopsis, shown by `help` and after a bad use. */
  readonly usage: string;
  /** Option letters without a value, and those with one. */
  readonly switches: string;
  readonly valued: string;
  readonly args: { readonly min: number; readonly max: number };
}

const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  create: { usage: 'create [-s] [-e] path [data]', switches: 'se', valued: '', args: { min: 1, max: 2 } },
  delete: { usage: 'delete [-v version] path', switches: '', valued: 'v', args: { min: 1, max: 1 } },
  deleteall: { usage: 'deleteall path', switches: '', valued: '', args: { min: 1, max: 1 } },
  get: { usage: 'get [-s] [-w] path', switches: 'sw', valued: '', args: { min: 1, max: 1 } },
  help: { usage: 'help', switches: '', valued: '', args: { min: 0, max: 0 } },
  history: { usage: 'history', switches: '', valued: '', args: { min: 0, max: 0 } },
  ls: { usage: 'ls [-s] [-w] [-R] path', switches: 'swR', valued: '', args: { min: 1, max: 1 } },
  quit: { usage: 'quit', switches: '', valued: '', args: { min: 0, max: 0 } },
  set: { usage: 'set [-s] [-v version] path data', switches: 's', valued: 'v', args: { min: 2, max: 2 } },
  stat: { usage: 'stat [-w] path', switches: 'w', valued: '', args: { min: 1, max: 1 } },
};

/** zkCli's list of commands (`help`, and after an unknown command). */
export function zkShellUsage(): string {
  return [
    'ZooKeeper -server host:port cmd args',
    ...Object.values(COMMANDS).map((spec) => `\t${spec.usage}`),
  ].join('\n');
}

/** Splits a command line into words; "double" and 'single' quotes group words (zkCli does the same). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) words.push(match[1] ?? match[2] ?? match[3]!);
  return words;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

const hex = (value: bigint) => `0x${BigInt.asUintN(64, value).toString(16)}`;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** java.util.Date#toString in UTC: `Sat Nov 21 12:33:03 UTC 2026`. */
export function javaDateString(ms: bigint): string {
  const date = new Date(Number(ms));
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${two(date.getUTCDate())} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`
  );
}

/** zkCli's stat block (cZxid = 0x… … numChildren = N). */
export function formatStat(stat: ZkStat): string {
  return [
    `cZxid = ${hex(stat.czxid)}`,
    `ctime = ${javaDateString(stat.ctime)}`,
    `mZxid = ${hex(stat.mzxid)}`,
    `mtime = ${javaDateString(stat.mtime)}`,
    `pZxid = ${hex(stat.pzxid)}`,
    `cversion = ${stat.cversion}`,
    `dataVersion = ${stat.version}`,
    `aclVersion = ${stat.aversion}`,
    `ephemeralOwner = ${hex(stat.ephemeralOwner)}`,
    `dataLength = ${stat.dataLength}`,
    `numChildren = ${stat.numChildren}`,
  ].join('\n');
}

/** zkCli's `WatchedEvent state:SyncConnected type:NodeDataChanged path:/x`. */
export function formatWatchedEvent(event: WatchEvent): string {
  return `WatchedEvent state:SyncConnected type:${event.type} path:${event.path}`;
}

/** How zkCli words a KeeperException (its own messages for the common ones). */
export function keeperMessage(code: KeeperCode | string, path: string): string {
  switch (code) {
    case 'NONODE':
      return `Node does not exist: ${path}`;
    case 'NODEEXISTS':
      return `Node already exists: ${path}`;
    case 'BADVERSION':
      return `version No is not valid : ${path}`;
    case 'NOTEMPTY':
      return `Node not empty: ${path}`;
    case 'NOCHILDRENFOREPHEMERALS':
      return `Ephemerals cannot have children: ${path}`;
    case 'NOAUTH':
      return `Insufficient permission : ${path}`;
    default:
      return `KeeperErrorCode = ${code} for ${path}`;
  }
}

function keeperCodeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'keeperCode' in error) {
    return String((error as { keeperCode: unknown }).keeperCode);
  }
  return undefined;
}

class ShellUsageError extends Error {}

function validPath(path: string): void {
  if (!path.startsWith('/')) throw new ShellUsageError(`Path must start with / character`);
  if (path.length > 1 && path.endsWith('/')) throw new ShellUsageError(`Path must not end with / character`);
  if (path.includes('//')) throw new ShellUsageError(`Path ${path} contains an empty node name`);
}

export class ZkShell {
  /** Commands run so far: the number in zkCli's prompt. */
  commandCount = 0;
  readonly history: string[] = [];
  /** Set by `quit`. */
  quit = false;
  private readonly watcher: Watcher;
  private readonly client: ZkShellClient;
  private readonly out: ZkShellOutput;

  constructor(client: ZkShellClient, out: ZkShellOutput) {
    this.client = client;
    this.out = out;
    // One watcher function for every watch, as zkCli's one default watcher.
    this.watcher = (event) => {
      this.out.stdout('\nWATCHER::\n');
      this.out.stdout(formatWatchedEvent(event));
    };
  }

  /** Runs one command line; false if it failed (an error was printed). Empty lines succeed. */
  async execute(line: string): Promise<boolean> {
    const words = splitCommandLine(line);
    if (words.length === 0) return true;
    this.history.push(line.trim());
    this.commandCount++;
    const [name, ...rest] = words as [string, ...string[]];
    const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (spec === undefined) {
      this.out.stderr(`Command not found: ${name}`);
      this.out.stderr(zkShellUsage());
      return false;
    }
    let options: Map<string, string | true>;
    let args: string[];
    try {
      ({ options, args } = parseOptions(rest, spec));
    } catch (error) {
      this.out.stderr(`${(error as Error).message}\nusage: ${spec.usage}`);
      return false;
    }
    const path = args[0] ?? '';
    try {
      if (path !== '') validPath(path);
      await this.run(name, options, args);
      return true;
    } catch (error) {
      if (error instanceof ShellUsageError) {
        this.out.stderr(error.message);
        return false;
      }
      const code = keeperCodeOf(error);
      const failedPath = (error as { path?: string }).path ?? path;
      if (code !== undefined) this.out.stderr(keeperMessage(code, failedPath));
      else this.out.stderr(error instanceof Error ? error.message : String(error));
      return false;
    }
  }

  private async run(name: string, options: Map<string, string | true>, args: string[]): Promise<void> {
    const watch = options.has('w') ? this.watcher : undefined;
    const path = args[0]!;
    switch (name) {
      case 'help':
        this.out.stdout(zkShellUsage());
        return;
      case 'history':
        this.history.forEach((entry, index) => this.out.stdout(`${index}: ${entry}`));
        return;
      case 'quit':
        this.quit = true;
        return;
      case 'ls': {
        if (options.has('R')) {
          for (const node of await this.subtree(path, watch)) this.out.stdout(node);
          return;
        }
        const { children, stat } = await this.client.getChildren(path, watch);
        this.out.stdout(`[${[...children].sort().join(', ')}]`);
        if (options.has('s')) this.out.stdout(formatStat(stat));
        return;
      }
      case 'get': {
        const { data, stat } = await this.client.getData(path, watch);
        this.out.stdout(data === null ? 'null' : utf8Decoder.decode(data));
        if (options.has('s')) this.out.stdout(formatStat(stat));
        return;
      }
      case 'stat': {
        const stat = await this.client.exists(path, watch);
        if (stat === null) throw Object.assign(new Error('NONODE'), { keeperCode: 'NONODE', path });
        this.out.stdout(formatStat(stat));
        return;
      }
      case 'create': {
        const sequential = options.has('s');
        const ephemeral = options.has('e');
        const mode: CreateMode = ephemeral
          ? sequential
            ? 'EPHEMERAL_SEQUENTIAL'
            : 'EPHEMERAL'
          : sequential
            ? 'PERSISTENT_SEQUENTIAL'
            : 'PERSISTENT';
        const data = args[1] === undefined ? null : utf8Encoder.encode(args[1]);
        const created = await this.client.create(path, data, mode);
        this.out.stdout(`Created ${created}`);
        return;
      }
      case 'set': {
        const stat = await this.client.setData(path, utf8Encoder.encode(args[1]!), versionOption(options));
        if (options.has('s')) this.out.stdout(formatStat(stat));
        return;
      }
      case 'delete':
        await this.client.delete(path, versionOption(options));
        return;
      case 'deleteall': {
        // Children before parents: the deepest nodes first.
        const nodes = await this.subtree(path, undefined);
        for (const node of nodes.reverse()) await this.client.delete(node, -1);
        return;
      }
    }
  }

  /** `path` and everything under it, depth first, children sorted (zkCli's `ls -R`). */
  private async subtree(path: string, watch: Watcher | undefined): Promise<string[]> {
    const out: string[] = [path];
    const { children } = await this.client.getChildren(path, watch);
    for (const child of [...children].sort()) {
      out.push(...(await this.subtree(path === '/' ? `/${child}` : `${path}/${child}`, watch)));
    }
    return out;
  }
}

function versionOption(options: Map<string, string | true>): number {
  const value = options.get('v');
  if (value === undefined) return -1;
  const version = Number(value);
  if (typeof value !== 'string' || !/^-?\d+$/.test(value) || !Number.isSafeInteger(version)) {
    throw new ShellUsageError(`version must be a number, got ${JSON.stringify(value)}`);
  }
  return version;
}

/** zkCli's option parsing: `-x` switches and `-v 3` values anywhere among the arguments. */
function parseOptions(
  words: readonly string[],
  spec: CommandSpec,
): { options: Map<string, string | true>; args: string[] } {
  const options = new Map<string, string | true>();
  const args: string[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (/^-[A-Za-z]+$/.test(word)) {
      for (const letter of word.slice(1)) {
        if (spec.valued.includes(letter)) {
          const value = words[index + 1];
          if (value === undefined) throw new Error(`option -${letter} needs a value`);
          options.set(letter, value);
          index++;
        } else if (spec.switches.includes(letter)) {
          options.set(letter, true);
        } else {
          throw new Error(`unknown option -${letter}`);
        }
      }
      continue;
    }
    args.push(word);
  }
  if (args.length < spec.args.min) throw new Error('missing argument');
  if (args.length > spec.args.max)
    throw new Error(`too many arguments: ${args.slice(spec.args.max).join(' ')}`);
  return { options, args };
}
