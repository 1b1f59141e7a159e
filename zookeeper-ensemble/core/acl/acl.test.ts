// ACL checks (PrepRequestProcessor/FinalRequestProcessor.checkACL) and fixupACL. The ACL-id validity
// table was checked against Apache ZooKeeper 3.8.0 (create with that single ACL: OK or INVALIDACL).
import { describe, expect, it } from 'vitest';

import { KeeperErrorCode, Perms } from '../../jute/constants.ts';
import type { ACLRecord, IdRecord } from '../../jute/schema.ts';
import { checkACL, fixupACL, redactDigests } from './acl.ts';

const acl = (perms: number, scheme: string, id: string): ACLRecord => ({ perms, id: { scheme, id } });
const WORLD = acl(Perms.ALL, 'world', 'anyone');
const ip = (address: string): IdRecord => ({ scheme: 'ip', id: address });
const digest = (id: string): IdRecord => ({ scheme: 'digest', id });

describe('checkACL', () => {
  it('world:anyone grants its perms to everybody, and only those perms', () => {
    const readOnly = [acl(Perms.READ, 'world', 'anyone')];
    expect(checkACL(readOnly, Perms.READ, [])).toBe(true);
    expect(checkACL(readOnly, Perms.WRITE, [ip('1.2.3.4')])).toBe(false);
  });

  it('an empty ACL list allows everything', () => {
    expect(checkACL([], Perms.ADMIN, [])).toBe(true);
  });

  it('digest ids must match exactly', () => {
    const list = [acl(Perms.READ | Perms.WRITE, 'digest', 'bob:hash=')];
    expect(checkACL(list, Perms.WRITE, [ip('127.0.0.1'), digest('bob:hash=')])).toBe(true);
    expect(checkACL(list, Perms.WRITE, [digest('bob:other=')])).toBe(false);
    expect(checkACL(list, Perms.DELETE, [digest('bob:hash=')])).toBe(false);
  });

  it('ip ids match by address and prefix length', () => {
    expect(checkACL([acl(Perms.READ, 'ip', '10.1.2.3')], Perms.READ, [ip('10.1.2.3')])).toBe(true);
    expect(checkACL([acl(Perms.READ, 'ip', '10.1.2.3')], Perms.READ, [ip('10.1.2.4')])).toBe(false);
    expect(checkACL([acl(Perms.READ, 'ip', '10.0.0.0/8')], Perms.READ, [ip('10.200.3.4')])).toBe(true);
    expect(checkACL([acl(Perms.READ, 'ip', '10.0.0.0/8')], Perms.READ, [ip('11.0.0.1')])).toBe(false);
    expect(checkACL([acl(Perms.READ, 'ip', '192.168.1.0/25')], Perms.READ, [ip('192.168.1.127')])).toBe(true);
    expect(checkACL([acl(Perms.READ, 'ip', '192.168.1.0/25')], Perms.READ, [ip('192.168.1.128')])).toBe(
      false,
    );
    expect(checkACL([acl(Perms.READ, 'ip', '0.0.0.0/0')], Perms.READ, [ip('8.8.8.8')])).toBe(true);
    expect(checkACL([acl(Perms.READ, 'ip', '127.0.0.1')], Perms.READ, [ip('::ffff:127.0.0.1')])).toBe(true);
  });

  it('a super id passes every check', () => {
    expect(checkACL([acl(Perms.READ, 'digest', 'x:y')], Perms.ADMIN, [{ scheme: 'super', id: '' }])).toBe(
      true,
    );
  });

  it('any one matching entry with the permission is enough', () => {
    const list = [
      acl(Perms.READ, 'ip', '1.1.1.1'),
      acl(Perms.WRITE, 'digest', 'a:b'),
      acl(Perms.DELETE, 'ip', '2.2.2.2'),
    ];
    expect(checkACL(list, Perms.DELETE, [ip('2.2.2.2')])).toBe(true);
    expect(checkACL(list, Perms.WRITE, [ip('2.2.2.2')])).toBe(false);
  });
});

describe('fixupACL', () => {
  // Each id checked on ZooKeeper 3.8.0 as the single ACL of a create: true = created, false = INVALIDACL.
  const ids: [scheme: string, id: string, valid: boolean][] = [
    ['digest', 'a:b', true],
    ['digest', ':b', true],
    ['digest', 'a:b:', true],
    ['digest', 'a::', false],
    ['digest', '::', false],
    ['digest', 'a:b:c', false],
    ['digest', 'a', false],
    ['ip', '10.0.0.1', true],
    ['ip', '10.0.0.0/8', true],
    ['ip', '10.0.0.1/33', false],
    ['ip', '::1', false],
    ['ip', 'fe80::/10', false],
    ['ip', '1.2.3', false],
    ['ip', 'x', false],
    ['world', 'anyone', true],
    ['world', 'someone', false],
    ['super', 'x', false],
    ['nosuchscheme', 'x', false],
  ];
  it.each(ids)('%s:%s valid=%s', (scheme, id, valid) => {
    const result = fixupACL([acl(Perms.ALL, scheme, id)], []);
    if (valid) expect(result).toEqual([acl(Perms.ALL, scheme, id)]);
    else expect(result).toBe(KeeperErrorCode.INVALIDACL);
  });

  it('an empty list is INVALIDACL', () => {
    expect(fixupACL([], [])).toBe(KeeperErrorCode.INVALIDACL);
  });

  it('duplicates are kept as given (measured on ZooKeeper 3.8.0)', () => {
    expect(fixupACL([WORLD, WORLD, acl(Perms.READ, 'world', 'anyone')], [])).toEqual([
      WORLD,
      WORLD,
      acl(Perms.READ, 'world', 'anyone'),
    ]);
  });

  it('"auth" expands to every authenticated (digest) id of the caller, not to its ip id', () => {
    const auth = [ip('127.0.0.1'), digest('bob:h1'), digest('amy:h2')];
    expect(fixupACL([acl(Perms.READ | Perms.ADMIN, 'auth', '')], auth)).toEqual([
      acl(Perms.READ | Perms.ADMIN, 'digest', 'bob:h1'),
      acl(Perms.READ | Perms.ADMIN, 'digest', 'amy:h2'),
    ]);
  });

  it('"auth" without an authenticated id is INVALIDACL', () => {
    expect(fixupACL([acl(Perms.ALL, 'auth', '')], [ip('127.0.0.1')])).toBe(KeeperErrorCode.INVALIDACL);
  });

  it('one bad entry spoils the list', () => {
    expect(fixupACL([WORLD, acl(Perms.ALL, 'digest', 'bad')], [])).toBe(KeeperErrorCode.INVALIDACL);
  });
});

describe('redactDigests (getACL without ADMIN)', () => {
  it('replaces everything after the user name with "x"', () => {
    expect(redactDigests([acl(Perms.READ, 'digest', 'bob:secret=='), WORLD])).toEqual([
      acl(Perms.READ, 'digest', 'bob:x'),
      WORLD,
    ]);
  });
});
