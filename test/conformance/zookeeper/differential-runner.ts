// Runs scripted client sessions (raw jute via JuteProbe) against one ZooKeeper server and produces a
// normalized transcript: error names, reply-header zxids and every Stat field, with zxids made
// relative to the last zxid before the scenario, session ids replaced by session names, and ctime/mtime
// dropped. Two servers behave the same on the wire iff their transcripts are deep-equal.
import {
  CreateFlags,
  EventType,
  JuteProbe,
  KeeperState,
  decode,
  errorName,
  type ConnectOptions,
  type MultiResult,
  type Reply,
  type Stat,
  type WatcherEvent,
} from '../../support/jute-probe.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface TranscriptStep {
  [key: string]: Json;
}

export interface ServerAddress {
  host: string;
  port: number;
}

const eventTypeNames = new Map<number, string>(Object.entries(EventType).map(([k, v]) => [v, k]));
const stateNames = new Map<number, string>(Object.entries(KeeperState).map(([k, v]) => [v, k]));
const flagNames = new Map<number, string>(Object.entries(CreateFlags).map(([k, v]) => [v, k]));

export function flagName(flags: number): string {
  return flagNames.get(flags) ?? String(flags);
}

type Decoder = (body: Buffer, ctx: ScenarioContext) => Json;

export class ScenarioContext {
  readonly steps: TranscriptStep[] = [];
  private readonly probes = new Map<string, JuteProbe>();
  private readonly sessionNames = new Map<bigint, string>();
  private readonly address: ServerAddress;
  /** Last zxid processed before the scenario started. */
  readonly base: bigint;
  /** Pending promises that must not become unhandled rejections (e.g. requests whose reply never comes). */
  private readonly abandoned: Array<Promise<unknown>> = [];

  constructor(address: ServerAddress, base: bigint) {
    this.address = address;
    this.base = base;
  }

  // ---- normalization ----

  zxid(value: bigint): string {
    if (value === 0n) return '0';
    if (value < 0n) return String(value);
    if (value <= this.base) return 'pre';
    return `+${value - this.base}`;
  }

  owner(sessionId: bigint): string {
    if (sessionId === 0n) return '0';
    return this.sessionNames.get(sessionId) ?? `unknown-session`;
  }

  stat(stat: Stat): Json {
    return {
      czxid: this.zxid(stat.czxid),
      mzxid: this.zxid(stat.mzxid),
      pzxid: this.zxid(stat.pzxid),
      version: stat.version,
      cversion: stat.cversion,
      aversion: stat.aversion,
      ephemeralOwner: this.owner(stat.ephemeralOwner),
      dataLength: stat.dataLength,
      numChildren: stat.numChildren,
    };
  }

  event(event: WatcherEvent): Json {
    return {
      type: eventTypeNames.get(event.type) ?? String(event.type),
      state: stateNames.get(event.state) ?? String(event.state),
      path: event.path,
      zxid: this.zxid(event.zxid),
    };
  }

  data(data: Buffer | null): Json {
    if (data === null) return null;
    const text = data.toString('utf8');
    return Buffer.from(text, 'utf8').equals(data) && /^[\x20-\x7e]*$/.test(text)
      ? text
      : `hex:${data.toString('hex')}`;
  }

  multiResults(results: MultiResult[]): Json {
    return results.map((r): Json => {
      switch (r.type) {
        case 'create':
          return { type: 'create', path: r.path };
        case 'create2':
          return { type: 'create2', path: r.path, stat: this.stat(r.stat) };
        case 'setData':
          return { type: 'setData', stat: this.stat(r.stat) };
        case 'error':
          return { type: 'error', err: errorName(r.err) };
        case 'getChildren':
          return { type: 'getChildren', children: r.children === null ? null : [...r.children].sort() };
        case 'getData':
          return { type: 'getData', data: this.data(r.data), stat: this.stat(r.stat) };
        default:
          return { type: r.type };
      }
    });
  }

  // ---- sessions ----

