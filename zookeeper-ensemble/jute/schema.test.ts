// Jute records: every schema round-trips (fast-check), a few records match bytes worked out by hand from
// the jute rules (big-endian ints/longs, one-byte booleans, int-length-prefixed UTF-8 strings and
// buffers with -1 for null, int-counted vectors), and every decoder fails only with JuteDecodeError.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { JuteDecodeError, JuteReader, JuteWriter } from './binary.ts';
import { OpCode, Xid } from './constants.ts';
import * as R from './schema.ts';
import { decodeRecord, encodeRecord, type FieldType, type RecordSchema } from './schema.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

/** Every record schema exported by schema.ts (anything with fields + encode + decode). */
const allSchemas: [string, RecordSchema<unknown>][] = Object.entries(R)
  .filter(
    ([, value]) =>
      typeof value === 'object' &&
      value !== null &&
      'fields' in value &&
      'encode' in value &&
      'decode' in value,
  )
  .map(([name, value]) => [name, value as RecordSchema<unknown>]);

// ---------------------------------------------------------------------------------------------
// Arbitraries derived from the schemas themselves

const INT = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const LONG = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
/** Well-formed UTF-16 only: a lone surrogate cannot survive UTF-8 (Java turns it into '?', we into U+FFFD). */
const USTRING = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 12 }));
const BUFFER = fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null, freq: 4 });

function arbitraryFor(type: FieldType, depth = 0): fc.Arbitrary<unknown> {
  switch (type) {
    case 'int':
      return INT;
    case 'long':
      return LONG;
    case 'boolean':
      return fc.boolean();
    case 'ustring':
      return USTRING;
    case 'buffer':
      return BUFFER;
    default:
      if ('vector' in type)
        return fc.array(arbitraryFor(type.vector, depth + 1), { maxLength: depth > 0 ? 2 : 4 });
      return recordArbitrary(type, depth + 1);
  }
}

function recordArbitrary(schema: RecordSchema<unknown>, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, type] of schema.fields) model[name] = arbitraryFor(type, depth);
  return fc.record(model);
}

describe('jute schemas: round trip', () => {
  it('schema.ts exports the records of zookeeper.jute this server needs', () => {
    const names = allSchemas.map(([name]) => name);
    expect(names.length).toBeGreaterThanOrEqual(60);
    for (const required of [
      'Id',
      'ACL',
      'Stat',
      'ConnectRequest',
      'ConnectResponse',
      'RequestHeader',
      'ReplyHeader',
      'MultiHeader',
      'CreateRequest',
      'SetWatches2',
      'WatcherEvent',
      'TxnHeader',
      'CreateTxn',
      'MultiTxn',
      'QuorumPacket',
      'FileHeader',
    ]) {
      expect(names).toContain(required);
    }
  });

  for (const [name, schema] of allSchemas) {
    it(`${name}: decode(encode(x)) = x and re-encoding gives the same bytes`, () => {
      fc.assert(
        fc.property(recordArbitrary(schema), (value) => {
          const bytes = encodeRecord(schema, value);
          const decoded = decodeRecord(schema, bytes);
          expect(decoded).toEqual(value);
          expect(hex(encodeRecord(schema, decoded))).toBe(hex(bytes));
        }),
        { numRuns: 60 },
      );
    });
  }

  it('records of one schema concatenate without framing (each decode stops exactly at its end)', () => {
    fc.assert(
      fc.property(fc.array(recordArbitrary(R.Stat), { minLength: 1, maxLength: 5 }), (stats) => {
        const writer = new JuteWriter(1);
        for (const stat of stats) R.Stat.encode(writer, stat as R.StatRecord);
        const reader = new JuteReader(writer.toBytes());
        for (const stat of stats) expect(R.Stat.decode(reader)).toEqual(stat);
        expect(reader.remaining).toBe(0);
      }),
      { numRuns: 50 },
    );
  });

  it('a null ustring decodes as "" and a null (-1) vector as [] (how ZooKeeper\'s server reads them)', () => {
    const bytes = unhex('ffffffff 00');
    expect(decodeRecord(R.GetDataRequest, bytes)).toEqual({ path: '', watch: false });
    expect(decodeRecord(R.GetChildrenResponse, unhex('ffffffff'))).toEqual({ children: [] });
    // The writer still encodes null as -1, so a client-side encoder can send it.
    expect(hex(new JuteWriter().writeString(null).toBytes())).toBe('ffffffff');
    expect(hex(encodeRecord(R.GetChildrenResponse, { children: null as unknown as string[] }))).toBe(
      'ffffffff',
    );
  });

  it('a lone surrogate in a string is not silently kept (it cannot be represented in UTF-8)', () => {
    const bytes = encodeRecord(R.SyncRequest, { path: '/a\ud800' });
    const decoded = decodeRecord(R.SyncRequest, bytes).path;
    expect(decoded).not.toBe('/a\ud800');
    expect(decoded.startsWith('/a')).toBe(true);
  });
});

