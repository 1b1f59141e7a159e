// The simulator's agenda: events ordered by simulated time, ties broken by insertion order (deterministic).
interface Scheduled {
  atMs: number;
  seq: number;
  run: () => void;
}

export class EventQueue {
  private heap: Scheduled[] = [];
  private seq = 0;
  nowMs = 0;

  schedule(atMs: number, run: () => void): void {
    this.heap.push({ atMs: Math.max(atMs, this.nowMs), seq: this.seq++, run });
    this.up(this.heap.length - 1);
  }

  after(delayMs: number, run: () => void): void {
    this.schedule(this.nowMs + delayMs, run);
  }

  get size(): number {
    return this.heap.length;
  }

  /** Run events until simulated time passes `untilMs` (or the agenda empties). */
  runUntil(untilMs: number): void {
    while (this.heap.length > 0 && this.heap[0].atMs <= untilMs) {
      const event = this.pop();
      this.nowMs = event.atMs;
      event.run();
    }
    this.nowMs = Math.max(this.nowMs, untilMs);
  }

  private less(a: Scheduled, b: Scheduled): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private pop(): Scheduled {
    const top = this.heap[0];
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private up(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i], heap[parent])) return;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private down(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.less(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && this.less(heap[right], heap[smallest])) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
      i = smallest;
    }
  }
}
