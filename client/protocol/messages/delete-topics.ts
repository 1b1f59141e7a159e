// DeleteTopics (API key 20), sent to the controller. v1 throttle time · v4 first flexible version ·
// v5 error message · v6 topics by name or id.
import { array, arrayOf, field, message } from '../schema.ts';

export const DeleteTopicsRequest = message({
  name: 'DeleteTopicsRequest',
  apiKey: 20,
  type: 'request',
  validVersions: '0-6',
  flexibleVersions: '4+',
  fields: [
    field(
      'topics',
      '6+',
      array(field('name', '6+', 'string', { nullable: '6+', default: null }), field('topicId', '6+', 'uuid')),
    ),
    field('topicNames', '0-5', arrayOf('string')),
    field('timeoutMs', '0+', 'int32'),
  ],
});

export const DeleteTopicsResponse = message({
  name: 'DeleteTopicsResponse',
  apiKey: 20,
  type: 'response',
  validVersions: '0-6',
  flexibleVersions: '4+',
  fields: [
    field('throttleTimeMs', '1+', 'int32', { default: 0 }),
    field(
      'responses',
      '0+',
      array(
        field('name', '0+', 'string', { nullable: '6+' }),
        field('topicId', '6+', 'uuid'),
        field('errorCode', '0+', 'int16'),
        field('errorMessage', '5+', 'string', { nullable: '5+', default: null }),
      ),
    ),
  ],
});
