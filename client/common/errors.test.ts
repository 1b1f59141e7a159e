import { describe, expect, it } from 'vitest';

import { InvariantError } from './assert.ts';
import { ConfigError, isKzError, KZ_ERROR_CODES, KzError } from './errors.ts';

describe('KzError', () => {
  it('carries a stable code, retriable, definite and cause', () => {
    const cause = new Error('ECONNRESET');
    const error = new KzError(KZ_ERROR_CODES.KZ_ERR_CONNECTION_CLOSED, 'connection to zk2 closed', {
      cause,
      retriable: true,
      definite: false,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('KzError');
    expect(error.code).toBe('KZ_ERR_CONNECTION_CLOSED');
    expect(error.message).toBe('connection to zk2 closed');
    expect(error.retriable).toBe(true);
    expect(error.definite).toBe(false);
    expect(error.cause).toBe(cause);
    expect(isKzError(error)).toBe(true);
  });

  it('defaults to definite and not retriable, without a cause', () => {
    const error = new KzError('KZ_ERR_SOMETHING', 'x');
    expect(error.retriable).toBe(false);
    expect(error.definite).toBe(true);
    expect('cause' in error).toBe(false);
  });

  it('subclasses get their own name', () => {
    class DiskFullError extends KzError {}
    expect(new DiskFullError('KZ_ERR_DISK_FULL', 'no space').name).toBe('DiskFullError');
  });

  it('an invariant violation is never a KzError', () => {
    expect(isKzError(new InvariantError('bug'))).toBe(false);
    expect(isKzError(new Error('plain'))).toBe(false);
  });
});

describe('ConfigError', () => {
  it('formats file, line, key and value in front of the problem', () => {
    const error = new ConfigError('not an integer', {
      file: 'zoo.cfg',
      line: 4,
      key: 'tickTime',
      value: 'x',
    });
    expect(error.message).toBe('zoo.cfg:4: tickTime="x": not an integer');
    expect(error.code).toBe('KZ_ERR_CONFIG');
    expect(error.name).toBe('ConfigError');
    expect(error).toBeInstanceOf(KzError);
    expect([error.file, error.line, error.key, error.value]).toEqual(['zoo.cfg', 4, 'tickTime', 'x']);
  });

  it('leaves out what is unknown', () => {
    expect(new ConfigError('bad').message).toBe('bad');
    expect(new ConfigError('bad', { line: 2 }).message).toBe('line 2: bad');
    expect(new ConfigError('bad', { key: 'k' }).message).toBe('k: bad');
    expect(new ConfigError('bad', { value: 'v' }).message).toBe('"v": bad');
    expect(new ConfigError('bad', { file: 'f', value: '' }).message).toBe('f: "": bad');
  });
});
