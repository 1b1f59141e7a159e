// Reads the whole znode tree for the dashboard, read-only, through the same ZooKeeper client the brokers
// use (broker/zk/zk-client.ts over node-zookeeper-client). A Kafka lab's tree is small (tens to a few
// hundred znodes), so every poll reads it breadth-first, up to a bound, and the page gets it whole: per
// znode a getChildren (its Stat's mzxid says whether the data changed) and a getData only when it did.
//
// Every read has a deadline: node-zookeeper-client queues requests while it is disconnected, so without
// one a poll during an election would wait for as long as the election takes.

import { isKeeperException } from '../../broker/zk/errors.ts';
import { ZkClient, type ZkStat } from '../../broker/zk/zk-client.ts';
import type { ZnodeTree, ZnodeView } from './state.ts';

export interface ZnodeTreeReaderOptions {
  /** The lab's ZooKeeper connect string (with its chroot, if any). */
  readonly connect: string;
  /** Znodes read at most per poll. Default 500. */
  readonly maxNodes?: number;
  /** Characters of data kept per znode. Default 2000. */
  readonly maxDataChars?: number;
  /** Deadline of one whole tree read (and of connecting). Default 2500 ms. */
  readonly timeoutMs?: number;
}

export class ZnodeTreeReader {
  private client: ZkClient | undefined;
  private connecting: Promise<ZkClient> | undefined;
  private closed = false;
  /** Aborted by close(): a read in progress gives up at once. */
  private readonly closing = new AbortController();
  private readonly options: Required<ZnodeTreeReaderOptions>;
  /** The last read, to skip getData for znodes whose mzxid did not change. */
  private known = new Map<string, ZnodeView>();

  constructor(options: ZnodeTreeReaderOptions) {
    this.options = { maxNodes: 500, maxDataChars: 2000, timeoutMs: 2500, ...options };
  }

  /** The tree now; on failure a tree with `error` and no nodes (the caller keeps its last good one). */
  async read(): Promise<ZnodeTree> {
    try {
      const client = await withDeadline(
        this.connected(),
        this.options.timeoutMs,
        'connecting to ZooKeeper',
        this.closing.signal,
      );
      const nodes = await withDeadline(
        this.walk(client),
        this.options.timeoutMs,
        'reading the znode tree',
        this.closing.signal,
      );
      return nodes;
    } catch (error) {
      return { nodes: [], truncated: false, error: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    // A connection still being made is closed when it completes (see connected()), not waited for.
    const client = this.client;
    this.client = undefined;
    await client?.close(500);
  }

  private connected(): Promise<ZkClient> {
    if (this.client !== undefined) return Promise.resolve(this.client);
    this.connecting ??= ZkClient.connect(this.options.connect, {
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: this.options.timeoutMs,
    }).then(
      async (client) => {
        if (this.closed) {
          await client.close(500);
          throw new Error('closed');
        }
        this.client = client;
        this.connecting = undefined;
        return client;
      },
      (error: unknown) => {
        this.connecting = undefined;
        throw error;
      },
    );
    return this.connecting;
  }

  private async walk(client: ZkClient): Promise<{ nodes: ZnodeView[]; truncated: boolean }> {
    const nodes: ZnodeView[] = [];
    let level = ['/'];
    let truncated = false;
    while (level.length > 0) {
      const room = this.options.maxNodes - nodes.length;
      if (level.length > room) {
        truncated = true;
        level = level.slice(0, room);
      }
      const read = await Promise.all(level.map((path) => this.readOne(client, path)));
      const next: string[] = [];
      for (const entry of read) {
        if (entry === undefined) continue; // deleted between getChildren and getData
        nodes.push(entry.view);
        for (const child of entry.children)
          next.push(entry.view.path === '/' ? `/${child}` : `${entry.view.path}/${child}`);
      }
      if (nodes.length >= this.options.maxNodes && next.length > 0) {
        truncated = true;
        break;
      }
      level = next;
    }
    nodes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    this.known = new Map(nodes.map((node) => [node.path, node]));
    return { nodes, truncated };
  }

  private async readOne(
    client: ZkClient,
    path: string,
  ): Promise<{ view: ZnodeView; children: string[] } | undefined> {
    try {
      const { children, stat } = await client.getChildren(path);
      const known = this.known.get(path);
      if (
        known !== undefined &&
        known.stat.czxid === String(stat.czxid) &&
        known.stat.mzxid === String(stat.mzxid)
      ) {
        // Same znode, same data: only the Stat's children fields may have moved.
        return { view: { ...known, stat: statView(stat) }, children: children.sort() };
      }
      const read = await client.getData(path);
      return {
        view: znodeView(path, read.data, read.stat, this.options.maxDataChars),
        children: children.sort(),
      };
    } catch (error) {
      if (isKeeperException(error, 'NONODE')) return undefined;
      throw error;
    }
  }
}

export function znodeView(
  path: string,
  data: Uint8Array | null,
  stat: ZkStat,
  maxDataChars: number,
): ZnodeView {
  const text = data === null ? null : new TextDecoder('utf-8', { fatal: false }).decode(data);
  return {
    path,
    data: text === null ? null : text.slice(0, maxDataChars),
    truncated: text !== null && text.length > maxDataChars,
    stat: statView(stat),
  };
}

export function statView(stat: ZkStat): ZnodeView['stat'] {
  return {
    czxid: stat.czxid.toString(),
    mzxid: stat.mzxid.toString(),
    pzxid: stat.pzxid.toString(),
    ctime: stat.ctime.toString(),
    mtime: stat.mtime.toString(),
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    ephemeralOwner: `0x${BigInt.asUintN(64, stat.ephemeralOwner).toString(16)}`,
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  };
}

async function withDeadline<T>(
  promise: Promise<T>,
  timeoutMs: number,
  what: string,
  signal: AbortSignal,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
    onAbort = () => reject(new Error(`${what}: closed`));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  // The abandoned read may still fail later: nobody waits for it.
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort!);
  }
}
