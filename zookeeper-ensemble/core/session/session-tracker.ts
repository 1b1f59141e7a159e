// SessionTracker with ZooKeeper's ExpiryQueue: sessions sit in buckets rounded up to the next tick, so
// expiry is checked once per tick and a session touched within the same bucket costs nothing.

export interface Session {
  sessionId: bigint;
  timeoutMs: number;
  /** Set once a closeSession is in flight: further requests get SESSIONEXPIRED. */
  isClosing: boolean;
  expiresAtMs: number;
}

export class ExpiryQueue<T> {
  private readonly expirationIntervalMs: number;
  private readonly buckets = new Map<number, Set<T>>();
  private readonly expiryOf = new Map<T, number>();
  private nextExpirationMs: number;

  constructor(expirationIntervalMs: number, nowMs: number) {
    this.expirationIntervalMs = expirationIntervalMs;
    this.nextExpirationMs = this.roundToNextInterval(nowMs);
  }

  private roundToNextInterval(timeMs: number): number {
    return (Math.floor(timeMs / this.expirationIntervalMs) + 1) * this.expirationIntervalMs;
  }

  /** (Re)schedule `item` to expire `timeoutMs` from now; returns the bucket time. */
  update(item: T, timeoutMs: number, nowMs: number): number {
    const previous = this.expiryOf.get(item);
    const next = this.roundToNextInterval(nowMs + timeoutMs);
    if (previous === next) return next;
    let bucket = this.buckets.get(next);
    if (!bucket) {
      bucket = new Set();
      this.buckets.set(next, bucket);
    }
    bucket.add(item);
    if (previous !== undefined) this.removeFromBucket(item, previous);
    this.expiryOf.set(item, next);
    return next;
  }

  private removeFromBucket(item: T, at: number): void {
    const bucket = this.buckets.get(at);
    bucket?.delete(item);
    if (bucket?.size === 0) this.buckets.delete(at);
  }

  remove(item: T): void {
    const at = this.expiryOf.get(item);
    if (at === undefined) return;
    this.removeFromBucket(item, at);
    this.expiryOf.delete(item);
  }

  /** Items whose bucket time has passed, in bucket order. */
  poll(nowMs: number): T[] {
    const expired: T[] = [];
    while (nowMs >= this.nextExpirationMs) {
      const bucket = this.buckets.get(this.nextExpirationMs);
      if (bucket) {
        this.buckets.delete(this.nextExpirationMs);
        for (const item of bucket) {
          this.expiryOf.delete(item);
          expired.push(item);
        }
      }
      this.nextExpirationMs += this.expirationIntervalMs;
      if (this.buckets.size === 0) this.nextExpirationMs = Math.max(this.nextExpirationMs, this.roundToNextInterval(nowMs));
    }
    return expired;
  }
}

export class SessionTracker {
  private readonly sessions = new Map<bigint, Session>();
  private readonly expiryQueue: ExpiryQueue<bigint>;
  private nextSessionId: bigint;

  /**
   * Session ids: the server id in the top byte and the start time below, as ZooKeeper's
   * initializeNextSessionId, so ids never repeat across restarts of one server.
   */
  constructor(serverId: number, tickTimeMs: number, nowMs: number) {
    this.expiryQueue = new ExpiryQueue(tickTimeMs, nowMs);
    const time = BigInt.asUintN(64, BigInt(Math.floor(nowMs)) << 24n) >> 8n;
    let next = BigInt.asIntN(64, time | (BigInt(serverId) << 56n));
    if (next === -0x8000000000000000n) next++;
    this.nextSessionId = next;
  }

  clear(): void {
    for (const sessionId of [...this.sessions.keys()]) this.removeSession(sessionId);
  }

  createSessionId(): bigint {
    return this.nextSessionId++;
  }

  addSession(sessionId: bigint, timeoutMs: number, nowMs: number): Session {
    let session = this.sessions.get(sessionId);
    if (!session) {
      session = { sessionId, timeoutMs, isClosing: false, expiresAtMs: 0 };
      this.sessions.set(sessionId, session);
    }
    session.expiresAtMs = this.expiryQueue.update(sessionId, timeoutMs, nowMs);
    return session;
  }

  get(sessionId: bigint): Session | undefined {
    return this.sessions.get(sessionId);
  }

  /** Returns false when the session is unknown or closing (the caller answers SESSIONEXPIRED). */
  touchSession(sessionId: bigint, nowMs: number): boolean {
    const session = this.sessions.get(sessionId);
    if (!session || session.isClosing) return false;
    session.expiresAtMs = this.expiryQueue.update(sessionId, session.timeoutMs, nowMs);
    return true;
  }

  /** A new leader gives every known session a full timeout from now (ZooKeeper does the same on startup). */
  touchAll(nowMs: number): void {
    for (const session of this.sessions.values()) {
      if (!session.isClosing) session.expiresAtMs = this.expiryQueue.update(session.sessionId, session.timeoutMs, nowMs);
    }
  }

  setSessionClosing(sessionId: bigint): void {
    const session = this.sessions.get(sessionId);
    if (session) session.isClosing = true;
  }

  removeSession(sessionId: bigint): void {
    this.sessions.delete(sessionId);
    this.expiryQueue.remove(sessionId);
  }

  /** Sessions whose timeout passed; they are marked closing, the caller submits closeSession for each. */
  expire(nowMs: number): Session[] {
    const expired: Session[] = [];
    for (const sessionId of this.expiryQueue.poll(nowMs)) {
      const session = this.sessions.get(sessionId);
      if (!session || session.isClosing) continue;
      session.isClosing = true;
      expired.push(session);
    }
    return expired;
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }
}
