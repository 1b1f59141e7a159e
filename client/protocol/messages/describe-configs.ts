// DescribeConfigs (API key 32): topic (resource type 2) and broker (4) configs.
//  v1 synonyms and config source (replacing is-default) · v2 same layout · v3 documentation and config
//  type · v4 first flexible version.
import { array, arrayOf, field, message } from '../schema.ts';

export const DescribeConfigsRequest = message({
  name: 'DescribeConfigsRequest',
  apiKey: 32,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    field(
      'resources',
      '0+',
      array(
        field('resourceType', '0+', 'int8'),
        field('resourceName', '0+', 'string'),
        field('configurationKeys', '0+', arrayOf('string'), { nullable: '0+' }),
      ),
    ),
    field('includeSynonyms', '1+', 'bool', { default: false }),
    field('includeDocumentation', '3+', 'bool', { default: false }),
  ],
});

export const DescribeConfigsResponse = message({
  name: 'DescribeConfigsResponse',
  apiKey: 32,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    field('throttleTimeMs', '0+', 'int32', { default: 0 }),
    field(
      'results',
      '0+',
      array(
        field('errorCode', '0+', 'int16'),
        field('errorMessage', '0+', 'string', { nullable: '0+' }),
        field('resourceType', '0+', 'int8'),
        field('resourceName', '0+', 'string'),
        field(
          'configs',
          '0+',
          array(
            field('name', '0+', 'string'),
            field('value', '0+', 'string', { nullable: '0+' }),
            field('readOnly', '0+', 'bool'),
            field('isDefault', '0', 'bool', { default: false }),
            field('configSource', '1+', 'int8', { default: -1 }),
            field('isSensitive', '0+', 'bool'),
            field(
              'synonyms',
              '1+',
              array(
                field('name', '1+', 'string'),
                field('value', '1+', 'string', { nullable: '1+' }),
                field('source', '1+', 'int8'),
              ),
            ),
            field('configType', '3+', 'int8', { default: 0 }),
            field('documentation', '3+', 'string', { nullable: '3+', default: null }),
          ),
        ),
      ),
    ),
  ],
});
