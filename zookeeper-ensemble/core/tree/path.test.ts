// Path rules of ZooKeeper's PathUtils.validatePath. The expected column was produced by running
// org.apache.zookeeper.common.PathUtils.validatePath from Debian's ZooKeeper 3.8.0 jar on each input
// (null when it accepts the path, otherwise the reason it gives, which pathProblem repeats).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { childNameOf, joinPath, parentOf, pathProblem } from './path.ts';

const table: [path: string, problem: string | null][] = [
  ['/', null],
  ['', 'Path length must be > 0'],
  ['a', 'Path must start with / character'],
  ['/a', null],
  ['/a/', 'Path must not end with / character'],
  ['//', 'Path must not end with / character'],
  ['/a/b/', 'Path must not end with / character'],
  ['/a//b', 'empty node name specified @3'],
  ['/.', 'relative paths not allowed @1'],
  ['/..', 'relative paths not allowed @2'],
  ['/a/.', 'relative paths not allowed @3'],
  ['/a/..', 'relative paths not allowed @4'],
  ['/./a', 'relative paths not allowed @1'],
  ['/../a', 'relative paths not allowed @2'],
  ['/a/./b', 'relative paths not allowed @3'],
  ['/a/../b', 'relative paths not allowed @4'],
  ['/.a', null],
  ['/..a', null],
  ['/a.', null],
  ['/a..', null],
  ['/...', null],
  ['/a/...', null],
  ['/a\u0000b', 'null character not allowed @2'],
  ['/a\u0001b', 'invalid character @2'],
  ['/\u0001', 'invalid character @1'],
  ['/a\u0009', 'invalid character @2'],
  ['/a\u001fb', 'invalid character @2'],
  ['/a\u007fb', 'invalid character @2'],
  ['/a\u009fb', 'invalid character @2'],
  ['/a\u00a0b', null],
  ['/a\ud800b', 'invalid character @2'],
  ['/a\udfffb', 'invalid character @2'],
  ['/\ud83d\ude00', 'invalid character @1'],
  ['/a\ue000b', 'invalid character @2'],
  ['/a\uf8ffb', 'invalid character @2'],
  ['/a\uf900b', null],
  ['/a\uffefb', null],
  ['/a\ufff0b', 'invalid character @2'],
  ['/a\uffffb', 'invalid character @2'],
  ['/zookeeper', null],
  ['/a b', null],
  ['/ä/ö', null],
  ['/a/b/c', null],
];

const printable = (text: string) =>
  JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('pathProblem mirrors PathUtils.validatePath (ZooKeeper 3.8.0)', () => {
  for (const [path, expected] of table) {
    it(`${printable(path)} → ${expected ?? 'valid'}`, () => {
      const problem = pathProblem(path);
      if (expected === null) expect(problem).toBeNull();
      else expect(problem).toContain(expected);
    });
  }

  it('any path built from plain names is valid; adding "", "." or ".." as a component makes it invalid', () => {
    const name = fc
      .string({ minLength: 1, maxLength: 8, unit: fc.constantFrom(...'abcXYZ019-_.:@ é'.split('')) })
      .filter((n) => n !== '.' && n !== '..' && !n.includes('/'));
    fc.assert(
      fc.property(
        fc.array(name, { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.constantFrom('', '.', '..'),
        (names, at, bad) => {
          expect(pathProblem(`/${names.join('/')}`)).toBeNull();
          const broken = [...names];
          broken.splice(at % (names.length + 1), 0, bad);
          expect(pathProblem(`/${broken.join('/')}`)).not.toBeNull();
        },
      ),
    );
  });

  it('a control character anywhere after the first slash is rejected', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0x1f }),
        fc.string({ maxLength: 5, unit: 'grapheme-ascii' }),
        (code, rest) => {
          const path = `/x${String.fromCharCode(code)}${rest.replace(/\//g, '')}`;
          expect(pathProblem(path)).not.toBeNull();
        },
      ),
    );
  });
});

describe('parentOf / childNameOf / joinPath', () => {
  it.each([
    ['/a', '/', 'a'],
    ['/a/b', '/a', 'b'],
    ['/a/b/c', '/a/b', 'c'],
  ])('%s has parent %s and name %s', (path, parent, name) => {
    expect(parentOf(path)).toBe(parent);
    expect(childNameOf(path)).toBe(name);
    expect(joinPath(parent, name)).toBe(path);
  });

  it('parentOf("/") is "/"', () => {
    expect(parentOf('/')).toBe('/');
  });
});
