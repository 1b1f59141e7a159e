// ACL checks as PrepRequestProcessor/FinalRequestProcessor do them: a request passes when any ACL entry
// granting the permission matches one of the connection's authenticated ids (or world:anyone, or super).
import { KeeperErrorCode, Perms } from '../../jute/constants.ts';
import type { ACLRecord, IdRecord } from '../../jute/schema.ts';

export function checkACL(acl: readonly ACLRecord[], perm: number, authInfo: readonly IdRecord[]): boolean {
  if (acl.length === 0) return true;
  if (authInfo.some((id) => id.scheme === 'super')) return true;
  for (const entry of acl) {
    if ((entry.perms & perm) === 0) continue;
    const { scheme, id } = entry.id;
    if (scheme === 'world' && id === 'anyone') return true;
    for (const auth of authInfo) {
      if (auth.scheme !== scheme) continue;
      if (scheme === 'digest' && auth.id === id) return true;
      if (scheme === 'ip' && ipMatches(id, auth.id)) return true;
    }
  }
  return false;
}

/** Schemes that identify a user (their ids are what an `auth` ACL expands to). */
function isAuthenticatedScheme(scheme: string): boolean {
  return scheme === 'digest' || scheme === 'super';
}

function isValidId(scheme: string, id: string): boolean {
  switch (scheme) {
    case 'digest':
      // Java's split(":") drops every trailing empty part; DigestAuthenticationProvider wants exactly 2 left.
      return id.replace(/:+$/, '').split(':').length === 2;
    case 'ip':
      return parseIpAcl(id) !== null;
    default:
      return false;
  }
}

/**
 * Validate and expand a request's ACL list (`auth` → the caller's authenticated ids), or return
 * INVALIDACL as ZooKeeper's fixupACL does.
 */
export function fixupACL(acl: readonly ACLRecord[], authInfo: readonly IdRecord[]): ACLRecord[] | number {
  // Real ZooKeeper 3.8 keeps duplicate entries as given.
  if (acl.length === 0) return KeeperErrorCode.INVALIDACL;
  const result: ACLRecord[] = [];
  for (const entry of acl) {
    const { scheme, id } = entry.id;
    if (scheme === 'world' && id === 'anyone') result.push(entry);
    else if (scheme === 'auth') {
      const ids = authInfo.filter((a) => isAuthenticatedScheme(a.scheme));
      if (ids.length === 0) return KeeperErrorCode.INVALIDACL;
      for (const authId of ids) result.push({ perms: entry.perms, id: authId });
    } else if (isValidId(scheme, id)) result.push(entry);
    else return KeeperErrorCode.INVALIDACL;
  }
  return result;
}

/** getACL without ADMIN permission hides digest hashes (ZOOKEEPER-1392). */
export function redactDigests(acl: readonly ACLRecord[]): ACLRecord[] {
  return acl.map((entry) =>
    entry.id.scheme === 'digest'
      ? { perms: entry.perms, id: { scheme: 'digest', id: `${entry.id.id.split(':')[0]}:x` } }
      : entry,
  );
}

export const ALL_PERMS = Perms.ALL;

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : -1));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : null;
}

function parseIpAcl(id: string): { address: number[]; bits: number } | null {
  const [address, bitsText] = id.split('/');
  const bytes = parseIpv4(address);
  if (!bytes) return null;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return null;
  return { address: bytes, bits };
}

function ipMatches(aclId: string, clientIp: string): boolean {
  const acl = parseIpAcl(aclId);
  const client = parseIpv4(clientIp.replace(/^::ffff:/, ''));
  if (!acl || !client) return false;
  for (let bit = 0; bit < acl.bits; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((acl.address[byte] & mask) !== (client[byte] & mask)) return false;
  }
  return true;
}
