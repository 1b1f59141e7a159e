// OffsetCommit (API key 8).
//  v1 generation id, member id, per-partition commit timestamp · v2 retention time replaces the timestamp ·
//  v3 throttle time · v5 drops retention time · v6 committed leader epoch · v7 group instance id (KIP-345) ·
//  v8 first flexible version · v9 same layout (KIP-848 reads generationId as the member epoch).
import { array, field, message } from '../schema.ts';

export const OffsetCommitRequest = message({
  name: 'OffsetCommitRequest',
  apiKey: 8,
  type: 'request',
  validVersions: '0-9',
  flexibleVersions: '8+',
  fields: [
    field('groupId', '0+', 'string'),
    field('generationId', '1+', 'int32', { default: -1 }),
    field('memberId', '1+', 'string', { default: '' }),
    field('groupInstanceId', '7+', 'string', { nullable: '7+', default: null }),
    field('retentionTimeMs', '2-4', 'int64', { default: -1n }),
    field(
      'topics',
      '0+',
      array(
        field('name', '0+', 'string'),
        field(
          'partitions',
          '0+',
          array(
            field('partitionIndex', '0+', 'int32'),
            field('committedOffset', '0+', 'int64'),
            field('committedLeaderEpoch', '6+', 'int32', { default: -1 }),
            field('commitTimestamp', '1', 'int64', { default: -1n }),
            field('committedMetadata', '0+', 'string', { nullable: '0+' }),
          ),
        ),
      ),
    ),
  ],
});

export const OffsetCommitResponse = message({
  name: 'OffsetCommitResponse',
  apiKey: 8,
  type: 'response',
  validVersions: '0-9',
  flexibleVersions: '8+',
  fields: [
    field('throttleTimeMs', '3+', 'int32', { default: 0 }),
    field(
      'topics',
      '0+',
      array(
        field('name', '0+', 'string'),
        field(
          'partitions',
          '0+',
          array(field('partitionIndex', '0+', 'int32'), field('errorCode', '0+', 'int16')),
        ),
      ),
    ),
  ],
});
