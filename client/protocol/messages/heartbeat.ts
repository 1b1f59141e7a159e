// Heartbeat (API key 12). v1 throttle time · v3 group instance id · v4 first flexible version.
import { field, message } from '../schema.ts';

export const HeartbeatRequest = message({
  name: 'HeartbeatRequest',
  apiKey: 12,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    field('groupId', '0+', 'string'),
    field('generationId', '0+', 'int32'),
    field('memberId', '0+', 'string'),
    field('groupInstanceId', '3+', 'string', { nullable: '3+', default: null }),
  ],
});

export const HeartbeatResponse = message({
  name: 'HeartbeatResponse',
  apiKey: 12,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [field('throttleTimeMs', '1+', 'int32', { default: 0 }), field('errorCode', '0+', 'int16')],
});
