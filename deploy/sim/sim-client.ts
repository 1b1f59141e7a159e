// A ZooKeeper client inside the simulation: speaks the real client protocol (jute frames) to a simulated
// server, keeps its session across reconnects to other servers, and records every operation for the
// checkers: versioned create/setData/delete and sync+getData on a few znodes (linearizability), and the
// zxid of every reply (monotonic reads across reconnects: ZooKeeper's single system image).
import { JuteReader, JuteWriter } from '../../zookeeper-ensemble/jute/binary.ts';
import { KeeperErrorCode, OpCode, Xid } from '../../zookeeper-ensemble/jute/constants.ts';
import * as R from '../../zookeeper-ensemble/jute/schema.ts';
import { HistoryRecorder } from './checkers/linearizability.ts';
import type { ZnodeInput, ZnodeOutput } from './checkers/znode-model.ts';
import type { SimCluster } from './sim-cluster.ts';

const OPEN_ACL = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

interface Outstanding {
  opId: number | null;
  type: number;
  key: string;
  input: ZnodeInput | null;
  sentMs: number;
}

export interface ClientObservation {
  session: string;
  zxid: bigint;
  atMs: number;
}

export class SimClient {
  readonly name: string;
  private readonly cluster: SimCluster;
  private readonly history: HistoryRecorder<ZnodeInput, ZnodeOutput>;
  private readonly keys: string[];
  private connectionId: number | null = null;
  private connected = false;
  private sessionId = 0n;
  private passwd: Uint8Array = new Uint8Array(16);
  private lastZxidSeen = 0n;
  private xid = 1;
  private readonly outstanding = new Map<number, Outstanding>();
  private readonly versions = new Map<string, number>();
  private stopped = false;
  private opsLeft: number;
  private readonly observations: ClientObservation[];
  private generation = 0;
  opsCompleted = 0;

  constructor(
    name: string,
    cluster: SimCluster,
    history: HistoryRecorder<ZnodeInput, ZnodeOutput>,
    keys: string[],
    ops: number,
    observations: ClientObservation[],
  ) {
    this.name = name;
    this.cluster = cluster;
    this.history = history;
    this.keys = keys;
    this.opsLeft = ops;
    this.observations = observations;
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
  }

  get done(): boolean {
    return this.opsLeft <= 0 && this.outstanding.size === 0;
  }

  private connect(): void {
    if (this.stopped) return;
    const candidates = this.cluster.voters;
    const sid = this.cluster.prng.pick(candidates);
    const generation = ++this.generation;
    const id = this.cluster.openClient(sid, {
      onFrame: (bytes) => {
        if (generation === this.generation) this.onFrame(bytes);
      },
      onClosed: () => {
        if (generation === this.generation) this.onClosed();
      },
    });
    if (id === null) {
      this.cluster.queue.after(this.cluster.prng.int(5, 30), () => this.connect());
      return;
    }
    this.connectionId = id;
    const writer = frame();
    R.ConnectRequest.encode(writer, {
      protocolVersion: 0,
      lastZxidSeen: this.lastZxidSeen,
      timeOut: this.cluster.options.tickTimeMs * 10,
      sessionId: this.sessionId,
      passwd: this.passwd,
    });
    writer.writeBool(false);
    this.send(writer);
    // A connect that never completes (a server in the middle of an election) is abandoned.
    this.cluster.queue.after(this.cluster.options.tickTimeMs * 8, () => {
      if (generation === this.generation && !this.connected) this.dropConnection();
    });
  }

  private send(writer: JuteWriter): void {
    if (this.connectionId === null) return;
    writer.patchInt(0, writer.length - 4);
    this.cluster.sendFromClient(this.connectionId, writer.toBytes().subarray(4));
  }

  private dropConnection(): void {
    if (this.connectionId !== null) this.cluster.closeFromClient(this.connectionId);
    this.onClosed();
  }

  private onClosed(): void {
    this.generation++;
    this.connectionId = null;
    this.connected = false;
    // Requests in flight have an unknown outcome: they may or may not have been applied.
    for (const pending of this.outstanding.values())
      if (pending.opId !== null) this.history.fail(pending.opId);
    this.outstanding.clear();
    this.cluster.queue.after(this.cluster.prng.int(2, 20), () => this.connect());
  }

