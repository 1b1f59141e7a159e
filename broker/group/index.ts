// broker/group: the group coordinator core (consumer groups and committed offsets), pure.
export * from './consumer-protocol.ts';
export * from './group-coordinator.ts';
export * from './group-metadata.ts';
export * from './group-metadata-records.ts';
export * from './journal.ts';
export * from './partition-for.ts';
export * from './timer-queue.ts';