describe('jute schemas: golden bytes computed by hand', () => {
  it('RequestHeader {xid 1, type getData}', () => {
    expect(hex(encodeRecord(R.RequestHeader, { xid: 1, type: OpCode.getData }))).toBe(
      '00000001' + '00000004',
    );
  });

  it('ReplyHeader of a watch notification {xid -1, zxid -1, err 0}', () => {
    expect(hex(encodeRecord(R.ReplyHeader, { xid: Xid.NOTIFICATION, zxid: -1n, err: 0 }))).toBe(
      'ffffffff' + 'ffffffffffffffff' + '00000000',
    );
  });

  it('ReplyHeader {xid 7, zxid 0x100000002, err NONODE (-101)}', () => {
    expect(hex(encodeRecord(R.ReplyHeader, { xid: 7, zxid: 0x1_0000_0002n, err: -101 }))).toBe(
      '00000007' + '0000000100000002' + 'ffffff9b',
    );
  });

  it('GetDataRequest {"/a", watch true}: length-prefixed UTF-8 then one boolean byte', () => {
    expect(hex(encodeRecord(R.GetDataRequest, { path: '/a', watch: true }))).toBe('00000002' + '2f61' + '01');
  });

  it('ConnectRequest of a fresh session: 44 bytes, 16 zero password bytes', () => {
    const bytes = encodeRecord(R.ConnectRequest, {
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeOut: 30_000,
      sessionId: 0n,
      passwd: new Uint8Array(16),
    });
    expect(bytes.length).toBe(44);
    expect(hex(bytes)).toBe(
      '00000000' + '0000000000000000' + '00007530' + '0000000000000000' + '00000010' + '00'.repeat(16),
    );
  });

  it('CreateRequest {"/x", null data, OPEN_ACL_UNSAFE, EPHEMERAL}: null buffer is -1, vector is counted', () => {
    const bytes = encodeRecord(R.CreateRequest, {
      path: '/x',
      data: null,
      acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
      flags: 1,
    });
    expect(hex(bytes)).toBe(
      '00000002' +
        '2f78' + // "/x"
        'ffffffff' + // data: null
        '00000001' + // one ACL
        '0000001f' + // perms ALL
        '00000005' +
        '776f726c64' + // "world"
        '00000006' +
        '616e796f6e65' + // "anyone"
        '00000001', // flags EPHEMERAL
    );
  });

  it('SetDataRequest {"/é", "hi", version -1}: two UTF-8 bytes for é', () => {
    const bytes = encodeRecord(R.SetDataRequest, {
      path: '/é',
      data: new TextEncoder().encode('hi'),
      version: -1,
    });
    expect(hex(bytes)).toBe('00000003' + '2fc3a9' + '00000002' + '6869' + 'ffffffff');
  });

  it('an astral character is one 4-byte UTF-8 sequence', () => {
    expect(hex(encodeRecord(R.SyncResponse, { path: '/😀' }))).toBe('00000005' + '2ff09f9880');
  });

  it('Stat: eleven fields, 68 bytes, longs and ints big-endian', () => {
    const bytes = encodeRecord(R.Stat, {
      czxid: 1n,
      mzxid: 2n,
      ctime: 0x0102030405060708n,
      mtime: -1n,
      version: 3,
      cversion: -1,
      aversion: 0x7fffffff,
      ephemeralOwner: -0x8000000000000000n,
      dataLength: 4,
      numChildren: 5,
      pzxid: 6n,
    });
    expect(bytes.length).toBe(68);
    expect(hex(bytes)).toBe(
      '0000000000000001' +
        '0000000000000002' +
        '0102030405060708' +
        'ffffffffffffffff' +
        '00000003' +
        'ffffffff' +
        '7fffffff' +
        '8000000000000000' +
        '00000004' +
        '00000005' +
        '0000000000000006',
    );
  });

  it('MultiHeader terminator {type -1, done true, err -1}', () => {
    expect(hex(encodeRecord(R.MultiHeader, { type: -1, done: true, err: -1 }))).toBe(
      'ffffffff' + '01' + 'ffffffff',
    );
  });

  it('SetWatches2 with empty vectors: count 0 each', () => {
    const bytes = encodeRecord(R.SetWatches2, {
      relativeZxid: 0x10n,
      dataWatches: ['/a'],
      existWatches: [],
      childWatches: [],
      persistentWatches: [],
      persistentRecursiveWatches: ['/'],
    });
    expect(hex(bytes)).toBe(
      '0000000000000010' +
        '00000001' +
        '00000002' +
        '2f61' +
        '00000000' +
        '00000000' +
        '00000000' +
        '00000001' +
        '00000001' +
        '2f',
    );
  });

  it('FileHeader of a txn log: "ZKLG", version 2, dbid 0', () => {
    expect(hex(encodeRecord(R.FileHeader, { magic: 0x5a4b4c47, version: 2, dbid: 0n }))).toBe(
      '5a4b4c47' + '00000002' + '0000000000000000',
    );
  });

  it('decodes a hand-written WatcherEvent frame body', () => {
    const event = decodeRecord(R.WatcherEvent, unhex('00000004 00000003 00000004 2f612f62'));
    expect(event).toEqual({ type: 4, state: 3, path: '/a/b' });
  });
});

