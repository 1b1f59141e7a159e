// FileTxnSnapLog: restore = newest valid snapshot + every later logged txn, cutting torn/corrupt log
// tails (and keeping the intact prefix); purge = keep the newest N snapshots and the logs they need.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { DataTree } from '../core/tree/data-tree.ts';
import { JuteWriter } from '../jute/binary.ts';
import { OpCode } from '../jute/constants.ts';
import type { Txn } from '../jute/txn.ts';
import { logFilesAfter, loadNewestSnapshot, purge, restore } from './file-txn-snap-log.ts';
import { CorruptLogError } from './file-txn-snap-log.ts';
import { serializeSnapshot, writeSnapshotFile } from './snapshot.ts';
import { encodeLogEntry, FileTxnLog, listLogFiles } from './txn-log.ts';

const log = pino({ level: 'silent' });
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kzlab-restore-'));
  dirs.push(dir);
  return dir;
}

function txn(zxid: number): Txn {
  return {
    header: { clientId: 1n, cxid: zxid, zxid: BigInt(zxid), time: BigInt(zxid), type: OpCode.create },
    body: {
      type: OpCode.create,
      record: {
        path: `/n${zxid}`,
        data: null,
        acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
        ephemeral: false,
        parentCVersion: -1,
      },
    },
  };
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const zxidsOf = (txns: Txn[]) => txns.map((t) => Number(t.header.zxid));

/** Write one log file holding exactly `zxids` (a new file per call). */
async function writeLog(dir: string, zxids: number[]): Promise<string> {
  let last = 0n;
  const log = new FileTxnLog(dir, {
    forceSync: false,
    onDurable: (z) => (last = z),
    onFatal: (e) => {
      throw e;
    },
  });
  log.rollLog();
  log.append(zxids.map(txn));
  await log.close();
  expect(last).toBe(BigInt(zxids.at(-1)!));
  return path.join(dir, 'version-2', `log.${zxids[0].toString(16)}`);
}

async function writeSnapshot(dir: string, zxid: number): Promise<string> {
  const bytes = serializeSnapshot(new DataTree().walk(), [[BigInt(zxid), 30_000]]);
  return writeSnapshotFile(dir, BigInt(zxid), bytes);
}

function entryEnds(zxids: number[]): number[] {
  let offset = 16;
  return zxids.map((z) => {
    const writer = new JuteWriter();
    encodeLogEntry(txn(z), writer);
    offset += writer.length;
    return offset;
  });
}

describe('restore', () => {
  it('an empty data dir restores nothing', () => {
    const dir = tempDir();
    expect(restore(dir, dir, log)).toEqual({ snapshot: null, txns: [], truncated: [] });
  });

  it('replays only the txns after the snapshot, across log files', async () => {
    const dir = tempDir();
    await writeLog(dir, range(1, 4));
    await writeLog(dir, range(5, 9));
    await writeLog(dir, range(10, 12));
    await writeSnapshot(dir, 7);
    const state = restore(dir, dir, log);
    expect(state.snapshot?.zxid).toBe(7n);
    expect(state.snapshot?.sessions).toEqual([[7n, 30_000]]);
    expect(zxidsOf(state.txns)).toEqual(range(8, 12));
    expect(state.truncated).toEqual([]);
  });

  it('logFilesAfter: the newest file starting at or before the zxid, and every later one', async () => {
    const dir = tempDir();
    await writeLog(dir, range(1, 4));
    await writeLog(dir, range(5, 9));
    await writeLog(dir, range(10, 12));
    expect(logFilesAfter(dir, 0n).map((f) => f.zxid)).toEqual([1n, 5n, 10n]);
    expect(logFilesAfter(dir, 5n).map((f) => f.zxid)).toEqual([5n, 10n]);
    expect(logFilesAfter(dir, 9n).map((f) => f.zxid)).toEqual([5n, 10n]);
    expect(logFilesAfter(dir, 100n).map((f) => f.zxid)).toEqual([10n]);
  });

  it('a torn tail is cut off: the file is truncated to its last whole entry, the prefix is kept', async () => {
    const dir = tempDir();
    await writeLog(dir, range(1, 3));
    const file = await writeLog(dir, range(4, 8));
    const ends = entryEnds(range(4, 8));
    fs.truncateSync(file, ends[3] + 7); // mid-entry 8
    const state = restore(dir, dir, log);
    expect(zxidsOf(state.txns)).toEqual(range(1, 7));
    expect(state.truncated).toEqual([{ file, atByte: ends[3], problem: expect.any(String) }]);
    expect(fs.statSync(file).size).toBe(ends[3]);
    // A second restore finds a clean log.
    const again = restore(dir, dir, log);
    expect(zxidsOf(again.txns)).toEqual(range(1, 7));
    expect(again.truncated).toEqual([]);
  });

  it('a flipped byte (checksum mismatch) cuts the log at the damaged entry', async () => {
    const dir = tempDir();
    const file = await writeLog(dir, range(1, 6));
    const ends = entryEnds(range(1, 6));
    const bytes = fs.readFileSync(file);
    bytes[ends[2] + 14] ^= 0x40; // inside entry 4's txn bytes
    fs.writeFileSync(file, bytes);
    const state = restore(dir, dir, log);
    expect(zxidsOf(state.txns)).toEqual(range(1, 3));
    expect(state.truncated[0]).toMatchObject({
      file,
      atByte: ends[2],
      problem: expect.stringMatching(/checksum/),
    });
    expect(fs.statSync(file).size).toBe(ends[2]);
  });

  it('garbage appended after the last entry is cut off', async () => {
    const dir = tempDir();
    const file = await writeLog(dir, range(1, 4));
    const size = fs.statSync(file).size;
    fs.appendFileSync(
      file,
      Buffer.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
    );
    const state = restore(dir, dir, log);
    expect(zxidsOf(state.txns)).toEqual(range(1, 4));
    expect(fs.statSync(file).size).toBe(size);
  });

  it('after a cut, the next log file continues from the intact entries and everything restores', async () => {
    const dir = tempDir();
    const file = await writeLog(dir, range(1, 5));
    fs.truncateSync(file, fs.statSync(file).size - 3);
    expect(zxidsOf(restore(dir, dir, log).txns)).toEqual(range(1, 4));
    await writeLog(dir, range(5, 7));
    expect(zxidsOf(restore(dir, dir, log).txns)).toEqual(range(1, 7));
  });

  it('corruption in a log that is not the last: refuse to start (no stale history, no reused zxids)', async () => {
    const dir = tempDir();
    const first = await writeLog(dir, range(1, 4));
    const second = await writeLog(dir, range(5, 8));
    const ends = entryEnds(range(1, 4));
    fs.truncateSync(first, ends[1] + 2);
    const sizeBefore = fs.statSync(first).size;
    expect(() => restore(dir, dir, log)).toThrow(CorruptLogError);
    expect(() => restore(dir, dir, log)).toThrow(/refusing to start/);
    // Nothing was cut or deleted: the operator decides.
    expect(fs.statSync(first).size).toBe(sizeBefore);
    expect(fs.existsSync(second)).toBe(true);
  });

  it('a corrupted newest snapshot falls back to the older one (and the logs since it)', async () => {
    const dir = tempDir();
    await writeLog(dir, range(1, 8));
    await writeSnapshot(dir, 3);
    const newest = await writeSnapshot(dir, 6);
    const bytes = fs.readFileSync(newest);
    bytes[30] ^= 0x01;
    fs.writeFileSync(newest, bytes);
    expect(loadNewestSnapshot(dir, log)?.zxid).toBe(3n);
    const state = restore(dir, dir, log);
    expect(state.snapshot?.zxid).toBe(3n);
    expect(zxidsOf(state.txns)).toEqual(range(4, 8));
  });

  it('a truncated newest snapshot falls back too; with no valid snapshot everything comes from the logs', async () => {
    const dir = tempDir();
    await writeLog(dir, range(1, 5));
    const only = await writeSnapshot(dir, 4);
    fs.truncateSync(only, fs.statSync(only).size - 2);
    const state = restore(dir, dir, log);
    expect(state.snapshot).toBeNull();
    expect(zxidsOf(state.txns)).toEqual(range(1, 5));
  });

  it('dataLogDir may differ from dataDir', async () => {
    const dataDir = tempDir();
    const logDir = tempDir();
    await writeLog(logDir, range(1, 5));
    await writeSnapshot(dataDir, 2);
    const state = restore(dataDir, logDir, log);
    expect(state.snapshot?.zxid).toBe(2n);
    expect(zxidsOf(state.txns)).toEqual(range(3, 5));
  });
});

describe('purge', () => {
  it('keeps the newest N snapshots and the logs needed to replay from the oldest kept one', async () => {
    const dir = tempDir();
    await writeLog(dir, range(1, 3));
    await writeLog(dir, range(4, 7));
    await writeLog(dir, range(8, 10));
    await writeLog(dir, range(11, 14));
    for (const zxid of [2, 5, 9, 12]) await writeSnapshot(dir, zxid);
    const deleted = purge(dir, dir, 2)
      .map((f) => path.basename(f))
      .sort();
    expect(deleted).toEqual(['log.1', 'log.4', 'snapshot.2', 'snapshot.5']);
    expect(fs.readdirSync(path.join(dir, 'version-2')).sort()).toEqual([
      'log.8',
      'log.b',
      'snapshot.9',
      'snapshot.c',
    ]);
    // What is left still restores to the same end state.
    const state = restore(dir, dir, log);
    expect(state.snapshot?.zxid).toBe(12n);
    expect(zxidsOf(state.txns)).toEqual([13, 14]);
    // Restoring from the oldest kept snapshot would also work: its log is there.
    expect(logFilesAfter(dir, 9n)[0].zxid).toBe(8n);
  });

  it('keeps everything when there are no more snapshots than the retain count', async () => {
    const dir = tempDir();
    await writeLog(dir, range(1, 3));
    await writeSnapshot(dir, 2);
    await writeSnapshot(dir, 3);
    expect(purge(dir, dir, 3)).toEqual([]);
    expect(purge(dir, dir, 2)).toEqual([]);
    expect(listLogFiles(dir)).toHaveLength(1);
  });
});
