// Connections, the broker pool, metadata and the errors the client throws.
export * from './errors.ts';
export * from './versions.ts';
export * from './connection.ts';
export * from './broker-pool.ts';
export * from './metadata.ts';
export * from './cluster.ts';