// ---------------------------------------------------------------------------------------------
// Decoder robustness

function decodeOnlyThrowsJuteError(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof JuteDecodeError)) {
      throw new Error(`decoder threw ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`, {
        cause: error,
      });
    }
  }
}

/** A valid encoding of some record, then damaged: truncated, bytes overwritten, bytes inserted, or extended. */
function damagedEncoding(schema: RecordSchema<unknown>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      recordArbitrary(schema),
      fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
          fc.record({
            kind: fc.constant('set' as const),
            at: fc.nat(),
            byte: fc.integer({ min: 0, max: 255 }),
          }),
          fc.record({
            kind: fc.constant('insert' as const),
            at: fc.nat(),
            bytes: fc.uint8Array({ maxLength: 6 }),
          }),
          fc.record({
            kind: fc.constant('length' as const),
            at: fc.nat(),
            value: fc.constantFrom(-2, -1, 0, 0x7fffffff, -0x80000000, 0x00100000, 0x00ffffff),
          }),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([value, edits]) => {
      let bytes = encodeRecord(schema, value);
      for (const edit of edits) {
        const at = bytes.length === 0 ? 0 : edit.at % (bytes.length + 1);
        if (edit.kind === 'truncate') bytes = bytes.slice(0, at);
        else if (edit.kind === 'set' && bytes.length > 0) {
          bytes = bytes.slice();
          bytes[at % bytes.length] = edit.byte;
        } else if (edit.kind === 'insert') {
          bytes = new Uint8Array([...bytes.subarray(0, at), ...edit.bytes, ...bytes.subarray(at)]);
        } else if (edit.kind === 'length' && bytes.length >= 4) {
          // Overwrite 4 bytes with a plausible/implausible length prefix, where a length might be.
          bytes = bytes.slice();
          new DataView(bytes.buffer).setInt32(Math.min(at, bytes.length - 4), edit.value);
        }
      }
      return bytes;
    });
}

