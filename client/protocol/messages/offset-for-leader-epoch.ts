// OffsetForLeaderEpoch (API key 23): "where does leader epoch E end?", asked by a follower before it
// truncates (KIP-101) and by consumers checking for divergence (KIP-320).
//  v1 returns the leader epoch · v2 current leader epoch, throttle time · v3 replica id · v4 first
//  flexible version.
import { array, field, message } from '../schema.ts';

export const OffsetForLeaderEpochRequest = message({
  name: 'OffsetForLeaderEpochRequest',
  apiKey: 23,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    field('replicaId', '3+', 'int32', { default: -2 }),
    field(
      'topics',
      '0+',
      array(
        field('topic', '0+', 'string'),
        field(
          'partitions',
          '0+',
          array(
            field('partition', '0+', 'int32'),
            field('currentLeaderEpoch', '2+', 'int32', { default: -1 }),
            field('leaderEpoch', '0+', 'int32'),
          ),
        ),
      ),
    ),
  ],
});

export const OffsetForLeaderEpochResponse = message({
  name: 'OffsetForLeaderEpochResponse',
  apiKey: 23,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    field('throttleTimeMs', '2+', 'int32', { default: 0 }),
    field(
      'topics',
      '0+',
      array(
        field('topic', '0+', 'string'),
        field(
          'partitions',
          '0+',
          array(
            field('errorCode', '0+', 'int16'),
            field('partition', '0+', 'int32'),
            field('leaderEpoch', '1+', 'int32', { default: -1 }),
            field('endOffset', '0+', 'int64', { default: -1n }),
          ),
        ),
      ),
    ),
  ],
});
