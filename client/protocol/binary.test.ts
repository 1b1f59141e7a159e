// Primitive types: bytes worked out by hand from the Kafka protocol rules, round trips, and the decode
// errors (typed, never RangeError; lengths checked before allocating).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  KafkaDecodeError,
  KafkaEncodeError,
  KafkaReader,
  KafkaWriter,
  utf8Length,
  uuidFromString,
  uuidToString,
  uvarintSize,
  ZERO_UUID,
} from './binary.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const write = (fill: (writer: KafkaWriter) => void): string => {
  const writer = new KafkaWriter(1);
  fill(writer);
  return hex(writer.toBytes());
};

describe('fixed-width integers are big-endian', () => {
  it('writes the bytes Kafka expects', () => {
    expect(write((w) => w.int8(-1).int16(0x1234).int32(-2).uint32(0xfffffffe))).toBe(
      'ff1234fffffffefffffffe',
    );
    expect(write((w) => w.int64(-2n).uint16(0xbeef).bool(true).bool(false))).toBe('fffffffffffffffebeef0100');
    expect(write((w) => w.float64(1.5))).toBe('3ff8000000000000');
  });

  it('reads any non-zero byte as true', () => {
    expect(new KafkaReader(unhex('02')).bool()).toBe(true);
  });

  it('refuses values out of range when encoding', () => {
    expect(() => new KafkaWriter().int8(128)).toThrow(KafkaEncodeError);
    expect(() => new KafkaWriter().int16(-32769)).toThrow(KafkaEncodeError);
    expect(() => new KafkaWriter().int32(2 ** 31)).toThrow(KafkaEncodeError);
    expect(() => new KafkaWriter().int32(1.5)).toThrow(KafkaEncodeError);
    expect(() => new KafkaWriter().int64(1n << 63n)).toThrow(KafkaEncodeError);
    expect(() => new KafkaWriter().uint32(-1)).toThrow(KafkaEncodeError);
  });
});

describe('varints', () => {
  it('zig-zag encodes signed values (0, -1, 1, -2 … → 0, 1, 2, 3 …)', () => {
    expect(write((w) => w.varint(0).varint(-1).varint(1).varint(-2).varint(63).varint(-64).varint(64))).toBe(
      '00010203 7e7f 8001'.replace(/\s/g, ''),
    );
    expect(write((w) => w.varint(2147483647))).toBe('feffffff0f');
    expect(write((w) => w.varint(-2147483648))).toBe('ffffffff0f');
    expect(write((w) => w.varlong(-1n).varlong(300n))).toBe('01d804');
    expect(write((w) => w.varlong((1n << 63n) - 1n))).toBe('feffffffffffffffff01');
    expect(write((w) => w.varlong(-(1n << 63n)))).toBe('ffffffffffffffffff01');
  });

  it('unsigned varints take 7 bits a byte, low group first', () => {
    expect(write((w) => w.uvarint(0).uvarint(127).uvarint(128).uvarint(300))).toBe('007f8001ac02');
    expect(write((w) => w.uvarint(0xffffffff))).toBe('ffffffff0f');
    expect([0, 127, 128, 16383, 16384, 0xffffffff].map(uvarintSize)).toEqual([1, 1, 2, 2, 3, 5]);
  });

  it('round-trips every 32/64-bit value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
        (signed, unsigned, long) => {
          const writer = new KafkaWriter().varint(signed).uvarint(unsigned).varlong(long);
          const reader = new KafkaReader(writer.toBytes());
          expect(reader.varint()).toBe(signed);
          expect(reader.uvarint()).toBe(unsigned);
          expect(reader.varlong()).toBe(long);
          reader.expectEnd('varints');
        },
      ),
    );
  });

  it('rejects overlong varints', () => {
    expect(() => new KafkaReader(unhex('ffffffffff01')).uvarint()).toThrow(/longer than 5 bytes/);
    expect(() => new KafkaReader(unhex('ffffffff1f')).uvarint()).toThrow(/32 bits/);
    expect(() => new KafkaReader(unhex('ffffffffffffffffffff01')).varlong()).toThrow(/longer than 10 bytes/);
    expect(() => new KafkaReader(unhex('ffffffffffffffffff7f')).varlong()).toThrow(/64 bits/);
  });
});

