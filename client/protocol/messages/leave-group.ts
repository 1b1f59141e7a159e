// LeaveGroup (API key 13). v1 throttle time · v3 batch of members (KIP-345) · v4 first flexible version ·
// v5 leave reason (KIP-800).
import { array, field, message } from '../schema.ts';

export const LeaveGroupRequest = message({
  name: 'LeaveGroupRequest',
  apiKey: 13,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    field('groupId', '0+', 'string'),
    field('memberId', '0-2', 'string'),
    field(
      'members',
      '3+',
      array(
        field('memberId', '3+', 'string'),
        field('groupInstanceId', '3+', 'string', { nullable: '3+', default: null }),
        field('reason', '5+', 'string', { nullable: '5+', default: null }),
      ),
    ),
  ],
});

export const LeaveGroupResponse = message({
  name: 'LeaveGroupResponse',
  apiKey: 13,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    field('throttleTimeMs', '1+', 'int32', { default: 0 }),
    field('errorCode', '0+', 'int16'),
    field(
      'members',
      '3+',
      array(
        field('memberId', '3+', 'string'),
        field('groupInstanceId', '3+', 'string', { nullable: '3+', default: null }),
        field('errorCode', '3+', 'int16'),
      ),
    ),
  ],
});
