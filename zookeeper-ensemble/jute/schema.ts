// Jute records as data, one schema per record of ZooKeeper's zookeeper.jute, compiled once into
// encode/decode closures. The TypeScript type of each record is inferred from its schema, so the
// wire layout and the type can never disagree.
import { JuteReader, JuteWriter } from './binary.ts';

export type FieldType =
  | 'int'
  | 'long'
  | 'boolean'
  | 'ustring'
  | 'buffer'
  | RecordSchema<any>
  | { readonly vector: FieldType };

type Field = readonly [name: string, type: FieldType];

type ValueOf<T> = T extends 'int'
  ? number
  : T extends 'long'
    ? bigint
    : T extends 'boolean'
      ? boolean
      : T extends 'ustring'
        ? string
        : T extends 'buffer'
          ? Uint8Array | null
          : T extends RecordSchema<infer R>
            ? R
            : T extends { readonly vector: infer E }
              ? ValueOf<E>[]
              : never;

export type RecordOf<F extends readonly Field[]> = { [K in F[number] as K[0]]: ValueOf<K[1]> };

export interface RecordSchema<T> {
  readonly name: string;
  readonly fields: readonly Field[];
  encode(writer: JuteWriter, value: T): void;
  decode(reader: JuteReader): T;
}

export type RecordType<S> = S extends RecordSchema<infer T> ? T : never;

type Encoder = (writer: JuteWriter, value: any) => void;
type Decoder = (reader: JuteReader) => any;

function encoderFor(type: FieldType): Encoder {
  switch (type) {
    case 'int':
      return (w, v) => w.writeInt(v);
    case 'long':
      return (w, v) => w.writeLong(v);
    case 'boolean':
      return (w, v) => w.writeBool(v);
    case 'ustring':
      return (w, v) => w.writeString(v);
    case 'buffer':
      return (w, v) => w.writeBuffer(v);
    default:
      if ('vector' in type) {
        const element = encoderFor(type.vector);
        return (w, v: unknown[] | null) => {
          if (v === null) return void w.writeInt(-1);
          w.writeInt(v.length);
          for (const item of v) element(w, item);
        };
      }
      return (w, v) => type.encode(w, v);
  }
}

function decoderFor(type: FieldType): Decoder {
  switch (type) {
    case 'int':
      return (r) => r.readInt();
    case 'long':
      return (r) => r.readLong();
    case 'boolean':
      return (r) => r.readBool();
    case 'ustring':
      // ZooKeeper's server sees a null string as a missing value; paths are then rejected by validation.
      return (r) => r.readString() ?? '';
    case 'buffer':
      return (r) => r.readBuffer();
    default:
      if ('vector' in type) {
        const element = decoderFor(type.vector);
        return (r) => {
          const count = r.readCount();
          const items: unknown[] = [];
          for (let i = 0; i < count; i++) items.push(element(r));
          return items;
        };
      }
      return (r) => type.decode(r);
  }
}

export function defineRecord<const F extends readonly Field[]>(name: string, fields: F): RecordSchema<RecordOf<F>> {
  const encoders = fields.map(([, type]) => encoderFor(type));
  const decoders = fields.map(([, type]) => decoderFor(type));
  const names = fields.map(([field]) => field);
  return {
    name,
    fields,
    encode(writer, value) {
      const record = value as Record<string, unknown>;
      for (let i = 0; i < encoders.length; i++) encoders[i](writer, record[names[i]]);
    },
    decode(reader) {
      const record: Record<string, unknown> = {};
      for (let i = 0; i < decoders.length; i++) record[names[i]] = decoders[i](reader);
      return record as RecordOf<F>;
    },
  };
}

export function encodeRecord<T>(schema: RecordSchema<T>, value: T): Uint8Array {
  const writer = new JuteWriter();
  schema.encode(writer, value);
  return writer.toBytes();
}

export function decodeRecord<T>(schema: RecordSchema<T>, bytes: Uint8Array, maxLength?: number): T {
  const reader = new JuteReader(bytes, maxLength);
  const value = schema.decode(reader);
  reader.expectEnd(schema.name);
  return value;
}

// ---- module org.apache.zookeeper.data ----
export const Id = defineRecord('Id', [
  ['scheme', 'ustring'],
  ['id', 'ustring'],
]);
export const ACL = defineRecord('ACL', [
  ['perms', 'int'],
  ['id', Id],
]);
export const Stat = defineRecord('Stat', [
  ['czxid', 'long'],
  ['mzxid', 'long'],
  ['ctime', 'long'],
  ['mtime', 'long'],
  ['version', 'int'],
  ['cversion', 'int'],
  ['aversion', 'int'],
  ['ephemeralOwner', 'long'],
  ['dataLength', 'int'],
  ['numChildren', 'int'],
  ['pzxid', 'long'],
]);
export const StatPersisted = defineRecord('StatPersisted', [
  ['czxid', 'long'],
  ['mzxid', 'long'],
  ['ctime', 'long'],
  ['mtime', 'long'],
  ['version', 'int'],
  ['cversion', 'int'],
  ['aversion', 'int'],
  ['ephemeralOwner', 'long'],
  ['pzxid', 'long'],
]);
export type IdRecord = RecordType<typeof Id>;
export type ACLRecord = RecordType<typeof ACL>;
export type StatRecord = RecordType<typeof Stat>;
export type StatPersistedRecord = RecordType<typeof StatPersisted>;

