// UpdateMetadata (API key 6): controller → every live broker, the metadata cache that answers clients'
// Metadata requests. One version, v6 (Kafka 2.4, IBP 2.4-IV1): first flexible version, partitions grouped
// by topic and broker epoch (v5+), offline replicas (v4+), listener names (v3+), racks (v2+).
import { array, arrayOf, field, message } from '../schema.ts';

export const UpdateMetadataRequest = message({
  name: 'UpdateMetadataRequest',
  apiKey: 6,
  type: 'request',
  validVersions: '6',
  flexibleVersions: '6+',
  fields: [
    field('controllerId', '0+', 'int32'),
    field('controllerEpoch', '0+', 'int32'),
    field('brokerEpoch', '5+', 'int64', { default: -1n }),
    field(
      'topicStates',
      '5+',
      array(
        field('topicName', '5+', 'string'),
        field(
          'partitionStates',
          '5+',
          array(
            field('partitionIndex', '0+', 'int32'),
            field('controllerEpoch', '0+', 'int32'),
            field('leader', '0+', 'int32'),
            field('leaderEpoch', '0+', 'int32'),
            field('isr', '0+', arrayOf('int32')),
            field('zkVersion', '0+', 'int32'),
            field('replicas', '0+', arrayOf('int32')),
            field('offlineReplicas', '4+', arrayOf('int32')),
          ),
        ),
      ),
    ),
    field(
      'liveBrokers',
      '0+',
      array(
        field('id', '0+', 'int32'),
        field(
          'endpoints',
          '1+',
          array(
            field('port', '1+', 'int32'),
            field('host', '1+', 'string'),
            field('listener', '3+', 'string'),
            field('securityProtocol', '1+', 'int16'),
          ),
        ),
        field('rack', '2+', 'string', { nullable: '0+', default: null }),
      ),
    ),
  ],
});

export const UpdateMetadataResponse = message({
  name: 'UpdateMetadataResponse',
  apiKey: 6,
  type: 'response',
  validVersions: '6',
  flexibleVersions: '6+',
  fields: [field('errorCode', '0+', 'int16')],
});
