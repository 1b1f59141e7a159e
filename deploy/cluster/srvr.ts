// The answer to the four-letter word `srvr`, as Apache ZooKeeper 3.8 (and kzlab's server) print it:
//
//   Zookeeper version: 3.8.0-…, built on …
//   Latency min/avg/max: 0/0.4/12
//   Received: 57
//   Sent: 56
//   Connections: 2
//   Outstanding: 0
//   Zxid: 0x100000003
//   Mode: follower
//   Node count: 5
//   Proposal sizes last/min/max: 36/32/36        (leader only)
//
// or, while the server has no quorum (electing, partitioned away):
//
//   This ZooKeeper instance is not currently serving requests
//
// Pure.

/** A server's role as `srvr` says it (`Mode:`), or why it has none. */
export type ServerMode =
  | 'leader'
  | 'follower'
  | 'observer'
  | 'standalone'
  | 'read-only'
  /** It answers, but says it is not serving (looking for a leader, or lost its quorum). */
  | 'not-serving'
  /** Its process runs but it did not answer in time (starting, or stuck). */
  | 'unreachable'
  /** SIGSTOPped by `kzlab pause`. */
  | 'paused'
  /** A Kafka broker that holds the controller (its admin HTTP says controllerId = its own id). */
  | 'controller'
  /** A Kafka broker registered in ZooKeeper (/brokers/ids/<id>), not the controller. */
  | 'broker'
  /** No process. */
  | 'down';

export const NOT_SERVING_TEXT = 'This ZooKeeper instance is not currently serving requests';

export interface SrvrReport {
  readonly serving: boolean;
  readonly mode: ServerMode;
  readonly version?: string;
  readonly latencyMs?: { readonly min: number; readonly avg: number; readonly max: number };
  readonly received?: number;
  readonly sent?: number;
  readonly connections?: number;
  readonly outstanding?: number;
  /** As printed, e.g. `0x100000003`. */
  readonly zxid?: string;
  readonly nodeCount?: number;
}

/** Parses a `srvr` (or `stat`) answer. Unknown lines are ignored. */
export function parseSrvr(text: string): SrvrReport {
  if (text.includes(NOT_SERVING_TEXT)) return { serving: false, mode: 'not-serving' };
  const fields = new Map<string, string>();
  let readOnly = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('READ-ONLY mode')) readOnly = true;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const modeText = fields.get('Mode');
  if (modeText === undefined) {
    throw new Error(`not a srvr answer: ${JSON.stringify(text.slice(0, 120))}`);
  }
  const mode: ServerMode = readOnly ? 'read-only' : toMode(modeText);
  const number = (key: string): number | undefined => {
    const value = fields.get(key);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  };
  const report: {
    -readonly [K in keyof SrvrReport]: SrvrReport[K];
  } = { serving: true, mode };
  const version = fields.get('Zookeeper version');
  if (version !== undefined) report.version = version;
  const latency = fields.get('Latency min/avg/max')?.split('/').map(Number);
  if (latency !== undefined && latency.length === 3 && latency.every(Number.isFinite)) {
    report.latencyMs = { min: latency[0], avg: latency[1], max: latency[2] };
  }
  report.received = number('Received');
  report.sent = number('Sent');
  report.connections = number('Connections');
  report.outstanding = number('Outstanding');
  const zxid = fields.get('Zxid');
  if (zxid !== undefined) report.zxid = zxid;
  report.nodeCount = number('Node count');
  for (const key of Object.keys(report) as (keyof SrvrReport)[]) {
    if (report[key] === undefined) delete report[key];
  }
  return report;
}

function toMode(text: string): ServerMode {
  switch (text) {
    case 'leader':
    case 'follower':
    case 'observer':
    case 'standalone':
      return text;
    case 'read-only':
      return 'read-only';
    default:
      throw new Error(`unknown srvr Mode: ${JSON.stringify(text)}`);
  }
}

/** Modes in which the server answers clients. */
export function isServingMode(mode: ServerMode): boolean {
  return mode === 'leader' || mode === 'follower' || mode === 'observer' || mode === 'standalone';
}