// ---- module org.apache.zookeeper.proto ----
// ConnectRequest/ConnectResponse carry a trailing `readOnly` boolean that zookeeper.jute does not list
// (ClientCnxnSocket appends it); old clients omit it, so it is read only when present (see connect.ts).
export const ConnectRequest = defineRecord('ConnectRequest', [
  ['protocolVersion', 'int'],
  ['lastZxidSeen', 'long'],
  ['timeOut', 'int'],
  ['sessionId', 'long'],
  ['passwd', 'buffer'],
]);
export const ConnectResponse = defineRecord('ConnectResponse', [
  ['protocolVersion', 'int'],
  ['timeOut', 'int'],
  ['sessionId', 'long'],
  ['passwd', 'buffer'],
]);
export const SetWatches = defineRecord('SetWatches', [
  ['relativeZxid', 'long'],
  ['dataWatches', { vector: 'ustring' }],
  ['existWatches', { vector: 'ustring' }],
  ['childWatches', { vector: 'ustring' }],
]);
export const SetWatches2 = defineRecord('SetWatches2', [
  ['relativeZxid', 'long'],
  ['dataWatches', { vector: 'ustring' }],
  ['existWatches', { vector: 'ustring' }],
  ['childWatches', { vector: 'ustring' }],
  ['persistentWatches', { vector: 'ustring' }],
  ['persistentRecursiveWatches', { vector: 'ustring' }],
]);
export const RequestHeader = defineRecord('RequestHeader', [
  ['xid', 'int'],
  ['type', 'int'],
]);
export const MultiHeader = defineRecord('MultiHeader', [
  ['type', 'int'],
  ['done', 'boolean'],
  ['err', 'int'],
]);
export const AuthPacket = defineRecord('AuthPacket', [
  ['type', 'int'],
  ['scheme', 'ustring'],
  ['auth', 'buffer'],
]);
export const ReplyHeader = defineRecord('ReplyHeader', [
  ['xid', 'int'],
  ['zxid', 'long'],
  ['err', 'int'],
]);
export const GetDataRequest = defineRecord('GetDataRequest', [
  ['path', 'ustring'],
  ['watch', 'boolean'],
]);
export const SetDataRequest = defineRecord('SetDataRequest', [
  ['path', 'ustring'],
  ['data', 'buffer'],
  ['version', 'int'],
]);
export const ReconfigRequest = defineRecord('ReconfigRequest', [
  ['joiningServers', 'ustring'],
  ['leavingServers', 'ustring'],
  ['newMembers', 'ustring'],
  ['curConfigId', 'long'],
]);
export const SetDataResponse = defineRecord('SetDataResponse', [['stat', Stat]]);
export const CreateRequest = defineRecord('CreateRequest', [
  ['path', 'ustring'],
  ['data', 'buffer'],
  ['acl', { vector: ACL }],
  ['flags', 'int'],
]);
export const CreateTTLRequest = defineRecord('CreateTTLRequest', [
  ['path', 'ustring'],
  ['data', 'buffer'],
  ['acl', { vector: ACL }],
  ['flags', 'int'],
  ['ttl', 'long'],
]);
export const DeleteRequest = defineRecord('DeleteRequest', [
  ['path', 'ustring'],
  ['version', 'int'],
]);
export const GetChildrenRequest = defineRecord('GetChildrenRequest', [
  ['path', 'ustring'],
  ['watch', 'boolean'],
]);
export const GetAllChildrenNumberRequest = defineRecord('GetAllChildrenNumberRequest', [['path', 'ustring']]);
export const GetChildren2Request = defineRecord('GetChildren2Request', [
  ['path', 'ustring'],
  ['watch', 'boolean'],
]);
export const CheckVersionRequest = defineRecord('CheckVersionRequest', [
  ['path', 'ustring'],
  ['version', 'int'],
]);
export const SyncRequest = defineRecord('SyncRequest', [['path', 'ustring']]);
export const SyncResponse = defineRecord('SyncResponse', [['path', 'ustring']]);
export const GetACLRequest = defineRecord('GetACLRequest', [['path', 'ustring']]);
export const SetACLRequest = defineRecord('SetACLRequest', [
  ['path', 'ustring'],
  ['acl', { vector: ACL }],
  ['version', 'int'],
]);
export const SetACLResponse = defineRecord('SetACLResponse', [['stat', Stat]]);
export const AddWatchRequest = defineRecord('AddWatchRequest', [
  ['path', 'ustring'],
  ['mode', 'int'],
]);
export const WatcherEvent = defineRecord('WatcherEvent', [
  ['type', 'int'],
  ['state', 'int'],
  ['path', 'ustring'],
]);
export const ErrorResponse = defineRecord('ErrorResponse', [['err', 'int']]);
export const CreateResponse = defineRecord('CreateResponse', [['path', 'ustring']]);
export const Create2Response = defineRecord('Create2Response', [
  ['path', 'ustring'],
  ['stat', Stat],
]);
export const ExistsRequest = defineRecord('ExistsRequest', [
  ['path', 'ustring'],
  ['watch', 'boolean'],
]);
export const ExistsResponse = defineRecord('ExistsResponse', [['stat', Stat]]);
export const GetDataResponse = defineRecord('GetDataResponse', [
  ['data', 'buffer'],
  ['stat', Stat],
]);
export const GetChildrenResponse = defineRecord('GetChildrenResponse', [['children', { vector: 'ustring' }]]);
export const GetAllChildrenNumberResponse = defineRecord('GetAllChildrenNumberResponse', [['totalNumber', 'int']]);
export const GetChildren2Response = defineRecord('GetChildren2Response', [
  ['children', { vector: 'ustring' }],
  ['stat', Stat],
]);
export const GetACLResponse = defineRecord('GetACLResponse', [
  ['acl', { vector: ACL }],
  ['stat', Stat],
]);
export const CheckWatchesRequest = defineRecord('CheckWatchesRequest', [
  ['path', 'ustring'],
  ['type', 'int'],
]);
export const RemoveWatchesRequest = defineRecord('RemoveWatchesRequest', [
  ['path', 'ustring'],
  ['type', 'int'],
]);
export const GetEphemeralsRequest = defineRecord('GetEphemeralsRequest', [['prefixPath', 'ustring']]);
export const GetEphemeralsResponse = defineRecord('GetEphemeralsResponse', [['ephemerals', { vector: 'ustring' }]]);
export const ClientInfo = defineRecord('ClientInfo', [
  ['authScheme', 'ustring'],
  ['user', 'ustring'],
]);
export const WhoAmIResponse = defineRecord('WhoAmIResponse', [['clientInfo', { vector: ClientInfo }]]);

