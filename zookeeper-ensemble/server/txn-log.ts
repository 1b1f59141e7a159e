// FileTxnLog: ZooKeeper's transaction log format in dataLogDir/version-2/log.<first zxid in hex>.
//   FileHeader { int magic "ZKLG"; int version 2; long dbid 0 }
//   then per txn: long Adler32(txn bytes); int length; txn bytes (TxnHeader + record); byte 'B'
// Appends are group-committed: everything that arrives while one fdatasync is in flight goes out in the
// next single write + fdatasync, so a pipeline of writes costs one sync per batch, not per write.
import fs from 'node:fs';
import path from 'node:path';
import { JuteReader, JuteWriter } from '../jute/binary.ts';
import { FileHeader } from '../jute/schema.ts';
import { decodeTxn, encodeTxn, type Txn } from '../jute/txn.ts';
import { adler32 } from '../jute/adler32.ts';

export const TXNLOG_MAGIC = 0x5a4b4c47; // "ZKLG"
const END_OF_RECORD = 0x42; // 'B'
const ENTRY_OVERHEAD = 8 + 4 + 1;

export function logFileName(zxid: bigint): string {
  return `log.${zxid.toString(16)}`;
}

export function zxidFromFileName(name: string, prefix: string): bigint | null {
  if (!name.startsWith(`${prefix}.`)) return null;
  const hex = name.slice(prefix.length + 1);
  return /^[0-9a-f]+$/i.test(hex) ? BigInt(`0x${hex}`) : null;
}

export function encodeLogEntry(txn: Txn, writer: JuteWriter): void {
  const bytes = encodeTxn(txn);
  writer.writeLong(BigInt(adler32(bytes)));
  writer.writeBuffer(bytes);
  writer.writeByte(END_OF_RECORD);
}

export interface TxnLogOptions {
  forceSync: boolean;
  /** Called (in order) once every txn up to `zxid` is on disk (fdatasync'ed when forceSync). */
  onDurable: (zxid: bigint) => void;
  /** An fsync or write failed: the log can no longer promise durability. */
  onFatal: (error: Error) => void;
}

export class FileTxnLog {
  private readonly dir: string;
  private readonly options: TxnLogOptions;
  private fd: number | null = null;
  private currentFile: string | null = null;
  private buffer = new JuteWriter(64 * 1024);
  private bufferedFirstZxid: bigint | null = null;
  private bufferedLastZxid = 0n;
  private syncing = false;
  private rollRequested = false;
  private closed = false;
  private closeWaiters: (() => void)[] = [];
  /** Txns appended since the log was last rolled (the snapshot trigger counts these). */
  txnsSinceRoll = 0;
  syncCount = 0;
  lastSyncMs = 0;

  constructor(dataLogDir: string, options: TxnLogOptions) {
    this.dir = path.join(dataLogDir, 'version-2');
    fs.mkdirSync(this.dir, { recursive: true });
    this.options = options;
  }

  get file(): string | null {
    return this.currentFile;
  }

  append(txns: readonly Txn[]): void {
    if (txns.length === 0) return;
    if (this.closed) throw new Error('transaction log is closed');
    for (const txn of txns) {
      if (this.bufferedFirstZxid === null) this.bufferedFirstZxid = txn.header.zxid;
      encodeLogEntry(txn, this.buffer);
      this.bufferedLastZxid = txn.header.zxid;
      this.txnsSinceRoll++;
    }
    this.kick();
  }

  /** The next batch starts a new log file (done after a snapshot, as ZooKeeper does). */
  rollLog(): void {
    this.rollRequested = true;
    this.txnsSinceRoll = 0;
  }

  private kick(): void {
    if (this.syncing || this.bufferedFirstZxid === null) return;
    const firstZxid = this.bufferedFirstZxid;
    const upTo = this.bufferedLastZxid;
    const chunk = this.buffer.written();
    try {
      if (this.fd === null || this.rollRequested) this.openLog(firstZxid);
      fs.writeSync(this.fd!, chunk);
    } catch (error) {
      this.options.onFatal(error as Error);
      return;
    }
    this.buffer = new JuteWriter(Math.max(64 * 1024, chunk.length));
    this.bufferedFirstZxid = null;
    if (!this.options.forceSync) {
      this.options.onDurable(upTo);
      return;
    }
    this.syncing = true;
    const started = performance.now();
    fs.fdatasync(this.fd!, (error) => {
      this.syncing = false;
      this.syncCount++;
      this.lastSyncMs = performance.now() - started;
      if (error) return this.options.onFatal(error);
      this.options.onDurable(upTo);
      if (this.bufferedFirstZxid !== null) this.kick();
      else this.notifyIdle();
    });
  }

