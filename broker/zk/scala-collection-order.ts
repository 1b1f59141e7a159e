// Why this file exists: Kafka 2.4 writes its znode JSON with Jackson from Scala and Java maps, and Jackson
// writes a map's entries in the map's iteration order. That order is not insertion order but a property
// of the hash table behind the map. To produce byte-for-byte the JSON a Kafka 2.4 broker (built for
// Scala 2.12, the default build) writes, we replay those iteration orders:
//
//   * scala.collection.immutable.Map with 1–4 entries (Map1…Map4): insertion order.
//   * scala.collection.immutable.HashMap (5+ entries, a hash trie): entries sorted by the "improved" hash
//     of the key, 5 bits at a time from the lowest bits up (the trie's levels).
//   * scala.collection.mutable.HashMap (2.12 HashTable): 16 buckets to start, doubling past 75 % load; the
//     bucket index comes from the top bits of a byte-swapped, rotated hash; iteration runs from the last
//     bucket down to the first, newest entry first within a bucket.
//   * java.util.Hashtable / Properties (Java 8): 11 buckets to start, growing to 2n+1 when the count
//     reaches 75 %; index = (hash & 0x7fffffff) % length; iteration from the last bucket down, newest
//     entry first within a bucket.
//
// Worked check (shared/reference/kafka-zk-era.md §1.3.3 and §1.3.7): the 7 registration keys come out as
// listener_security_protocol_map, endpoints, jmx_port, host, timestamp, port, version; the 5 partition-state
// keys as controller_epoch, leader, version, leader_epoch, isr — exactly as real brokers write them.
//
// Pure: no I/O.

/** java.lang.String.hashCode (over UTF-16 code units, 32-bit wrap-around). */
export function javaStringHashCode(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
  return hash;
}

/** org.apache.kafka.common.TopicPartition.hashCode: 31 * (31 + partition) + topic.hashCode(). */
export function topicPartitionHashCode(topic: string, partition: number): number {
  return (Math.imul(31, (31 + partition) | 0) + javaStringHashCode(topic)) | 0;
}

/** Scala 2.12 immutable.HashMap.improve. */
function improveImmutable(hashCode: number): number {
  let h = (hashCode + ~(hashCode << 9)) | 0;
  h ^= h >>> 14;
  h = (h + (h << 4)) | 0;
  return h ^ (h >>> 10);
}

function reverseBytes(value: number): number {
  return ((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24);
}

/** scala.util.hashing.byteswap32. */
function byteswap32(value: number): number {
  const h = reverseBytes(Math.imul(value, 0x9e3775cd));
  return Math.imul(h, 0x9e3775cd);
}

function rotateRight(value: number, distance: number): number {
  return (value >>> distance) | (value << (32 - distance)) | 0;
}

/**
 * Iteration order of a Scala 2.12 immutable Map built from `keys` (in insertion order), given each key's
 * Java/Scala hash code.
 */
export function scalaImmutableMapOrder<K>(keys: readonly K[], hashCode: (key: K) => number): K[] {
  if (keys.length <= 4) return [...keys];
  const withHash = keys.map((key, index) => ({ key, index, hash: improveImmutable(hashCode(key)) }));
  withHash.sort((a, b) => {
    for (let shift = 0; shift < 32; shift += 5) {
      const x = (a.hash >>> shift) & 0x1f;
      const y = (b.hash >>> shift) & 0x1f;
      if (x !== y) return x - y;
    }
    return a.index - b.index;
  });
  return withHash.map((entry) => entry.key);
}

/** Iteration order of a Scala 2.12 mutable.HashMap after inserting `keys` in order (no removals). */
export function scalaMutableHashMapOrder<K>(keys: readonly K[], hashCode: (key: K) => number): K[] {
  // The seed is fixed at construction: bitCount(16 - 1) = 4; resizes do not change it.
  const seed = 4;
  let table: K[][] = Array.from({ length: 16 }, () => []);
  let threshold = 12;
  let size = 0;
  const index = (key: K, length: number) => {
    const ones = length - 1;
    return (rotateRight(byteswap32(hashCode(key)), seed) >>> Math.clz32(ones)) & ones;
  };
  for (const key of keys) {
    table[index(key, table.length)].unshift(key);
    size++;
    if (size > threshold) {
      const old = table;
      table = Array.from({ length: old.length * 2 }, () => []);
      for (let i = old.length - 1; i >= 0; i--) {
        for (const entry of old[i]) table[index(entry, table.length)].unshift(entry);
      }
      threshold = Math.floor((table.length * 750) / 1000);
    }
  }
  const out: K[] = [];
  for (let i = table.length - 1; i >= 0; i--) out.push(...table[i]);
  return out;
}

/** Iteration order of a Java 8 java.util.Hashtable (and so Properties) after putting `keys` in order. */
export function javaHashtableOrder(keys: readonly string[]): string[] {
  let table: string[][] = Array.from({ length: 11 }, () => []);
  let threshold = Math.floor(11 * 0.75);
  let count = 0;
  const index = (key: string, length: number) => (javaStringHashCode(key) & 0x7fffffff) % length;
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) continue;
    seen.add(key);
    if (count >= threshold) {
      const old = table;
      const capacity = old.length * 2 + 1;
      table = Array.from({ length: capacity }, () => []);
      for (let i = old.length - 1; i >= 0; i--) {
        // Old chains are walked newest-first and each entry is pushed onto the front of its new chain.
        for (const entry of old[i]) table[index(entry, capacity)].unshift(entry);
      }
      threshold = Math.floor(capacity * 0.75);
    }
    table[index(key, table.length)].unshift(key);
    count++;
  }
  const out: string[] = [];
  for (let i = table.length - 1; i >= 0; i--) out.push(...table[i]);
  return out;
}
