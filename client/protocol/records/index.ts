// RecordBatch v2: header, split/validate, in-place offset assignment, build, decode.
// See record-batch.ts for the byte layout and codecs.ts for why CRC-32C and compression are injected.
export * from './codecs.ts';
export * from './errors.ts';
export * from './record-batch.ts';
export * from './record-batch-builder.ts';
export * from './records.ts';
export * from './produce-validation.ts';
export * from './varint.ts';
