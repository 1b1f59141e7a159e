// Operational errors of a lab (ARCHITECTURE.md §5): typed, with a stable code. The control API sends the
// code over HTTP and the `kzlab` commands turn it back into the same error, so a script sees the same
// code whether it drives the lab in process (LocalCluster) or through the control API.

import { KzError, type KzErrorOptions } from '../../client/common/errors.ts';

export const LAB_ERROR_CODES = {
  /** A node name (or role alias such as zk-leader) that the lab does not have. A usage error (exit 2). */
  KZ_ERR_UNKNOWN_NODE: 'KZ_ERR_UNKNOWN_NODE',
  /** A request the lab cannot act on as asked, e.g. partition groups that overlap. A usage error (exit 2). */
  KZ_ERR_BAD_REQUEST: 'KZ_ERR_BAD_REQUEST',
  /** The node is not in a state the operation needs (resume a node that is not paused, kill a dead one). */
  KZ_ERR_NODE_STATE: 'KZ_ERR_NODE_STATE',
  /** zk-leader / zk-follower asked for while no server is in that role (an election is going on). */
  KZ_ERR_NO_LEADER: 'KZ_ERR_NO_LEADER',
  /** No lab runs in the data directory (no lab.json, or its supervisor is gone). */
  KZ_ERR_NO_LAB: 'KZ_ERR_NO_LAB',
  /** A lab already runs in the data directory, or the directory holds a lab of another shape. */
  KZ_ERR_LAB_EXISTS: 'KZ_ERR_LAB_EXISTS',
  /** A node process could not be started or died during start-up. */
  KZ_ERR_NODE_START: 'KZ_ERR_NODE_START',
  /** Something the lab waited for did not happen before its deadline. */
  KZ_ERR_LAB_TIMEOUT: 'KZ_ERR_LAB_TIMEOUT',
  /** The control API answered something unexpected or could not be reached. */
  KZ_ERR_CONTROL: 'KZ_ERR_CONTROL',
  /** The lab is stopping: no more operations. */
  KZ_ERR_LAB_STOPPING: 'KZ_ERR_LAB_STOPPING',
} as const;

export type LabErrorCode = (typeof LAB_ERROR_CODES)[keyof typeof LAB_ERROR_CODES];

/** Codes that mean "the command line named something wrong" (the CLI exits 2 for them). */
export const LAB_USAGE_ERROR_CODES: ReadonlySet<string> = new Set([
  LAB_ERROR_CODES.KZ_ERR_UNKNOWN_NODE,
  LAB_ERROR_CODES.KZ_ERR_BAD_REQUEST,
]);

export class LabError extends KzError {
  constructor(code: LabErrorCode | string, message: string, options: KzErrorOptions = {}) {
    super(code, message, options);
  }
}

export function unknownNode(name: string, known: readonly string[]): LabError {
  return new LabError(
    LAB_ERROR_CODES.KZ_ERR_UNKNOWN_NODE,
    `unknown node ${JSON.stringify(name)} (this lab has ${known.join(', ')}, and the aliases zk-leader and zk-follower)`,
  );
}

/** HTTP status the control API answers for an error code. */
export function httpStatusOf(code: string): number {
  switch (code) {
    case LAB_ERROR_CODES.KZ_ERR_UNKNOWN_NODE:
      return 404;
    case LAB_ERROR_CODES.KZ_ERR_BAD_REQUEST:
    case 'KZ_ERR_USAGE':
      return 400;
    case LAB_ERROR_CODES.KZ_ERR_NODE_STATE:
    case LAB_ERROR_CODES.KZ_ERR_LAB_STOPPING:
      return 409;
    case LAB_ERROR_CODES.KZ_ERR_NO_LEADER:
      return 503;
    case LAB_ERROR_CODES.KZ_ERR_LAB_TIMEOUT:
      return 504;
    default:
      return 500;
  }
}
