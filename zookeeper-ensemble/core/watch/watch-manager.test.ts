// WatchManager on its own: one-shot standard watches, persistent ones that stay, persistent-recursive
// ones that reach descendants, suppression, and the bookkeeping the four-letter words read.
import { describe, expect, it } from 'vitest';

import { WatchManager, WatcherMode } from './watch-manager.ts';

const sorted = (set: Set<number>) => [...set].sort();

describe('WatchManager', () => {
  it('a standard watch fires once', () => {
    const m = new WatchManager();
    m.addWatch('/a', 1);
    expect(sorted(m.triggerWatch('/a'))).toEqual([1]);
    expect(sorted(m.triggerWatch('/a'))).toEqual([]);
    expect(m.size).toBe(0);
    expect(m.pathCount).toBe(0);
    expect(m.byWatcher().size).toBe(0);
  });

  it('a persistent watch fires every time, at its own path only', () => {
    const m = new WatchManager();
    m.addWatch('/a', 1, WatcherMode.PERSISTENT);
    expect(sorted(m.triggerWatch('/a'))).toEqual([1]);
    expect(sorted(m.triggerWatch('/a'))).toEqual([1]);
    expect(sorted(m.triggerWatch('/a/b'))).toEqual([]);
  });

  it('a recursive watch fires for the path and every descendant, not for siblings sharing a prefix', () => {
    const m = new WatchManager();
    m.addWatch('/a', 1, WatcherMode.PERSISTENT_RECURSIVE);
    m.addWatch('/', 2, WatcherMode.PERSISTENT_RECURSIVE);
    expect(sorted(m.triggerWatch('/a'))).toEqual([1, 2]);
    expect(sorted(m.triggerWatch('/a/b/c'))).toEqual([1, 2]);
    expect(sorted(m.triggerWatch('/ab'))).toEqual([2]);
    expect(sorted(m.triggerWatch('/'))).toEqual([2]);
  });

  it('standard watches on ancestors do not fire for descendants', () => {
    const m = new WatchManager();
    m.addWatch('/a', 1);
    expect(sorted(m.triggerWatch('/a/b'))).toEqual([]);
    expect(m.hasWatch('/a', 1)).toBe(true);
  });

  it('suppressed watchers are not reported, and their standard watch is used up all the same', () => {
    const m = new WatchManager();
    m.addWatch('/a', 1);
    m.addWatch('/a', 2);
    m.addWatch('/a', 3, WatcherMode.PERSISTENT);
    expect(sorted(m.triggerWatch('/a', new Set([1, 3])))).toEqual([2]);
    expect(m.hasWatch('/a', 1)).toBe(false);
    expect(m.hasWatch('/a', 3)).toBe(true);
  });

  it('one watcher may hold several modes on a path; a standard trigger only removes the standard one', () => {
    const m = new WatchManager();
    m.addWatch('/a', 1, WatcherMode.PERSISTENT);
    m.addWatch('/a', 1, WatcherMode.STANDARD);
    expect(sorted(m.triggerWatch('/a'))).toEqual([1]);
    expect(m.hasWatch('/a', 1, WatcherMode.STANDARD)).toBe(false);
    expect(m.hasWatch('/a', 1, WatcherMode.PERSISTENT)).toBe(true);
  });

  it('removeWatch by mode, removeWatcher for a whole connection', () => {
    const m = new WatchManager();
    m.addWatch('/a', 1, WatcherMode.PERSISTENT_RECURSIVE);
    m.addWatch('/b', 1);
    m.addWatch('/b', 2);
    expect(m.removeWatch('/a', 1, WatcherMode.STANDARD)).toBe(false);
    expect(m.removeWatch('/a', 1, WatcherMode.PERSISTENT_RECURSIVE)).toBe(true);
    // With the recursive watch gone, descendants no longer reach watcher 1.
    expect(sorted(m.triggerWatch('/a/x'))).toEqual([]);
    m.removeWatcher(1);
    expect(m.pathsOf(1)).toEqual([]);
    expect(m.byPath()).toEqual(new Map([['/b', [2]]]));
    expect(m.removeWatch('/zzz', 9)).toBe(false);
  });

  it('byPath and byWatcher describe the same watches', () => {
    const m = new WatchManager();
    m.addWatch('/a', 1);
    m.addWatch('/a', 2);
    m.addWatch('/b', 2, WatcherMode.PERSISTENT);
    expect(m.byPath()).toEqual(
      new Map([
        ['/a', [1, 2]],
        ['/b', [2]],
      ]),
    );
    expect(new Map([...m.byWatcher()].map(([w, p]) => [w, p.sort()]))).toEqual(
      new Map([
        [1, ['/a']],
        [2, ['/a', '/b']],
      ]),
    );
    expect(m.size).toBe(3);
  });
});
