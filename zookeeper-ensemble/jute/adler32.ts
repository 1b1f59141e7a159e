// Adler-32, the checksum ZooKeeper puts on every txn log entry and snapshot (java.util.zip.Adler32).
const MOD = 65521;
// Largest n such that 255n(n+1)/2 + (n+1)(MOD-1) fits in 2^32: sums can wait that long before a modulo.
const NMAX = 5552;

export function adler32(bytes: Uint8Array, start = 1): number {
  let a = start & 0xffff;
  let b = (start >>> 16) & 0xffff;
  let i = 0;
  while (i < bytes.length) {
    const end = Math.min(i + NMAX, bytes.length);
    for (; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}