// ---- module org.apache.zookeeper.server.quorum ----
export const LearnerInfo = defineRecord('LearnerInfo', [
  ['serverid', 'long'],
  ['protocolVersion', 'int'],
  ['configVersion', 'long'],
]);
export const QuorumPacket = defineRecord('QuorumPacket', [
  ['type', 'int'],
  ['zxid', 'long'],
  ['data', 'buffer'],
  ['authinfo', { vector: Id }],
]);

// ---- module org.apache.zookeeper.server.persistence ----
export const FileHeader = defineRecord('FileHeader', [
  ['magic', 'int'],
  ['version', 'int'],
  ['dbid', 'long'],
]);

// ---- module org.apache.zookeeper.txn ----
export const TxnDigest = defineRecord('TxnDigest', [
  ['version', 'int'],
  ['treeDigest', 'long'],
]);
export const TxnHeader = defineRecord('TxnHeader', [
  ['clientId', 'long'],
  ['cxid', 'int'],
  ['zxid', 'long'],
  ['time', 'long'],
  ['type', 'int'],
]);
export const CreateTxn = defineRecord('CreateTxn', [
  ['path', 'ustring'],
  ['data', 'buffer'],
  ['acl', { vector: ACL }],
  ['ephemeral', 'boolean'],
  ['parentCVersion', 'int'],
]);
export const CreateTTLTxn = defineRecord('CreateTTLTxn', [
  ['path', 'ustring'],
  ['data', 'buffer'],
  ['acl', { vector: ACL }],
  ['parentCVersion', 'int'],
  ['ttl', 'long'],
]);
export const CreateContainerTxn = defineRecord('CreateContainerTxn', [
  ['path', 'ustring'],
  ['data', 'buffer'],
  ['acl', { vector: ACL }],
  ['parentCVersion', 'int'],
]);
export const DeleteTxn = defineRecord('DeleteTxn', [['path', 'ustring']]);
export const SetDataTxn = defineRecord('SetDataTxn', [
  ['path', 'ustring'],
  ['data', 'buffer'],
  ['version', 'int'],
]);
export const CheckVersionTxn = defineRecord('CheckVersionTxn', [
  ['path', 'ustring'],
  ['version', 'int'],
]);
export const SetACLTxn = defineRecord('SetACLTxn', [
  ['path', 'ustring'],
  ['acl', { vector: ACL }],
  ['version', 'int'],
]);
export const CreateSessionTxn = defineRecord('CreateSessionTxn', [['timeOut', 'int']]);
export const CloseSessionTxn = defineRecord('CloseSessionTxn', [['paths2Delete', { vector: 'ustring' }]]);
export const ErrorTxn = defineRecord('ErrorTxn', [['err', 'int']]);
export const Txn = defineRecord('Txn', [
  ['type', 'int'],
  ['data', 'buffer'],
]);
export const MultiTxn = defineRecord('MultiTxn', [['txns', { vector: Txn }]]);
export type TxnHeaderRecord = RecordType<typeof TxnHeader>;
