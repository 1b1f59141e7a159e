// Every schema at every version: fast-check round trips (value → bytes → value, and bytes → value →
// the same bytes), and hostile input — truncated encodings, bit flips, random bytes — only ever raises
// KafkaDecodeError. Arbitraries are derived from the schemas themselves, version by version: a field
// absent from a version holds its default, null appears only where the version allows it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { KafkaDecodeError, KafkaReader, KafkaWriter, uuidToString } from './binary.ts';
import { RequestHeader, ResponseHeader } from './messages/header.ts';
import { API_REGISTRY } from './registry.ts';
import {
  decodeMessage,
  defaultValue,
  encodeMessage,
  inVersionRange,
  type AnyField,
  type MessageSchema,
  type TypeSpec,
} from './schema.ts';

const RUNS = Number(process.env.KZLAB_FC_RUNS ?? 40);

const INT8 = fc.integer({ min: -0x80, max: 0x7f });
const INT16 = fc.integer({ min: -0x8000, max: 0x7fff });
const UINT16 = fc.integer({ min: 0, max: 0xffff });
const INT32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const UINT32 = fc.integer({ min: 0, max: 0xffffffff });
const INT64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
/** Well-formed strings only (a lone surrogate cannot survive UTF-8), ASCII and beyond. */
const STRING = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }));
const BYTES = fc.uint8Array({ maxLength: 24 });
const UUID = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(uuidToString);

function scalarArbitrary(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return INT8;
    case 'int16':
      return INT16;
    case 'uint16':
      return UINT16;
    case 'int32':
      return INT32;
    case 'uint32':
      return UINT32;
    case 'int64':
      return INT64;
    case 'float64':
      return fc.double({ noNaN: true });
    case 'string':
      return STRING;
    case 'uuid':
      return UUID;
    case 'bytes':
    case 'records':
      return BYTES;
    default:
      throw new Error(`no arbitrary for ${type}`);
  }
}

/** Unknown tagged fields: absent, or 1–2 entries with tags above any known one, ascending. */
const UNKNOWN_TAGGED = fc
  .uniqueArray(fc.integer({ min: 1000, max: 1100 }), { minLength: 1, maxLength: 2 })
  .chain((tags) =>
    fc.tuple(...tags.sort((a, b) => a - b).map((tag) => BYTES.map((data) => ({ tag, data })))),
  );

function typeArbitrary(
  type: TypeSpec,
  version: number,
  flexible: boolean,
  depth: number,
): fc.Arbitrary<unknown> {
  if (typeof type === 'string') return scalarArbitrary(type);
  if (type.kind === 'array') {
    return fc.array(typeArbitrary(type.items, version, flexible, depth + 1), {
      maxLength: depth > 2 ? 1 : 3,
    });
  }
  return structArbitrary(type.fields, version, flexible, depth + 1);
}

function structArbitrary(
  fields: readonly AnyField[],
  version: number,
  flexible: boolean,
  depth: number,
): fc.Arbitrary<Record<string, unknown>> {
  const members: Record<string, fc.Arbitrary<unknown>> = {};
  for (const spec of fields) {
    if (!inVersionRange(spec.versions, version)) {
      members[spec.name] = fc.constant(null).map(() => defaultValue(spec));
      continue;
    }
    const fieldFlexible =
      flexible && (spec.options.flexible === undefined || inVersionRange(spec.options.flexible, version));
    let value = typeArbitrary(spec.type, version, fieldFlexible, depth);
    if (inVersionRange(spec.options.nullable, version)) value = fc.option(value, { nil: null, freq: 4 });
    members[spec.name] = value;
  }
  const record = fc.record(members);
  if (!flexible) return record;
  return fc
    .tuple(record, fc.option(UNKNOWN_TAGGED, { nil: undefined, freq: 3 }))
    .map(([value, unknown]) => (unknown === undefined ? value : { ...value, _unknownTaggedFields: unknown }));
}

function messageArbitrary(schema: MessageSchema, version: number): fc.Arbitrary<Record<string, unknown>> {
  return structArbitrary(schema.fields, version, schema.isFlexible(version), 0);
}