  probe(session: string): JuteProbe {
    const p = this.probes.get(session);
    if (!p) throw new Error(`scenario: no session '${session}'`);
    return p;
  }

  /** Opens a session named `session`; records the negotiated parameters. */
  async open(session: string, options: Partial<ConnectOptions> = {}): Promise<JuteProbe> {
    const probe = await JuteProbe.connect({ ...this.address, ...options });
    this.probes.set(session, probe);
    const r = probe.connectResponse;
    if (r.sessionId !== 0n && !this.sessionNames.has(r.sessionId))
      this.sessionNames.set(r.sessionId, session);
    this.steps.push({
      session,
      op: 'connect',
      request: {
        sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
        reattach: options.sessionId !== undefined ? this.owner(options.sessionId) : null,
        passwd: options.passwd === undefined ? 'zeros' : 'given',
      },
      response: {
        protocolVersion: r.protocolVersion,
        timeOut: r.timeOut,
        sessionId: r.sessionId === 0n ? '0' : this.owner(r.sessionId),
        passwdLength: r.passwd.length,
        passwdAllZero: r.passwd.every((b) => b === 0),
        readOnly: r.readOnly === undefined ? 'absent' : r.readOnly,
      },
    });
    return probe;
  }

  /** Performs one request and records its outcome. */
  async op(
    session: string,
    op: string,
    request: Json,
    send: (p: JuteProbe) => Promise<Reply>,
    decoder?: Decoder,
  ): Promise<Reply> {
    const reply = await send(this.probe(session));
    const step: TranscriptStep = {
      session,
      op,
      request,
      err: errorName(reply.err),
      zxid: this.zxid(reply.zxid),
    };
    if (reply.err === 0 && decoder) step.response = decoder(reply.body, this);
    else if (reply.body.length > 0) step.responseHex = reply.body.toString('hex');
    this.steps.push(step);
    return reply;
  }

  /** Sends a request whose reply might never come; records what happened by the next ping. */
  async opMaybeNoReply(
    session: string,
    op: string,
    request: Json,
    send: (p: JuteProbe) => Promise<Reply>,
  ): Promise<void> {
    const probe = this.probe(session);
    let reply: Reply | undefined;
    let failure: string | undefined;
    const pending = send(probe).then(
      (r) => {
        reply = r;
      },
      (e: unknown) => {
        failure = e instanceof Error ? e.name : String(e);
      },
    );
    this.abandoned.push(pending);
    const ping = await probe.ping().then(
      (r) => ({ zxid: this.zxid(r.zxid), err: errorName(r.err) }),
      (e: unknown) => ({ failed: e instanceof Error ? e.name : String(e) }),
    );
    const step: TranscriptStep = { session, op, request };
    if (reply) {
      step.err = errorName(reply.err);
      step.zxid = this.zxid(reply.zxid);
    } else {
      step.reply = failure ? `none (${failure})` : 'none (overtaken by the next ping reply)';
    }
    step.followingPing = ping;
    step.connectionClosed = probe.isClosed;
    this.steps.push(step);
  }

  /** Collects the watch events that arrived for `session` up to a ping round trip. */
  async events(session: string): Promise<void> {
    const probe = this.probe(session);
    await probe.fence();
    this.steps.push({ session, op: 'events', events: probe.takeEvents().map((e) => this.event(e)) });
  }

  /** closeSession; records the reply and any events received before it. */
  async close(session: string): Promise<void> {
    const probe = this.probe(session);
    const reply = await probe.close();
    const step: TranscriptStep = { session, op: 'closeSession' };
    if (reply) {
      step.err = errorName(reply.err);
      step.zxid = this.zxid(reply.zxid);
    } else {
      step.reply = 'connection already closed';
    }
    const events = probe.takeEvents();
    if (events.length > 0) step.eventsBeforeClose = events.map((e) => this.event(e));
    this.steps.push(step);
    this.probes.delete(session);
  }

  /** Drops the TCP connection without closeSession (the session stays alive until it expires). */
  drop(session: string): void {
    this.probe(session).destroy();
    this.steps.push({ session, op: 'dropConnection' });
  }

