// Bytes of one FLE notification, for shells that carry elections over TCP (the election port, 3888).
//
// Layout, big-endian (DataView), 52 bytes plus an optional config blob:
//
//   offset  size  field
//        0     8  sid            long   sender's server id
//        8     4  state          int    0 LOOKING, 1 FOLLOWING, 2 LEADING, 3 OBSERVING
//       12     8  leader         long   proposed leader
//       20     8  zxid           long   proposed leader's last zxid
//       28     8  electionEpoch  long   sender's logicalclock
//       36     8  peerEpoch      long   proposed leader's epoch
//       44     4  version        int    NOTIFICATION_VERSION (2)
//       48     4  configLength   int    length of the config blob that follows (we always write 0)
//       52     n  config                ignored on decode
//
// Bytes 8..52 are the body ZooKeeper itself puts in a notification. Upstream learns the sender's id once
// per connection (the QuorumCnxManager handshake); we put it in every message instead, so a shell can hand
// any frame to decodeNotification without connection state. Framing (a length prefix per message) is the
// shell's business. Dynamic reconfiguration is not supported, hence the always-empty config blob.

import { assert } from '../../../client/common/assert.ts';
import { KzError } from '../../../client/common/errors.ts';
import { SERVER_STATES, type Notification } from './vote.ts';

/** Size of a notification without a config blob. */
export const NOTIFICATION_BYTES = 52;

/** Largest config blob decode accepts (upstream configs are a few hundred bytes). */
export const MAX_NOTIFICATION_CONFIG_BYTES = 64 * 1024;

export const NOTIFICATION_DECODE_ERROR_CODE = 'KZ_ERR_NOTIFICATION_DECODE';

/**
 * The bytes are not a notification (truncated, trailing bytes, unknown state, out-of-range id…).
 * Definite and not retriable: the same bytes fail again. A shell drops the frame (or the connection).
 */
export class NotificationDecodeError extends KzError {
  constructor(message: string) {
    super(NOTIFICATION_DECODE_ERROR_CODE, `bad election notification: ${message}`, {
      retriable: false,
      definite: true,
    });
  }
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function isServerId(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** Encodes `n`. Values that cannot be represented are a bug in the caller and throw InvariantError. */
export function encodeNotification(n: Notification): Uint8Array {
  assert(isServerId(n.sid), `notification sid must be a non-negative safe integer, got ${n.sid}`);
  assert(isServerId(n.leader), `notification leader must be a non-negative safe integer, got ${n.leader}`);
  for (const [name, value] of [
    ['zxid', n.zxid],
    ['electionEpoch', n.electionEpoch],
    ['peerEpoch', n.peerEpoch],
  ] as const) {
    assert(value >= INT64_MIN && value <= INT64_MAX, `notification ${name} ${value} does not fit in a long`);
  }
  assert(
    Number.isInteger(n.version) && n.version >= -0x8000_0000 && n.version <= 0x7fff_ffff,
    'version must be an int',
  );
  const state = SERVER_STATES.indexOf(n.state);
  assert(state >= 0, `unknown server state ${String(n.state)}`);

  const bytes = new Uint8Array(NOTIFICATION_BYTES);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(0, BigInt(n.sid));
  view.setInt32(8, state);
  view.setBigInt64(12, BigInt(n.leader));
  view.setBigInt64(20, n.zxid);
  view.setBigInt64(28, n.electionEpoch);
  view.setBigInt64(36, n.peerEpoch);
  view.setInt32(44, n.version);
  view.setInt32(48, 0);
  return bytes;
}

/** Decodes one notification; throws NotificationDecodeError for anything that is not exactly one. */
export function decodeNotification(bytes: Uint8Array): Notification {
  if (!(bytes instanceof Uint8Array)) throw new NotificationDecodeError('input is not a Uint8Array');
  if (bytes.length < NOTIFICATION_BYTES) {
    throw new NotificationDecodeError(`${bytes.length} bytes, need at least ${NOTIFICATION_BYTES}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const sid = readServerId(view, 0, 'sid');
  const stateOrdinal = view.getInt32(8);
  const state = SERVER_STATES[stateOrdinal];
  if (state === undefined) throw new NotificationDecodeError(`unknown state ${stateOrdinal}`);
  const leader = readServerId(view, 12, 'leader');
  const zxid = view.getBigInt64(20);
  const electionEpoch = view.getBigInt64(28);
  const peerEpoch = view.getBigInt64(36);
  const version = view.getInt32(44);
  const configLength = view.getInt32(48);
  if (configLength < 0 || configLength > MAX_NOTIFICATION_CONFIG_BYTES) {
    throw new NotificationDecodeError(`config length ${configLength} out of range`);
  }
  const expected = NOTIFICATION_BYTES + configLength;
  if (bytes.length !== expected) {
    throw new NotificationDecodeError(
      `${bytes.length} bytes, but the header says ${expected} (config length ${configLength})`,
    );
  }
  return { sid, leader, zxid, electionEpoch, peerEpoch, state, version };
}

function readServerId(view: DataView, offset: number, name: string): number {
  const value = view.getBigInt64(offset);
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new NotificationDecodeError(`${name} ${value} is not a valid server id`);
  }
  return Number(value);
}
