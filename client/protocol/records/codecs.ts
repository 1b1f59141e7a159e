// The two byte-crunching functions RecordBatch v2 needs, injected by the caller so this folder stays pure.
//
// Why injection: records/ is in a pure zone (ARCHITECTURE.md §2) that must also run in a browser, so it
// may not import npm native modules or node:zlib. CRC-32C is on the hot path of every produce (client
// computes it, the broker verifies it), and limits-measured.md §1.4 shows the native `@node-rs/crc32`
// `crc32c()` is 4-13x faster than any JavaScript version — so we do not ship a hand-written CRC here at
// all. Shells pass the native function in:
//
//     import { crc32c } from '@node-rs/crc32';            // (a shell file, e.g. client/node/native-codecs.ts)
//     const codecs: RecordCodecs = { crc32c, compression: nodeCompression };
//
// `@node-rs/crc32`'s `crc32c(bytes)` already has exactly the `Crc32c` shape (it accepts any Uint8Array,
// including subarray views, and returns the unsigned CRC), so no wrapper is needed. A browser would pass
// a WASM implementation with the same signature.
//
// Compression is the same story: gzip/zstd come from node:zlib in shells (`gzipSync`, `zstdCompressSync`),
// and the producer decides whether to compress at all.
//
// Pure zone: no node:* imports.

/** CRC-32C (Castagnoli) of `bytes`, as an unsigned 32-bit integer. Check value: "123456789" → 0xE3069283. */
export type Crc32c = (bytes: Uint8Array) => number;

/** The codec in attribute bits 0–2 of a RecordBatch v2. */
export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Codec ids as Kafka numbers them (CompressionType.id). */
export const COMPRESSION_TYPE_IDS: Readonly<Record<CompressionType, number>> = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
};

const COMPRESSION_TYPES_BY_ID: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** The codec for an id from attribute bits 0–2, or null for the unused ids 5–7. */
export function compressionTypeForId(id: number): CompressionType | null {
  return COMPRESSION_TYPES_BY_ID[id] ?? null;
}

/**
 * Synchronous (de)compression of the records section of a batch. Implementations throw
 * UnsupportedCompressionError (records/errors.ts) for codecs they do not have.
 */
export interface RecordCompression {
  compress(type: Exclude<CompressionType, 'none'>, bytes: Uint8Array): Uint8Array;
  decompress(type: Exclude<CompressionType, 'none'>, bytes: Uint8Array): Uint8Array;
}
