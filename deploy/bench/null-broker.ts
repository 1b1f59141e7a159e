// A "null broker" for `kzlab bench produce`: it speaks just enough Kafka (ApiVersions, Metadata, Produce) for
// a producer to run at full speed, and acknowledges every batch without reading, checking or storing it.
// Whatever a producer reaches against it is what the client itself can do with a free broker: the honest
// ceiling to compare a real broker with. It runs in its own process (`node deploy/bench/null-broker.ts`),
// so it does not share the client's event loop; it prints `{"port":N}` on stdout when it listens.
//
// Every topic a client asks about exists, with `partitions` partitions (argv[3], default 1) led by this broker,
// so the client batches exactly as it does against the real topic.

import net from 'node:net';
import process from 'node:process';

import {
  ApiKey,
  apiVersionsTable,
  decodeRequestFrame,
  encodeResponseFrame,
  FrameSplitter,
  unsupportedApiVersionsResponse,
  type DecodedRequest,
} from '../../client/protocol/index.ts';
import { VERSION_CAPS } from '../../broker/api/kafka-apis.ts';

const NULL_BROKER_ID = 0;
const ADVERTISED = apiVersionsTable(VERSION_CAPS).filter((range) =>
  [ApiKey.ApiVersions, ApiKey.Metadata, ApiKey.Produce].includes(range.apiKey as never),
);

/** The answer to one request, or null for none (acks=0 produce). Offsets count up per topic-partition. */
interface NullBrokerState {
  port: number;
  readonly partitions: number;
  readonly nextOffsets: Map<string, bigint>;
}

function answer(request: DecodedRequest, state: NullBrokerState): Uint8Array | null {
  const { port, partitions, nextOffsets } = state;
  const respond = (body: unknown): Uint8Array =>
    encodeResponseFrame(request.apiKey, request.apiVersion, request.correlationId, body as never);
  switch (request.apiKey) {
    case ApiKey.ApiVersions:
      return respond({ errorCode: 0, apiKeys: ADVERTISED, throttleTimeMs: 0 });
    case ApiKey.Metadata: {
      const names = (request.body.topics ?? []).map((topic) => topic.name ?? '');
      return respond({
        throttleTimeMs: 0,
        brokers: [{ nodeId: NULL_BROKER_ID, host: '127.0.0.1', port, rack: null }],
        clusterId: 'null-broker',
        controllerId: NULL_BROKER_ID,
        topics: names.map((name) => ({
          errorCode: 0,
          name,
          isInternal: false,
          partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({
            errorCode: 0,
            partitionIndex,
            leaderId: NULL_BROKER_ID,
            leaderEpoch: 0,
            replicaNodes: [NULL_BROKER_ID],
            isrNodes: [NULL_BROKER_ID],
            offlineReplicas: [],
          })),
        })),
      });
    }
    case ApiKey.Produce: {
      if (request.body.acks === 0) return null;
      return respond({
        throttleTimeMs: 0,
        responses: request.body.topicData.map((topic) => ({
          name: topic.name,
          partitionResponses: topic.partitionData.map((data) => {
            const key = `${topic.name}-${data.index}`;
            const baseOffset = nextOffsets.get(key) ?? 0n;
            // Record count of a v2 batch: int32 at byte 57 of its header. Only the first batch is counted.
            const records = data.records;
            const count =
              records !== null && records.length >= 61
                ? new DataView(records.buffer, records.byteOffset).getInt32(57)
                : 0;
            nextOffsets.set(key, baseOffset + BigInt(Math.max(count, 0)));
            return {
              index: data.index,
              errorCode: 0,
              baseOffset,
              logAppendTimeMs: -1n,
              logStartOffset: 0n,
              errorMessage: null,
            };
          }),
        })),
      });
    }
    default:
      throw new Error(`the null broker does not serve ${request.apiKey}`);
  }
}

function serveConnection(socket: net.Socket, state: NullBrokerState): void {
  const splitter = new FrameSplitter();
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    const out: Uint8Array[] = [];
    try {
      for (const frame of splitter.push(chunk)) {
        const decoded = decodeRequestFrame(frame);
        if (decoded.kind === 'unsupported') {
          if (decoded.apiKey !== ApiKey.ApiVersions)
            throw new Error(`unsupported ${decoded.apiKey} v${decoded.apiVersion}`);
          out.push(unsupportedApiVersionsResponse(decoded.correlationId, ADVERTISED));
          continue;
        }
        const response = answer(decoded, state);
        if (response !== null) out.push(response);
      }
    } catch (error) {
      process.stderr.write(
        `null broker: closing a connection: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      socket.destroy();
      return;
    }
    if (out.length > 0) socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  });
}

export function startNullBroker(port = 0, partitions = 1): Promise<net.Server> {
  const state: NullBrokerState = { port: 0, partitions, nextOffsets: new Map() };
  const server = net.createServer((socket) => serveConnection(socket, state));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      state.port = (server.address() as net.AddressInfo).port;
      resolve(server);
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startNullBroker(Number(process.argv[2] ?? 0), Number(process.argv[3] ?? 1));
  process.stdout.write(`${JSON.stringify({ port: (server.address() as net.AddressInfo).port })}\n`);
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
