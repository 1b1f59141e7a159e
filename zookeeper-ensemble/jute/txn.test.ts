// Transactions as logged and replicated: TxnHeader + the record its type names; multi nests
// {type, bytes} per sub-transaction. Round trips for every body kind, hand-computed bytes, and
// decodeTxn's robustness against random and damaged input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { JuteDecodeError, JuteWriter } from './binary.ts';
import { KeeperErrorCode, OpCode } from './constants.ts';
import { encodeRecord, MultiTxn, TxnDigest, TxnHeader, type ACLRecord } from './schema.ts';
import { decodeTxn, encodeTxn, type Txn, type TxnBody } from './txn.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const INT = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const LONG = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const PATH = fc.string({ maxLength: 12 }).map((s) => `/${s}`);
const DATA = fc.option(fc.uint8Array({ maxLength: 24 }), { nil: null });
const ACLS: fc.Arbitrary<ACLRecord[]> = fc.array(
  fc.record({
    perms: INT,
    id: fc.record({ scheme: fc.string({ maxLength: 6 }), id: fc.string({ maxLength: 10 }) }),
  }),
  { maxLength: 3 },
);

const header = fc.record({ clientId: LONG, cxid: INT, zxid: LONG, time: LONG, type: INT });

const leafBody: fc.Arbitrary<TxnBody> = fc.oneof(
  fc
    .record({
      type: fc.constantFrom(OpCode.create, OpCode.create2),
      record: fc.record({ path: PATH, data: DATA, acl: ACLS, ephemeral: fc.boolean(), parentCVersion: INT }),
    })
    .map((b) => b as TxnBody),
  fc
    .record({ path: PATH, data: DATA, acl: ACLS, parentCVersion: INT })
    .map((record) => ({ type: OpCode.createContainer, record }) as TxnBody),
  fc
    .record({ path: PATH, data: DATA, acl: ACLS, parentCVersion: INT, ttl: LONG })
    .map((record) => ({ type: OpCode.createTTL, record }) as TxnBody),
  fc
    .record({
      type: fc.constantFrom(OpCode.delete, OpCode.deleteContainer),
      record: fc.record({ path: PATH }),
    })
    .map((b) => b as TxnBody),
  fc
    .record({ path: PATH, data: DATA, version: INT })
    .map((record) => ({ type: OpCode.setData, record }) as TxnBody),
  fc
    .record({ path: PATH, acl: ACLS, version: INT })
    .map((record) => ({ type: OpCode.setACL, record }) as TxnBody),
  fc.record({ path: PATH, version: INT }).map((record) => ({ type: OpCode.check, record }) as TxnBody),
  fc.record({ timeOut: INT }).map((record) => ({ type: OpCode.createSession, record }) as TxnBody),
  fc
    .record({ paths2Delete: fc.array(PATH, { maxLength: 4 }) })
    .map((record) => ({ type: OpCode.closeSession, record }) as TxnBody),
  fc.record({ err: INT }).map((record) => ({ type: OpCode.error, record }) as TxnBody),
);

const anyBody: fc.Arbitrary<TxnBody> = fc.oneof(
  { weight: 4, arbitrary: leafBody },
  {
    weight: 1,
    arbitrary: fc
      .array(leafBody, { maxLength: 5 })
      .map((txns) => ({ type: OpCode.multi, record: { txns } }) as TxnBody),
  },
);

const anyTxn: fc.Arbitrary<Txn> = fc
  .tuple(header, anyBody)
  .map(([h, body]) => ({ header: { ...h, type: body.type }, body }));

