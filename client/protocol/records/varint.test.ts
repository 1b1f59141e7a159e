import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptRecordError } from './errors.ts';
import {
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  VARLONG_MAX,
  VARLONG_MIN,
  writeVarint,
  writeVarlong,
} from './varint.ts';

function encodeVarint(value: number): number[] {
  const target = new Uint8Array(5);
  const end = writeVarint(target, 0, value);
  return [...target.subarray(0, end)];
}

function encodeVarlong(value: number): number[] {
  const target = new Uint8Array(10);
  const end = writeVarlong(target, 0, value);
  return [...target.subarray(0, end)];
}

describe('zig-zag varints (ByteUtils.writeVarint / readVarint)', () => {
  it('encodes the textbook values', () => {
    expect(encodeVarint(0)).toEqual([0x00]);
    expect(encodeVarint(-1)).toEqual([0x01]);
    expect(encodeVarint(1)).toEqual([0x02]);
    expect(encodeVarint(63)).toEqual([0x7e]);
    expect(encodeVarint(-64)).toEqual([0x7f]);
    expect(encodeVarint(64)).toEqual([0x80, 0x01]);
    expect(encodeVarint(300)).toEqual([0xd8, 0x04]);
    expect(encodeVarint(0x7fffffff)).toEqual([0xfe, 0xff, 0xff, 0xff, 0x0f]);
    expect(encodeVarint(-0x80000000)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it('round-trips every int32 and agrees with sizeOfVarint', () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (value) => {
        const bytes = Uint8Array.from(encodeVarint(value));
        expect(bytes.length).toBe(sizeOfVarint(value));
        const cursor = { position: 0 };
        expect(readVarint(bytes, cursor)).toBe(value);
        expect(cursor.position).toBe(bytes.length);
      }),
    );
  });

  it('rejects a varint longer than 5 bytes and one that runs off the end', () => {
    expect(() => readVarint(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), { position: 0 })).toThrow(
      CorruptRecordError,
    );
    expect(() => readVarint(Uint8Array.from([0x80, 0x80]), { position: 0 })).toThrow(CorruptRecordError);
  });

  it('rejects values outside int32 when writing', () => {
    expect(() => writeVarint(new Uint8Array(5), 0, 2 ** 31)).toThrow(RangeError);
  });
});

describe('zig-zag varlongs', () => {
  it('encodes like varints for small values and handles millisecond-sized deltas', () => {
    expect(encodeVarlong(0)).toEqual([0x00]);
    expect(encodeVarlong(-1)).toEqual([0x01]);
    expect(encodeVarlong(5)).toEqual([0x0a]);
    // 2^40 → zig-zag 2^41: five empty 7-bit groups (bits 0–34), then bit 41 = bit 6 of the sixth group.
    expect(encodeVarlong(2 ** 40)).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x40]);
  });

  it('round-trips every integer in [-2^52, 2^52 - 1] and agrees with sizeOfVarlong', () => {
    const roundTrip = (value: number) => {
      const bytes = Uint8Array.from(encodeVarlong(value));
      expect(bytes.length).toBe(sizeOfVarlong(value));
      const cursor = { position: 0 };
      expect(readVarlong(bytes, cursor)).toBe(value);
      expect(cursor.position).toBe(bytes.length);
    };
    for (const edge of [VARLONG_MIN, VARLONG_MIN + 1, -1, 0, 1, VARLONG_MAX - 1, VARLONG_MAX]) roundTrip(edge);
    fc.assert(
      fc.property(fc.integer({ min: VARLONG_MIN, max: VARLONG_MAX }), (value) => {
        roundTrip(value);
      }),
    );
  });

  it('rejects an 11-byte varlong and values outside [-2^52, 2^52 - 1]', () => {
    const eleven = Uint8Array.from([...new Array(10).fill(0x80), 0x01]);
    expect(() => readVarlong(eleven, { position: 0 })).toThrow(CorruptRecordError);
    const huge = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() => readVarlong(huge, { position: 0 })).toThrow(CorruptRecordError);
    expect(() => writeVarlong(new Uint8Array(10), 0, 2 ** 53)).toThrow(RangeError);
    expect(() => writeVarlong(new Uint8Array(10), 0, VARLONG_MAX + 1)).toThrow(RangeError);
    expect(() => writeVarlong(new Uint8Array(10), 0, VARLONG_MIN - 1)).toThrow(RangeError);
  });
});
