// WatchManager: which watcher (a client connection) waits on which path, and in which mode.
// A standard watch is one-shot (removed when it fires); persistent watches stay; persistent-recursive
// watches also fire for every descendant. DataTree keeps two of these: data watches (getData/exists)
// and child watches (getChildren), as ZooKeeper does.

export type WatcherId = number;

/** Watch modes as bit flags, so one watcher can hold several on the same path. */
export const WatcherMode = {
  STANDARD: 1,
  PERSISTENT: 2,
  PERSISTENT_RECURSIVE: 4,
} as const;

export class WatchManager {
  private readonly watchTable = new Map<string, Map<WatcherId, number>>();
  private readonly watch2Paths = new Map<WatcherId, Set<string>>();
  private recursiveCount = 0;

  addWatch(path: string, watcher: WatcherId, mode: number = WatcherMode.STANDARD): void {
    let watchers = this.watchTable.get(path);
    if (!watchers) {
      watchers = new Map();
      this.watchTable.set(path, watchers);
    }
    const before = watchers.get(watcher) ?? 0;
    if ((before & mode) === mode) return;
    if (mode & WatcherMode.PERSISTENT_RECURSIVE && !(before & WatcherMode.PERSISTENT_RECURSIVE)) {
      this.recursiveCount++;
    }
    watchers.set(watcher, before | mode);
    let paths = this.watch2Paths.get(watcher);
    if (!paths) {
      paths = new Set();
      this.watch2Paths.set(watcher, paths);
    }
    paths.add(path);
  }

  /**
   * Fire the watches an event on `path` reaches: every mode at the path itself (standard ones are
   * consumed), and persistent-recursive ones on its ancestors. Watchers in `suppress` are skipped.
   */
  triggerWatch(path: string, suppress?: ReadonlySet<WatcherId>): Set<WatcherId> {
    const fired = new Set<WatcherId>();
    const atPath = this.watchTable.get(path);
    if (atPath) {
      for (const [watcher, modes] of atPath) {
        // A suppressed standard watch is still used up (ZooKeeper removes it before skipping the notification).
        if (modes & WatcherMode.STANDARD) this.dropMode(path, atPath, watcher, modes, WatcherMode.STANDARD);
        if (suppress?.has(watcher)) continue;
        fired.add(watcher);
      }
    }
    if (this.recursiveCount > 0) {
      for (let ancestor = parentPath(path); ancestor !== null; ancestor = parentPath(ancestor)) {
        const watchers = this.watchTable.get(ancestor);
        if (!watchers) continue;
        for (const [watcher, modes] of watchers) {
          if (modes & WatcherMode.PERSISTENT_RECURSIVE && !suppress?.has(watcher)) fired.add(watcher);
        }
      }
    }
    return fired;
  }

  private dropMode(path: string, watchers: Map<WatcherId, number>, watcher: WatcherId, modes: number, mode: number) {
    const remaining = modes & ~mode;
    if (mode & WatcherMode.PERSISTENT_RECURSIVE && modes & WatcherMode.PERSISTENT_RECURSIVE) this.recursiveCount--;
    if (remaining !== 0) {
      watchers.set(watcher, remaining);
      return;
    }
    watchers.delete(watcher);
    if (watchers.size === 0) this.watchTable.delete(path);
    const paths = this.watch2Paths.get(watcher);
    paths?.delete(path);
    if (paths?.size === 0) this.watch2Paths.delete(watcher);
  }

  /** Remove the given modes of one watcher on one path; returns whether anything was removed. */
  removeWatch(path: string, watcher: WatcherId, modes: number = ~0): boolean {
    const watchers = this.watchTable.get(path);
    const current = watchers?.get(watcher);
    if (!watchers || current === undefined || (current & modes) === 0) return false;
    this.dropMode(path, watchers, watcher, current, current & modes);
    return true;
  }

  hasWatch(path: string, watcher: WatcherId, modes: number = ~0): boolean {
    return ((this.watchTable.get(path)?.get(watcher) ?? 0) & modes) !== 0;
  }

  /** A connection closed: its watches go with it (clients re-register them with setWatches). */
  removeWatcher(watcher: WatcherId): void {
    const paths = this.watch2Paths.get(watcher);
    if (!paths) return;
    for (const path of [...paths]) this.removeWatch(path, watcher);
  }

  get size(): number {
    let total = 0;
    for (const watchers of this.watchTable.values()) total += watchers.size;
    return total;
  }

  get pathCount(): number {
    return this.watchTable.size;
  }

  /** path → watchers, for the wchp four-letter word. */
  byPath(): Map<string, WatcherId[]> {
    return new Map([...this.watchTable].map(([path, watchers]) => [path, [...watchers.keys()]]));
  }

  /** watcher → paths, for the wchc four-letter word. */
  byWatcher(): Map<WatcherId, string[]> {
    return new Map([...this.watch2Paths].map(([watcher, paths]) => [watcher, [...paths]]));
  }

  pathsOf(watcher: WatcherId): string[] {
    return [...(this.watch2Paths.get(watcher) ?? [])];
  }
}

function parentPath(path: string): string | null {
  if (path === '/') return null;
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}
