// ControlledShutdown (API key 7): broker → controller, "move my leaderships away before I stop".
// One version, v3 (Kafka 2.4, IBP 2.4-IV1): first flexible version; broker epoch since v2. (v0 is the
// only API version ever sent with request header v0, without a client id.)
import { array, field, message } from '../schema.ts';

export const ControlledShutdownRequest = message({
  name: 'ControlledShutdownRequest',
  apiKey: 7,
  type: 'request',
  validVersions: '3',
  flexibleVersions: '3+',
  fields: [field('brokerId', '0+', 'int32'), field('brokerEpoch', '2+', 'int64', { default: -1n })],
});

export const ControlledShutdownResponse = message({
  name: 'ControlledShutdownResponse',
  apiKey: 7,
  type: 'response',
  validVersions: '3',
  flexibleVersions: '3+',
  fields: [
    field('errorCode', '0+', 'int16'),
    field(
      'remainingPartitions',
      '0+',
      array(field('topicName', '0+', 'string'), field('partitionIndex', '0+', 'int32')),
    ),
  ],
});