  /** Waits for the server to close `session`'s connection (bounded) and records whether it did. */
  async expectClosedByServer(session: string, deadlineMs = 3_000): Promise<void> {
    const probe = this.probe(session);
    const closed = await probe.waitClosed(deadlineMs).then(
      () => true,
      () => false,
    );
    const events = probe.takeEvents();
    this.steps.push({
      session,
      op: 'serverClosedConnection',
      closed,
      events: events.map((e) => this.event(e)),
    });
    if (closed) this.probes.delete(session);
  }

  note(op: string, value: Json): void {
    this.steps.push({ op, value });
  }

  /** Closes every still-open session (closeSession, not recorded) so later scenarios start clean. */
  async cleanup(): Promise<void> {
    for (const [name, probe] of this.probes) {
      if (!probe.isClosed) await probe.close(5_000).catch(() => probe.destroy());
      this.probes.delete(name);
    }
    await Promise.allSettled(this.abandoned);
  }
}

// ---- decoders used by scenarios ----

export const decoders = {
  path: ((body) => ({ path: decode.path(body) })) as Decoder,
  pathAndStat: ((body, ctx) => {
    const r = decode.pathAndStat(body);
    return { path: r.path, stat: ctx.stat(r.stat) };
  }) as Decoder,
  stat: ((body, ctx) => ({ stat: ctx.stat(decode.stat(body)) })) as Decoder,
  dataAndStat: ((body, ctx) => {
    const r = decode.dataAndStat(body);
    return { data: ctx.data(r.data), stat: ctx.stat(r.stat) };
  }) as Decoder,
  aclAndStat: ((body, ctx) => {
    const r = decode.aclAndStat(body);
    return {
      acl: r.acl === null ? null : r.acl.map((a) => ({ perms: a.perms, scheme: a.id.scheme, id: a.id.id })),
      stat: ctx.stat(r.stat),
    };
  }) as Decoder,
  children: ((body) => {
    const c = decode.children(body);
    return { children: c === null ? null : [...c].sort() };
  }) as Decoder,
  childrenAndStat: ((body, ctx) => {
    const r = decode.childrenAndStat(body);
    return { children: r.children === null ? null : [...r.children].sort(), stat: ctx.stat(r.stat) };
  }) as Decoder,
  /** Children in the order the server sent them (Apache: Java HashSet iteration order). */
  childrenInServerOrder: ((body) => ({ children: decode.children(body) })) as Decoder,
  /** Paths in the order the server sent them. */
  stringsInServerOrder: ((body) => ({ paths: decode.strings(body) })) as Decoder,
  strings: ((body) => {
    const c = decode.strings(body);
    return { paths: c === null ? null : [...c].sort() };
  }) as Decoder,
  int: ((body) => ({ value: decode.int(body) })) as Decoder,
  clientInfo: ((body) => {
    const c = decode.clientInfo(body);
    // Sorted: Apache's order follows its internal auth-info collection, not the order of addAuth calls.
    const list = c === null ? null : c.map((i) => `${i.authScheme}:${i.user}`).sort();
    return { clientInfo: list };
  }) as Decoder,
  multi: ((body, ctx) => ({ results: ctx.multiResults(decode.multi(body)) })) as Decoder,
  empty: ((body) => ({ bodyLength: body.length })) as Decoder,
};

export interface Scenario {
  name: string;
  description: string;
  run(ctx: ScenarioContext): Promise<void>;
}

/** Reads the server's last processed zxid with a throwaway read on `observer`. */
export async function lastZxid(observer: JuteProbe): Promise<bigint> {
  const reply = await observer.exists('/');
  return reply.zxid;
}

export async function runScenario(
  address: ServerAddress,
  observer: JuteProbe,
  scenario: Scenario,
): Promise<TranscriptStep[]> {
  const base = await lastZxid(observer);
  const ctx = new ScenarioContext(address, base);
  try {
    await scenario.run(ctx);
  } finally {
    await ctx.cleanup();
  }
  return ctx.steps;
}
