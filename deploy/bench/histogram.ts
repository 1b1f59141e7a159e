// Latency recording for benchmarks: a log-linear ("HDR-ish") histogram over integer nanoseconds,
// plus the exact nearest-rank percentile used to check it and small summary helpers.
//
// Bucket layout. With S = 2^precisionBits sub-buckets:
//   values 0 .. 2S-1 get one bucket each (width 1 ns);
//   above that, every power-of-two range [2^m, 2^(m+1)) is split into S equal buckets,
//   so a bucket is never wider than 1/S of its lower bound (0.78 % for the default S = 128).
// Index of a value v >= S: shift = floor(log2 v) - precisionBits, index = S*shift + floor(v / 2^shift).
// Recording is a few integer operations and one array increment: no allocation, no sorting.

const TWO_POW_32 = 4294967296;

/** floor(log2(v)) for an integer 1 <= v < 2^53, exact (no floating-point log). */
function floorLog2(v: number): number {
  if (v >= TWO_POW_32) {
    return 63 - Math.clz32(Math.floor(v / TWO_POW_32));
  }
  return 31 - Math.clz32(v);
}

export interface HistogramOptions {
  /** Sub-buckets per power of two = 2^precisionBits. Default 7 (relative bucket width <= 0.78 %). */
  precisionBits?: number;
  /** Largest value tracked exactly by bucket, in ns; larger values land in the last bucket. Default 2^40 ns (~18 min). */
  highestTrackableNs?: number;
}

export class LatencyHistogram {
  readonly precisionBits: number;
  readonly subBucketCount: number;
  readonly highestTrackableNs: number;
  private readonly counts: Float64Array;
  private total = 0;
  private sumNs = 0;
  private minNs = Number.POSITIVE_INFINITY;
  private maxNs = 0;
  private overflowCount = 0;

  constructor(options: HistogramOptions = {}) {
    const precisionBits = options.precisionBits ?? 7;
    if (!Number.isInteger(precisionBits) || precisionBits < 1 || precisionBits > 16) {
      throw new RangeError(`precisionBits must be an integer 1..16, got ${precisionBits}`);
    }
    const highest = options.highestTrackableNs ?? 2 ** 40;
    if (!Number.isInteger(highest) || highest < 2 ** (precisionBits + 1) || highest >= 2 ** 53) {
      throw new RangeError(`highestTrackableNs out of range: ${highest}`);
    }
    this.precisionBits = precisionBits;
    this.subBucketCount = 2 ** precisionBits;
    this.highestTrackableNs = highest;
    this.counts = new Float64Array(this.indexOf(highest) + 1);
  }

  /** Bucket index for a non-negative integer value in ns (not clamped). */
  indexOf(valueNs: number): number {
    const s = this.subBucketCount;
    if (valueNs < s) return valueNs;
    const shift = floorLog2(valueNs) - this.precisionBits;
    return s * shift + Math.floor(valueNs / 2 ** shift);
  }

  /** Smallest value (ns) that falls into bucket `index`. */
  lowerBoundOf(index: number): number {
    const s = this.subBucketCount;
    if (index < s) return index;
    const shift = Math.floor(index / s) - 1;
    return (index - s * shift) * 2 ** shift;
  }

  /** Width (ns) of bucket `index`: all values in [lowerBoundOf(i), lowerBoundOf(i) + widthOf(i)) share it. */
  widthOf(index: number): number {
    const s = this.subBucketCount;
    if (index < s) return 1;
    return 2 ** (Math.floor(index / s) - 1);
  }

  /** Record one latency in nanoseconds (fractions are rounded; negative values count as 0). */
  record(valueNs: number): void {
    let v = valueNs > 0 ? Math.round(valueNs) : 0;
    if (v > this.highestTrackableNs) {
      this.overflowCount++;
      v = this.highestTrackableNs;
    }
    this.counts[this.indexOf(v)]++;
    this.total++;
    this.sumNs += v;
    if (v < this.minNs) this.minNs = v;
    if (v > this.maxNs) this.maxNs = v;
  }

  /** Record a latency given as a difference of two performance.now() readings (ms). */
  recordMs(valueMs: number): void {
    this.record(valueMs * 1e6);
  }

  get count(): number {
    return this.total;
  }

  /** Values that exceeded highestTrackableNs (recorded as highestTrackableNs). */
  get overflow(): number {
    return this.overflowCount;
  }

  get minNanos(): number {
    return this.total === 0 ? Number.NaN : this.minNs;
  }

  get maxNanos(): number {
    return this.total === 0 ? Number.NaN : this.maxNs;
  }

  /** Exact mean (kept as a running sum, not derived from buckets). */
  get meanNanos(): number {
    return this.total === 0 ? Number.NaN : this.sumNs / this.total;
  }

  /**
   * Nearest-rank percentile (p in [0, 100]): the value at rank ceil(p/100 * n) in sorted order,
   * reported as the middle of its bucket, clamped to the observed min and max.
   * p = 0 gives the minimum, p = 100 the maximum, both exact.
   */
  percentileNanos(p: number): number {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
    if (this.total === 0) return Number.NaN;
    if (p === 0) return this.minNs;
    if (p === 100) return this.maxNs;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    const counts = this.counts;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        const width = this.widthOf(i);
        const middle = this.lowerBoundOf(i) + (width - 1) / 2;
        return Math.min(this.maxNs, Math.max(this.minNs, middle));
      }
    }
    return this.maxNs;
  }

  percentileMs(p: number): number {
    return this.percentileNanos(p) / 1e6;
  }

  /** Add every count of `other` (same layout) into this histogram. */
  add(other: LatencyHistogram): void {
    if (other.precisionBits !== this.precisionBits || other.highestTrackableNs !== this.highestTrackableNs) {
      throw new RangeError('cannot add histograms with different layouts');
    }
    for (let i = 0; i < other.counts.length; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
    this.sumNs += other.sumNs;
    this.overflowCount += other.overflowCount;
    if (other.total > 0) {
      if (other.minNs < this.minNs) this.minNs = other.minNs;
      if (other.maxNs > this.maxNs) this.maxNs = other.maxNs;
    }
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sumNs = 0;
    this.minNs = Number.POSITIVE_INFINITY;
    this.maxNs = 0;
    this.overflowCount = 0;
  }

  /** Latency summary in milliseconds. */
  summaryMs(): LatencySummaryMs {
    return {
      count: this.total,
      p50: this.percentileMs(50),
      p90: this.percentileMs(90),
      p99: this.percentileMs(99),
      p999: this.percentileMs(99.9),
      mean: this.meanNanos / 1e6,
      min: this.minNanos / 1e6,
      max: this.maxNanos / 1e6,
    };
  }
}

export interface LatencySummaryMs {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  mean: number;
  min: number;
  max: number;
}

/** Exact nearest-rank percentile of unsorted samples (copies and sorts; for checks and small sets). */
export function exactPercentile(samples: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const n = samples.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  if (p === 0) return sorted[0];
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[Math.min(n, rank) - 1];
}

/** Median of a list (mean of the two middle values for an even count); NaN for an empty list. NaNs are ignored. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const n = finite.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Median and min-max over repetitions (NaNs ignored). */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => !Number.isNaN(v));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length };
}
