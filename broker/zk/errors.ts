// Typed ZooKeeper errors for the broker (ARCHITECTURE.md §5: operational errors are typed, with a stable
// code, `retriable`, and whether the outcome is definite).
//
// KeeperException carries ZooKeeper's own code name (KeeperException.Code in the Java client):
//   NONODE, NODEEXISTS, BADVERSION, NOTEMPTY, NOCHILDRENFOREPHEMERALS, … are definite: the server refused
//   the operation, nothing changed.
//   CONNECTIONLOSS and OPERATIONTIMEOUT are indefinite: the request may or may not have been applied
//   (the client lost the connection before the reply). Retriable.
//   SESSIONEXPIRED is indefinite too: a request in flight when the session died may have been applied.

import { KzError } from '../../client/common/errors.ts';

/** Error codes of this module (stable, never reworded). */
export const ZK_ERROR_CODES = {
  /** A ZooKeeper operation failed with a KeeperException code (see `keeperCode`). */
  KZ_ERR_ZOOKEEPER: 'KZ_ERR_ZOOKEEPER',
  /** No connection to any ZooKeeper server within zookeeper.connection.timeout.ms. */
  KZ_ERR_ZK_CONNECTION_TIMEOUT: 'KZ_ERR_ZK_CONNECTION_TIMEOUT',
  /** The controller's fenced write failed its /controller_epoch check: another broker is controller now. */
  KZ_ERR_CONTROLLER_MOVED: 'KZ_ERR_CONTROLLER_MOVED',
  /** A znode held data that is not what Kafka writes there. */
  KZ_ERR_ZK_DATA: 'KZ_ERR_ZK_DATA',
  /** The client was closed. */
  KZ_ERR_ZK_CLOSED: 'KZ_ERR_ZK_CLOSED',
} as const;

/** ZooKeeper's KeeperException.Code names and numbers. */
export const KEEPER_CODES = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;

export type KeeperCode = keyof typeof KEEPER_CODES;

const NAME_BY_NUMBER = new Map<number, KeeperCode>(
  Object.entries(KEEPER_CODES).map(([name, number]) => [number, name as KeeperCode]),
);

export function keeperCodeName(code: number): KeeperCode | undefined {
  return NAME_BY_NUMBER.get(code);
}

const INDEFINITE: ReadonlySet<KeeperCode> = new Set([
  'CONNECTIONLOSS',
  'OPERATIONTIMEOUT',
  'SESSIONEXPIRED',
  'REQUESTTIMEOUT',
]);
const RETRIABLE: ReadonlySet<KeeperCode> = new Set([
  'CONNECTIONLOSS',
  'OPERATIONTIMEOUT',
  'REQUESTTIMEOUT',
  'THROTTLEDOP',
]);

/** A ZooKeeper operation failed; `keeperCode` is ZooKeeper's name for why. */
export class KeeperException extends KzError {
  readonly keeperCode: KeeperCode;
  /** The path the failing operation named, if known. */
  readonly path: string | undefined;
  /** For a multi: the index of the operation that failed. */
  readonly failedOpIndex: number | undefined;

  constructor(
    keeperCode: KeeperCode,
    path?: string,
    options: { failedOpIndex?: number; cause?: unknown } = {},
  ) {
    super(
      ZK_ERROR_CODES.KZ_ERR_ZOOKEEPER,
      `${keeperCode}${path === undefined ? '' : ` for ${path}`}${
        options.failedOpIndex === undefined ? '' : ` (multi operation #${options.failedOpIndex})`
      }`,
      { cause: options.cause, definite: !INDEFINITE.has(keeperCode), retriable: RETRIABLE.has(keeperCode) },
    );
    this.keeperCode = keeperCode;
    this.path = path;
    this.failedOpIndex = options.failedOpIndex;
  }
}

export function isKeeperException(error: unknown, code?: KeeperCode): error is KeeperException {
  return error instanceof KeeperException && (code === undefined || error.keeperCode === code);
}

/**
 * The controller's ZooKeeper write was fenced: /controller_epoch has a different data version than the
 * one this controller wrote when it was elected, so another broker became controller (ControllerMovedException).
 */
export class ControllerMovedError extends KzError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ZK_ERROR_CODES.KZ_ERR_CONTROLLER_MOVED, message, {
      cause: options.cause,
      definite: true,
      retriable: false,
    });
  }
}

/** A znode's content is not what Kafka writes there (bad JSON, wrong version, missing field). */
export class ZkDataError extends KzError {
  readonly path: string;
  constructor(path: string, problem: string, options: { cause?: unknown } = {}) {
    super(ZK_ERROR_CODES.KZ_ERR_ZK_DATA, `${path}: ${problem}`, { cause: options.cause, definite: true });
    this.path = path;
  }
}
