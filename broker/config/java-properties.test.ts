import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../client/common/errors.ts';
import { parseJavaProperties } from './java-properties.ts';

const entries = (text: string) => parseJavaProperties(text).map(({ key, value, line }) => [key, value, line]);

describe('parseJavaProperties (java.util.Properties.load rules)', () => {
  it.each([
    ['a=b', [['a', 'b', 1]]],
    ['a = b', [['a', 'b', 1]]],
    ['a:b', [['a', 'b', 1]]],
    ['a b', [['a', 'b', 1]]],
    ['a\t=\tb  ', [['a', 'b  ', 1]]],
    ['a', [['a', '', 1]]],
    ['a=', [['a', '', 1]]],
    ['a = = b', [['a', '= b', 1]]],
    ['a==b', [['a', '=b', 1]]],
    ['  indented=yes', [['indented', 'yes', 1]]],
    ['# comment\n! also\n\n   \nk=v', [['k', 'v', 5]]],
    ['k=v # not a comment', [['k', 'v # not a comment', 1]]],
  ])('%j', (text, expected) => {
    expect(entries(text)).toEqual(expected);
  });

  it('joins continuation lines and drops the leading blanks of the next line', () => {
    expect(entries('listeners=PLAINTEXT://a:9092,\\\n    PLAINTEXT2://b:9093\nx=1')).toEqual([
      ['listeners', 'PLAINTEXT://a:9092,PLAINTEXT2://b:9093', 1],
      ['x', '1', 3],
    ]);
  });

  it('an even number of trailing backslashes is not a continuation', () => {
    expect(entries('a=c:\\\\\nb=2')).toEqual([
      ['a', 'c:\\', 1],
      ['b', '2', 2],
    ]);
  });

  it('a comment line ending in a backslash does not continue', () => {
    expect(entries('# comment \\\nk=v')).toEqual([['k', 'v', 2]]);
  });

  it('a continuation line that starts with # is not a comment', () => {
    expect(entries('k=a\\\n#b')).toEqual([['k', 'a#b', 1]]);
  });

  it('decodes escapes in keys and values', () => {
    expect(entries('a\\=b=c\\td\\u0041\\z')).toEqual([['a=b', 'c\tdAz', 1]]);
    expect(entries('key\\ with\\ spaces=1')).toEqual([['key with spaces', '1', 1]]);
  });

  it('handles \\r\\n and \\r line ends', () => {
    expect(entries('a=1\r\nb=2\rc=3')).toEqual([
      ['a', '1', 1],
      ['b', '2', 2],
      ['c', '3', 3],
    ]);
  });

  it('a trailing backslash at the end of the file is dropped', () => {
    expect(entries('a=1\\')).toEqual([['a', '1', 1]]);
  });

  it('a malformed \\u escape is a ConfigError with the line', () => {
    try {
      parseJavaProperties('ok=1\nbad=\\u12G4', 'server.properties');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).line).toBe(2);
      expect((error as ConfigError).code).toBe('KZ_ERR_CONFIG');
    }
  });

  it('keeps duplicates in file order', () => {
    expect(entries('a=1\na=2')).toEqual([
      ['a', '1', 1],
      ['a', '2', 2],
    ]);
  });
});
