// broker/log: Kafka's on-disk log — Log, LogSegment, OffsetIndex, TimeIndex, LeaderEpochFileCache,
// checkpoint files, meta.properties, LogManager. See log.ts and log-manager.ts for the overview.
export * from './checkpoint-file.ts';
export * from './errors.ts';
export * from './file-util.ts';
export * from './leader-epoch-cache.ts';
export * from './log.ts';
export * from './log-config.ts';
export * from './log-manager.ts';
export * from './log-segment.ts';
export * from './meta-properties.ts';
export { nativeCrc32c, nodeRecordCompression } from '../../client/node/native-codecs.ts';
export * from './offset-index.ts';
export * from './time-index.ts';
