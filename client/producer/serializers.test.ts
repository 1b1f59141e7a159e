import { describe, expect, it } from 'vitest';

import {
  bytesSerializer,
  defaultSerializer,
  jsonSerializer,
  serializerByName,
  stringSerializer,
} from './serializers.ts';

const text = new TextDecoder();

describe('serializers (the first stage of the producer pipeline)', () => {
  it('string: UTF-8 like Java’s StringSerializer; null and undefined stay null', () => {
    expect([...stringSerializer('héllo', 't')!]).toEqual([0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f]);
    expect(stringSerializer('', 't')).toEqual(new Uint8Array(0));
    expect(stringSerializer(null, 't')).toBeNull();
    expect(stringSerializer(undefined, 't')).toBeNull();
  });

  it('JSON: JSON.stringify then UTF-8; null (a tombstone) stays null', () => {
    expect(text.decode(jsonSerializer({ a: [1, 'x'], b: null }, 't')!)).toBe('{"a":[1,"x"],"b":null}');
    expect(text.decode(jsonSerializer(42, 't')!)).toBe('42');
    expect(text.decode(jsonSerializer('s', 't')!)).toBe('"s"');
    expect(jsonSerializer(null, 't')).toBeNull();
    expect(jsonSerializer(undefined, 't')).toBeNull();
  });

  it('bytes: passed through untouched', () => {
    const bytes = new Uint8Array([0, 1, 255]);
    expect(bytesSerializer(bytes, 't')).toBe(bytes);
    expect(bytesSerializer(null, 't')).toBeNull();
  });

  it('default: strings as UTF-8, bytes as they are; names resolve to the same functions', () => {
    expect(text.decode(defaultSerializer('abc', 't')!)).toBe('abc');
    const bytes = new Uint8Array([9]);
    expect(defaultSerializer(bytes, 't')).toBe(bytes);
    expect(serializerByName('json')).toBe(jsonSerializer);
    expect(serializerByName('string')).toBe(stringSerializer);
    expect(serializerByName('bytes')).toBe(bytesSerializer);
  });
});
