import { describe, expect, it } from 'vitest';

import { javaStringHashCode, kafkaAbs, partitionFor } from './partition-for.ts';

/** An independent String.hashCode: exact BigInt arithmetic, reduced to a signed 32-bit int at the end. */
function referenceHashCode(text: string): number {
  let hash = 0n;
  for (let index = 0; index < text.length; index++)
    hash = (hash * 31n + BigInt(text.charCodeAt(index))) % 2n ** 32n;
  return Number(BigInt.asIntN(32, hash));
}

describe('javaStringHashCode (Java String.hashCode: h = 31·h + c over UTF-16 units, 32-bit wrap)', () => {
  it.each([
    // by hand: "" → 0; "a" → 97; "ab" → 97·31 + 98 = 3105; "abc" → 3105·31 + 99 = 96354
    ['', 0],
    ['a', 97],
    ['ab', 3105],
    ['abc', 96354],
    // é is one UTF-16 unit (0xE9 = 233)
    ['é', 233],
    // 😀 is two units, 0xD83D then 0xDE00: 55357·31 + 56832 = 1772899
    ['😀', 1772899],
    // kafka-zk-era.md §6.1
    ['my-group', -1906497762],
    ['group1', -1237460590],
    // two well-known strings whose hash is Integer.MIN_VALUE
    ['polygenelubricants', -2147483648],
    ['GydZG_', -2147483648],
  ])('%j → %d', (text, expected) => {
    expect(javaStringHashCode(text)).toBe(expected);
    expect(referenceHashCode(text)).toBe(expected);
  });

  it('agrees with exact arithmetic on long and mixed strings', () => {
    for (const text of ['console-consumer-12345', 'kzlab-demo-한국어', 'x'.repeat(1000), 'A\u0000B\uffff']) {
      expect(javaStringHashCode(text)).toBe(referenceHashCode(text));
    }
  });
});

describe('kafkaAbs (Kafka Utils.abs)', () => {
  it('is Math.abs except that Integer.MIN_VALUE maps to 0', () => {
    expect(kafkaAbs(5)).toBe(5);
    expect(kafkaAbs(-5)).toBe(5);
    expect(kafkaAbs(-1)).toBe(1); // toPositive(-1) would be 2147483647
    expect(kafkaAbs(2147483647)).toBe(2147483647);
    expect(kafkaAbs(-2147483647)).toBe(2147483647);
    expect(kafkaAbs(-2147483648)).toBe(0);
  });
});

describe('partitionFor = Utils.abs(groupId.hashCode) % offsets.topic.num.partitions', () => {
  it.each([
    // |−1906497762| = 1906497762; 1906497762 mod 50 = 12 (with n & 0x7fffffff it would be 36)
    ['my-group', 50, 12],
    // |−1237460590| mod 50 = 40 (with the mask: 8)
    ['group1', 50, 40],
    ['polygenelubricants', 50, 0],
    ['', 50, 0],
    ['a', 50, 47],
    ['abc', 50, 4], // 96354 mod 50
    ['my-group', 1, 0],
    ['my-group', 3, 0], // 1906497762 mod 3 = 0 (digit sum 54)
    ['my-group', 7, 1906497762 % 7],
  ])('%j with %d partitions → %d', (groupId, partitions, expected) => {
    expect(partitionFor(groupId, partitions)).toBe(expected);
  });

  it('rejects a non-positive partition count', () => {
    expect(() => partitionFor('g', 0)).toThrow(RangeError);
  });
});
