// The coordinator's timers (Kafka's purgatories and heartbeat/join timeouts) as data: a binary min-heap
// ordered by (deadline, creation), with lazy cancellation. Nothing here waits: the coordinator asks for
// the timers due at a logical time and runs them.
//
// Pure: no node:* imports, no clock.

export interface TimerEntry {
  readonly id: number;
  readonly deadlineMs: number;
  readonly fire: () => void;
}

export class TimerQueue {
  private readonly heap: TimerEntry[] = [];
  private readonly live = new Map<number, TimerEntry>();
  private nextId = 1;

  get size(): number {
    return this.live.size;
  }

  /** Adds a timer; returns its id (ids grow, so equal deadlines fire in creation order). */
  schedule(deadlineMs: number, fire: () => void): number {
    const entry: TimerEntry = { id: this.nextId++, deadlineMs, fire };
    this.live.set(entry.id, entry);
    this.heap.push(entry);
    this.siftUp(this.heap.length - 1);
    return entry.id;
  }

  cancel(id: number | null): void {
    if (id !== null) this.live.delete(id);
  }

  deadlineOf(id: number): number | undefined {
    return this.live.get(id)?.deadlineMs;
  }

  /** The earliest live deadline, or null. */
  peekDeadline(): number | null {
    this.dropCancelled();
    return this.heap.length > 0 ? this.heap[0].deadlineMs : null;
  }

  /** Removes and returns the earliest live timer due at or before `targetMs`, or null. */
  popDue(targetMs: number): TimerEntry | null {
    this.dropCancelled();
    const top = this.heap[0];
    if (!top || top.deadlineMs > targetMs) return null;
    this.removeTop();
    this.live.delete(top.id);
    return top;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && !this.live.has(this.heap[0].id)) this.removeTop();
  }

  private removeTop(): void {
    const last = this.heap.pop();
    if (last === undefined || this.heap.length === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private before(a: TimerEntry, b: TimerEntry): boolean {
    return a.deadlineMs < b.deadlineMs || (a.deadlineMs === b.deadlineMs && a.id < b.id);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(heap[index], heap[parent])) break;
      [heap[index], heap[parent]] = [heap[parent], heap[index]];
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.before(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && this.before(heap[right], heap[smallest])) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest], heap[index]];
      index = smallest;
    }
  }
}
