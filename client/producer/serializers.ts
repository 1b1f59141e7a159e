// Serializers: the first stage of the producer pipeline (kafka-zk-era.md §5.1 step 3). A serializer
// turns an application value into the bytes that go into a record's key or value; null stays null
// (a null value is a tombstone on compacted topics; a null key means "no key" to the partitioner).

export type Serializer<T> = (value: T, topic: string) => Uint8Array | null;

const utf8 = new TextEncoder();

/** UTF-8, like Java's StringSerializer. */
export const stringSerializer: Serializer<string | null | undefined> = (value) =>
  value === null || value === undefined ? null : utf8.encode(value);

/** JSON.stringify then UTF-8. `undefined` becomes null (no bytes). */
export const jsonSerializer: Serializer<unknown> = (value) =>
  value === undefined || value === null ? null : utf8.encode(JSON.stringify(value));

/** Bytes as they are (Java's ByteArraySerializer). */
export const bytesSerializer: Serializer<Uint8Array | null | undefined> = (value) => value ?? null;

/** Strings as UTF-8, bytes as they are, null as null: what `send()` accepts by default. */
export const defaultSerializer: Serializer<string | Uint8Array | null | undefined> = (value) => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return utf8.encode(value);
  return value;
};

export type SerializerName = 'string' | 'json' | 'bytes' | 'default';

export function serializerByName(name: SerializerName): Serializer<never> {
  switch (name) {
    case 'string':
      return stringSerializer as Serializer<never>;
    case 'json':
      return jsonSerializer as Serializer<never>;
    case 'bytes':
      return bytesSerializer as Serializer<never>;
    case 'default':
      return defaultSerializer as Serializer<never>;
  }
}
