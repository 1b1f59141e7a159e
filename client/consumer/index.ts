// The consumer: group membership, assignors, fetching, commits.
export * from './assignors/index.ts';
export * from './consumer-protocol.ts';
export * from './subscription-state.ts';
export * from './trace.ts';
export { Fetcher, listOffsets, type RawConsumerRecord, type FetcherOptions } from './fetcher.ts';
export { ConsumerCoordinator, type CoordinatorOptions, type JoinResult } from './coordinator.ts';
export * from './consumer.ts';
