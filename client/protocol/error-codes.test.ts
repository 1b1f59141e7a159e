import { describe, expect, it } from 'vitest';

import { ErrorCode, errorInfo, errorName, isRetriable, KAFKA_ERRORS } from './error-codes.ts';

describe('Kafka error codes', () => {
  it('lists every code from -1 to 133 once, in order', () => {
    expect(KAFKA_ERRORS.map((e) => e.code)).toEqual(Array.from({ length: 135 }, (_, i) => i - 1));
    expect(new Set(KAFKA_ERRORS.map((e) => e.name)).size).toBe(KAFKA_ERRORS.length);
    for (const { name, message } of KAFKA_ERRORS) {
      expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(message.length).toBeGreaterThan(5);
    }
  });

  it('uses the upstream names and retriability', () => {
    expect(ErrorCode.NOT_LEADER_OR_FOLLOWER).toBe(6);
    expect(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).toBe(3);
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35);
    expect(ErrorCode.NOT_ENOUGH_REPLICAS).toBe(19);
    expect(ErrorCode.NOT_CONTROLLER).toBe(41);
    expect(ErrorCode.REBALANCE_IN_PROGRESS).toBe(27);
    expect(errorName(-1)).toBe('UNKNOWN_SERVER_ERROR');
    expect(errorName(9999)).toBe('UNKNOWN_ERROR_CODE(9999)');
    expect(isRetriable(ErrorCode.NOT_LEADER_OR_FOLLOWER)).toBe(true);
    expect(isRetriable(ErrorCode.LEADER_NOT_AVAILABLE)).toBe(true);
    expect(isRetriable(ErrorCode.MESSAGE_TOO_LARGE)).toBe(false);
    expect(isRetriable(ErrorCode.REBALANCE_IN_PROGRESS)).toBe(false);
    expect(isRetriable(ErrorCode.NOT_COORDINATOR)).toBe(true);
    expect(errorInfo(36)).toMatchObject({ name: 'TOPIC_ALREADY_EXISTS', retriable: false });
  });
});
