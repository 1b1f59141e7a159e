// FileTxnLog: ZooKeeper's log.<zxid> format (FileHeader, then Adler32 + length + txn + 'B' per entry),
// group commit, rolling, and readLogFile stopping cleanly at a torn or corrupt tail.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';

import { adler32 } from '../jute/adler32.ts';
import { JuteWriter } from '../jute/binary.ts';
import { OpCode } from '../jute/constants.ts';
import { encodeTxn, type Txn } from '../jute/txn.ts';
import {
  encodeLogEntry,
  FileTxnLog,
  listLogFiles,
  logFileName,
  readLogFile,
  TXNLOG_MAGIC,
  zxidFromFileName,
} from './txn-log.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kzlab-txnlog-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function txn(
  zxid: bigint,
  path = `/n${zxid}`,
  data: Uint8Array | null = new Uint8Array([Number(zxid & 0xffn)]),
): Txn {
  return {
    header: { clientId: 0x42n, cxid: Number(zxid), zxid, time: 1000n + zxid, type: OpCode.setData },
    body: { type: OpCode.setData, record: { path, data, version: 1 } },
  };
}

const txns = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => txn(BigInt(from + i)));

/** Append and wait until everything appended so far is durable. */
function appendAndWait(log: FileTxnLog, batch: Txn[], durable: bigint[]): Promise<void> {
  const last = batch.at(-1)!.header.zxid;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    log.append(batch);
    const check = () => {
      if (durable.length > 0 && durable.at(-1)! >= last) resolve();
      else if (Date.now() - started > 5000) reject(new Error(`zxid ${last} not durable within 5 s`));
      else setTimeout(check, 2);
    };
    check();
  });
}

function openLog(dir: string, forceSync = true) {
  const durable: bigint[] = [];
  const fatal: Error[] = [];
  const log = new FileTxnLog(dir, {
    forceSync,
    onDurable: (z) => durable.push(z),
    onFatal: (e) => fatal.push(e),
  });
  return { log, durable, fatal };
}

describe('adler32 (java.util.zip.Adler32; expected values from Java 17)', () => {
  it('matches Java', () => {
    expect(adler32(new TextEncoder().encode('hello world'))).toBe(436929629);
    const big = new Uint8Array(100_000).map((_, i) => (i * 7 + 3) & 0xff);
    expect(adler32(big)).toBe(771462159);
    expect(adler32(new Uint8Array(70_000).fill(0xff))).toBe(707292801);
    expect(adler32(new Uint8Array(0))).toBe(1);
  });

  it('can be computed in pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000 }), fc.nat(), (bytes, cut) => {
        const at = cut % (bytes.length + 1);
        expect(adler32(bytes.subarray(at), adler32(bytes.subarray(0, at)))).toBe(adler32(bytes));
      }),
      { numRuns: 50 },
    );
  });
});

describe('log file names', () => {
  it('log.<first zxid in lower-case hex>, parsed back', () => {
    expect(logFileName(0x1_0000_00a0n)).toBe('log.1000000a0');
    expect(zxidFromFileName('log.1000000a0', 'log')).toBe(0x1_0000_00a0n);
    expect(zxidFromFileName('log.xyz', 'log')).toBeNull();
    expect(zxidFromFileName('snapshot.10', 'log')).toBeNull();
  });
});

describe('FileTxnLog', () => {
  it('writes a ZooKeeper log: header then Adler32 + length + txn + "B" per entry, bytes worked out by hand', async () => {
    const dir = tempDir();
    const { log, durable } = openLog(dir);
    const one = txn(1n);
    await appendAndWait(log, [one], durable);
    await log.close();
    const file = path.join(dir, 'version-2', 'log.1');
    const bytes = new Uint8Array(fs.readFileSync(file));
    const body = encodeTxn(one);
    const expected = new JuteWriter()
      .writeInt(0x5a4b4c47) // "ZKLG"
      .writeInt(2)
      .writeLong(0n)
      .writeLong(BigInt(adler32(body)))
      .writeInt(body.length)
      .writeRaw(body)
      .writeByte(0x42)
      .toBytes();
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(expected).toString('hex'));
    expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('ZKLG');
    expect(TXNLOG_MAGIC).toBe(0x5a4b4c47);
  });

  it('round trip: everything appended reads back, onDurable reports zxids in order', async () => {
    for (const forceSync of [true, false]) {
      const dir = tempDir();
      const { log, durable, fatal } = openLog(dir, forceSync);
      await appendAndWait(log, txns(1, 3), durable);
      await appendAndWait(log, txns(4, 10), durable);
      await log.close();
      expect(fatal).toEqual([]);
      expect([...durable].sort((a, b) => (a < b ? -1 : 1))).toEqual(durable);
      expect(durable.at(-1)).toBe(10n);
      const result = readLogFile(path.join(dir, 'version-2', 'log.1'));
      expect(result.problem).toBeNull();
      expect(result.txns).toEqual(txns(1, 10));
      expect(result.validLength).toBe(fs.statSync(path.join(dir, 'version-2', 'log.1')).size);
    }
  });

  it('group commit: appends made while a sync is in flight share the next sync', async () => {
    const dir = tempDir();
    const { log, durable } = openLog(dir, true);
    for (let i = 1; i <= 200; i++) log.append([txn(BigInt(i))]);
    await appendAndWait(log, [txn(201n)], durable);
    await log.close();
    expect(log.syncCount).toBeLessThan(50);
    expect(durable.at(-1)).toBe(201n);
    expect(readLogFile(path.join(dir, 'version-2', 'log.1')).txns.length).toBe(201);
  });

  it('rollLog: the next batch starts a new file named after its first zxid', async () => {
    const dir = tempDir();
    const { log, durable } = openLog(dir);
    await appendAndWait(log, txns(1, 5), durable);
    expect(log.txnsSinceRoll).toBe(5);
    log.rollLog();
    expect(log.txnsSinceRoll).toBe(0);
    await appendAndWait(log, txns(6, 9), durable);
    await log.close();
    expect(listLogFiles(dir).map((f) => f.zxid)).toEqual([1n, 6n]);
    expect(readLogFile(path.join(dir, 'version-2', 'log.6')).txns).toEqual(txns(6, 9));
  });

  it('append after close is refused; close waits for the sync in flight', async () => {
    const dir = tempDir();
    const { log, durable } = openLog(dir);
    log.append(txns(1, 50));
    await log.close();
    expect(durable.at(-1)).toBe(50n);
    expect(() => log.append([txn(51n)])).toThrow(/closed/);
  });
});

