// Request and response headers (Kafka's RequestHeader.json / ResponseHeader.json).
//
// Request header v0: api key, api version, correlation id (only ControlledShutdown v0 ever used it).
//                v1: + client_id, a classic nullable int16-length string.
//                v2: the flexible header: v1 + a tagged-field section. client_id stays a *classic*
//                    string even here (the field opts out of the flexible encoding), which is exactly what
//                    librdkafka's first ApiVersions v3 request looks like on the wire.
// Response header v0: correlation id. v1: + tagged fields (flexible responses, except ApiVersions).
import { field, message } from '../schema.ts';

export const RequestHeader = message({
  name: 'RequestHeader',
  apiKey: -1,
  type: 'header',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    field('requestApiKey', '0+', 'int16'),
    field('requestApiVersion', '0+', 'int16'),
    field('correlationId', '0+', 'int32'),
    field('clientId', '1+', 'string', { nullable: '1+', flexible: 'none', default: null }),
  ],
});

export const ResponseHeader = message({
  name: 'ResponseHeader',
  apiKey: -1,
  type: 'header',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [field('correlationId', '0+', 'int32')],
});