describe('jute decoders: garbage in → JuteDecodeError, never RangeError/TypeError', () => {
  for (const [name, schema] of allSchemas) {
    it(`${name}: random bytes`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
          decodeOnlyThrowsJuteError(() => decodeRecord(schema, bytes));
          decodeOnlyThrowsJuteError(() => decodeRecord(schema, bytes, 1_048_575));
        }),
        { numRuns: 80 },
      );
    });

    it(`${name}: truncated / mutated / extended valid encodings`, () => {
      fc.assert(
        fc.property(damagedEncoding(schema), (bytes) => {
          decodeOnlyThrowsJuteError(() => decodeRecord(schema, bytes));
          decodeOnlyThrowsJuteError(() => decodeRecord(schema, bytes, 64));
        }),
        { numRuns: 80 },
      );
    });
  }

  it('every strict prefix of a valid encoding is rejected (no record decodes from fewer bytes)', () => {
    for (const [name, schema] of allSchemas) {
      fc.assert(
        fc.property(recordArbitrary(schema), (value) => {
          const bytes = encodeRecord(schema, value);
          for (let cut = 0; cut < bytes.length; cut++) {
            expect(() => decodeRecord(schema, bytes.subarray(0, cut)), `${name} cut at ${cut}`).toThrow(
              JuteDecodeError,
            );
          }
        }),
        { numRuns: 5 },
      );
    }
  });

  it('trailing bytes after a record are rejected by decodeRecord', () => {
    const bytes = new Uint8Array([...encodeRecord(R.RequestHeader, { xid: 1, type: 11 }), 0]);
    expect(() => decodeRecord(R.RequestHeader, bytes)).toThrow(/trailing/);
  });

  it('a negative length other than -1 is rejected', () => {
    expect(() => decodeRecord(R.SyncRequest, unhex('fffffffe'))).toThrow(JuteDecodeError);
    expect(() => decodeRecord(R.GetChildrenResponse, unhex('80000000'))).toThrow(JuteDecodeError);
    expect(() => decodeRecord(R.GetDataResponse, unhex('fffffff0' + '00'.repeat(68)))).toThrow(
      JuteDecodeError,
    );
  });

  it('invalid UTF-8 in a string is a JuteDecodeError', () => {
    expect(() => decodeRecord(R.SyncRequest, unhex('00000002 c328'))).toThrow(JuteDecodeError);
    expect(() => decodeRecord(R.SyncRequest, unhex('00000001 ff'))).toThrow(JuteDecodeError);
  });
});

describe('jute decoders: huge length prefixes are refused before anything is allocated', () => {
  afterEach(() => vi.restoreAllMocks());

  const JUTE_MAX_BUFFER = 1_048_575;

  it('a buffer longer than maxLength is refused even when the bytes are all there', () => {
    const length = JUTE_MAX_BUFFER + 1;
    const bytes = new Uint8Array(4 + length + 68);
    new DataView(bytes.buffer).setInt32(0, length);
    const slice = vi.spyOn(Uint8Array.prototype, 'slice');
    expect(() => decodeRecord(R.GetDataResponse, bytes, JUTE_MAX_BUFFER)).toThrow(/exceeds/);
    expect(slice).not.toHaveBeenCalled();
    // Exactly maxLength is still fine.
    const ok = new Uint8Array(4 + JUTE_MAX_BUFFER + 68);
    new DataView(ok.buffer).setInt32(0, JUTE_MAX_BUFFER);
    expect(decodeRecord(R.GetDataResponse, ok, JUTE_MAX_BUFFER).data?.length).toBe(JUTE_MAX_BUFFER);
  });

  it('a 2 GiB length prefix on an 8-byte input fails fast, copying nothing', () => {
    const slice = vi.spyOn(Uint8Array.prototype, 'slice');
    const subarray = vi.spyOn(Uint8Array.prototype, 'subarray');
    const cases: [RecordSchema<unknown>, string][] = [
      [R.GetDataResponse as RecordSchema<unknown>, '7fffffff 00000000'],
      [R.SetDataTxn as RecordSchema<unknown>, '7fffffff 00000000'],
      [R.Txn as RecordSchema<unknown>, '00000001 7fffffff 00000000'],
      [R.QuorumPacket as RecordSchema<unknown>, '00000001 0000000000000001 7fffffff 00000000'],
    ];
    for (const [schema, input] of cases) {
      const bytes = unhex(input);
      expect(() => decodeRecord(schema, bytes)).toThrow(JuteDecodeError);
      expect(() => decodeRecord(schema, bytes, JUTE_MAX_BUFFER)).toThrow(JuteDecodeError);
    }
    expect(slice).not.toHaveBeenCalled();
    expect(subarray).not.toHaveBeenCalled();
  });

  it('a string longer than maxLength is refused', () => {
    const bytes = new Uint8Array(4 + 100);
    new DataView(bytes.buffer).setInt32(0, 100);
    bytes.fill(0x61, 4);
    expect(() => decodeRecord(R.SyncRequest, bytes, 99)).toThrow(/string length 100 exceeds 99/);
    expect(decodeRecord(R.SyncRequest, bytes, 100).path).toBe('a'.repeat(100));
  });

  it('a vector count larger than the bytes left is refused before looping', () => {
    const bytes = unhex('7fffffff 00000000');
    const started = performance.now();
    expect(() => decodeRecord(R.GetChildrenResponse, bytes)).toThrow(/vector count/);
    expect(() => decodeRecord(R.WhoAmIResponse, bytes)).toThrow(JuteDecodeError);
    expect(performance.now() - started).toBeLessThan(100);
    expect(() => decodeRecord(R.GetChildrenResponse, unhex('00200000'), 1000)).toThrow(/exceeds 1000/);
  });
});

