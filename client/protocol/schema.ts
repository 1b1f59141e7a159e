// Kafka messages as data, in the spirit of Kafka's own `clients/src/main/resources/common/message/*.json`
// (and of our jute codec, zookeeper-ensemble/jute/schema.ts): one declarative schema per request/response,
// each field carrying the versions it exists in, the versions where it may be null, and (for flexible
// versions) whether it travels as a tagged field. A schema is compiled once per version into encode/decode
// closures; the TypeScript type of a message is inferred from the schema, so the wire layout and the type
// cannot disagree.
//
// Rules (the same as Kafka's generated code):
//  * A field absent from a version is not written, and decodes to its default.
//  * Defaults: `default` if given, else 0 / 0n / false / "" / empty bytes / empty array / zero uuid /
//    a struct of defaults. Nullable fields are null only when a value says so (or `default: null`).
//  * Flexible versions (KIP-482) use compact strings/bytes/arrays and end every struct with a tagged-field
//    section. A tagged field is written only when it differs from its default; unknown tags are kept in
//    `_unknownTaggedFields` and written back, so decode → encode reproduces the bytes.
//  * A field may opt out of the flexible encoding (`flexible: 'none'`), like the request header's client_id.
//  * int64 is a bigint; uuid is Kafka's 22-character base64url text (see binary.ts).
import {
  KafkaDecodeError,
  KafkaEncodeError,
  KafkaReader,
  KafkaWriter,
  uuidFromString,
  uuidToString,
  ZERO_UUID,
  type KafkaReaderOptions,
  type RawTaggedField,
} from './binary.ts';

// ------------------------------------------------------------------------------------------------
// Versions

/** A version range as Kafka writes it: "3+", "0-7", "5", or "none". */
export type VersionRange = string;

interface ParsedRange {
  readonly min: number;
  readonly max: number;
}

const rangeCache = new Map<string, ParsedRange>();

export function parseVersionRange(range: VersionRange): ParsedRange {
  const cached = rangeCache.get(range);
  if (cached) return cached;
  let parsed: ParsedRange;
  if (range === 'none') parsed = { min: 1, max: 0 };
  else if (/^\d+\+$/.test(range)) parsed = { min: Number(range.slice(0, -1)), max: Number.MAX_SAFE_INTEGER };
  else if (/^\d+-\d+$/.test(range)) {
    const [min, max] = range.split('-').map(Number);
    parsed = { min, max };
  } else if (/^\d+$/.test(range)) parsed = { min: Number(range), max: Number(range) };
  else throw new Error(`bad version range ${JSON.stringify(range)}`);
  rangeCache.set(range, parsed);
  return parsed;
}

export function inVersionRange(range: VersionRange | undefined, version: number): boolean {
  if (range === undefined) return false;
  const { min, max } = parseVersionRange(range);
  return version >= min && version <= max;
}

// ------------------------------------------------------------------------------------------------
// Schema building blocks

export type Scalar =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid';

/** A struct type: an ordered list of fields. */
export interface StructType<F extends readonly AnyField[] = readonly AnyField[]> {
  readonly kind: 'struct';
  readonly fields: F;
}

/** An array of a scalar or of a struct. */
export interface ArrayType<T extends Scalar | StructType = Scalar | StructType> {
  readonly kind: 'array';
  readonly items: T;
}

export type TypeSpec = Scalar | StructType | ArrayType;

export interface FieldOptions {
  /** Versions in which the value may be null (Kafka's `nullableVersions`). */
  readonly nullable?: VersionRange;
  /** Versions in which the field is a tagged field (Kafka's `taggedVersions`); needs `tag`. */
  readonly tagged?: VersionRange;
  readonly tag?: number;
  /** Versions using the flexible encoding for this field; `'none'` keeps it classic (header client_id). */
  readonly flexible?: VersionRange;
  readonly default?: number | bigint | boolean | string | null;
}

export interface Field<
  N extends string = string,
  V extends VersionRange = VersionRange,
  T extends TypeSpec = TypeSpec,
  O extends FieldOptions = FieldOptions,
> {
  readonly name: N;
  readonly versions: V;
  readonly type: T;
  readonly options: O;
}

export type AnyField = Field<string, VersionRange, TypeSpec, FieldOptions>;

/** A field: `field('throttleTimeMs', '1+', 'int32')`, `field('rack', '1+', 'string', { nullable: '1+' })`. */
export function field<
  const N extends string,
  const V extends VersionRange,
  const T extends TypeSpec,
  const O extends FieldOptions = NonNullable<unknown>,
