// The producer pipeline: serializers → partitioners → accumulator → sender, behind Producer.
export * from './murmur2.ts';
export * from './serializers.ts';
export * from './partitioners.ts';
export * from './accumulator.ts';
export * from './trace.ts';
export { Sender, type SenderOptions } from './sender.ts';
export * from './producer.ts';
