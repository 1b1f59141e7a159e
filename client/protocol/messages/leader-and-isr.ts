// LeaderAndIsr (API key 4): controller → broker, "you now lead / follow these partitions"
// (kafka-zk-era.md §2.10). Our brokers talk only to each other, so exactly one version is implemented:
// v4, what Kafka 2.4 brokers exchange at inter.broker.protocol.version 2.4-IV1 — the first flexible
// version, partitions grouped by topic (v2+), broker epoch (v2+), adding/removing replicas (v3+, KIP-455).
// Field version annotations are Kafka's, so older/newer versions can be added by widening validVersions.
import { array, arrayOf, field, message } from '../schema.ts';

export const LeaderAndIsrRequest = message({
  name: 'LeaderAndIsrRequest',
  apiKey: 4,
  type: 'request',
  validVersions: '4',
  flexibleVersions: '4+',
  fields: [
    field('controllerId', '0+', 'int32'),
    field('controllerEpoch', '0+', 'int32'),
    field('brokerEpoch', '2+', 'int64', { default: -1n }),
    field(
      'topicStates',
      '2+',
      array(
        field('topicName', '2+', 'string'),
        field(
          'partitionStates',
          '2+',
          array(
            field('partitionIndex', '0+', 'int32'),
            field('controllerEpoch', '0+', 'int32'),
            field('leader', '0+', 'int32'),
            field('leaderEpoch', '0+', 'int32'),
            field('isr', '0+', arrayOf('int32')),
            field('zkVersion', '0+', 'int32'),
            field('replicas', '0+', arrayOf('int32')),
            field('addingReplicas', '3+', arrayOf('int32')),
            field('removingReplicas', '3+', arrayOf('int32')),
            field('isNew', '1+', 'bool', { default: false }),
          ),
        ),
      ),
    ),
    field(
      'liveLeaders',
      '0+',
      array(
        field('brokerId', '0+', 'int32'),
        field('hostName', '0+', 'string'),
        field('port', '0+', 'int32'),
      ),
    ),
  ],
});

export const LeaderAndIsrResponse = message({
  name: 'LeaderAndIsrResponse',
  apiKey: 4,
  type: 'response',
  validVersions: '4',
  flexibleVersions: '4+',
  fields: [
    field('errorCode', '0+', 'int16'),
    field(
      'partitionErrors',
      '0-4',
      array(
        field('topicName', '0-4', 'string'),
        field('partitionIndex', '0+', 'int32'),
        field('errorCode', '0+', 'int16'),
      ),
    ),
  ],
});