  /** `frame` is what the socket carries: a 4-byte length, then the payload. */
  private onFrame(frame: Uint8Array): void {
    const reader = new JuteReader(frame.subarray(4));
    if (!this.connected) {
      const response = R.ConnectResponse.decode(reader);
      if (response.timeOut <= 0) {
        // Session expired: start a new one.
        this.sessionId = 0n;
        this.passwd = new Uint8Array(16);
        return;
      }
      this.sessionId = response.sessionId;
      this.passwd = response.passwd ?? new Uint8Array(16);
      this.connected = true;
      this.scheduleNext();
      return;
    }
    const header = R.ReplyHeader.decode(reader);
    if (header.xid === Xid.NOTIFICATION || header.xid === Xid.PING) return;
    if (header.zxid > 0n) {
      if (header.zxid > this.lastZxidSeen) this.lastZxidSeen = header.zxid;
      this.observations.push({
        session: `${this.name}:${this.sessionId.toString(16)}`,
        zxid: header.zxid,
        atMs: this.cluster.nowMs,
      });
    }
    const pending = this.outstanding.get(header.xid);
    if (!pending) return;
    this.outstanding.delete(header.xid);
    if (pending.opId === null) return; // the sync half of a sync+getData read
    const output = this.outputOf(pending, header.err, reader);
    if (output === null) this.history.fail(pending.opId);
    else this.history.complete(pending.opId, output, this.cluster.nowMs);
    this.opsCompleted++;
    this.scheduleNext();
  }

  private outputOf(pending: Outstanding, err: number, reader: JuteReader): ZnodeOutput | null {
    if (err === KeeperErrorCode.NODEEXISTS) return { code: 'NODEEXISTS' };
    if (err === KeeperErrorCode.NONODE) return { code: 'NONODE' };
    if (err === KeeperErrorCode.BADVERSION) return { code: 'BADVERSION' };
    if (err !== 0) return null;
    switch (pending.type) {
      case OpCode.create:
        this.versions.set(pending.key, 0);
        return { code: 'OK' };
      case OpCode.setData: {
        const { stat } = R.SetDataResponse.decode(reader);
        this.versions.set(pending.key, stat.version);
        return { code: 'OK', version: stat.version };
      }
      case OpCode.delete:
        this.versions.delete(pending.key);
        return { code: 'OK' };
      case OpCode.getData: {
        const { data, stat } = R.GetDataResponse.decode(reader);
        this.versions.set(pending.key, stat.version);
        return {
          code: 'OK',
          version: stat.version,
          data: new TextDecoder().decode(data ?? new Uint8Array(0)),
        };
      }
      default:
        return null;
    }
  }

  private scheduleNext(): void {
    if (this.opsLeft <= 0 || this.stopped) return;
    this.cluster.queue.after(this.cluster.prng.int(1, 40), () => this.issue());
  }

  private issue(): void {
    if (!this.connected || this.outstanding.size > 0 || this.opsLeft <= 0 || this.stopped) return;
    this.opsLeft--;
    const prng = this.cluster.prng;
    const key = prng.pick(this.keys);
    const path = `/${key}`;
    const data = `${this.name}-${this.opsLeft}`;
    const roll = prng.next();
    const known = this.versions.get(key);
    const version = known !== undefined && prng.chance(0.7) ? known : -1;
    if (roll < 0.2)
      return this.request(OpCode.create, key, { type: 'create', data }, (w) =>
        R.CreateRequest.encode(w, { path, data: new TextEncoder().encode(data), acl: OPEN_ACL, flags: 0 }),
      );
    if (roll < 0.65)
      return this.request(OpCode.setData, key, { type: 'setData', data, version }, (w) =>
        R.SetDataRequest.encode(w, { path, data: new TextEncoder().encode(data), version }),
      );
    if (roll < 0.75)
      return this.request(OpCode.delete, key, { type: 'delete', version }, (w) =>
        R.DeleteRequest.encode(w, { path, version }),
      );
    // A linearizable read: sync, then getData on the same connection (FIFO keeps them in order).
    const syncXid = this.xid++;
    this.outstanding.set(syncXid, {
      opId: null,
      type: OpCode.sync,
      key,
      input: null,
      sentMs: this.cluster.nowMs,
    });
    const syncWriter = frame();
    R.RequestHeader.encode(syncWriter, { xid: syncXid, type: OpCode.sync });
    R.SyncRequest.encode(syncWriter, { path });
    this.send(syncWriter);
    this.request(OpCode.getData, key, { type: 'getData' }, (w) =>
      R.GetDataRequest.encode(w, { path, watch: false }),
    );
  }

  private request(type: number, key: string, input: ZnodeInput, body: (w: JuteWriter) => void): void {
    const xid = this.xid++;
    const opId = this.history.invoke(this.name, key, input, this.cluster.nowMs);
    this.outstanding.set(xid, { opId, type, key, input, sentMs: this.cluster.nowMs });
    const writer = frame();
    R.RequestHeader.encode(writer, { xid, type });
    body(writer);
    this.send(writer);
    const generation = this.generation;
    // A request unanswered for long is given up on (its outcome unknown), as a client's timeout does.
    this.cluster.queue.after(this.cluster.options.tickTimeMs * 15, () => {
      if (generation === this.generation && this.outstanding.has(xid)) this.dropConnection();
    });
  }
}

function frame(): JuteWriter {
  return new JuteWriter(128).writeInt(0);
}
