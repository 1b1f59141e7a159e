// SyncGroup (API key 14). v1 throttle time · v3 group instance id · v4 first flexible version ·
// v5 protocol type and name (KIP-559).
import { array, field, message } from '../schema.ts';

export const SyncGroupRequest = message({
  name: 'SyncGroupRequest',
  apiKey: 14,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    field('groupId', '0+', 'string'),
    field('generationId', '0+', 'int32'),
    field('memberId', '0+', 'string'),
    field('groupInstanceId', '3+', 'string', { nullable: '3+', default: null }),
    field('protocolType', '5+', 'string', { nullable: '5+', default: null }),
    field('protocolName', '5+', 'string', { nullable: '5+', default: null }),
    field('assignments', '0+', array(field('memberId', '0+', 'string'), field('assignment', '0+', 'bytes'))),
  ],
});

export const SyncGroupResponse = message({
  name: 'SyncGroupResponse',
  apiKey: 14,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    field('throttleTimeMs', '1+', 'int32', { default: 0 }),
    field('errorCode', '0+', 'int16'),
    field('protocolType', '5+', 'string', { nullable: '5+', default: null }),
    field('protocolName', '5+', 'string', { nullable: '5+', default: null }),
    field('assignment', '0+', 'bytes'),
  ],
});
