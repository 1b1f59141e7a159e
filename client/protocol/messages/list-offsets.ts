// ListOffsets (API key 2): offset for a timestamp (-1 latest, -2 earliest, -3 max timestamp from v7).
//  v0 returns a list of old-style offsets · v1 one (timestamp, offset) per partition · v2 isolation level
//  and throttle time · v4 leader epochs (KIP-320) · v6 first flexible version · v7 max-timestamp lookup
//  (KIP-734) · v8 earliest-local (-4, KIP-405) · v9 earliest-pending-upload (-5); v6–v9 share one layout.
import { array, arrayOf, field, message } from '../schema.ts';

export const ListOffsetsRequest = message({
  name: 'ListOffsetsRequest',
  apiKey: 2,
  type: 'request',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    field('replicaId', '0+', 'int32'),
    field('isolationLevel', '2+', 'int8', { default: 0 }),
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
            field('currentLeaderEpoch', '4+', 'int32', { default: -1 }),
            field('timestamp', '0+', 'int64'),
            field('maxNumOffsets', '0', 'int32', { default: 1 }),
          ),
        ),
      ),
    ),
  ],
});

export const ListOffsetsResponse = message({
  name: 'ListOffsetsResponse',
  apiKey: 2,
  type: 'response',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    field('throttleTimeMs', '2+', 'int32', { default: 0 }),
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
            field('errorCode', '0+', 'int16'),
            field('oldStyleOffsets', '0', arrayOf('int64')),
            field('timestamp', '1+', 'int64', { default: -1n }),
            field('offset', '1+', 'int64', { default: -1n }),
            field('leaderEpoch', '4+', 'int32', { default: -1 }),
          ),
        ),
      ),
    ),
  ],
});
