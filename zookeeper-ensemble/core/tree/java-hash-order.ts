// The iteration order of java.util.HashSet<String>, which real ZooKeeper exposes: getChildren lists a
// node's children, and closeSession deletes ephemerals, in that order. A HashSet iterates its table's
// buckets in index order (bucket = spread(String.hashCode) & (capacity − 1)), each bucket in insertion
// order; the table doubles (keeping relative order) whenever size exceeds 0.75 × capacity.

export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

function bucketOfHash(h: number, capacity: number): number {
  return (h ^ (h >>> 16)) & (capacity - 1);
}

function bucketOf(text: string, capacity: number): number {
  return bucketOfHash(javaStringHashCode(text), capacity);
}

/** The jute-generated Id.hashCode(): 37 × (37 × 17 + scheme.hashCode()) + id.hashCode(), in int arithmetic. */
export function javaIdHashCode(scheme: string, id: string): number {
  return (Math.imul(37, (Math.imul(37, 17) + javaStringHashCode(scheme)) | 0) + javaStringHashCode(id)) | 0;
}

/**
 * A connection's auth ids in the order ZooKeeper's ServerCnxn keeps them (a hash-based set of Id): it
 * decides the order an `auth` ACL expands in and the order whoAmI lists.
 */
export function javaIdSetOrder<T extends { scheme: string; id: string }>(ids: readonly T[]): T[] {
  const capacity = grownCapacity(16, ids.length);
  return ids
    .map((item, index) => ({ item, index, bucket: bucketOfHash(javaIdHashCode(item.scheme, item.id), capacity) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map((entry) => entry.item);
}

/** The capacity a HashSet reaches holding `size` entries, starting from `initialCapacity`. */
export function grownCapacity(capacity: number, size: number): number {
  let grown = capacity;
  while (size > grown * 0.75) grown *= 2;
  return grown;
}

/** Java's HashMap.tableSizeFor: the next power of two. */
export function tableSizeFor(n: number): number {
  let capacity = 1;
  while (capacity < n) capacity *= 2;
  return capacity;
}

/** Order `items` (given in insertion order) as a HashSet of that capacity iterates them. */
export function javaHashSetOrder(items: Iterable<string>, capacity: number): string[] {
  return [...items]
    .map((item, index) => ({ item, index, bucket: bucketOf(item, capacity) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map((entry) => entry.item);
}

/** new HashSet<>(collection): pre-sized for the collection, filled in the collection's order. */
export function javaHashSetCopyCapacity(size: number): number {
  return tableSizeFor(Math.max(Math.floor(size / 0.75) + 1, 16));
}
