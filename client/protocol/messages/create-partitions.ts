// CreatePartitions (API key 37), sent to the controller. v1 same layout · v2 first flexible version ·
// v3 same layout (quota errors).
import { array, arrayOf, field, message } from '../schema.ts';

export const CreatePartitionsRequest = message({
  name: 'CreatePartitionsRequest',
  apiKey: 37,
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    field(
      'topics',
      '0+',
      array(
        field('name', '0+', 'string'),
        field('count', '0+', 'int32'),
        field('assignments', '0+', array(field('brokerIds', '0+', arrayOf('int32'))), { nullable: '0+' }),
      ),
    ),
    field('timeoutMs', '0+', 'int32'),
    field('validateOnly', '0+', 'bool'),
  ],
});

export const CreatePartitionsResponse = message({
  name: 'CreatePartitionsResponse',
  apiKey: 37,
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    field('throttleTimeMs', '0+', 'int32', { default: 0 }),
    field(
      'results',
      '0+',
      array(
        field('name', '0+', 'string'),
        field('errorCode', '0+', 'int16'),
        field('errorMessage', '0+', 'string', { nullable: '0+', default: null }),
      ),
    ),
  ],
});
