import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { InvariantError } from '../../../client/common/assert.ts';
import { KzError } from '../../../client/common/errors.ts';
import {
  decodeNotification,
  encodeNotification,
  NOTIFICATION_BYTES,
  NotificationDecodeError,
} from './notification-codec.ts';
import { SERVER_STATES, type Notification } from './vote.ts';

const sample: Notification = {
  sid: 2,
  leader: 3,
  zxid: 0x1_0000_0007n,
  electionEpoch: 4n,
  peerEpoch: 1n,
  state: 'FOLLOWING',
  version: 2,
};

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

describe('notification codec', () => {
  it('writes the documented layout (golden bytes)', () => {
    expect(hex(encodeNotification(sample))).toBe(
      [
        '0000000000000002', // sid
        '00000001', // state FOLLOWING
        '0000000000000003', // leader
        '0000000100000007', // zxid
        '0000000000000004', // electionEpoch
        '0000000000000001', // peerEpoch
        '00000002', // version
        '00000000', // config length
      ].join(''),
    );
    expect(encodeNotification(sample).length).toBe(NOTIFICATION_BYTES);
  });

  it('round-trips any notification', () => {
    const arbLong = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
    const arbNotification = fc.record({
      sid: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      leader: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      zxid: arbLong,
      electionEpoch: arbLong,
      peerEpoch: arbLong,
      state: fc.constantFrom(...SERVER_STATES),
      version: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
    });
    fc.assert(
      fc.property(arbNotification, (n) => {
        expect(decodeNotification(encodeNotification(n))).toEqual(n);
      }),
    );
  });

  it('decodes from a view into a larger buffer', () => {
    const framed = new Uint8Array(4 + NOTIFICATION_BYTES);
    framed.set(encodeNotification(sample), 4);
    expect(decodeNotification(framed.subarray(4))).toEqual(sample);
  });

  it('skips a config blob whose length matches', () => {
    const bytes = new Uint8Array(NOTIFICATION_BYTES + 3);
    bytes.set(encodeNotification(sample));
    new DataView(bytes.buffer).setInt32(48, 3);
    expect(decodeNotification(bytes)).toEqual(sample);
  });

  it.each([
    ['truncated', (b: Uint8Array) => b.subarray(0, 40), /need at least 52/],
    ['empty', () => new Uint8Array(0), /0 bytes/],
    ['trailing bytes', (b: Uint8Array) => Uint8Array.of(...b, 0), /53 bytes, but the header says 52/],
    ['unknown state', (b: Uint8Array) => patch(b, (v) => v.setInt32(8, 4)), /unknown state 4/],
    ['negative state', (b: Uint8Array) => patch(b, (v) => v.setInt32(8, -1)), /unknown state -1/],
    [
      'negative sid',
      (b: Uint8Array) => patch(b, (v) => v.setBigInt64(0, -1n)),
      /sid -1 is not a valid server id/,
    ],
    [
      'huge leader',
      (b: Uint8Array) => patch(b, (v) => v.setBigInt64(12, 1n << 60n)),
      /leader .* not a valid/,
    ],
    ['config too long', (b: Uint8Array) => patch(b, (v) => v.setInt32(48, 10)), /header says 62/],
    ['negative config', (b: Uint8Array) => patch(b, (v) => v.setInt32(48, -5)), /config length -5/],
  ])('rejects %s with NotificationDecodeError', (_name, mutate, message) => {
    const bad = mutate(encodeNotification(sample));
    let caught: unknown;
    try {
      decodeNotification(bad);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NotificationDecodeError);
    expect(caught).toBeInstanceOf(KzError);
    const error = caught as NotificationDecodeError;
    expect(error.code).toBe('KZ_ERR_NOTIFICATION_DECODE');
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(message);
  });

  it('random garbage either decodes or throws NotificationDecodeError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), (bytes) => {
        try {
          const n = decodeNotification(bytes);
          expect(decodeNotification(encodeNotification(n))).toEqual(n);
        } catch (error) {
          expect(error).toBeInstanceOf(NotificationDecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses to encode values that do not fit (a caller bug)', () => {
    expect(() => encodeNotification({ ...sample, sid: -1 })).toThrow(InvariantError);
    expect(() => encodeNotification({ ...sample, zxid: 1n << 63n })).toThrow(InvariantError);
    expect(() => encodeNotification({ ...sample, state: 'SLEEPING' as never })).toThrow(InvariantError);
  });
});

function patch(bytes: Uint8Array, write: (view: DataView) => void): Uint8Array {
  const copy = Uint8Array.from(bytes);
  write(new DataView(copy.buffer));
  return copy;
}
