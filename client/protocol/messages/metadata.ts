// Metadata (API key 3): brokers, controller and partition leadership.
//  v1 rack, controller id, is-internal, and a null topic list meaning "all topics" · v2 cluster id ·
//  v3 throttle time · v4 allow auto topic creation · v5 offline replicas · v7 leader epoch · v8 authorized
//  operations · v9 first flexible version · v10 topic ids · v11 drops cluster authorized operations ·
//  v12 topic name may be null in the request (lookup by id) and in the response.
import { array, arrayOf, field, message } from '../schema.ts';

export const MetadataRequest = message({
  name: 'MetadataRequest',
  apiKey: 3,
  type: 'request',
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: [
    field(
      'topics',
      '0+',
      array(field('topicId', '10+', 'uuid'), field('name', '0+', 'string', { nullable: '10+' })),
      {
        nullable: '1+',
      },
    ),
    field('allowAutoTopicCreation', '4+', 'bool', { default: true }),
    field('includeClusterAuthorizedOperations', '8-10', 'bool'),
    field('includeTopicAuthorizedOperations', '8+', 'bool'),
  ],
});

export const MetadataResponse = message({
  name: 'MetadataResponse',
  apiKey: 3,
  type: 'response',
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: [
    field('throttleTimeMs', '3+', 'int32', { default: 0 }),
    field(
      'brokers',
      '0+',
      array(
        field('nodeId', '0+', 'int32'),
        field('host', '0+', 'string'),
        field('port', '0+', 'int32'),
        field('rack', '1+', 'string', { nullable: '1+', default: null }),
      ),
    ),
    field('clusterId', '2+', 'string', { nullable: '2+', default: null }),
    field('controllerId', '1+', 'int32', { default: -1 }),
    field(
      'topics',
      '0+',
      array(
        field('errorCode', '0+', 'int16'),
        field('name', '0+', 'string', { nullable: '12+' }),
        field('topicId', '10+', 'uuid'),
        field('isInternal', '1+', 'bool', { default: false }),
        field(
          'partitions',
          '0+',
          array(
            field('errorCode', '0+', 'int16'),
            field('partitionIndex', '0+', 'int32'),
            field('leaderId', '0+', 'int32'),
            field('leaderEpoch', '7+', 'int32', { default: -1 }),
            field('replicaNodes', '0+', arrayOf('int32')),
            field('isrNodes', '0+', arrayOf('int32')),
            field('offlineReplicas', '5+', arrayOf('int32')),
          ),
        ),
        field('topicAuthorizedOperations', '8+', 'int32', { default: -2147483648 }),
      ),
    ),
    field('clusterAuthorizedOperations', '8-10', 'int32', { default: -2147483648 }),
  ],
});
