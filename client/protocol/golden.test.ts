// Golden bytes captured from real clients (kafkajs 2.2.4, @platformatic/kafka 1.35, kcat 1.7.1 on
// librdkafka 2.0.2) talking to test/support/kafka-fake-broker.ts — see test/fixtures/kafka/README.md.
// Every request frame must decode with the schema of its (apiKey, version) and re-encode to the same bytes.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { ApiKey, apiName } from './api-keys.ts';
import { KafkaWriter } from './binary.ts';
import { decodeRequestFrame, type DecodedRequest } from './codec.ts';
import { RequestHeader } from './messages/header.ts';
import { API_REGISTRY } from './registry.ts';
import type { MessageSchema } from './schema.ts';

interface GoldenFrame {
  profile: string;
  connection: number;
  direction: 'request';
  apiKey: number;
  apiVersion: number;
  hex: string;
  note: string;
}

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'kafka');
const CLIENTS = ['kafkajs', 'platformatic', 'kcat'] as const;

function load(client: string): GoldenFrame[] {
  const path = join(fixtures, `golden-${client}.json`);
  if (!existsSync(path)) throw new Error(`missing ${path}; run npx node test/fixtures/kafka/capture.ts`);
  return JSON.parse(readFileSync(path, 'utf8')) as GoldenFrame[];
}

const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

/** Re-encodes a decoded request (header included, so header tags survive) with its size prefix. */
function reencode(request: DecodedRequest): Uint8Array {
  const writer = new KafkaWriter();
  writer.int32(0);
  RequestHeader.write(writer, request.headerVersion, request.header);
  const schema = API_REGISTRY.get(request.apiKey)!.request as MessageSchema;
  schema.write(writer, request.apiVersion, request.body as never);
  writer.patchInt32(0, writer.length - 4);
  return writer.toBytes();
}

function decodeGolden(frame: GoldenFrame): DecodedRequest {
  const bytes = unhex(frame.hex);
  expect(new DataView(bytes.buffer).getInt32(0)).toBe(bytes.length - 4);
  const request = decodeRequestFrame(bytes.subarray(4));
  if (request.kind !== 'request') throw new Error(`${frame.note}: ${request.reason}`);
  return request;
}

describe.each(CLIENTS)('golden frames of %s', (client) => {
  const frames = load(client);

  it('has frames', () => {
    expect(frames.length).toBeGreaterThan(10);
  });

  it.each(
    frames.map((frame, index) => ({
      ...frame,
      index,
      label: `${index} ${frame.profile} ${frame.note.slice(0, 60)}`,
    })),
  )('$label', (frame) => {
    const request = decodeGolden(frame);
    expect(request.apiKey).toBe(frame.apiKey);
    expect(request.apiVersion).toBe(frame.apiVersion);
    expect(frame.note.startsWith(`${apiName(frame.apiKey)} v${frame.apiVersion}`)).toBe(true);
    expect(Buffer.from(reencode(request)).toString('hex')).toBe(frame.hex);
  });
});

describe('what the golden frames say about each client', () => {
  const versionsOf = (client: string, profile: string) => {
    const seen = new Map<string, Set<number>>();
    for (const frame of load(client).filter((f) => f.profile === profile)) {
      const name = apiName(frame.apiKey);
      if (!seen.has(name)) seen.set(name, new Set());
      seen.get(name)!.add(frame.apiVersion);
    }
    return Object.fromEntries(
      [...seen].map(([name, versions]) => [name, [...versions].sort((a, b) => a - b)]),
    );
  };

  it('kafkajs uses min(its max, our max) and never a flexible version', () => {
    expect(versionsOf('kafkajs', 'full')).toMatchObject({
      ApiVersions: [2],
      Metadata: [6],
      Produce: [7],
      Fetch: [11],
      ListOffsets: [3],
      CreateTopics: [3],
      FindCoordinator: [2],
      JoinGroup: [5],
      SyncGroup: [3],
      OffsetFetch: [4],
      OffsetCommit: [5],
      LeaveGroup: [3],
      DeleteTopics: [1],
    });
    for (const frame of load('kafkajs')) {
      expect(decodeGolden(frame).headerVersion).toBe(1);
    }
  });

  it('kcat opens every connection with a flexible ApiVersions v3 and falls back to v0 on error 35', () => {
    const frames = load('kcat');
    const first = decodeGolden(frames[0]);
    expect(first.apiKey).toBe(ApiKey.ApiVersions);
    expect(first.apiVersion).toBe(3);
    expect(first.headerVersion).toBe(2);
    expect(first.header.clientId).toBe('kzlab-golden-kcat');
    if (first.apiKey === ApiKey.ApiVersions) {
      expect(first.body.clientSoftwareName).toBe('librdkafka');
      expect(first.body.clientSoftwareVersion).toBe('2.0.2');
    }
    const reference = frames.filter((f) => f.profile === 'reference');
    expect(reference[0].apiVersion).toBe(3);
    expect(reference[1]).toMatchObject({
      apiKey: ApiKey.ApiVersions,
      apiVersion: 0,
      connection: reference[0].connection,
    });
    expect(versionsOf('kcat', 'full')).toMatchObject({
      Metadata: [4],
      Produce: [7],
      Fetch: [11],
      OffsetFetch: [7],
    });
    expect(versionsOf('kcat', 'reference')).toMatchObject({
      Metadata: [4],
      Produce: [3],
      Fetch: [4],
      ListOffsets: [1],
    });
  });

  it('@platformatic/kafka sends only flexible versions, Fetch by topic id', () => {
    expect(versionsOf('platformatic', 'full')).toMatchObject({
      ApiVersions: [3],
      Metadata: [12],
      Produce: [11],
      Fetch: [17],
      ListOffsets: [9],
      CreateTopics: [7],
      FindCoordinator: [6],
      JoinGroup: [9],
      SyncGroup: [5],
      OffsetCommit: [9],
      LeaveGroup: [5],
      DeleteTopics: [6],
    });
    for (const frame of load('platformatic')) expect(decodeGolden(frame).headerVersion).toBe(2);
    const fetch = load('platformatic')
      .map(decodeGolden)
      .find((r) => r.apiKey === ApiKey.Fetch);
    if (fetch?.apiKey !== ApiKey.Fetch) throw new Error('no Fetch in the platformatic capture');
    expect(fetch.body.topics[0].topic).toBe('');
    expect(fetch.body.topics[0].topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
