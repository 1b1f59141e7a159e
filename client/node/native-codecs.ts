// The Node adapter, shared by the client and the broker, for the two byte-crunching functions
// client/protocol/records needs but may not import itself (it is a pure zone; see records/codecs.ts): CRC-32C from @node-rs/crc32 (native, SSE4.2 —
// limits-measured.md §1.4 measured it 4-13x faster than JavaScript) and compression from node:zlib.
// gzip is what the producer offers; zstd comes for free with Node 24's zlib; snappy and lz4 are not in
// Node, so batches using them fail to decode with UnsupportedCompressionError (the consumer says so).

import zlib from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import type { Crc32c, RecordCompression } from '../protocol/records/codecs.ts';
import { UnsupportedCompressionError } from '../protocol/records/errors.ts';

/** Native CRC-32C: `(bytes) => unsigned 32-bit`; accepts any Uint8Array view. */
export const nativeCrc32c: Crc32c = crc32c;

export const nodeRecordCompression: RecordCompression = {
  compress(type, bytes) {
    switch (type) {
      case 'gzip':
        return zlib.gzipSync(bytes);
      case 'zstd':
        return zlib.zstdCompressSync(bytes);
      default:
        throw new UnsupportedCompressionError(`${type} compression is not available in Node`);
    }
  },
  decompress(type, bytes) {
    switch (type) {
      case 'gzip':
        return zlib.gunzipSync(bytes);
      case 'zstd':
        return zlib.zstdDecompressSync(bytes);
      default:
        throw new UnsupportedCompressionError(`${type} decompression is not available in Node`);
    }
  },
};

/** Both, in the shape buildRecordBatch / decodeRecordBatches take them. */
export const nativeCodecs = { crc32c: nativeCrc32c, compression: nodeRecordCompression } as const;
