import { describe, expect, it } from 'vitest';

import { KzError } from '../../client/common/errors.ts';
import {
  ControllerMovedError,
  isKeeperException,
  KeeperException,
  keeperCodeName,
  ZkDataError,
} from './errors.ts';

describe('KeeperException', () => {
  it.each([
    ['NONODE', true, false],
    ['NODEEXISTS', true, false],
    ['BADVERSION', true, false],
    ['NOTEMPTY', true, false],
    ['NOCHILDRENFOREPHEMERALS', true, false],
    ['CONNECTIONLOSS', false, true],
    ['OPERATIONTIMEOUT', false, true],
    ['SESSIONEXPIRED', false, false],
  ] as const)('%s: definite=%s retriable=%s', (code, definite, retriable) => {
    const error = new KeeperException(code, '/brokers/ids/1');
    expect(error).toBeInstanceOf(KzError);
    expect(error.code).toBe('KZ_ERR_ZOOKEEPER');
    expect(error.keeperCode).toBe(code);
    expect(error.definite).toBe(definite);
    expect(error.retriable).toBe(retriable);
    expect(error.message).toBe(`${code} for /brokers/ids/1`);
    expect(isKeeperException(error, code)).toBe(true);
  });

  it('maps ZooKeeper code numbers to names', () => {
    expect(keeperCodeName(-101)).toBe('NONODE');
    expect(keeperCodeName(-110)).toBe('NODEEXISTS');
    expect(keeperCodeName(-103)).toBe('BADVERSION');
    expect(keeperCodeName(-4)).toBe('CONNECTIONLOSS');
    expect(keeperCodeName(12345)).toBeUndefined();
  });

  it('names the failing multi operation', () => {
    expect(new KeeperException('BADVERSION', '/controller_epoch', { failedOpIndex: 0 }).message).toBe(
      'BADVERSION for /controller_epoch (multi operation #0)',
    );
  });

  it('ControllerMovedError and ZkDataError are definite KzErrors with stable codes', () => {
    expect(new ControllerMovedError('x').code).toBe('KZ_ERR_CONTROLLER_MOVED');
    expect(new ZkDataError('/controller', 'bad').message).toBe('/controller: bad');
    expect(new ZkDataError('/controller', 'bad').code).toBe('KZ_ERR_ZK_DATA');
  });
});