  private openLog(firstZxid: bigint): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.rollRequested = false;
    this.currentFile = path.join(this.dir, logFileName(firstZxid));
    this.fd = fs.openSync(this.currentFile, 'a');
    const header = new JuteWriter(16);
    FileHeader.encode(header, { magic: TXNLOG_MAGIC, version: 2, dbid: 0n });
    fs.writeSync(this.fd, header.written());
    // The new file's directory entry must be durable too, or a crash could lose the whole file.
    if (this.options.forceSync) fsyncDirectory(this.dir);
  }

  private notifyIdle(): void {
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Resolves once nothing is buffered or being synced (before the log files are rewritten). */
  async idle(): Promise<void> {
    if (this.syncing || this.bufferedFirstZxid !== null) {
      await new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    }
  }

  /** Wait for the in-flight sync, then close the file. */
  async close(): Promise<void> {
    await this.idle();
    this.closed = true;
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

export function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export interface LogReadResult {
  txns: Txn[];
  /** Byte offset where each txn's entry starts (to cut a file after a given zxid). */
  entryOffsets: number[];
  /** Byte offset just past the last good entry. */
  validLength: number;
  /** Why reading stopped early (torn or corrupt tail), or null at a clean end. */
  problem: string | null;
}

/** Read every intact entry of one log file; stop at the first torn or corrupt one. */
export function readLogFile(file: string): LogReadResult {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const reader = new JuteReader(bytes);
  if (bytes.length < 16) return { txns: [], entryOffsets: [], validLength: 0, problem: 'file shorter than its header' };
  const header = FileHeader.decode(reader);
  if (header.magic !== TXNLOG_MAGIC) return { txns: [], entryOffsets: [], validLength: 0, problem: `bad magic 0x${header.magic.toString(16)}` };
  const txns: Txn[] = [];
  const entryOffsets: number[] = [];
  let validLength = reader.offset;
  while (reader.remaining > 0) {
    if (reader.remaining < ENTRY_OVERHEAD) return { txns, entryOffsets, validLength, problem: 'torn entry header' };
    const checksum = reader.readLong();
    const length = reader.readInt();
    // A zero length is the preallocated (zero-filled) end of the file.
    if (length === 0 && checksum === 0n) return { txns, entryOffsets, validLength, problem: null };
    if (length < 0 || length + 1 > reader.remaining) return { txns, entryOffsets, validLength, problem: 'torn entry' };
    const start = reader.offset;
    const body = bytes.subarray(start, start + length);
    reader.skip(length);
    if (reader.readByte() !== END_OF_RECORD) return { txns, entryOffsets, validLength, problem: 'missing end-of-record marker' };
    if (BigInt(adler32(body)) !== checksum) return { txns, entryOffsets, validLength, problem: 'checksum mismatch' };
    try {
      txns.push(decodeTxn(body));
      entryOffsets.push(validLength);
    } catch (error) {
      return { txns, entryOffsets, validLength, problem: `undecodable txn: ${(error as Error).message}` };
    }
    validLength = reader.offset;
  }
  return { txns, entryOffsets, validLength, problem: null };
}

/** Log files sorted by starting zxid. */
export function listLogFiles(dataLogDir: string): { file: string; zxid: bigint }[] {
  return listByZxid(path.join(dataLogDir, 'version-2'), 'log');
}

export function listByZxid(dir: string, prefix: string): { file: string; zxid: bigint }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((name) => ({ file: path.join(dir, name), zxid: zxidFromFileName(name, prefix) }))
    .filter((entry): entry is { file: string; zxid: bigint } => entry.zxid !== null)
    .sort((a, b) => (a.zxid < b.zxid ? -1 : a.zxid > b.zxid ? 1 : 0));
}
