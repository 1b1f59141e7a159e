// OffsetFetch (API key 9).
//  v1 reads offsets from Kafka (v0 read ZooKeeper) · v2 null topics = all, top-level error code ·
//  v3 throttle time · v5 committed leader epoch · v6 first flexible version · v7 require stable ·
//  v8 several groups per request (KIP-709) · v9 member id and epoch (KIP-848).
import { array, arrayOf, field, message } from '../schema.ts';

const partitionResponse = [
  field('partitionIndex', '0+', 'int32'),
  field('committedOffset', '0+', 'int64'),
  field('committedLeaderEpoch', '5+', 'int32', { default: -1 }),
  field('metadata', '0+', 'string', { nullable: '0+' }),
  field('errorCode', '0+', 'int16'),
] as const;

export const OffsetFetchRequest = message({
  name: 'OffsetFetchRequest',
  apiKey: 9,
  type: 'request',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    field('groupId', '0-7', 'string'),
    field(
      'topics',
      '0-7',
      array(field('name', '0-7', 'string'), field('partitionIndexes', '0-7', arrayOf('int32'))),
      {
        nullable: '2-7',
      },
    ),
    field(
      'groups',
      '8+',
      array(
        field('groupId', '8+', 'string'),
        field('memberId', '9+', 'string', { nullable: '9+', default: null }),
        field('memberEpoch', '9+', 'int32', { default: -1 }),
        field(
          'topics',
          '8+',
          array(field('name', '8+', 'string'), field('partitionIndexes', '8+', arrayOf('int32'))),
          {
            nullable: '8+',
          },
        ),
      ),
    ),
    field('requireStable', '7+', 'bool', { default: false }),
  ],
});

export const OffsetFetchResponse = message({
  name: 'OffsetFetchResponse',
  apiKey: 9,
  type: 'response',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    field('throttleTimeMs', '3+', 'int32', { default: 0 }),
    field(
      'topics',
      '0-7',
      array(field('name', '0-7', 'string'), field('partitions', '0-7', array(...partitionResponse))),
    ),
    field('errorCode', '2-7', 'int16', { default: 0 }),
    field(
      'groups',
      '8+',
      array(
        field('groupId', '8+', 'string'),
        field(
          'topics',
          '8+',
          array(field('name', '8+', 'string'), field('partitions', '8+', array(...partitionResponse))),
        ),
        field('errorCode', '8+', 'int16', { default: 0 }),
      ),
    ),
  ],
});
