// DescribeGroups (API key 15). v1 throttle time · v3 authorized operations · v4 group instance id ·
// v5 first flexible version.
import { array, arrayOf, field, message } from '../schema.ts';

export const DescribeGroupsRequest = message({
  name: 'DescribeGroupsRequest',
  apiKey: 15,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: [field('groups', '0+', arrayOf('string')), field('includeAuthorizedOperations', '3+', 'bool')],
});

export const DescribeGroupsResponse = message({
  name: 'DescribeGroupsResponse',
  apiKey: 15,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: [
    field('throttleTimeMs', '1+', 'int32', { default: 0 }),
    field(
      'groups',
      '0+',
      array(
        field('errorCode', '0+', 'int16'),
        field('groupId', '0+', 'string'),
        field('groupState', '0+', 'string'),
        field('protocolType', '0+', 'string'),
        field('protocolData', '0+', 'string'),
        field(
          'members',
          '0+',
          array(
            field('memberId', '0+', 'string'),
            field('groupInstanceId', '4+', 'string', { nullable: '4+', default: null }),
            field('clientId', '0+', 'string'),
            field('clientHost', '0+', 'string'),
            field('memberMetadata', '0+', 'bytes'),
            field('memberAssignment', '0+', 'bytes'),
          ),
        ),
        field('authorizedOperations', '3+', 'int32', { default: -2147483648 }),
      ),
    ),
  ],
});
