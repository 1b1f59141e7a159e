// Kafka's 32-bit murmur2 (the Java client's Utils.murmur2) and toPositive, bit for bit, so that the same
// key lands on the same partition as with the Java producer and kafkajs's DefaultPartitioner
// (kafka-zk-era.md §5.2, kafka-clients.md §5). All arithmetic is 32-bit with wrap-around: Math.imul for
// the multiplications, >>> for the unsigned shifts, bytes taken unsigned.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** murmur2 of `bytes` as a signed 32-bit integer (what Java returns). */
export function murmur2(bytes: Uint8Array): number {
  const length = bytes.length;
  let h = (SEED ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // The tail, as Java's switch with fall-through: 3 bytes left → all three lines, 2 → the last two, 1 → the last.
  const tail = length & 3;
  if (tail === 3) h ^= bytes[whole + 2] << 16;
  if (tail >= 2) h ^= bytes[whole + 1] << 8;
  if (tail >= 1) {
    h ^= bytes[whole];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (NOT Math.abs, which differs for negatives and -2^31). */
export function toPositive(value: number): number {
  return value & 0x7fffffff;
}

/** The partition Java's DefaultPartitioner (and kafkajs's) picks for a keyed record. */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return toPositive(murmur2(key)) % partitionCount;
}
