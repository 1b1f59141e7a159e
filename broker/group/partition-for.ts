// Which partition of `__consumer_offsets` holds a group, and so which broker coordinates it: the leader of
// that partition (kafka-zk-era.md §6.1). Kafka computes `Utils.abs(groupId.hashCode) % partitionCount`.
//
// Two Java details matter and are easy to get wrong in JavaScript:
//  * `String.hashCode` runs over UTF-16 code units (what `charCodeAt` returns, so a character outside the
//    BMP counts as its two surrogates) with 32-bit two's-complement wrap-around: h = 31·h + c.
//  * Kafka's `Utils.abs(n)` is `n == Integer.MIN_VALUE ? 0 : Math.abs(n)`. It is NOT the partitioner's
//    `Utils.toPositive(n) = n & 0x7fffffff`; the two differ for every negative hash (−1 → 1 versus
//    2147483647), and "my-group" lands on partition 12 only with `abs`.
//
// Pure: no node:* imports.

/** Java's `String.hashCode()`: a signed 32-bit integer. */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++) {
    hash = (Math.imul(hash, 31) + text.charCodeAt(index)) | 0;
  }
  return hash;
}

/** Kafka's `Utils.abs`: the absolute value, except that Integer.MIN_VALUE maps to 0. */
export function kafkaAbs(value: number): number {
  const int = value | 0;
  return int === -2147483648 ? 0 : Math.abs(int);
}

/** The `__consumer_offsets` partition of a group: `Utils.abs(groupId.hashCode) % numPartitions`. */
export function partitionFor(groupId: string, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  }
  return kafkaAbs(javaStringHashCode(groupId)) % numPartitions;
}
