// Produce (API key 0). Records are opaque here (client/protocol/records decodes RecordBatch v2).
//  v1 throttle time · v2 log append time · v3 transactional id and RecordBatch v2 (magic 2) ·
//  v4–v7 same layout (new errors, zstd from v7) · v5 log start offset · v8 per-record errors (KIP-467) ·
//  v9 first flexible version · v10 tagged current-leader hints (KIP-951) · v11 same layout (KIP-890).
import { array, field, message, struct } from '../schema.ts';

export const ProduceRequest = message({
  name: 'ProduceRequest',
  apiKey: 0,
  type: 'request',
  validVersions: '0-11',
  flexibleVersions: '9+',
  fields: [
    field('transactionalId', '3+', 'string', { nullable: '3+', default: null }),
    field('acks', '0+', 'int16'),
    field('timeoutMs', '0+', 'int32'),
    field(
      'topicData',
      '0+',
      array(
        field('name', '0+', 'string'),
        field(
          'partitionData',
          '0+',
          array(field('index', '0+', 'int32'), field('records', '0+', 'records', { nullable: '0+' })),
        ),
      ),
    ),
  ],
});

export const ProduceResponse = message({
  name: 'ProduceResponse',
  apiKey: 0,
  type: 'response',
  validVersions: '0-11',
  flexibleVersions: '9+',
  fields: [
    field(
      'responses',
      '0+',
      array(
        field('name', '0+', 'string'),
        field(
          'partitionResponses',
          '0+',
          array(
            field('index', '0+', 'int32'),
            field('errorCode', '0+', 'int16'),
            field('baseOffset', '0+', 'int64'),
            field('logAppendTimeMs', '2+', 'int64', { default: -1n }),
            field('logStartOffset', '5+', 'int64', { default: -1n }),
            field(
              'recordErrors',
              '8+',
              array(
                field('batchIndex', '8+', 'int32'),
                field('batchIndexErrorMessage', '8+', 'string', { nullable: '8+', default: null }),
              ),
            ),
            field('errorMessage', '8+', 'string', { nullable: '8+', default: null }),
            field(
              'currentLeader',
              '10+',
              struct(
                field('leaderId', '10+', 'int32', { default: -1 }),
                field('leaderEpoch', '10+', 'int32', { default: -1 }),
              ),
              { tagged: '10+', tag: 0 },
            ),
          ),
        ),
      ),
    ),
    field('throttleTimeMs', '1+', 'int32', { default: 0 }),
    field(
      'nodeEndpoints',
      '10+',
      array(
        field('nodeId', '10+', 'int32'),
        field('host', '10+', 'string'),
        field('port', '10+', 'int32'),
        field('rack', '10+', 'string', { nullable: '10+', default: null }),
      ),
      { tagged: '10+', tag: 0 },
    ),
  ],
});
