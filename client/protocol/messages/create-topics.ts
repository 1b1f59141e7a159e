// CreateTopics (API key 19), sent to the controller.
//  v1 validate only, error messages · v2 throttle time · v4 default partitions/replication (-1, KIP-464) ·
//  v5 first flexible version; the response returns the topic's partitions, replication and configs ·
//  v6 same layout (quota errors) · v7 topic id in the response.
import { array, arrayOf, field, message } from '../schema.ts';

export const CreateTopicsRequest = message({
  name: 'CreateTopicsRequest',
  apiKey: 19,
  type: 'request',
  validVersions: '0-7',
  flexibleVersions: '5+',
  fields: [
    field(
      'topics',
      '0+',
      array(
        field('name', '0+', 'string'),
        field('numPartitions', '0+', 'int32'),
        field('replicationFactor', '0+', 'int16'),
        field(
          'assignments',
          '0+',
          array(field('partitionIndex', '0+', 'int32'), field('brokerIds', '0+', arrayOf('int32'))),
        ),
        field(
          'configs',
          '0+',
          array(field('name', '0+', 'string'), field('value', '0+', 'string', { nullable: '0+' })),
        ),
      ),
    ),
    field('timeoutMs', '0+', 'int32', { default: 60000 }),
    field('validateOnly', '1+', 'bool', { default: false }),
  ],
});

export const CreateTopicsResponse = message({
  name: 'CreateTopicsResponse',
  apiKey: 19,
  type: 'response',
  validVersions: '0-7',
  flexibleVersions: '5+',
  fields: [
    field('throttleTimeMs', '2+', 'int32', { default: 0 }),
    field(
      'topics',
      '0+',
      array(
        field('name', '0+', 'string'),
        field('topicId', '7+', 'uuid'),
        field('errorCode', '0+', 'int16'),
        field('errorMessage', '1+', 'string', { nullable: '0+', default: null }),
        field('topicConfigErrorCode', '5+', 'int16', { default: 0, tagged: '5+', tag: 0 }),
        field('numPartitions', '5+', 'int32', { default: -1 }),
        field('replicationFactor', '5+', 'int16', { default: -1 }),
        field(
          'configs',
          '5+',
          array(
            field('name', '5+', 'string'),
            field('value', '5+', 'string', { nullable: '5+' }),
            field('readOnly', '5+', 'bool'),
            field('configSource', '5+', 'int8', { default: -1 }),
            field('isSensitive', '5+', 'bool'),
          ),
          { nullable: '5+' },
        ),
      ),
    ),
  ],
});