describe('strings and bytes', () => {
  it('classic: int16 / int32 length, -1 = null', () => {
    expect(write((w) => w.string('ab').nullableString(null).string(''))).toBe('00026162ffff0000');
    expect(write((w) => w.bytesField(new Uint8Array([1, 2])).nullableBytes(null))).toBe(
      '000000020102ffffffff',
    );
  });

  it('compact: unsigned varint length + 1, 0 = null', () => {
    expect(write((w) => w.compactString('ab').compactNullableString(null).compactString(''))).toBe(
      '0361620001',
    );
    expect(write((w) => w.compactBytes(new Uint8Array([7])).compactNullableBytes(null))).toBe('020700');
    expect(write((w) => w.compactArrayLength(null).compactArrayLength(0).compactArrayLength(2))).toBe(
      '000103',
    );
    expect(write((w) => w.arrayLength(null).arrayLength(1))).toBe('ffffffff00000001');
  });

  it('measures UTF-8 as TextEncoder does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
      }),
    );
    expect(write((w) => w.string('é😀'))).toBe('0006c3a9f09f9880');
  });

  it('round-trips well-formed text in both encodings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (text) => {
        const reader = new KafkaReader(new KafkaWriter().string(text).compactString(text).toBytes());
        expect(reader.string()).toBe(text);
        expect(reader.compactString()).toBe(text);
      }),
    );
  });

  it('refuses strings longer than 32767 UTF-8 bytes', () => {
    expect(() => new KafkaWriter().string('x'.repeat(32768))).toThrow(KafkaEncodeError);
    expect(() => new KafkaWriter().compactString('é'.repeat(16384))).toThrow(KafkaEncodeError);
    expect(new KafkaWriter().string('x'.repeat(32767)).length).toBe(32769);
  });

  it('decodes invalid UTF-8 and null into non-nullable fields as KafkaDecodeError', () => {
    expect(() => new KafkaReader(unhex('0002c328')).string()).toThrow(/UTF-8/);
    expect(() => new KafkaReader(unhex('ffff')).string()).toThrow(/null/);
    expect(() => new KafkaReader(unhex('00')).compactString()).toThrow(/null/);
    expect(() => new KafkaReader(unhex('ffffffff')).bytesField()).toThrow(/null/);
    expect(() => new KafkaReader(unhex('fffe')).nullableString()).toThrow(/negative/);
  });

  it('returns copies, never views of the input (even of a Node Buffer)', () => {
    const input = Buffer.from('00000002abcd', 'hex');
    const bytes = new KafkaReader(input).bytesField();
    input[4] = 0;
    expect(hex(bytes)).toBe('abcd');
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
  });
});

describe('bounds and limits', () => {
  it('every read past the end is a KafkaDecodeError with the offset, never a RangeError', () => {
    const reads: ((reader: KafkaReader) => unknown)[] = [
      (r) => r.int8(),
      (r) => r.int16(),
      (r) => r.uint16(),
      (r) => r.int32(),
      (r) => r.uint32(),
      (r) => r.int64(),
      (r) => r.float64(),
      (r) => r.bool(),
      (r) => r.uvarint(),
      (r) => r.varint(),
      (r) => r.varlong(),
      (r) => r.uuid(),
      (r) => r.string(),
      (r) => r.nullableString(),
      (r) => r.compactString(),
      (r) => r.compactNullableString(),
      (r) => r.bytesField(),
      (r) => r.nullableBytes(),
      (r) => r.compactBytes(),
      (r) => r.compactNullableBytes(),
      (r) => r.arrayLength(),
      (r) => r.compactArrayLength(),
      (r) => r.raw(3),
      (r) => r.skip(3),
      (r) => r.sub(3),
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), fc.nat(reads.length - 1), (bytes, pick) => {
        const reader = new KafkaReader(bytes);
        try {
          for (let i = 0; i < 50; i++) reads[pick](reader);
        } catch (error) {
          expect(error).toBeInstanceOf(KafkaDecodeError);
          expect((error as KafkaDecodeError).code).toBe('KZ_ERR_KAFKA_DECODE');
          expect((error as KafkaDecodeError).retriable).toBe(false);
        }
      }),
    );
    const error = (() => {
      try {
        new KafkaReader(unhex('0001')).int32();
      } catch (caught) {
        return caught as KafkaDecodeError;
      }
    })();
    expect(error?.message).toMatch(/truncated int32: need 4 bytes, 2 left \(at byte 0\)/);
    expect(error?.offset).toBe(0);
  });

  it('checks announced lengths against the limit and the bytes left before allocating', () => {
    expect(() => new KafkaReader(unhex('7fffffff'), { maxLength: 1000 }).bytesField()).toThrow(
      /exceeds the limit 1000/,
    );
    expect(() => new KafkaReader(unhex('7fffffff')).bytesField()).toThrow(/exceeds the limit/);
    expect(() => new KafkaReader(unhex('00100000 00')).bytesField()).toThrow(/exceeds the 1 bytes left/);
    expect(() => new KafkaReader(unhex('ffffffff0f')).compactArrayLength()).toThrow(KafkaDecodeError);
    expect(() => new KafkaReader(unhex('00000003 0000 0000'), {}).arrayLength(4)).toThrow(/bytes left/);
    expect(new KafkaReader(unhex('00000002 0000 0000')).arrayLength(2)).toBe(2);
  });

  it('sub-readers stop at their end', () => {
    const reader = new KafkaReader(unhex('0102030405'));
    reader.skip(1);
    const sub = reader.sub(2);
    expect(sub.int16()).toBe(0x0203);
    expect(() => sub.int8()).toThrow(KafkaDecodeError);
    expect(reader.int16()).toBe(0x0405);
  });
});

describe('uuids', () => {
  it("use Kafka's 22-character base64url form", () => {
    expect(uuidToString(new Uint8Array(16))).toBe(ZERO_UUID);
    expect(uuidToString(unhex('ffffffffffffffffffffffffffffffff'))).toBe('_____________________w');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        expect(uuidFromString(uuidToString(bytes))).toEqual(bytes);
      }),
    );
  });

  it('refuses anything else', () => {
    expect(() => uuidFromString('abc')).toThrow(KafkaEncodeError);
    expect(() => uuidFromString('_____________________x')).toThrow(/canonical/);
    expect(() => uuidFromString('AAAAAAAAAAAAAAAAAAAA+A')).toThrow(KafkaEncodeError);
  });
});