/** Every schema and version: request and response of each registered API, plus the headers. */
const cases: { label: string; schema: MessageSchema; version: number }[] = [];
for (const schema of [RequestHeader, ResponseHeader] as unknown as MessageSchema[]) {
  for (let version = schema.minVersion; version <= schema.maxVersion; version++) {
    cases.push({ label: `${schema.name} v${version}`, schema, version });
  }
}
for (const api of API_REGISTRY.values()) {
  for (const schema of [api.request, api.response]) {
    for (let version = schema.minVersion; version <= schema.maxVersion; version++) {
      cases.push({ label: `${schema.name} v${version}`, schema, version });
    }
  }
}

function expectOnlyDecodeErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof KafkaDecodeError)) throw error;
  }
}

describe('schemas round-trip at every version', () => {
  it('covers every registered API in both directions', () => {
    expect(cases.length).toBeGreaterThan(300);
    const apis = new Set(cases.map((c) => c.schema.apiKey));
    expect(apis.size).toBe(API_REGISTRY.size + 1); // + the headers (apiKey -1)
  });

  it.each(cases)('$label', ({ schema, version }) => {
    fc.assert(
      fc.property(messageArbitrary(schema, version), (value) => {
        const bytes = encodeMessage(schema, version, value as never);
        const decoded = decodeMessage(schema, version, bytes);
        expect(decoded).toEqual(value);
        expect(encodeMessage(schema, version, decoded as never)).toEqual(bytes);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('hostile input raises only KafkaDecodeError', () => {
  it.each(cases)(
    '$label: every truncation of a valid encoding fails with KafkaDecodeError',
    ({ schema, version }) => {
      fc.assert(
        fc.property(messageArbitrary(schema, version), fc.nat(), (value, cutSeed) => {
          const bytes = encodeMessage(schema, version, value as never);
          if (bytes.length === 0) return;
          const cut = cutSeed % bytes.length;
          expect(() => decodeMessage(schema, version, bytes.subarray(0, cut))).toThrow(KafkaDecodeError);
        }),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    },
  );

  it.each(cases)('$label: flipped bytes and random bytes', ({ schema, version }) => {
    fc.assert(
      fc.property(
        messageArbitrary(schema, version),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.uint8Array({ maxLength: 64 }),
        (value, flips, random) => {
          const bytes = encodeMessage(schema, version, value as never);
          for (const [position, mask] of flips) {
            if (bytes.length > 0) bytes[position % bytes.length] ^= mask;
          }
          expectOnlyDecodeErrors(() => decodeMessage(schema, version, bytes, { maxLength: 4096 }));
          expectOnlyDecodeErrors(() => decodeMessage(schema, version, random));
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});

describe('schema rules', () => {
  const fetchRequest = API_REGISTRY.get(1)!.request;
  const metadataResponse = API_REGISTRY.get(3)!.response;

  it('writes absent fields as nothing and decodes them as their defaults', () => {
    // Fetch v3 has no isolation level, session or rack id: they come back as defaults.
    const value = decodeMessage(
      fetchRequest,
      3,
      encodeMessage(fetchRequest, 3, {
        replicaId: -1,
        maxWaitMs: 500,
        minBytes: 1,
        isolationLevel: 1,
        rackId: 'rack-a',
        topics: [],
      } as never),
    ) as Record<string, unknown>;
    expect(value).toMatchObject({
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      rackId: '',
      maxBytes: 0x7fffffff,
    });
  });

  it('refuses null where the version has no null, and accepts it where it has', () => {
    expect(() => encodeMessage(metadataResponse, 0, { brokers: [], topics: null } as never)).toThrow(
      /null is not allowed/,
    );
    const v12 = encodeMessage(metadataResponse, 12, {
      brokers: [],
      topics: [{ errorCode: 0, name: null, partitions: [] }],
    } as never);
    expect(
      (decodeMessage(metadataResponse, 12, v12) as { topics: { name: unknown }[] }).topics[0].name,
    ).toBeNull();
  });

  it('writes a tagged field only when it differs from its default', () => {
    const fetchResponse = API_REGISTRY.get(1)!.response;
    const partition = { partitionIndex: 0, errorCode: 0, highWatermark: 0n, records: new Uint8Array() };
    const plain = encodeMessage(fetchResponse, 12, {
      responses: [{ topic: 't', partitions: [partition] }],
    } as never);
    const hinted = encodeMessage(fetchResponse, 12, {
      responses: [
        { topic: 't', partitions: [{ ...partition, currentLeader: { leaderId: 2, leaderEpoch: 7 } }] },
      ],
    } as never);
    // tag 1 (currentLeader), size 9 (two int32 + the struct's own empty tag section)
    expect(hinted.length - plain.length).toBe(1 + 1 + 9);
    const decoded = decodeMessage(fetchResponse, 12, hinted) as {
      responses: { partitions: { currentLeader: unknown; divergingEpoch: unknown }[] }[];
    };
    expect(decoded.responses[0].partitions[0].currentLeader).toEqual({ leaderId: 2, leaderEpoch: 7 });
    expect(decoded.responses[0].partitions[0].divergingEpoch).toEqual({ epoch: -1, endOffset: -1n });
  });

  it('keeps unknown tagged fields so decode → encode reproduces the bytes', () => {
    const writer = new KafkaWriter();
    // Heartbeat v4 request: groupId, generationId, memberId, groupInstanceId, tags {7: [1,2,3]}
    writer.compactString('g').int32(3).compactString('m').compactNullableString(null);
    writer
      .uvarint(1)
      .uvarint(7)
      .uvarint(3)
      .raw(new Uint8Array([1, 2, 3]));
    const bytes = writer.toBytes();
    const heartbeat = API_REGISTRY.get(12)!.request;
    const value = decodeMessage(heartbeat, 4, bytes);
    expect(value).toEqual({
      groupId: 'g',
      generationId: 3,
      memberId: 'm',
      groupInstanceId: null,
      _unknownTaggedFields: [{ tag: 7, data: new Uint8Array([1, 2, 3]) }],
    });
    expect(encodeMessage(heartbeat, 4, value as never)).toEqual(bytes);
  });

  it('rejects tagged fields out of order and tagged values that do not fill their size', () => {
    const heartbeat = API_REGISTRY.get(12)!.request;
    const prefix = new KafkaWriter()
      .compactString('g')
      .int32(3)
      .compactString('m')
      .compactNullableString(null);
    const outOfOrder = new KafkaWriter()
      .raw(prefix.toBytes())
      .uvarint(2)
      .uvarint(9)
      .uvarint(0)
      .uvarint(8)
      .uvarint(0);
    expect(() => decodeMessage(heartbeat, 4, outOfOrder.toBytes())).toThrow(/out of order/);
    const fetchResponse = API_REGISTRY.get(1)!.response;
    // FetchResponse v12 top level: throttle, error, session, 0 topics, tags {0 (unknown at top level): …}
    const ok = new KafkaWriter()
      .int32(0)
      .int16(0)
      .int32(0)
      .compactArrayLength(0)
      .uvarint(1)
      .uvarint(5)
      .uvarint(1)
      .raw(new Uint8Array([9]));
    expect(decodeMessage(fetchResponse, 12, ok.toBytes())).toMatchObject({
      _unknownTaggedFields: [{ tag: 5 }],
    });
  });

  it('checks array counts against the bytes left before allocating', () => {
    const metadataRequest = API_REGISTRY.get(3)!.request;
    const forged = new KafkaWriter().int32(0x7fffffff).toBytes();
    expect(() => decodeMessage(metadataRequest, 1, forged)).toThrow(KafkaDecodeError);
    const compact = new KafkaWriter().uvarint(0xfffffffe).toBytes();
    expect(() => decodeMessage(metadataRequest, 9, compact)).toThrow(/exceeds/);
  });

  it('rejects versions outside the schema', () => {
    expect(() => encodeMessage(fetchRequest, 18, {} as never)).toThrow(/no version 18/);
    expect(() => fetchRequest.read(new KafkaReader(new Uint8Array()), -1)).toThrow(KafkaDecodeError);
  });
});