describe('readLogFile: damaged logs', () => {
  async function writeLog(count: number): Promise<{ file: string; entryEnds: number[] }> {
    const dir = tempDir();
    const { log, durable } = openLog(dir, false);
    await appendAndWait(log, txns(1, count), durable);
    await log.close();
    const entryEnds: number[] = [];
    let offset = 16;
    for (const t of txns(1, count)) {
      const writer = new JuteWriter();
      encodeLogEntry(t, writer);
      offset += writer.length;
      entryEnds.push(offset);
    }
    return { file: path.join(dir, 'version-2', 'log.1'), entryEnds };
  }

  it('a torn tail (cut anywhere inside the last entry) keeps every whole entry before it', async () => {
    const { file, entryEnds } = await writeLog(5);
    const bytes = fs.readFileSync(file);
    for (let cut = entryEnds[3] + 1; cut < entryEnds[4]; cut++) {
      fs.writeFileSync(file, bytes.subarray(0, cut));
      const result = readLogFile(file);
      expect(result.txns, `cut at ${cut}`).toEqual(txns(1, 4));
      expect(result.validLength).toBe(entryEnds[3]);
      expect(result.problem).not.toBeNull();
    }
  });

  it('a flipped byte in an entry body is a checksum mismatch: reading stops before that entry', async () => {
    const { file, entryEnds } = await writeLog(5);
    const bytes = fs.readFileSync(file);
    const damaged = Buffer.from(bytes);
    damaged[entryEnds[1] + 8 + 4 + 3] ^= 0x10; // inside entry 3's txn bytes
    fs.writeFileSync(file, damaged);
    const result = readLogFile(file);
    expect(result.txns).toEqual(txns(1, 2));
    expect(result.validLength).toBe(entryEnds[1]);
    expect(result.problem).toMatch(/checksum/);
  });

  it('garbage after the last entry is reported, the entries stay', async () => {
    const { file, entryEnds } = await writeLog(3);
    fs.appendFileSync(file, Buffer.from('this is not a log entry at all, just garbage bytes'));
    const result = readLogFile(file);
    expect(result.txns).toEqual(txns(1, 3));
    expect(result.validLength).toBe(entryEnds[2]);
    expect(result.problem).not.toBeNull();
  });

  it('a zero-filled (preallocated) tail is a clean end', async () => {
    const { file, entryEnds } = await writeLog(3);
    fs.appendFileSync(file, Buffer.alloc(4096));
    const result = readLogFile(file);
    expect(result.txns).toEqual(txns(1, 3));
    expect(result.validLength).toBe(entryEnds[2]);
    expect(result.problem).toBeNull();
  });

  it('a missing end-of-record marker stops reading', async () => {
    const { file, entryEnds } = await writeLog(2);
    const damaged = Buffer.from(fs.readFileSync(file));
    damaged[entryEnds[0] - 1] = 0x41;
    fs.writeFileSync(file, damaged);
    const result = readLogFile(file);
    expect(result.txns).toEqual([]);
    expect(result.validLength).toBe(16);
    expect(result.problem).toMatch(/end-of-record/);
  });

  it('a bad magic or a file shorter than its header yields nothing', () => {
    const dir = tempDir();
    const short = path.join(dir, 'log.1');
    fs.writeFileSync(short, Buffer.from([0x5a, 0x4b]));
    expect(readLogFile(short)).toMatchObject({ txns: [], validLength: 0 });
    fs.writeFileSync(short, Buffer.alloc(64, 7));
    expect(readLogFile(short)).toMatchObject({
      txns: [],
      validLength: 0,
      problem: expect.stringMatching(/magic/),
    });
  });

  it('random damage never throws and never yields a txn that was not written', async () => {
    const { file } = await writeLog(6);
    const pristine = fs.readFileSync(file);
    const written = txns(1, 6);
    fc.assert(
      fc.property(
        fc.nat(),
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        fc.constantFrom('overwrite', 'truncate', 'append'),
        (at, bytes, how) => {
          const position = 16 + (at % (pristine.length - 16));
          let damaged: Buffer;
          if (how === 'truncate') damaged = pristine.subarray(0, position);
          else if (how === 'append') damaged = Buffer.concat([pristine, bytes]);
          else {
            damaged = Buffer.from(pristine);
            damaged.set(bytes.subarray(0, damaged.length - position), position);
          }
          fs.writeFileSync(file, damaged);
          const result = readLogFile(file);
          // Whatever is returned is a prefix of what was written (Adler32 could in theory miss a change;
          // these tiny edits of a 6-entry log never collide).
          expect(result.txns).toEqual(written.slice(0, result.txns.length));
          expect(result.validLength).toBeLessThanOrEqual(damaged.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
