// kzlab's Kafka client: Producer, Consumer and Admin over our own protocol codec (client/protocol).
//
//   import { Producer, Consumer, Admin } from './client/index.ts';
//
// Everything the CLI tools and the dashboard need is re-exported here; the stage modules (partitioners,
// accumulator, assignors, …) are exported too so tests and lessons can use them on their own.
export * from './network/index.ts';
export * from './producer/index.ts';
export * from './consumer/index.ts';
export * from './admin/index.ts';
export { nativeCodecs, nativeCrc32c, nodeRecordCompression } from './node/native-codecs.ts';
export { KzError, isKzError } from './common/errors.ts';
