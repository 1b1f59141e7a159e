// Transactions as ZooKeeper logs and replicates them: a TxnHeader followed by the record its `type`
// names (org.apache.zookeeper.txn). A MultiTxn nests each sub-transaction as {type, bytes}.
import { JuteReader, JuteWriter, JuteDecodeError } from './binary.ts';
import { OpCode } from './constants.ts';
import {
  CheckVersionTxn,
  CloseSessionTxn,
  CreateContainerTxn,
  CreateSessionTxn,
  CreateTTLTxn,
  CreateTxn,
  DeleteTxn,
  ErrorTxn,
  MultiTxn,
  SetACLTxn,
  SetDataTxn,
  TxnHeader,
  type RecordType,
  type TxnHeaderRecord,
} from './schema.ts';

export type CreateTxnRecord = RecordType<typeof CreateTxn>;
export type CreateTTLTxnRecord = RecordType<typeof CreateTTLTxn>;
export type CreateContainerTxnRecord = RecordType<typeof CreateContainerTxn>;
export type SetDataTxnRecord = RecordType<typeof SetDataTxn>;
export type SetACLTxnRecord = RecordType<typeof SetACLTxn>;

/** One transaction body, discriminated by its op code as in the TxnHeader. */
export type TxnBody =
  | { type: typeof OpCode.create | typeof OpCode.create2; record: CreateTxnRecord }
  | { type: typeof OpCode.createContainer; record: CreateContainerTxnRecord }
  | { type: typeof OpCode.createTTL; record: CreateTTLTxnRecord }
  | { type: typeof OpCode.delete | typeof OpCode.deleteContainer; record: { path: string } }
  | { type: typeof OpCode.setData; record: SetDataTxnRecord }
  | { type: typeof OpCode.setACL; record: SetACLTxnRecord }
  | { type: typeof OpCode.check; record: { path: string; version: number } }
  | { type: typeof OpCode.createSession; record: { timeOut: number } }
  | { type: typeof OpCode.closeSession; record: { paths2Delete: string[] } }
  | { type: typeof OpCode.error; record: { err: number } }
  | { type: typeof OpCode.multi; record: { txns: TxnBody[] } };

export interface Txn {
  header: TxnHeaderRecord;
  body: TxnBody;
}

function encodeBody(writer: JuteWriter, body: TxnBody): void {
  switch (body.type) {
    case OpCode.create:
    case OpCode.create2:
      return CreateTxn.encode(writer, body.record);
    case OpCode.createContainer:
      return CreateContainerTxn.encode(writer, body.record);
    case OpCode.createTTL:
      return CreateTTLTxn.encode(writer, body.record);
    case OpCode.delete:
    case OpCode.deleteContainer:
      return DeleteTxn.encode(writer, body.record);
    case OpCode.setData:
      return SetDataTxn.encode(writer, body.record);
    case OpCode.setACL:
      return SetACLTxn.encode(writer, body.record);
    case OpCode.check:
      return CheckVersionTxn.encode(writer, body.record);
    case OpCode.createSession:
      return CreateSessionTxn.encode(writer, body.record);
    case OpCode.closeSession:
      return CloseSessionTxn.encode(writer, body.record);
    case OpCode.error:
      return ErrorTxn.encode(writer, body.record);
    case OpCode.multi: {
      const txns = body.record.txns.map((sub) => {
        const subWriter = new JuteWriter(64);
        encodeBody(subWriter, sub);
        return { type: sub.type, data: subWriter.toBytes() };
      });
      return MultiTxn.encode(writer, { txns });
    }
  }
}

function decodeBody(type: number, reader: JuteReader): TxnBody {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
      return { type, record: CreateTxn.decode(reader) };
    case OpCode.createContainer:
      return { type, record: CreateContainerTxn.decode(reader) };
    case OpCode.createTTL:
      return { type, record: CreateTTLTxn.decode(reader) };
    case OpCode.delete:
    case OpCode.deleteContainer:
      return { type, record: DeleteTxn.decode(reader) };
    case OpCode.setData:
      return { type, record: SetDataTxn.decode(reader) };
    case OpCode.setACL:
      return { type, record: SetACLTxn.decode(reader) };
    case OpCode.check:
      return { type, record: CheckVersionTxn.decode(reader) };
    case OpCode.createSession:
      return { type, record: CreateSessionTxn.decode(reader) };
    case OpCode.closeSession:
      // Older logs have an empty body for closeSession; treat that as "delete the session's ephemerals".
      return { type, record: reader.remaining === 0 ? { paths2Delete: [] } : CloseSessionTxn.decode(reader) };
    case OpCode.error:
      return { type, record: ErrorTxn.decode(reader) };
    case OpCode.multi: {
      const multi = MultiTxn.decode(reader);
      const txns = multi.txns.map((sub) => {
        const subReader = new JuteReader(sub.data ?? new Uint8Array(0));
        const body = decodeBody(sub.type, subReader);
        subReader.expectEnd(`multi sub-txn type ${sub.type}`);
        return body;
      });
      return { type, record: { txns } };
    }
    default:
      throw new JuteDecodeError(`unknown txn type ${type}`);
  }
}

/** Serialize header + body, as in a txn log entry or a PROPOSAL's data. */
export function encodeTxn(txn: Txn, writer = new JuteWriter(128)): Uint8Array {
  TxnHeader.encode(writer, txn.header);
  encodeBody(writer, txn.body);
  return writer.toBytes();
}

export function decodeTxn(bytes: Uint8Array): Txn {
  const reader = new JuteReader(bytes);
  const header = TxnHeader.decode(reader);
  const body = decodeBody(header.type, reader);
  // A TxnDigest may trail the body in logs written by ZooKeeper ≥ 3.6; it is not used here.
  return { header, body };
}
