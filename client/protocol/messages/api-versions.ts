// ApiVersions (API key 18): which API versions the broker implements.
//  v1 throttle time · v2 same layout · v3 first flexible version (KIP-511): the client names its software,
//  and the response carries tagged feature fields. Two special cases live in the header rules
//  (see ../registry.ts): the *response* header of every version is v0 (no tagged fields), so a client
//  can always read it; and a broker that does not implement the requested version answers with a **v0
//  body** carrying UNSUPPORTED_VERSION (35) and its api list, after which librdkafka retries with v0/v2.
import { array, field, message } from '../schema.ts';

export const ApiVersionsRequest = message({
  name: 'ApiVersionsRequest',
  apiKey: 18,
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [field('clientSoftwareName', '3+', 'string'), field('clientSoftwareVersion', '3+', 'string')],
});

export const ApiVersionsResponse = message({
  name: 'ApiVersionsResponse',
  apiKey: 18,
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    field('errorCode', '0+', 'int16'),
    field(
      'apiKeys',
      '0+',
      array(
        field('apiKey', '0+', 'int16'),
        field('minVersion', '0+', 'int16'),
        field('maxVersion', '0+', 'int16'),
      ),
    ),
    field('throttleTimeMs', '1+', 'int32', { default: 0 }),
    field(
      'supportedFeatures',
      '3+',
      array(
        field('name', '3+', 'string'),
        field('minVersion', '3+', 'int16'),
        field('maxVersion', '3+', 'int16'),
      ),
      { tagged: '3+', tag: 0 },
    ),
    field('finalizedFeaturesEpoch', '3+', 'int64', { default: -1n, tagged: '3+', tag: 1 }),
    field(
      'finalizedFeatures',
      '3+',
      array(
        field('name', '3+', 'string'),
        field('maxVersionLevel', '3+', 'int16'),
        field('minVersionLevel', '3+', 'int16'),
      ),
      { tagged: '3+', tag: 2 },
    ),
    field('zkMigrationReady', '3+', 'bool', { default: false, tagged: '3+', tag: 3 }),
  ],
});
