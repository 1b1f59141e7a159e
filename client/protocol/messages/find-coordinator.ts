// FindCoordinator (API key 10): which broker coordinates a group (key type 0) or transactional id (1).
//  v1 key type, throttle time, error message · v3 first flexible version · v4 several keys per request
//  (KIP-699) · v5, v6 same layout (new errors; share groups).
import { array, arrayOf, field, message } from '../schema.ts';

export const FindCoordinatorRequest = message({
  name: 'FindCoordinatorRequest',
  apiKey: 10,
  type: 'request',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    field('key', '0-3', 'string'),
    field('keyType', '1+', 'int8', { default: 0 }),
    field('coordinatorKeys', '4+', arrayOf('string')),
  ],
});

export const FindCoordinatorResponse = message({
  name: 'FindCoordinatorResponse',
  apiKey: 10,
  type: 'response',
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: [
    field('throttleTimeMs', '1+', 'int32', { default: 0 }),
    field('errorCode', '0-3', 'int16'),
    field('errorMessage', '1-3', 'string', { nullable: '1-3', default: null }),
    field('nodeId', '0-3', 'int32'),
    field('host', '0-3', 'string'),
    field('port', '0-3', 'int32'),
    field(
      'coordinators',
      '4+',
      array(
        field('key', '4+', 'string'),
        field('nodeId', '4+', 'int32'),
        field('host', '4+', 'string'),
        field('port', '4+', 'int32'),
        field('errorCode', '4+', 'int16'),
        field('errorMessage', '4+', 'string', { nullable: '4+', default: null }),
      ),
    ),
  ],
});
