// What the `kzlab kill|pause|resume|restart|status|partition|heal` commands share: the --data-dir and
// --json flags, finding the running lab through <data-dir>/lab.json, and turning the lab's errors into
// the CLI's exit statuses (an unknown node name or a malformed request is a usage error: exit 2; no
// running lab, a node in the wrong state, no leader right now: exit 1).

import path from 'node:path';

import { KzError } from '../../client/common/errors.ts';
import type { CliIo } from '../cli/command.ts';
import { UsageError } from '../cli/flags.ts';
import { LAB_USAGE_ERROR_CODES } from '../cluster/errors.ts';
import { openLab, type OpenedLab, type RemoteClusterOptions } from './control-client.ts';

export const DATA_DIR_FLAG = {
  type: 'string',
  default: 'data',
  valueName: 'DIR',
  description: 'the data directory of the lab (as given to `kzlab up`)',
} as const;

export const JSON_FLAG = { type: 'boolean', description: 'print JSON instead of text' } as const;

/** Runs `action` against the lab in `dataDirFlag` (relative to the current directory). */
export async function withLab<T>(
  dataDirFlag: string,
  io: CliIo,
  action: (opened: OpenedLab) => Promise<T>,
  options: RemoteClusterOptions = {},
): Promise<T> {
  const dataDir = path.resolve(io.cwd, dataDirFlag);
  try {
    return await action(await openLab(dataDir, options));
  } catch (error) {
    if (error instanceof KzError && LAB_USAGE_ERROR_CODES.has(error.code))
      throw new UsageError(error.message);
    throw error;
  }
}
