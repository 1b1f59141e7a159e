// Per-session monotonic reads: ZooKeeper's "single system image" — a client never sees an older view
// of the data than one it has already seen, even after reconnecting to another server (the server
// refuses a session whose last seen zxid is ahead of its own). Plain reads are sequentially consistent,
// not linearizable, so they are checked here instead of with the linearizability checker
// (reliability.md §1.11, decision D1).
//
// Pure: no node:* imports, no clock, no randomness.
//
// Feed observations per session in the order the client received them (ZooKeeper answers a session's
// requests in order). `zxid` is the reply header's zxid: (epoch << 32) | counter, as bigint or number
// (compared with `<`; use one type per history). Negative zxids — notifications carry −1 — are skipped.

import { describeValue } from './describe.ts';

export type SessionId = string | number | bigint;

export interface ZxidObservation {
  readonly sessionId: SessionId;
  readonly zxid: bigint | number;
  /** The server that answered (zk1…); explanations mention a reconnect when it changes. */
  readonly server?: string;
  /** What the client did (for explanations), e.g. `getData /a` or an operation id. */
  readonly label?: string;
}

export interface MonotonicReadsViolation {
  readonly sessionId: SessionId;
  /** The highest zxid the session had seen, and where. */
  readonly previous: ZxidObservation;
  readonly current: ZxidObservation;
  /** Position of `current` in the session's observations (0-based, skipped ones included). */
  readonly index: number;
}

export interface MonotonicReadsResult {
  readonly ok: boolean;
  readonly sessions: number;
  readonly observations: number;
  /** Observations with a negative zxid, not checked. */
  readonly skipped: number;
  readonly violations: readonly MonotonicReadsViolation[];
  /** Readable text, '' when ok. */
  readonly explanation: string;
}

interface SessionProgress {
  highest: ZxidObservation | undefined;
  seen: number;
}

/** Incremental form, for live checks: `observe` returns the violation, if any, as it happens. */
export class MonotonicReadsChecker {
  private readonly sessions = new Map<SessionId, SessionProgress>();
  private readonly found: MonotonicReadsViolation[] = [];
  private observed = 0;
  private skippedCount = 0;

  observe(observation: ZxidObservation): MonotonicReadsViolation | undefined {
    this.observed++;
    let progress = this.sessions.get(observation.sessionId);
    if (progress === undefined) {
      progress = { highest: undefined, seen: 0 };
      this.sessions.set(observation.sessionId, progress);
    }
    const index = progress.seen++;
    if (observation.zxid < 0) {
      this.skippedCount++;
      return undefined;
    }
    const highest = progress.highest;
    if (highest !== undefined && observation.zxid < highest.zxid) {
      const violation = { sessionId: observation.sessionId, previous: highest, current: observation, index };
      this.found.push(violation);
      return violation;
    }
    progress.highest = observation;
    return undefined;
  }

  result(): MonotonicReadsResult {
    return {
      ok: this.found.length === 0,
      sessions: this.sessions.size,
      observations: this.observed,
      skipped: this.skippedCount,
      violations: [...this.found],
      explanation: this.found.map(describeViolation).join('\n'),
    };
  }
}

/** Checks a whole list of observations (sessions interleaved in any way; order within a session matters). */
export function checkMonotonicReads(observations: Iterable<ZxidObservation>): MonotonicReadsResult {
  const checker = new MonotonicReadsChecker();
  for (const observation of observations) checker.observe(observation);
  return checker.result();
}

/** `0x500000003` style, the way ZooKeeper prints zxids. */
export function formatZxid(zxid: bigint | number): string {
  return `0x${BigInt(zxid).toString(16)}`;
}

function describeObservation(observation: ZxidObservation): string {
  const parts = [`zxid ${formatZxid(observation.zxid)}`];
  if (observation.server !== undefined) parts.push(`from ${observation.server}`);
  if (observation.label !== undefined) parts.push(`(${observation.label})`);
  return parts.join(' ');
}

function describeViolation(violation: MonotonicReadsViolation): string {
  const { previous, current } = violation;
  const reconnect =
    previous.server !== undefined && current.server !== undefined && previous.server !== current.server
      ? ` after moving from ${previous.server} to ${current.server}`
      : '';
  return (
    `session ${describeValue(violation.sessionId)} went back in time${reconnect}: observation ${violation.index} ` +
    `saw ${describeObservation(current)} after ${describeObservation(previous)}`
  );
}
