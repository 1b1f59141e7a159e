// Session passwords as ZooKeeper makes them: 16 bytes from java.util.Random seeded with
// sessionId ^ superSecret. Deterministic, so any server of the ensemble can check a re-attach.
const SUPER_SECRET = 0xb3415c00n;
const MULTIPLIER = 0x5deece66dn;
const MASK_48 = (1n << 48n) - 1n;

export function generatePasswd(sessionId: bigint): Uint8Array {
  let seed = (BigInt.asUintN(64, sessionId ^ SUPER_SECRET) ^ MULTIPLIER) & MASK_48;
  const nextInt = (): number => {
    seed = (seed * MULTIPLIER + 0xbn) & MASK_48;
    return Number(BigInt.asIntN(32, seed >> 16n));
  };
  const bytes = new Uint8Array(16);
  for (let i = 0; i < bytes.length; ) {
    let rnd = nextInt();
    for (let n = Math.min(bytes.length - i, 4); n-- > 0; rnd >>= 8) bytes[i++] = rnd & 0xff;
  }
  return bytes;
}

export function passwordMatches(sessionId: bigint, passwd: Uint8Array | null): boolean {
  if (!passwd || passwd.length !== 16) return false;
  const expected = generatePasswd(sessionId);
  return expected.every((byte, i) => byte === passwd[i]);
}
