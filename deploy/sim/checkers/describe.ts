// Small text helpers shared by the checkers' explanations.
//
// Pure: no node:* imports, no clock, no randomness.

/** JSON-like text for any value; bigints print as `12n`, undefined as `undefined`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? `${inner}n` : inner));
}

/** A time for display: bigints without the `n` suffix (they are nanoseconds or ticks), ∞ for Infinity. */
export function describeTime(time: number | bigint): string {
  if (time === Infinity) return '∞';
  return String(time);
}