// ---------------------------------------------------------------------------------------------
// Frames captured from real clients (written by another suite; optional)

interface CapturedFrame {
  /** Which TCP connection of the capture (absent: a single connection). */
  connection?: number;
  direction: 'c2s' | 's2c';
  hex: string;
  note?: string;
}

const fixtureDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../test/fixtures/zookeeper',
);
const goldenFiles = existsSync(fixtureDir)
  ? readdirSync(fixtureDir).filter((name) => /^golden-.*\.json$/.test(name))
  : [];

/** Request body schemas by op code (multi is walked by hand). */
const REQUEST_BODIES = new Map<number, RecordSchema<unknown>>([
  [OpCode.create, R.CreateRequest],
  [OpCode.create2, R.CreateRequest],
  [OpCode.createContainer, R.CreateRequest],
  [OpCode.createTTL, R.CreateTTLRequest],
  [OpCode.delete, R.DeleteRequest],
  [OpCode.exists, R.ExistsRequest],
  [OpCode.getData, R.GetDataRequest],
  [OpCode.setData, R.SetDataRequest],
  [OpCode.getACL, R.GetACLRequest],
  [OpCode.setACL, R.SetACLRequest],
  [OpCode.getChildren, R.GetChildrenRequest],
  [OpCode.getChildren2, R.GetChildren2Request],
  [OpCode.sync, R.SyncRequest],
  [OpCode.check, R.CheckVersionRequest],
  [OpCode.reconfig, R.ReconfigRequest],
  [OpCode.checkWatches, R.CheckWatchesRequest],
  [OpCode.removeWatches, R.RemoveWatchesRequest],
  [OpCode.auth, R.AuthPacket],
  [OpCode.setWatches, R.SetWatches],
  [OpCode.setWatches2, R.SetWatches2],
  [OpCode.getEphemerals, R.GetEphemeralsRequest],
  [OpCode.getAllChildrenNumber, R.GetAllChildrenNumberRequest],
  [OpCode.addWatch, R.AddWatchRequest],
]);

/** Reply body schemas by the op code of the request they answer (OK replies only). */
const REPLY_BODIES = new Map<number, RecordSchema<unknown>>([
  [OpCode.create, R.CreateResponse],
  [OpCode.create2, R.Create2Response],
  [OpCode.createContainer, R.Create2Response],
  [OpCode.createTTL, R.Create2Response],
  [OpCode.exists, R.ExistsResponse],
  [OpCode.getData, R.GetDataResponse],
  [OpCode.setData, R.SetDataResponse],
  [OpCode.getACL, R.GetACLResponse],
  [OpCode.setACL, R.SetACLResponse],
  [OpCode.getChildren, R.GetChildrenResponse],
  [OpCode.getChildren2, R.GetChildren2Response],
  [OpCode.sync, R.SyncResponse],
  [OpCode.getEphemerals, R.GetEphemeralsResponse],
  [OpCode.getAllChildrenNumber, R.GetAllChildrenNumberResponse],
  [OpCode.whoAmI, R.WhoAmIResponse],
  [OpCode.addWatch, R.ErrorResponse],
]);

const MULTI_OP_BODIES = new Map<number, RecordSchema<unknown>>([
  [OpCode.create, R.CreateRequest],
  [OpCode.create2, R.CreateRequest],
  [OpCode.createContainer, R.CreateRequest],
  [OpCode.createTTL, R.CreateTTLRequest],
  [OpCode.delete, R.DeleteRequest],
  [OpCode.setData, R.SetDataRequest],
  [OpCode.check, R.CheckVersionRequest],
  [OpCode.getData, R.GetDataRequest],
  [OpCode.getChildren, R.GetChildrenRequest],
]);

const MULTI_RESULT_BODIES = new Map<number, RecordSchema<unknown> | null>([
  [OpCode.create, R.CreateResponse],
  [OpCode.create2, R.Create2Response],
  [OpCode.setData, R.SetDataResponse],
  [OpCode.getData, R.GetDataResponse],
  [OpCode.getChildren, R.GetChildrenResponse],
  [OpCode.error, R.ErrorResponse],
  [OpCode.delete, null],
  [OpCode.check, null],
]);

/** Decode with `read`, re-encode with `write`; the bytes must match. */
function roundTripParts(
  payload: Uint8Array,
  parts: (reader: JuteReader, writer: JuteWriter) => void,
): string {
  const reader = new JuteReader(payload);
  const writer = new JuteWriter();
  parts(reader, writer);
  reader.expectEnd('captured frame');
  return hex(writer.toBytes());
}