>(name: N, versions: V, type: T, options?: O): Field<N, V, T, O> {
  return { name, versions, type, options: (options ?? {}) as O };
}

/** A struct-typed field's type. */
export function struct<const F extends readonly AnyField[]>(...fields: F): StructType<F> {
  return { kind: 'struct', fields };
}

/** An array of structs (Kafka's `"type": "[]Foo"` with inline `fields`). */
export function array<const F extends readonly AnyField[]>(...fields: F): ArrayType<StructType<F>> {
  return { kind: 'array', items: { kind: 'struct', fields } };
}

/** An array of a scalar (Kafka's `"[]int32"`, `"[]string"`). */
export function arrayOf<const T extends Scalar>(items: T): ArrayType<T> {
  return { kind: 'array', items };
}

// ------------------------------------------------------------------------------------------------
// Types inferred from schemas

type ScalarValue<T> = T extends 'bool'
  ? boolean
  : T extends 'int64'
    ? bigint
    : T extends 'string' | 'uuid'
      ? string
      : T extends 'bytes' | 'records'
        ? Uint8Array
        : number;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The decoded value of a type: every field present (absent ones hold defaults). */
export type ValueOf<T> =
  T extends StructType<infer F>
    ? StructValue<F>
    : T extends ArrayType<infer I>
      ? ValueOf<I>[]
      : ScalarValue<T>;

type FieldValue<K> =
  K extends Field<string, VersionRange, infer T, infer O>
    ? O extends { nullable: string }
      ? ValueOf<T> | null
      : ValueOf<T>
    : never;

interface UnknownTagged {
  /** Tagged fields this codec does not know (only present when some arrived). */
  _unknownTaggedFields?: RawTaggedField[];
}

export type StructValue<F extends readonly AnyField[]> = Simplify<
  { [K in F[number] as K['name']]: FieldValue<K> } & UnknownTagged
>;

/** What the encoder accepts: fields present in every version ("0+") without a default are required. */
export type InputOf<T> =
  T extends StructType<infer F>
    ? StructInput<F>
    : T extends ArrayType<infer I>
      ? InputOf<I>[]
      : ScalarValue<T>;

type FieldInput<K> =
  K extends Field<string, VersionRange, infer T, infer O>
    ? O extends { nullable: string }
      ? InputOf<T> | null
      : InputOf<T>
    : never;

type IsRequired<K> =
  K extends Field<string, infer V, TypeSpec, infer O>
    ? V extends '0+'
      ? O extends { default: unknown }
        ? false
        : O extends { tag: number }
          ? false
          : true
      : false
    : false;

export type StructInput<F extends readonly AnyField[]> = Simplify<
  { [K in F[number] as IsRequired<K> extends true ? K['name'] : never]: FieldInput<K> } & {
    [K in F[number] as IsRequired<K> extends true ? never : K['name']]?: FieldInput<K>;
  } & UnknownTagged
>;

// ------------------------------------------------------------------------------------------------
// Messages

export interface MessageSpec<F extends readonly AnyField[]> {
  readonly name: string;
  readonly apiKey: number;
  readonly type: 'request' | 'response' | 'header' | 'data';
  /** The versions this codec implements, e.g. "0-12". */
  readonly validVersions: VersionRange;
  /** First flexible version, e.g. "9+", or "none". */
  readonly flexibleVersions: VersionRange;
  readonly fields: F;
}

export interface MessageSchema<F extends readonly AnyField[] = readonly AnyField[]> extends MessageSpec<F> {
  readonly minVersion: number;
  readonly maxVersion: number;
  isFlexible(version: number): boolean;
  write(writer: KafkaWriter, version: number, value: StructInput<F>): void;
  read(reader: KafkaReader, version: number): StructValue<F>;
}

export type MessageValue<S> = S extends MessageSchema<infer F> ? StructValue<F> : never;
export type MessageInput<S> = S extends MessageSchema<infer F> ? StructInput<F> : never;

