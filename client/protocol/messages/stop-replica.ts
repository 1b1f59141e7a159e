// StopReplica (API key 5): controller → broker, "stop serving these replicas (and maybe delete them)".
// One version, v2 (Kafka 2.4, IBP 2.4-IV1): first flexible version, broker epoch and partitions grouped
// by topic (v1+), one request-level delete flag (per-partition flags came with v3 in 2.6).
import { array, arrayOf, field, message } from '../schema.ts';

export const StopReplicaRequest = message({
  name: 'StopReplicaRequest',
  apiKey: 5,
  type: 'request',
  validVersions: '2',
  flexibleVersions: '2+',
  fields: [
    field('controllerId', '0+', 'int32'),
    field('controllerEpoch', '0+', 'int32'),
    field('brokerEpoch', '1+', 'int64', { default: -1n }),
    field('deletePartitions', '0-2', 'bool'),
    field(
      'topics',
      '1-2',
      array(field('name', '1-2', 'string'), field('partitionIndexes', '1-2', arrayOf('int32'))),
    ),
  ],
});

export const StopReplicaResponse = message({
  name: 'StopReplicaResponse',
  apiKey: 5,
  type: 'response',
  validVersions: '2',
  flexibleVersions: '2+',
  fields: [
    field('errorCode', '0+', 'int16'),
    field(
      'partitionErrors',
      '0+',
      array(
        field('topicName', '0+', 'string'),
        field('partitionIndex', '0+', 'int32'),
        field('errorCode', '0+', 'int16'),
      ),
    ),
  ],
});
