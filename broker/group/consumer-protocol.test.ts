import { describe, expect, it } from 'vitest';

import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  tryDecodeAssignment,
  tryDecodeSubscription,
} from './consumer-protocol.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('ConsumerProtocol Subscription', () => {
  it('v0 for ["orders"] without user data (kafka-zk-era.md §6.7)', () => {
    const bytes = encodeSubscription({ topics: ['orders'] });
    expect(toHex(bytes)).toBe('0000' + '00000001' + '0006' + '6f7264657273' + 'ffffffff');
    expect(decodeSubscription(bytes)).toEqual({
      version: 0,
      topics: ['orders'],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
  });

  it('v1 appends owned partitions', () => {
    const bytes = encodeSubscription({
      version: 1,
      topics: ['orders'],
      userData: new Uint8Array([0xab]),
      ownedPartitions: [{ topic: 'orders', partitions: [1] }],
    });
    expect(toHex(bytes)).toBe(
      '0001' +
        '00000001' +
        '0006' +
        '6f7264657273' +
        '00000001' +
        'ab' +
        '00000001' +
        '0006' +
        '6f7264657273' +
        '00000001' +
        '00000001',
    );
    const decoded = decodeSubscription(bytes);
    expect(decoded.version).toBe(1);
    expect(decoded.userData).toEqual(new Uint8Array([0xab]));
    expect(decoded.ownedPartitions).toEqual([{ topic: 'orders', partitions: [1] }]);
  });

  it('v2 and v3 carry generation id and rack id', () => {
    const bytes = encodeSubscription({ version: 3, topics: ['a', 'b'], generationId: 7, rackId: 'r1' });
    const decoded = decodeSubscription(bytes);
    expect(decoded).toMatchObject({
      version: 3,
      topics: ['a', 'b'],
      generationId: 7,
      rackId: 'r1',
      ownedPartitions: [],
    });
  });

  it('reads a kafkajs member metadata (userData as empty, non-null bytes)', () => {
    // kafkajs AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['t'], userData: Buffer.alloc(0) })
    const decoded = decodeSubscription(hex('0000 00000001 0001 74 00000000'));
    expect(decoded.topics).toEqual(['t']);
    expect(decoded.userData).toEqual(new Uint8Array(0));
  });

  it('reads an unknown newer version by the fields it knows', () => {
    // version 9: the v3 layout followed by bytes from the future
    const v3 = encodeSubscription({ version: 3, topics: ['t'], generationId: 2, rackId: null });
    const future = new Uint8Array([...v3, 0xde, 0xad]);
    future[1] = 9;
    expect(decodeSubscription(future)).toMatchObject({ version: 9, topics: ['t'], generationId: 2 });
  });

  it('rejects malformed bytes; tryDecode gives null', () => {
    expect(() => decodeSubscription(hex('0000 00000005 0001'))).toThrow();
    expect(() => decodeSubscription(hex('ffff 00000000 ffffffff'))).toThrow(/version/);
    expect(tryDecodeSubscription(hex('00'))).toBeNull();
    expect(tryDecodeSubscription(new Uint8Array(0))).toBeNull();
    expect(() => encodeSubscription({ version: 4, topics: [] })).toThrow(RangeError);
  });
});

describe('ConsumerProtocol Assignment', () => {
  it('v0 giving orders partitions 0 and 2 (kafka-zk-era.md §6.7)', () => {
    const bytes = encodeAssignment({ partitions: [{ topic: 'orders', partitions: [0, 2] }] });
    expect(toHex(bytes)).toBe(
      '0000' + '00000001' + '0006' + '6f7264657273' + '00000002' + '00000000' + '00000002' + 'ffffffff',
    );
    expect(decodeAssignment(bytes)).toEqual({
      version: 0,
      partitions: [{ topic: 'orders', partitions: [0, 2] }],
      userData: null,
    });
  });

  it('v1 has the same layout; user data round-trips', () => {
    const input = {
      version: 1,
      partitions: [
        { topic: 'a', partitions: [0] },
        { topic: 'b', partitions: [] },
      ],
      userData: new Uint8Array([1, 2, 3]),
    };
    const bytes = encodeAssignment(input);
    expect(bytes[1]).toBe(1);
    expect(decodeAssignment(bytes)).toEqual(input);
  });

  it('an empty assignment (no bytes, what the coordinator sends to members the leader left out) is null', () => {
    expect(tryDecodeAssignment(new Uint8Array(0))).toBeNull();
    expect(tryDecodeAssignment(hex('0000 0000'))).toBeNull();
  });
});
