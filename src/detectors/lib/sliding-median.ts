// The median of a window that slides over one series, in O(log n) a step: scanning every
// candidate change point of thousands of series with ~2,000 datapoints each must not slice and
// sort a window per point. Datapoints are ranked once (a sort, O(n log n)); the window is a
// Fenwick tree of the ranks it holds, and its k-th smallest value is a descent of that tree.

export class SlidingMedian {
  /** The series' values in ascending order: rank -> value. */
  private readonly byRank: Float64Array;
  /** Datapoint index -> rank (0-based; equal values ranked by index, so every rank is unique). */
  private readonly rankOf: Int32Array;
  /** Fenwick tree over ranks (1-based): how many datapoints of each rank the window holds. */
  private readonly tree: Int32Array;
  /** The highest power of two not above the series length: where a descent of the tree starts. */
  private readonly top: number;
  /** The window is datapoints [from, to). */
  private from = 0;
  private to = 0;

  /** An empty window over `values`; `alongside` another window over the same values shares its ranking. */
  constructor(values: readonly number[], alongside?: SlidingMedian) {
    if (alongside && alongside.rankOf.length === values.length) {
      this.byRank = alongside.byRank;
      this.rankOf = alongside.rankOf;
    } else {
      // A typed array sorts numerically and natively, faster than indices with a comparator.
      const sorted = Float64Array.from(values).sort();
      const taken = new Int32Array(values.length);
      this.rankOf = new Int32Array(values.length);
      values.forEach((value, index) => {
        const first = lowerBound(sorted, value);
        this.rankOf[index] = first + (taken[first] as number);
        taken[first] = (taken[first] as number) + 1;
      });
      this.byRank = sorted;
    }
    this.tree = new Int32Array(values.length + 1);
    let top = 1;
    while (top * 2 <= values.length) top *= 2;
    this.top = top;
  }

  /** Datapoints in the window. */
  get size(): number {
    return this.to - this.from;
  }

  /**
   * Makes the window hold datapoints [from, to) of the series. Both ends only move forward; the
   * datapoints a move skips over are never touched, so sparse queries cost less than a full slide.
   */
  slideTo(from: number, to: number): void {
    if (from > to || from < this.from || to < this.to) throw new RangeError('a sliding window only moves forward, and from <= to');
    if (from >= this.to) {
      for (let k = this.from; k < this.to; k++) this.update(k, -1);
      this.from = from;
      this.to = from;
    }
    for (; this.from < from; this.from++) this.update(this.from, -1);
    for (; this.to < to; this.to++) this.update(this.to, 1);
  }

  /** The window's median, interpolated as `median` in stats.ts does; 0 for an empty window. */
  median(): number {
    const size = this.size;
    if (size === 0) return 0;
    return (this.kth((size - 1) >> 1) + this.kth(size >> 1)) / 2;
  }

  private update(index: number, delta: number): void {
    for (let pos = (this.rankOf[index] as number) + 1; pos < this.tree.length; pos += pos & -pos) {
      this.tree[pos] = (this.tree[pos] as number) + delta;
    }
  }

  /** The k-th smallest value in the window (0-based). */
  private kth(k: number): number {
    let pos = 0;
    let remaining = k + 1;
    for (let step = this.top; step > 0; step >>= 1) {
      const next = pos + step;
      if (next < this.tree.length && (this.tree[next] as number) < remaining) {
        pos = next;
        remaining -= this.tree[next] as number;
      }
    }
    return this.byRank[pos] as number;
  }
}

/** The first position in ascending `sorted` whose value is not below `value`. */
function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
