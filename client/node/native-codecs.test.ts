import { describe, expect, it } from 'vitest';

import { buildRecordBatch, decodeRecordBatches } from '../protocol/records/index.ts';
import { nativeCodecs, nativeCrc32c, nodeRecordCompression } from './native-codecs.ts';

describe('native codecs', () => {
  it('CRC-32C check value: "123456789" → 0xE3069283', () => {
    expect(nativeCrc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('gzip and zstd round-trip; snappy is refused with a typed error', () => {
    const bytes = new TextEncoder().encode('hello hello hello hello');
    for (const type of ['gzip', 'zstd'] as const) {
      expect(nodeRecordCompression.decompress(type, nodeRecordCompression.compress(type, bytes))).toEqual(
        Buffer.from(bytes),
      );
    }
    expect(() => nodeRecordCompression.compress('snappy', bytes)).toThrow(
      expect.objectContaining({ code: 'KZ_ERR_UNSUPPORTED_COMPRESSION' }),
    );
  });

  it('plugs into buildRecordBatch / decodeRecordBatches', () => {
    const value = new TextEncoder().encode('x'.repeat(1000));
    const batch = buildRecordBatch(
      { records: [{ value }, { value }], compression: 'gzip', defaultTimestamp: 1n },
      nativeCodecs,
    );
    expect(batch.length).toBeLessThan(200);
    const [decoded] = decodeRecordBatches(batch, {
      crc32c: nativeCodecs.crc32c,
      compression: nativeCodecs.compression,
    });
    expect(decoded.records).toHaveLength(2);
  });
});
