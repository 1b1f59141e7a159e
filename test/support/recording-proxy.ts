// A TCP proxy between a ZooKeeper client and server that records every length-prefixed frame in each
// direction (bytes untouched), plus a best-effort annotator that names each frame (ConnectRequest,
// request xid/op/path, reply, notification, ping, 4lw…). Used to capture golden bytes from real clients.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { EventType, JuteReader, OpCode, errorName } from './jute-probe.ts';

export interface RecordedFrame {
  /** Index of the client connection through the proxy (0, 1, … in accept order). */
  connection: number;
  direction: 'c2s' | 's2c';
  /** Whole frame including the 4-byte length prefix (or the raw bytes of a four-letter-word exchange). */
  bytes: Buffer;
  /** True for four-letter-word traffic (not length-prefixed). */
  raw?: boolean;
  atMs: number;
}

export interface RecordingProxy {
  host: string;
  port: number;
  connectString: string;
  readonly frames: RecordedFrame[];
  /** Number of client connections accepted so far. */
  readonly connections: number;
  /** Destroys every proxied connection (both sides), as a network failure would. */
  dropConnections(): void;
  stop(): Promise<void>;
}

const FOUR_LETTER_WORDS = new Set([
  'ruok',
  'srvr',
  'stat',
  'conf',
  'envi',
  'mntr',
  'cons',
  'crst',
  'srst',
  'dump',
  'wchs',
  'wchc',
  'wchp',
  'dirs',
  'isro',
  'gtmk',
  'stmk',
  'hash',
]);

