// A minimal scripted ZooKeeper client for readable simulation scenarios: connect to one server, send a
// request, and look at its outcome once simulated time has passed (OK with its zxid, an error code, or
// unknown if the connection went away first).
import { JuteReader, JuteWriter } from '../../zookeeper-ensemble/jute/binary.ts';
import { OpCode } from '../../zookeeper-ensemble/jute/constants.ts';
import * as R from '../../zookeeper-ensemble/jute/schema.ts';
import type { SimCluster } from './sim-cluster.ts';

export interface Outcome {
  state: 'pending' | 'ok' | 'error' | 'unknown';
  err: number;
  zxid: bigint;
  data: Uint8Array | null;
}

const OPEN_ACL = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

export class ScriptedClient {
  private readonly cluster: SimCluster;
  private connectionId: number | null = null;
  connected = false;
  closed = false;
  private xid = 1;
  private readonly pending = new Map<number, { type: number; outcome: Outcome }>();

  constructor(cluster: SimCluster, sid: number) {
    this.cluster = cluster;
    this.connectionId = cluster.openClient(sid, { onFrame: (bytes) => this.onFrame(bytes), onClosed: () => this.onClosed() });
    const writer = new JuteWriter().writeInt(0);
    R.ConnectRequest.encode(writer, { protocolVersion: 0, lastZxidSeen: 0n, timeOut: 30_000, sessionId: 0n, passwd: new Uint8Array(16) });
    this.send(writer);
  }

  private send(writer: JuteWriter): void {
    if (this.connectionId === null) return;
    writer.patchInt(0, writer.length - 4);
    this.cluster.sendFromClient(this.connectionId, writer.toBytes().subarray(4));
  }

  private onFrame(frame: Uint8Array): void {
    const reader = new JuteReader(frame.subarray(4));
    if (!this.connected) {
      this.connected = R.ConnectResponse.decode(reader).timeOut > 0;
      return;
    }
    const header = R.ReplyHeader.decode(reader);
    const pending = this.pending.get(header.xid);
    if (!pending) return;
    this.pending.delete(header.xid);
    Object.assign(pending.outcome, { state: header.err === 0 ? 'ok' : 'error', err: header.err, zxid: header.zxid });
    if (header.err === 0 && pending.type === OpCode.getData) pending.outcome.data = R.GetDataResponse.decode(reader).data;
  }

  private onClosed(): void {
    this.closed = true;
    this.connected = false;
    for (const { outcome } of this.pending.values()) outcome.state = 'unknown';
    this.pending.clear();
  }

  private request(type: number, body: (w: JuteWriter) => void): Outcome {
    const outcome: Outcome = { state: 'pending', err: 0, zxid: 0n, data: null };
    const xid = this.xid++;
    this.pending.set(xid, { type, outcome });
    const writer = new JuteWriter().writeInt(0);
    R.RequestHeader.encode(writer, { xid, type });
    body(writer);
    this.send(writer);
    return outcome;
  }

  create(path: string, data: string): Outcome {
    return this.request(OpCode.create, (w) =>
      R.CreateRequest.encode(w, { path, data: new TextEncoder().encode(data), acl: OPEN_ACL, flags: 0 }),
    );
  }

  setData(path: string, data: string, version = -1): Outcome {
    return this.request(OpCode.setData, (w) => R.SetDataRequest.encode(w, { path, data: new TextEncoder().encode(data), version }));
  }

  sync(path: string): Outcome {
    return this.request(OpCode.sync, (w) => R.SyncRequest.encode(w, { path }));
  }

  getData(path: string): Outcome {
    return this.request(OpCode.getData, (w) => R.GetDataRequest.encode(w, { path, watch: false }));
  }
}
