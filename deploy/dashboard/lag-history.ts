// Consumer-group lag over time, kept by the dashboard server so a reloaded page draws the same trend: per
// group, one sample per groups poll (total lag and each partition's), bounded by age and by count. Groups
// that vanish are dropped. Pure: the poll's time comes in with the groups it read.

import type { GroupsView, GroupView } from './lab-client.ts';

/** Ten minutes of samples. */
export const LAG_WINDOW_MS = 10 * 60_000;
/** At most this many samples per group, whatever the poll interval (1 per second for ten minutes). */
export const LAG_CAPACITY = 600;

export interface LagSample {
  readonly at: number;
  readonly totalLag: number;
  /** `topic-partition` → lag. */
  readonly partitions: Readonly<Record<string, number>>;
}

export interface LagHistory {
  readonly windowMs: number;
  readonly capacity: number;
  /** Group id → its samples, oldest first. */
  readonly groups: Readonly<Record<string, readonly LagSample[]>>;
}

export function emptyLagHistory(windowMs = LAG_WINDOW_MS, capacity = LAG_CAPACITY): LagHistory {
  return { windowMs, capacity, groups: {} };
}

/** One group's lag at `at` (int64 lags as numbers: a trend does not need their last digits). */
export function lagSample(at: number, group: GroupView): LagSample {
  return {
    at,
    totalLag: Number(group.totalLag),
    partitions: Object.fromEntries(
      group.partitions.map((entry) => [`${entry.topic}-${entry.partition}`, Number(entry.lag)]),
    ),
  };
}

/** `samples` with `sample` added, less those older than the window or beyond the capacity. */
function append(samples: readonly LagSample[], sample: LagSample, history: LagHistory): LagSample[] {
  const since = sample.at - history.windowMs;
  return [...samples.filter((kept) => kept.at > since && kept.at < sample.at), sample].slice(
    -history.capacity,
  );
}

/** Each group's newest sample: what a page that holds the history before the last poll must add. */
export function newestSamples(history: LagHistory): Record<string, LagSample> {
  return Object.fromEntries(
    Object.entries(history.groups).flatMap(([groupId, samples]) =>
      samples.length === 0 ? [] : [[groupId, samples[samples.length - 1]]],
    ),
  );
}

/**
 * The history after one groups poll: a sample for each group it read, groups it did not read dropped. A
 * failed poll (the view's error set, its groups the last good ones) records nothing.
 */
export function recordLag(history: LagHistory, view: GroupsView): LagHistory {
  if (view.error !== null) return history;
  return {
    ...history,
    groups: Object.fromEntries(
      view.groups.map((group) => [
        group.groupId,
        append(history.groups[group.groupId] ?? [], lagSample(view.at, group), history),
      ]),
    ),
  };
}
