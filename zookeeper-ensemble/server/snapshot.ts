// Snapshot files: dataDir/version-2/snapshot.<last applied zxid in hex>, written atomically.
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDirectory, listByZxid } from './txn-log.ts';

export {
  SNAP_MAGIC,
  serializeSnapshot,
  deserializeSnapshot,
  type SnapshotContents,
} from '../core/tree/snapshot-codec.ts';

export function snapshotFileName(zxid: bigint): string {
  return `snapshot.${zxid.toString(16)}`;
}

export function listSnapshots(dataDir: string): { file: string; zxid: bigint }[] {
  return listByZxid(path.join(dataDir, 'version-2'), 'snapshot');
}

/** Write atomically (temp file, fsync, rename, fsync dir) so a crash never leaves a half snapshot. */
export async function writeSnapshotFile(dataDir: string, zxid: bigint, bytes: Uint8Array): Promise<string> {
  const dir = path.join(dataDir, 'version-2');
  await fs.promises.mkdir(dir, { recursive: true });
  const target = path.join(dir, snapshotFileName(zxid));
  const temp = `${target}.tmp`;
  const handle = await fs.promises.open(temp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temp, target);
  fsyncDirectory(dir);
  return target;
}
