import { describe, expect, it } from 'vitest';

import {
  groupMetadataKey,
  groupMetadataValue,
  offsetCommitKey,
  offsetCommitValue,
  readGroupMessageValue,
  readMessageKey,
  readOffsetMessageValue,
} from './group-metadata-records.ts';

// Golden bytes below were written out by hand from the layouts in group-metadata-records.ts
// (kafka-zk-era.md §6.8): int16 version first, STRING = int16 length + UTF-8, BYTES = int32 length + bytes,
// NULLABLE_STRING null = ffff, arrays = int32 count, all big-endian.
const hex = (text: string): string => text.replace(/\s+/g, '');
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(hex(text), 'hex'));

describe('__consumer_offsets keys', () => {
  it('offset commit key v1: group "g", topic "t", partition 0 (kafka-zk-era.md example)', () => {
    expect(toHex(offsetCommitKey('g', 't', 0))).toBe(hex('0001 0001 67 0001 74 00000000'));
  });

  it('offset commit key v1: "my-group", "orders", 3', () => {
    const bytes = offsetCommitKey('my-group', 'orders', 3);
    expect(toHex(bytes)).toBe(hex('0001 0008 6d792d67726f7570 0006 6f7264657273 00000003'));
    expect(readMessageKey(bytes)).toEqual({
      kind: 'offset',
      version: 1,
      group: 'my-group',
      topic: 'orders',
      partition: 3,
    });
  });

  it('reads the old offset key version 0 (same layout)', () => {
    expect(readMessageKey(fromHex('0000 0001 67 0001 74 00000009'))).toEqual({
      kind: 'offset',
      version: 0,
      group: 'g',
      topic: 't',
      partition: 9,
    });
  });

  it('group metadata key v2: "g"', () => {
    const bytes = groupMetadataKey('g');
    expect(toHex(bytes)).toBe(hex('0002 0001 67'));
    expect(readMessageKey(bytes)).toEqual({ kind: 'group', version: 2, group: 'g' });
  });

  it('rejects unknown key versions and trailing bytes', () => {
    expect(() => readMessageKey(fromHex('0003 0001 67'))).toThrow(/key version 3/);
    expect(() => readMessageKey(fromHex('0002 0001 67 00'))).toThrow(/unexpected bytes/);
  });
});

describe('offset commit values', () => {
  it('v3 (what 2.4 writes): offset 42, leader epoch 5, metadata "", commit time 1600000000000', () => {
    const bytes = offsetCommitValue({
      offset: 42n,
      leaderEpoch: 5,
      metadata: '',
      commitTimestamp: 1_600_000_000_000n,
    });
    // 1600000000000 = 0x174876e8000
    expect(toHex(bytes)).toBe(hex('0003 000000000000002a 00000005 0000 00000174876e8000'));
    expect(readOffsetMessageValue(bytes)).toEqual({
      version: 3,
      offset: 42n,
      leaderEpoch: 5,
      metadata: '',
      commitTimestamp: 1_600_000_000_000n,
      expireTimestamp: null,
    });
  });

  it('v1 when the commit asked for a retention time: offset 7, "m", commit 1000, expire 2000', () => {
    const bytes = offsetCommitValue({
      offset: 7n,
      metadata: 'm',
      commitTimestamp: 1000n,
      expireTimestamp: 2000n,
    });
    expect(toHex(bytes)).toBe(hex('0001 0000000000000007 0001 6d 00000000000003e8 00000000000007d0'));
    expect(readOffsetMessageValue(bytes)).toMatchObject({
      version: 1,
      offset: 7n,
      metadata: 'm',
      expireTimestamp: 2000n,
      leaderEpoch: -1,
    });
  });

  it('reads v0 and v2, and v1 with expire −1 as "no expire timestamp"', () => {
    expect(readOffsetMessageValue(fromHex('0000 0000000000000001 0000 0000000000000002'))).toEqual({
      version: 0,
      offset: 1n,
      leaderEpoch: -1,
      metadata: '',
      commitTimestamp: 2n,
      expireTimestamp: null,
    });
    expect(readOffsetMessageValue(fromHex('0002 0000000000000003 0002 6869 0000000000000004'))).toMatchObject(
      {
        version: 2,
        offset: 3n,
        metadata: 'hi',
        commitTimestamp: 4n,
      },
    );
    expect(
      readOffsetMessageValue(fromHex('0001 0000000000000005 0000 0000000000000006 ffffffffffffffff'))
        ?.expireTimestamp,
    ).toBeNull();
  });

  it('an unknown leader epoch is written as −1; a tombstone reads as null', () => {
    const bytes = offsetCommitValue({ offset: 0n, metadata: '', commitTimestamp: 0n });
    expect(toHex(bytes).slice(20, 28)).toBe('ffffffff');
    expect(readOffsetMessageValue(null)).toBeNull();
  });
});

