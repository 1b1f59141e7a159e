// ListGroups (API key 16). v1 throttle time · v3 first flexible version · v4 states filter (KIP-518) ·
// v5 types filter (KIP-848).
import { array, arrayOf, field, message } from '../schema.ts';

export const ListGroupsRequest = message({
  name: 'ListGroupsRequest',
  apiKey: 16,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [field('statesFilter', '4+', arrayOf('string')), field('typesFilter', '5+', arrayOf('string'))],
});

export const ListGroupsResponse = message({
  name: 'ListGroupsResponse',
  apiKey: 16,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    field('throttleTimeMs', '1+', 'int32', { default: 0 }),
    field('errorCode', '0+', 'int16'),
    field(
      'groups',
      '0+',
      array(
        field('groupId', '0+', 'string'),
        field('protocolType', '0+', 'string'),
        field('groupState', '4+', 'string'),
        field('groupType', '5+', 'string'),
      ),
    ),
  ],
});