function part<T>(schema: RecordSchema<T>, reader: JuteReader, writer: JuteWriter): T {
  const value = schema.decode(reader);
  schema.encode(writer, value);
  return value;
}

function multiParts(
  reader: JuteReader,
  writer: JuteWriter,
  bodies: Map<number, RecordSchema<unknown> | null>,
): void {
  for (;;) {
    const header = part(R.MultiHeader, reader, writer);
    if (header.done) return;
    const body = bodies.get(header.type);
    if (body === undefined) throw new Error(`multi op type ${header.type} not known to this test`);
    if (body) part(body, reader, writer);
  }
}

function payloadOf(frameHex: string): Uint8Array {
  const bytes = unhex(frameHex);
  // Frames may be stored with or without their 4-byte length prefix.
  if (bytes.length >= 4 && new DataView(bytes.buffer).getInt32(0) === bytes.length - 4)
    return bytes.subarray(4);
  return bytes;
}

describe.skipIf(goldenFiles.length === 0)('jute: frames captured from real clients', () => {
  for (const file of goldenFiles) {
    it(`${file}: every frame decodes and re-encodes to the same bytes`, () => {
      const frames = JSON.parse(readFileSync(path.join(fixtureDir, file), 'utf8')) as CapturedFrame[];
      expect(Array.isArray(frames)).toBe(true);
      expect(frames.length).toBeGreaterThan(0);
      // Per connection: the first frame each way is the handshake; replies are matched to requests by xid.
      const connections = new Map<
        number,
        { requestTypes: Map<number, number>; sawConnectRequest: boolean; sawConnectResponse: boolean }
      >();
      for (const [index, frame] of frames.entries()) {
        const where = `${file} frame ${index} (${frame.direction}${frame.note ? `: ${frame.note}` : ''})`;
        const payload = payloadOf(frame.hex);
        const isFourLetterWord =
          frame.direction === 'c2s' &&
          payload.length === 4 &&
          /^[a-z]{4}$/.test(Buffer.from(payload).toString('latin1'));
        if (isFourLetterWord) continue;
        const id = frame.connection ?? 0;
        let state = connections.get(id);
        if (!state)
          connections.set(
            id,
            (state = { requestTypes: new Map(), sawConnectRequest: false, sawConnectResponse: false }),
          );
        const { requestTypes } = state;
        let again: string;
        if (frame.direction === 'c2s' && !state.sawConnectRequest) {
          state.sawConnectRequest = true;
          again = roundTripParts(payload, (reader, writer) => {
            part(R.ConnectRequest, reader, writer);
            if (reader.remaining > 0) writer.writeBool(reader.readBool());
          });
        } else if (frame.direction === 's2c' && !state.sawConnectResponse) {
          state.sawConnectResponse = true;
          again = roundTripParts(payload, (reader, writer) => {
            part(R.ConnectResponse, reader, writer);
            if (reader.remaining > 0) writer.writeBool(reader.readBool());
          });
        } else if (frame.direction === 'c2s') {
          again = roundTripParts(payload, (reader, writer) => {
            const header = part(R.RequestHeader, reader, writer);
            requestTypes.set(header.xid, header.type);
            if (header.type === OpCode.multi || header.type === OpCode.multiRead)
              return multiParts(reader, writer, MULTI_OP_BODIES);
            const body = REQUEST_BODIES.get(header.type);
            if (body) part(body, reader, writer);
          });
        } else {
          again = roundTripParts(payload, (reader, writer) => {
            const header = part(R.ReplyHeader, reader, writer);
            if (header.xid === Xid.NOTIFICATION) return void part(R.WatcherEvent, reader, writer);
            const type = requestTypes.get(header.xid);
            if (header.err !== 0 || type === undefined) return;
            if (type === OpCode.multi || type === OpCode.multiRead)
              return multiParts(reader, writer, MULTI_RESULT_BODIES);
            const body = REPLY_BODIES.get(type);
            if (body) part(body, reader, writer);
          });
        }
        expect(again, where).toBe(hex(payload));
      }
    });
  }
});

it(`captured client frames: ${goldenFiles.length} golden-*.json file(s) found in test/fixtures/zookeeper`, () => {
  // Informational: the suite above is skipped when no capture exists yet.
  expect(goldenFiles.length).toBeGreaterThanOrEqual(0);
});
