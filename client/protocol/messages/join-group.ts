// JoinGroup (API key 11).
//  v1 rebalance timeout · v2 throttle time · v4 MEMBER_ID_REQUIRED round trip (KIP-394) · v5 group
//  instance id (KIP-345) · v6 first flexible version · v7 protocol type/name in the response ·
//  v8 join reason (KIP-800) · v9 skip assignment (KIP-814).
import { array, field, message } from '../schema.ts';

export const JoinGroupRequest = message({
  name: 'JoinGroupRequest',
  apiKey: 11,
  type: 'request',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    field('groupId', '0+', 'string'),
    field('sessionTimeoutMs', '0+', 'int32'),
    field('rebalanceTimeoutMs', '1+', 'int32', { default: -1 }),
    field('memberId', '0+', 'string'),
    field('groupInstanceId', '5+', 'string', { nullable: '5+', default: null }),
    field('protocolType', '0+', 'string'),
    field('protocols', '0+', array(field('name', '0+', 'string'), field('metadata', '0+', 'bytes'))),
    field('reason', '8+', 'string', { nullable: '8+', default: null }),
  ],
});

export const JoinGroupResponse = message({
  name: 'JoinGroupResponse',
  apiKey: 11,
  type: 'response',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    field('throttleTimeMs', '2+', 'int32', { default: 0 }),
    field('errorCode', '0+', 'int16'),
    field('generationId', '0+', 'int32', { default: -1 }),
    field('protocolType', '7+', 'string', { nullable: '7+', default: null }),
    field('protocolName', '0+', 'string', { nullable: '7+' }),
    field('leader', '0+', 'string'),
    field('skipAssignment', '9+', 'bool', { default: false }),
    field('memberId', '0+', 'string'),
    field(
      'members',
      '0+',
      array(
        field('memberId', '0+', 'string'),
        field('groupInstanceId', '5+', 'string', { nullable: '5+', default: null }),
        field('metadata', '0+', 'bytes'),
      ),
    ),
  ],
});
