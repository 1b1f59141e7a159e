// The CRC-32C and compression implementations the broker injects into client/protocol/records (which is a
// pure zone and cannot import them itself; see records/codecs.ts). CRC-32C is @node-rs/crc32's native
// (SSE4.2) crc32c — limits-measured.md §1.4; gzip and zstd come from node:zlib. Snappy and LZ4 are not
// available in Node; batches using them are stored and served untouched, only decoding them fails.

import zlib from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import type { Crc32c, RecordCompression } from '../../client/protocol/records/codecs.ts';
import { UnsupportedCompressionError } from '../../client/protocol/records/errors.ts';

/** Native CRC-32C: `(bytes) => unsigned 32-bit`, accepts any Uint8Array view. */
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
