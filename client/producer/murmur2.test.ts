import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

import { murmur2, partitionForKey, toPositive } from './murmur2.ts';

const require = createRequire(import.meta.url);
// kafkajs 2.2.4's Java-compatible murmur2 and its DefaultPartitioner (installed as a dev dependency).
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (
  key: Buffer,
) => number;
const { Partitioners } = require('kafkajs') as {
  Partitioners: {
    DefaultPartitioner: () => (args: {
      topic: string;
      partitionMetadata: { partitionId: number; leader: number }[];
      message: { key: Buffer; partition?: number };
    }) => number;
  };
};

const utf8 = new TextEncoder();

/** A small seeded PRNG (mulberry32) so the random keys are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('murmur2 (Java Utils.murmur2)', () => {
  // Kafka's own vectors: clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('murmur2(%j) = %d', (key, expected) => {
    expect(murmur2(utf8.encode(key))).toBe(expected);
  });

  it('covers every tail length (0-3 leftover bytes) and the empty key', () => {
    for (const key of ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg']) {
      expect(murmur2(utf8.encode(key))).toBe(kafkajsMurmur2(Buffer.from(key)));
    }
  });

  it('toPositive clears the sign bit instead of taking the absolute value', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(5)).toBe(5);
    expect(toPositive(-790332482)).toBe(1357151166);
  });

  // Worked partitions from kafka-zk-era.md §5.2.
  it.each([
    ['foobar', 3, 0],
    ['key1', 3, 2],
    ['user-42', 6, 4],
  ])('key %j over %d partitions → partition %d', (key, partitions, expected) => {
    expect(partitionForKey(utf8.encode(key), partitions)).toBe(expected);
  });

  it('agrees with kafkajs murmur2 on 20 000 random byte keys', () => {
    const random = prng(42);
    for (let i = 0; i < 20_000; i++) {
      const key = new Uint8Array(Math.floor(random() * 40));
      for (let j = 0; j < key.length; j++) key[j] = Math.floor(random() * 256);
      expect(murmur2(key)).toBe(kafkajsMurmur2(Buffer.from(key)));
    }
  });

  it("puts every key on the same partition as kafkajs's DefaultPartitioner", () => {
    const random = prng(7);
    const partitioner = Partitioners.DefaultPartitioner();
    for (let i = 0; i < 5000; i++) {
      const key = `user-${Math.floor(random() * 1e9)}-${'ü'.repeat(i % 3)}`;
      const count = 1 + Math.floor(random() * 64);
      const metadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 1 }));
      const theirs = partitioner({
        topic: 't',
        partitionMetadata: metadata,
        message: { key: Buffer.from(key) },
      });
      expect(partitionForKey(utf8.encode(key), count)).toBe(theirs);
    }
  });
});