describe('encodeTxn / decodeTxn', () => {
  it('round-trips every transaction kind, multi included', () => {
    fc.assert(
      fc.property(anyTxn, (txn) => {
        const bytes = encodeTxn(txn);
        const decoded = decodeTxn(bytes);
        expect(decoded).toEqual(txn);
        expect(hex(encodeTxn(decoded))).toBe(hex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('a caller-supplied writer receives the bytes after what it already holds', () => {
    const txn: Txn = {
      header: { clientId: 1n, cxid: 2, zxid: 3n, time: 4n, type: OpCode.delete },
      body: { type: OpCode.delete, record: { path: '/a' } },
    };
    const writer = new JuteWriter(4).writeInt(0x01020304);
    const bytes = encodeTxn(txn, writer);
    expect(hex(bytes.subarray(0, 4))).toBe('01020304');
    expect(decodeTxn(bytes.subarray(4))).toEqual(txn);
  });

  it('CreateTxn bytes worked out by hand', () => {
    const txn: Txn = {
      header: { clientId: 0x1234n, cxid: 5, zxid: 0x1_0000_0007n, time: 1000n, type: OpCode.create },
      body: {
        type: OpCode.create,
        record: {
          path: '/n',
          data: new Uint8Array([0xab]),
          acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
          ephemeral: true,
          parentCVersion: 3,
        },
      },
    };
    expect(hex(encodeTxn(txn))).toBe(
      '0000000000001234' + // clientId
        '00000005' + // cxid
        '0000000100000007' + // zxid
        '00000000000003e8' + // time
        '00000001' + // type create
        '00000002' +
        '2f6e' + // path "/n"
        '00000001' +
        'ab' + // data
        '00000001' +
        '0000001f' +
        '00000005' +
        '776f726c64' +
        '00000006' +
        '616e796f6e65' + // ACL
        '01' + // ephemeral
        '00000003', // parentCVersion
    );
  });

  it('a multi nests each sub-txn as {int type, buffer bytes}', () => {
    const txn: Txn = {
      header: { clientId: 1n, cxid: 1, zxid: 9n, time: 0n, type: OpCode.multi },
      body: {
        type: OpCode.multi,
        record: {
          txns: [
            { type: OpCode.delete, record: { path: '/a' } },
            { type: OpCode.error, record: { err: KeeperErrorCode.NONODE } },
          ],
        },
      },
    };
    const bytes = encodeTxn(txn);
    const body = bytes.subarray(8 + 4 + 8 + 8 + 4);
    expect(hex(body)).toBe(
      '00000002' + // two sub-txns
        '00000002' + // type delete
        '00000006' +
        '00000002' +
        '2f61' + // DeleteTxn "/a" as a 6-byte buffer
        'ffffffff' + // type error
        '00000004' +
        'ffffff9b', // ErrorTxn NONODE as a 4-byte buffer
    );
  });

  it('ignores a TxnDigest trailing the body (ZooKeeper >= 3.6 logs)', () => {
    const txn: Txn = {
      header: { clientId: 1n, cxid: 1, zxid: 2n, time: 3n, type: OpCode.setData },
      body: { type: OpCode.setData, record: { path: '/a', data: null, version: 4 } },
    };
    const withDigest = new Uint8Array([
      ...encodeTxn(txn),
      ...encodeRecord(TxnDigest, { version: 2, treeDigest: 0x77n }),
    ]);
    expect(decodeTxn(withDigest)).toEqual(txn);
  });

  it('reads an old, empty closeSession body as "delete the session\'s ephemerals"', () => {
    const bytes = encodeRecord(TxnHeader, {
      clientId: 5n,
      cxid: 0,
      zxid: 6n,
      time: 0n,
      type: OpCode.closeSession,
    });
    expect(decodeTxn(bytes).body).toEqual({ type: OpCode.closeSession, record: { paths2Delete: [] } });
  });

  it('an unknown txn type is a JuteDecodeError', () => {
    const bytes = encodeRecord(TxnHeader, { clientId: 5n, cxid: 0, zxid: 6n, time: 0n, type: 77 });
    expect(() => decodeTxn(bytes)).toThrow(JuteDecodeError);
  });

  it('a sub-txn with bytes left over is a JuteDecodeError', () => {
    const head = encodeRecord(TxnHeader, { clientId: 5n, cxid: 0, zxid: 6n, time: 0n, type: OpCode.multi });
    const multi = encodeRecord(MultiTxn, {
      txns: [{ type: OpCode.error, data: new Uint8Array([0, 0, 0, 0, 0]) }],
    });
    expect(() => decodeTxn(new Uint8Array([...head, ...multi]))).toThrow(/multi sub-txn/);
  });
});

describe('decodeTxn: garbage in → JuteDecodeError only', () => {
  const onlyJuteErrors = (bytes: Uint8Array) => {
    try {
      decodeTxn(bytes);
    } catch (error) {
      if (!(error instanceof JuteDecodeError))
        throw new Error(`decodeTxn threw ${String(error)}`, { cause: error });
    }
  };

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), onlyJuteErrors), { numRuns: 500 });
  });

  it('random bytes behind a valid header of every known type', () => {
    const types = [1, 2, 4, 5, 7, 13, 14, 15, 19, 20, 21, -1, -10, -11];
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.uint8Array({ maxLength: 80 }), (type, tail) => {
        const head = encodeRecord(TxnHeader, { clientId: 1n, cxid: 1, zxid: 1n, time: 1n, type });
        onlyJuteErrors(new Uint8Array([...head, ...tail]));
      }),
      { numRuns: 500 },
    );
  });

  it('valid transactions truncated, with bytes flipped or inserted', () => {
    fc.assert(
      fc.property(
        anyTxn,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('truncate', 'set', 'insert'),
        (txn, at, byte, how) => {
          let bytes = encodeTxn(txn);
          const position = at % (bytes.length + 1);
          if (how === 'truncate') bytes = bytes.slice(0, position);
          else if (how === 'set') bytes[Math.min(position, bytes.length - 1)] = byte;
          else bytes = new Uint8Array([...bytes.subarray(0, position), byte, ...bytes.subarray(position)]);
          onlyJuteErrors(bytes);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('every strict prefix of a valid transaction is rejected', () => {
    fc.assert(
      fc.property(anyTxn, (txn) => {
        const bytes = encodeTxn(txn);
        // closeSession accepts an empty body (old logs), so the bare header is a valid txn of that kind.
        for (let cut = 0; cut < bytes.length; cut++) {
          if (txn.body.type === OpCode.closeSession && cut === 32) continue;
          expect(() => decodeTxn(bytes.subarray(0, cut))).toThrow(JuteDecodeError);
        }
      }),
      { numRuns: 60 },
    );
  });
});