describe('group metadata values', () => {
  const member = {
    memberId: 'c-1',
    groupInstanceId: null,
    clientId: 'c',
    clientHost: '/h',
    rebalanceTimeout: 60_000,
    sessionTimeout: 10_000,
    subscription: new Uint8Array([1, 2]),
    assignment: new Uint8Array([3]),
  };

  it('v3 with one member', () => {
    const bytes = groupMetadataValue({
      protocolType: 'consumer',
      generation: 1,
      protocol: 'range',
      leader: 'c-1',
      currentStateTimestamp: 1000n,
      members: [member],
    });
    expect(toHex(bytes)).toBe(
      hex(`0003
           0008 636f6e73756d6572
           00000001
           0005 72616e6765
           0003 632d31
           00000000000003e8
           00000001
             0003 632d31
             ffff
             0001 63
             0002 2f68
             0000ea60
             00002710
             00000002 0102
             00000001 03`),
    );
    expect(readGroupMessageValue(bytes)).toEqual({
      version: 3,
      protocolType: 'consumer',
      generation: 1,
      protocol: 'range',
      leader: 'c-1',
      currentStateTimestamp: 1000n,
      members: [member],
    });
  });

  it('v3 of an empty group (written when a generation ends with nobody): null protocol and leader', () => {
    const bytes = groupMetadataValue({
      protocolType: 'consumer',
      generation: 2,
      protocol: null,
      leader: null,
      currentStateTimestamp: 5000n,
      members: [],
    });
    expect(toHex(bytes)).toBe(hex('0003 0008 636f6e73756d6572 00000002 ffff ffff 0000000000001388 00000000'));
  });

  it('v3 with a static member (group instance id)', () => {
    const bytes = groupMetadataValue({
      protocolType: 'consumer',
      generation: 1,
      protocol: 'range',
      leader: 'i-1',
      currentStateTimestamp: -1n,
      members: [{ ...member, memberId: 'i-1', groupInstanceId: 'i' }],
    });
    // after the member id "i-1": group_instance_id "i" = 0001 69
    expect(toHex(bytes)).toContain(hex('0003 692d31 0001 69 0001 63'));
    expect(readGroupMessageValue(bytes)?.members[0].groupInstanceId).toBe('i');
  });

  it('older versions: v2 has no instance id, v1 no state timestamp, v0 no rebalance timeout', () => {
    const input = {
      protocolType: 'consumer',
      generation: 4,
      protocol: 'range',
      leader: 'c-1',
      currentStateTimestamp: 9n,
      members: [member],
    };
    for (const version of [0, 1, 2] as const) {
      const decoded = readGroupMessageValue(groupMetadataValue(input, version));
      expect(decoded?.version).toBe(version);
      expect(decoded?.currentStateTimestamp).toBe(version >= 2 ? 9n : -1n);
      expect(decoded?.members[0].rebalanceTimeout).toBe(version >= 1 ? 60_000 : 10_000);
      expect(decoded?.members[0].groupInstanceId).toBeNull();
    }
    // v0 by hand: protocol type "c", generation 1, no protocol/leader, one member a/b/h, session 5000
    const v0 = fromHex(
      '0000 0001 63 00000001 ffff ffff 00000001 0001 61 0001 62 0001 68 00001388 00000000 00000000',
    );
    expect(readGroupMessageValue(v0)?.members[0]).toEqual({
      memberId: 'a',
      groupInstanceId: null,
      clientId: 'b',
      clientHost: 'h',
      rebalanceTimeout: 5000,
      sessionTimeout: 5000,
      subscription: new Uint8Array(0),
      assignment: new Uint8Array(0),
    });
  });

  it('a tombstone reads as null; unknown versions are rejected', () => {
    expect(readGroupMessageValue(null)).toBeNull();
    expect(() => readGroupMessageValue(fromHex('0004 0000'))).toThrow(/version 4/);
  });
});
