// InitProducerId (API key 22): a producer id and epoch for idempotent/transactional producers.
// v1 same layout · v2 first flexible version · v3 existing producer id/epoch (KIP-360) · v4, v5 same layout.
import { field, message } from '../schema.ts';

export const InitProducerIdRequest = message({
  name: 'InitProducerIdRequest',
  apiKey: 22,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: [
    field('transactionalId', '0+', 'string', { nullable: '0+' }),
    field('transactionTimeoutMs', '0+', 'int32'),
    field('producerId', '3+', 'int64', { default: -1n }),
    field('producerEpoch', '3+', 'int16', { default: -1 }),
  ],
});

export const InitProducerIdResponse = message({
  name: 'InitProducerIdResponse',
  apiKey: 22,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: [
    field('throttleTimeMs', '0+', 'int32', { default: 0 }),
    field('errorCode', '0+', 'int16'),
    field('producerId', '0+', 'int64', { default: -1n }),
    field('producerEpoch', '0+', 'int16'),
  ],
});