export function message<const F extends readonly AnyField[]>(spec: MessageSpec<F>): MessageSchema<F> {
  const { min, max } = parseVersionRange(spec.validVersions);
  const compiled: (CompiledStruct | undefined)[] = [];
  const codecFor = (version: number): CompiledStruct => {
    if (!Number.isInteger(version) || version < min || version > max) {
      throw new KafkaEncodeError(`${spec.name} has no version ${version} (valid ${spec.validVersions})`);
    }
    let codec = compiled[version];
    if (!codec) {
      codec = compileStruct(spec.name, spec.fields, version, inVersionRange(spec.flexibleVersions, version));
      compiled[version] = codec;
    }
    return codec;
  };
  return {
    ...spec,
    minVersion: min,
    maxVersion: max,
    isFlexible: (version) => inVersionRange(spec.flexibleVersions, version),
    write(writer, version, value) {
      codecFor(version).write(writer, value ?? {});
    },
    read(reader, version) {
      if (!Number.isInteger(version) || version < min || version > max) {
        throw new KafkaDecodeError(`${spec.name} has no version ${version} (valid ${spec.validVersions})`);
      }
      return codecFor(version).read(reader) as StructValue<F>;
    },
  };
}

/** Encodes one message body (no size prefix, no header). */
export function encodeMessage<F extends readonly AnyField[]>(
  schema: MessageSchema<F>,
  version: number,
  value: StructInput<F>,
): Uint8Array {
  const writer = new KafkaWriter();
  schema.write(writer, version, value);
  return writer.toBytes();
}

/** Decodes one message body that must use every byte of `bytes`. */
export function decodeMessage<F extends readonly AnyField[]>(
  schema: MessageSchema<F>,
  version: number,
  bytes: Uint8Array,
  options?: KafkaReaderOptions,
): StructValue<F> {
  const reader = new KafkaReader(bytes, options);
  const value = schema.read(reader, version);
  reader.expectEnd(`${schema.name} v${version}`);
  return value;
}

// ------------------------------------------------------------------------------------------------
// Defaults

/** The default value of a field (a fresh object each time, so callers may mutate it). */
export function defaultValue(spec: AnyField): unknown {
  if (spec.options.default !== undefined) return spec.options.default;
  return defaultOfType(spec.type);
}

function defaultOfType(type: TypeSpec): unknown {
  if (typeof type === 'string') {
    switch (type) {
      case 'bool':
        return false;
      case 'int64':
        return 0n;
      case 'string':
        return '';
      case 'uuid':
        return ZERO_UUID;
      case 'bytes':
      case 'records':
        return new Uint8Array(0);
      default:
        return 0;
    }
  }
  if (type.kind === 'array') return [];
  const value: Record<string, unknown> = {};
  for (const member of type.fields) value[member.name] = defaultValue(member);
  return value;
}

function isDefault(spec: AnyField, value: unknown): boolean {
  if (value === undefined) return true;
  const fallback = defaultValue(spec);
  return sameValue(spec.type, value, fallback);
}