export async function startRecordingProxy(options: {
  targetHost: string;
  targetPort: number;
  host?: string;
  port?: number;
}): Promise<RecordingProxy> {
  const host = options.host ?? '127.0.0.1';
  const frames: RecordedFrame[] = [];
  const sockets = new Set<Socket>();
  const started = Date.now();
  let connections = 0;

  const server: Server = createServer((client) => {
    const id = connections++;
    const upstream = connect({ host: options.targetHost, port: options.targetPort });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    let raw: boolean | undefined;
    const pending = { c2s: Buffer.alloc(0), s2c: Buffer.alloc(0) };

    const record = (direction: 'c2s' | 's2c', chunk: Buffer) => {
      if (raw === undefined && direction === 'c2s') {
        raw = chunk.length >= 4 && FOUR_LETTER_WORDS.has(chunk.subarray(0, 4).toString('latin1'));
      }
      if (raw) {
        frames.push({
          connection: id,
          direction,
          bytes: Buffer.from(chunk),
          raw: true,
          atMs: Date.now() - started,
        });
        return;
      }
      let buffer = Buffer.concat([pending[direction], chunk]);
      while (buffer.length >= 4) {
        const length = buffer.readInt32BE(0);
        if (length < 0 || buffer.length < 4 + length) break;
        frames.push({
          connection: id,
          direction,
          bytes: Buffer.from(buffer.subarray(0, 4 + length)),
          atMs: Date.now() - started,
        });
        buffer = buffer.subarray(4 + length);
      }
      pending[direction] = buffer;
    };

    client.on('data', (chunk: Buffer) => {
      record('c2s', chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      record('s2c', chunk);
      client.write(chunk);
    });
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? 0 }, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('recording proxy: no address');

  return {
    host,
    port: address.port,
    connectString: `${host}:${address.port}`,
    frames,
    get connections() {
      return connections;
    },
    dropConnections() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    async stop() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Annotation

const opNames = new Map<number, string>(Object.entries(OpCode).map(([k, v]) => [v, k]));
const eventNames = new Map<number, string>(Object.entries(EventType).map(([k, v]) => [v, k]));

export interface GoldenFrame {
  connection: number;
  direction: 'c2s' | 's2c';
  hex: string;
  note: string;
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

function requestNote(type: number, body: JuteReader): string {
  const name = opNames.get(type) ?? `op${type}`;
  const parts: string[] = [name];
  try {
    switch (type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL: {
        const path = body.ustring();
        const data = body.buffer_();
        const acl = body.acls();
        const flags = body.int();
        parts.push(
          `path=${path}`,
          `dataLength=${data === null ? -1 : data.length}`,
          `acl=${acl?.length ?? -1}`,
          `flags=${flags}`,
        );
        if (type === OpCode.createTTL) parts.push(`ttl=${body.long()}`);
        break;
      }
      case OpCode.delete:
      case OpCode.check:
        parts.push(`path=${body.ustring()}`, `version=${body.int()}`);
        break;
      case OpCode.exists:
      case OpCode.getData:
      case OpCode.getChildren:
      case OpCode.getChildren2:
        parts.push(`path=${body.ustring()}`, `watch=${body.bool()}`);
        break;
      case OpCode.setData: {
        const path = body.ustring();
        const data = body.buffer_();
        parts.push(`path=${path}`, `dataLength=${data === null ? -1 : data.length}`, `version=${body.int()}`);
        break;
      }
      case OpCode.getACL:
      case OpCode.sync:
      case OpCode.getAllChildrenNumber:
      case OpCode.getEphemerals:
        parts.push(`path=${body.ustring()}`);
        break;
      case OpCode.setACL: {
        const path = body.ustring();
        const acl = body.acls();
        parts.push(`path=${path}`, `acl=${acl?.length ?? -1}`, `version=${body.int()}`);
        break;
      }
      case OpCode.auth:
        parts.push(
          `type=${body.int()}`,
          `scheme=${body.ustring()}`,
          `authLength=${body.buffer_()?.length ?? -1}`,
        );
        break;
      case OpCode.setWatches:
      case OpCode.setWatches2: {
        parts.push(`relativeZxid=${hex(body.long())}`);
        const lists =
          type === OpCode.setWatches
            ? ['data', 'exist', 'child']
            : ['data', 'exist', 'child', 'persistent', 'persistentRecursive'];
        for (const list of lists) parts.push(`${list}=[${(body.strings() ?? []).join(',')}]`);
        break;
      }
      case OpCode.multi:
      case OpCode.multiRead: {
        const ops: string[] = [];
        for (;;) {
          const opType = body.int();
          const done = body.bool();
          body.int();
          if (done) break;
          const opName = opNames.get(opType) ?? `op${opType}`;
          const path = body.ustring();
          ops.push(`${opName} ${path}`);
          switch (opType) {
            case OpCode.create:
            case OpCode.create2:
              body.buffer_();
              body.acls();
              body.int();
              break;
            case OpCode.delete:
            case OpCode.check:
              body.int();
              break;
            case OpCode.setData:
              body.buffer_();
              body.int();
              break;
            case OpCode.getData:
            case OpCode.getChildren:
              body.bool();
              break;
            default:
              break;
          }
        }
        parts.push(`ops=[${ops.join('; ')}]`);
        break;
      }
      default:
        break;
    }
  } catch (error) {
    parts.push(`(undecoded: ${(error as Error).message})`);
  }
  return parts.join(' ');
}

/**
 * Names each frame of each connection: the first c2s frame is a ConnectRequest, the first s2c frame a
 * ConnectResponse; then RequestHeader/ReplyHeader framing with replies matched to requests by xid.
 */
export function annotateFrames(frames: readonly RecordedFrame[]): GoldenFrame[] {
  const perConnection = new Map<
    number,
    { seenConnectRequest: boolean; seenConnectResponse: boolean; xidToOp: Map<number, number> }
  >();
  return frames.map((frame) => {
    const out: GoldenFrame = {
      connection: frame.connection,
      direction: frame.direction,
      hex: frame.bytes.toString('hex'),
      note: '',
    };
    if (frame.raw) {
      out.note = `four-letter word ${frame.direction === 'c2s' ? 'command' : 'answer'}: ${JSON.stringify(frame.bytes.toString('latin1').slice(0, 60))}`;
      return out;
    }
    let state = perConnection.get(frame.connection);
    if (!state) {
      state = { seenConnectRequest: false, seenConnectResponse: false, xidToOp: new Map() };
      perConnection.set(frame.connection, state);
    }
    const r = new JuteReader(frame.bytes.subarray(4));
    try {
      if (frame.direction === 'c2s' && !state.seenConnectRequest) {
        state.seenConnectRequest = true;
        const protocolVersion = r.int();
        const lastZxidSeen = r.long();
        const timeOut = r.int();
        const sessionId = r.long();
        const passwd = r.buffer_();
        const readOnly = r.remaining > 0 ? String(r.bool()) : 'absent';
        out.note =
          `ConnectRequest protocolVersion=${protocolVersion} lastZxidSeen=${hex(lastZxidSeen)} timeOut=${timeOut} ` +
          `sessionId=${hex(sessionId)} passwdLength=${passwd?.length ?? -1} readOnly=${readOnly}`;
        return out;
      }
      if (frame.direction === 's2c' && !state.seenConnectResponse) {
        state.seenConnectResponse = true;
        const protocolVersion = r.int();
        const timeOut = r.int();
        const sessionId = r.long();
        const passwd = r.buffer_();
        const readOnly = r.remaining > 0 ? String(r.bool()) : 'absent';
        out.note = `ConnectResponse protocolVersion=${protocolVersion} timeOut=${timeOut} sessionId=${hex(sessionId)} passwdLength=${passwd?.length ?? -1} readOnly=${readOnly}`;
        return out;
      }
      if (frame.direction === 'c2s') {
        const xid = r.int();
        const type = r.int();
        state.xidToOp.set(xid, type);
        out.note = `request xid=${xid} ${requestNote(type, r)}`;
        return out;
      }
      const xid = r.int();
      const zxid = r.long();
      const err = r.int();
      if (xid === -1) {
        const type = r.int();
        const keeperState = r.int();
        const path = r.ustring();
        out.note = `notification xid=-1 zxid=${zxid} ${eventNames.get(type) ?? type} state=${keeperState} path=${path}`;
        return out;
      }
      const type = state.xidToOp.get(xid);
      state.xidToOp.delete(xid);
      const opName = type === undefined ? 'unknown request' : (opNames.get(type) ?? `op${type}`);
      out.note = `reply xid=${xid} zxid=${hex(zxid)} err=${errorName(err)} to ${opName} bodyLength=${r.remaining}`;
    } catch (error) {
      out.note = `undecoded frame (${(error as Error).message})`;
    }
    return out;
  });
}