function sameValue(type: TypeSpec, a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b;
  if (typeof type === 'string') {
    if (type === 'bytes' || type === 'records') {
      const x = a as Uint8Array;
      const y = b as Uint8Array;
      return x.length === y.length && x.every((byte, i) => byte === y[i]);
    }
    return a === b;
  }
  if (type.kind === 'array') {
    const x = a as unknown[];
    const y = b as unknown[];
    return x.length === y.length && x.every((item, i) => sameValue(type.items, item, y[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  if (((x._unknownTaggedFields as RawTaggedField[] | undefined)?.length ?? 0) > 0) return false;
  return type.fields.every((member) =>
    sameValue(member.type, x[member.name] ?? defaultValue(member), y[member.name] ?? defaultValue(member)),
  );
}

// ------------------------------------------------------------------------------------------------
// Compilation

interface Codec {
  write(writer: KafkaWriter, value: unknown): void;
  read(reader: KafkaReader): unknown;
  /** The fewest bytes one value can take (lets array counts be checked before allocating). */
  readonly minSize: number;
}

interface CompiledStruct {
  write(writer: KafkaWriter, value: Record<string, unknown>): void;
  read(reader: KafkaReader): Record<string, unknown>;
  readonly minSize: number;
}

interface TaggedMember {
  readonly tag: number;
  readonly spec: AnyField;
  readonly codec: Codec;
}

function compileStruct(
  path: string,
  fields: readonly AnyField[],
  version: number,
  flexible: boolean,
): CompiledStruct {
  const regular: { spec: AnyField; codec: Codec }[] = [];
  const tagged: TaggedMember[] = [];
  const absent: AnyField[] = [];
  for (const spec of fields) {
    const where = `${path}.${spec.name}`;
    if (!inVersionRange(spec.versions, version)) {
      absent.push(spec);
      continue;
    }
    const nullable = inVersionRange(spec.options.nullable, version);
    const fieldFlexible =
      flexible && (spec.options.flexible === undefined || inVersionRange(spec.options.flexible, version));
    const codec = compileType(where, spec.type, version, fieldFlexible, nullable);
    if (flexible && inVersionRange(spec.options.tagged, version)) {
      if (spec.options.tag === undefined) throw new Error(`${where} is tagged but has no tag number`);
      tagged.push({ tag: spec.options.tag, spec, codec });
    } else {
      regular.push({ spec, codec });
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const taggedByTag = new Map(tagged.map((member) => [member.tag, member]));
  const minSize = regular.reduce((sum, { codec }) => sum + codec.minSize, 0) + (flexible ? 1 : 0);

  return {
    minSize,
    write(writer, value) {
      if (value === null || typeof value !== 'object') throw new KafkaEncodeError(`${path}: object expected`);
      for (const { spec, codec } of regular) {
        const item = value[spec.name];
        codec.write(writer, item === undefined ? defaultValue(spec) : item);
      }
      if (flexible) writeTaggedSection(writer, tagged, value);
    },
    read(reader) {
      const value: Record<string, unknown> = {};
      for (const { spec, codec } of regular) value[spec.name] = codec.read(reader);
      for (const spec of absent) value[spec.name] = defaultValue(spec);
      if (flexible) {
        for (const { spec } of tagged) value[spec.name] = defaultValue(spec);
        readTaggedSection(reader, taggedByTag, value);
      }
      return value;
    },
  };
}

function writeTaggedSection(
  writer: KafkaWriter,
  tagged: readonly TaggedMember[],
  value: Record<string, unknown>,
): void {
  const entries: { tag: number; data: Uint8Array }[] = [];
  for (const { tag, spec, codec } of tagged) {
    const item = value[spec.name];
    if (isDefault(spec, item)) continue;
    const scratch = new KafkaWriter(32);
    codec.write(scratch, item);
    entries.push({ tag, data: scratch.written() });
  }
  const unknown = value._unknownTaggedFields as RawTaggedField[] | undefined;
  if (unknown) {
    for (const raw of unknown) {
      if (tagged.some((member) => member.tag === raw.tag)) {
        throw new KafkaEncodeError(`unknown tagged field ${raw.tag} collides with a known one`);
      }
      entries.push({ tag: raw.tag, data: raw.data });
    }
    entries.sort((a, b) => a.tag - b.tag);
  }
  writer.uvarint(entries.length);
  for (const { tag, data } of entries) {
    writer.uvarint(tag);
    writer.uvarint(data.length);
    writer.raw(data);
  }
}

function readTaggedSection(
  reader: KafkaReader,
  taggedByTag: ReadonlyMap<number, TaggedMember>,
  value: Record<string, unknown>,
): void {
  const count = reader.uvarint();
  // Each tagged field takes at least two bytes (tag and size).
  if (count * 2 > reader.remaining)
    reader.fail(`${count} tagged fields cannot fit in ${reader.remaining} bytes`);
  let unknown: RawTaggedField[] | undefined;
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const tag = reader.uvarint();
    if (tag <= previous) reader.fail(`tagged fields out of order (${tag} after ${previous})`);
    previous = tag;
    const size = reader.uvarint();
    const member = taggedByTag.get(tag);
    if (member) {
      const sub = reader.sub(size);
      value[member.spec.name] = member.codec.read(sub);
      sub.expectEnd(`tagged field ${tag}`);
    } else {
      (unknown ??= []).push({ tag, data: reader.raw(size) });
    }
  }
  if (unknown) value._unknownTaggedFields = unknown;
}

function nullGuard(
  path: string,
  nullable: boolean,
  codec: Codec,
  writeNull: (writer: KafkaWriter) => void,
): Codec {
  return {
    minSize: codec.minSize,
    read: codec.read,
    write(writer, value) {
      if (value === null) {
        if (!nullable) throw new KafkaEncodeError(`${path}: null is not allowed at this version`);
        writeNull(writer);
        return;
      }
      codec.write(writer, value);
    },
  };
}

function compileType(
  path: string,
  type: TypeSpec,
  version: number,
  flexible: boolean,
  nullable: boolean,
): Codec {
  if (typeof type === 'string') return compileScalar(path, type, flexible, nullable);
  if (type.kind === 'struct') {
    if (nullable) throw new Error(`${path}: nullable structs are not supported`);
    const inner = compileStruct(path, type.fields, version, flexible);
    return {
      minSize: inner.minSize,
      write: (writer, value) => inner.write(writer, value as Record<string, unknown>),
      read: (reader) => inner.read(reader),
    };
  }
  const item = compileType(`${path}[]`, type.items, version, flexible, false);
  const minItemSize = Math.max(1, item.minSize);
  const codec: Codec = {
    minSize: flexible ? 1 : 4,
    write(writer, value) {
      if (!Array.isArray(value)) throw new KafkaEncodeError(`${path}: array expected`);
      if (flexible) writer.compactArrayLength(value.length);
      else writer.arrayLength(value.length);
      for (const element of value) item.write(writer, element);
    },
    read(reader) {
      // A struct whose fields are all absent in this version takes 0 bytes; the maxLength cap still applies.
      const count = flexible
        ? reader.compactArrayLength(item.minSize === 0 ? 0 : minItemSize)
        : reader.arrayLength(item.minSize === 0 ? 0 : minItemSize);
      if (count === -1) {
        if (!nullable) reader.fail(`${path}: null array where the version allows none`);
        return null;
      }
      const values: unknown[] = new Array(count);
      for (let i = 0; i < count; i++) values[i] = item.read(reader);
      return values;
    },
  };
  return nullGuard(path, nullable, codec, (writer) =>
    flexible ? writer.compactArrayLength(null) : writer.arrayLength(null),
  );
}

function compileScalar(path: string, type: Scalar, flexible: boolean, nullable: boolean): Codec {
  const fixed = (size: number, write: Codec['write'], read: Codec['read']): Codec => {
    if (nullable) throw new Error(`${path}: ${type} cannot be nullable`);
    return { minSize: size, write, read };
  };
  switch (type) {
    case 'bool':
      return fixed(
        1,
        (w, v) => w.bool(v as boolean),
        (r) => r.bool(),
      );
    case 'int8':
      return fixed(
        1,
        (w, v) => w.int8(v as number),
        (r) => r.int8(),
      );
    case 'int16':
      return fixed(
        2,
        (w, v) => w.int16(v as number),
        (r) => r.int16(),
      );
    case 'uint16':
      return fixed(
        2,
        (w, v) => w.uint16(v as number),
        (r) => r.uint16(),
      );
    case 'int32':
      return fixed(
        4,
        (w, v) => w.int32(v as number),
        (r) => r.int32(),
      );
    case 'uint32':
      return fixed(
        4,
        (w, v) => w.uint32(v as number),
        (r) => r.uint32(),
      );
    case 'int64':
      return fixed(
        8,
        (w, v) => w.int64(v as bigint),
        (r) => r.int64(),
      );
    case 'float64':
      return fixed(
        8,
        (w, v) => w.float64(v as number),
        (r) => r.float64(),
      );
    case 'uuid':
      return fixed(
        16,
        (w, v) => w.uuid(uuidFromString(v as string)),
        (r) => uuidToString(r.uuid()),
      );
    case 'string': {
      const codec: Codec = flexible
        ? {
            minSize: 1,
            write: (w, v) => w.compactString(v as string),
            read: (r) => {
              const value = r.compactNullableString();
              if (value === null && !nullable) r.fail(`${path}: null string where the version allows none`);
              return value;
            },
          }
        : {
            minSize: 2,
            write: (w, v) => w.string(v as string),
            read: (r) => {
              const value = r.nullableString();
              if (value === null && !nullable) r.fail(`${path}: null string where the version allows none`);
              return value;
            },
          };
      return nullGuard(path, nullable, codec, (w) =>
        flexible ? w.compactNullableString(null) : w.nullableString(null),
      );
    }
    case 'bytes':
    case 'records': {
      const records = type === 'records';
      const codec: Codec = flexible
        ? {
            minSize: 1,
            write: (w, v) => w.compactBytes(v as Uint8Array),
            read: (r) => {
              const value = records ? r.compactNullableRecordsView() : r.compactNullableBytes();
              if (value === null && !nullable) r.fail(`${path}: null bytes where the version allows none`);
              return value;
            },
          }
        : {
            minSize: 4,
            write: (w, v) => w.bytesField(v as Uint8Array),
            read: (r) => {
              const value = records ? r.nullableRecordsView() : r.nullableBytes();
              if (value === null && !nullable) r.fail(`${path}: null bytes where the version allows none`);
              return value;
            },
          };
      return nullGuard(path, nullable, codec, (w) =>
        flexible ? w.compactNullableBytes(null) : w.nullableBytes(null),
      );
    }
  }
}
