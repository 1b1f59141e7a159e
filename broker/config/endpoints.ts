// Listener end points (`listeners`, `advertised.listeners`, `listener.security.protocol.map`) and the
// ZooKeeper connect string (`zookeeper.connect`), parsed the way Kafka 2.4 and the ZooKeeper client do.
//
// Pure: no I/O. Problems are returned as plain sentences; broker-config.ts turns them into ConfigErrors
// that name the key, value and line.

/** Kafka's security protocols (org.apache.kafka.common.security.auth.SecurityProtocol). */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export function isSecurityProtocol(value: string): value is SecurityProtocol {
  return (SECURITY_PROTOCOLS as readonly string[]).includes(value);
}

/** One end point, e.g. `PLAINTEXT://broker-1:9092` (kafka.cluster.EndPoint). */
export interface EndPoint {
  /** Listener name, upper-cased as Kafka normalises it (ListenerName.normalised). */
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  /** Host name or address; `''` means "all interfaces" when binding (Kafka stores null). IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
}

/** `PLAINTEXT://host:port`, with IPv6 hosts in brackets, as Kafka's EndPoint.connectionString writes it. */
export function endPointConnectionString(endPoint: EndPoint): string {
  const host = endPoint.host.includes(':') ? `[${endPoint.host}]` : endPoint.host;
  return `${endPoint.listenerName}://${host}:${endPoint.port}`;
}

export class EndPointParseError extends Error {}

/** `listener.security.protocol.map`: `NAME:PROTOCOL,NAME:PROTOCOL`. */
export function parseListenerSecurityProtocolMap(value: string): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  const trimmed = value.trim();
  if (trimmed === '') return map;
  for (const item of trimmed.split(/\s*,\s*/)) {
    const colon = item.lastIndexOf(':');
    if (colon <= 0 || colon === item.length - 1) {
      throw new EndPointParseError(`"${item}" is not of the form LISTENER_NAME:SECURITY_PROTOCOL`);
    }
    const name = item.slice(0, colon).trim().toUpperCase();
    const protocol = item
      .slice(colon + 1)
      .trim()
      .toUpperCase();
    if (!isSecurityProtocol(protocol)) {
      throw new EndPointParseError(
        `unknown security protocol "${protocol}" for listener ${name} (expected one of ${SECURITY_PROTOCOLS.join(', ')})`,
      );
    }
    if (map.has(name)) throw new EndPointParseError(`listener ${name} is mapped twice`);
    map.set(name, protocol);
  }
  return map;
}

/** The default map: each protocol is also a listener name of itself. */
export function defaultListenerSecurityProtocolMap(): Map<string, SecurityProtocol> {
  return new Map(SECURITY_PROTOCOLS.map((p) => [p, p]));
}

const END_POINT = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;

/** Parses one `NAME://host:port` (EndPoint.createEndPoint). */
export function parseEndPoint(text: string, protocolMap: ReadonlyMap<string, SecurityProtocol>): EndPoint {
  const match = END_POINT.exec(text);
  if (!match)
    throw new EndPointParseError(`unable to parse "${text}" as an end point (expected NAME://host:port)`);
  const listenerName = match[1].toUpperCase();
  const securityProtocol = protocolMap.get(listenerName);
  if (securityProtocol === undefined) {
    throw new EndPointParseError(
      `no security protocol defined for listener ${listenerName} (add it to listener.security.protocol.map)`,
    );
  }
  const port = Number(match[3]);
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) {
    throw new EndPointParseError(`port ${match[3]} of "${text}" is not between 0 and 65535`);
  }
  return { listenerName, securityProtocol, host: match[2], port };
}

/**
 * A comma-separated end-point list (CoreUtils.listenerListToEndPoints). Names must be distinct; with
 * `requireDistinctPorts` (the `listeners` key) ports must be too, except port 0 ("pick a free port").
 */
export function parseEndPointList(
  value: string,
  protocolMap: ReadonlyMap<string, SecurityProtocol>,
  requireDistinctPorts: boolean,
): EndPoint[] {
  const trimmed = value.trim();
  if (trimmed === '') return [];
  const endPoints = trimmed.split(/\s*,\s*/).map((item) => parseEndPoint(item, protocolMap));
  const names = new Set<string>();
  for (const endPoint of endPoints) {
    if (names.has(endPoint.listenerName)) {
      throw new EndPointParseError(
        `each listener must have a different name; ${endPoint.listenerName} appears twice`,
      );
    }
    names.add(endPoint.listenerName);
  }
  if (requireDistinctPorts) {
    const ports = new Set<number>();
    for (const endPoint of endPoints) {
      if (endPoint.port === 0) continue;
      if (ports.has(endPoint.port)) {
        throw new EndPointParseError(
          `each listener must have a different port; port ${endPoint.port} appears twice`,
        );
      }
      ports.add(endPoint.port);
    }
  }
  return endPoints;
}

/** A parsed `zookeeper.connect`: `host:port,host:port/chroot`. */
export interface ZooKeeperConnect {
  /** The string as written (what node-zookeeper-client is given). */
  readonly connectString: string;
  readonly servers: readonly { readonly host: string; readonly port: number }[];
  /** The chroot path (e.g. `/kafka`), or undefined for the root. */
  readonly chroot: string | undefined;
}

export const DEFAULT_ZOOKEEPER_PORT = 2181;

/**
 * Checks a ZooKeeper path the way PathUtils.validatePath does: absolute, no trailing slash, no empty,
 * `.` or `..` component, no NUL or other forbidden characters. Returns a problem sentence or undefined.
 */
export function zooKeeperPathProblem(path: string): string | undefined {
  if (path.length === 0) return 'path must not be empty';
  if (path[0] !== '/') return 'path must start with /';
  if (path.length === 1) return undefined;
  if (path.endsWith('/')) return 'path must not end with /';
  const parts = path.slice(1).split('/');
  for (const part of parts) {
    if (part === '') return 'path must not contain an empty component (//)';
    if (part === '.' || part === '..') return `path must not contain the relative component "${part}"`;
  }
  for (const ch of path) {
    const code = ch.codePointAt(0) ?? 0;
    if (
      code === 0 ||
      (code > 0x00 && code <= 0x1f) ||
      (code >= 0x7f && code <= 0x9f) ||
      (code >= 0xd800 && code <= 0xf8ff) ||
      (code >= 0xfff0 && code <= 0xffff)
    ) {
      return `path contains the invalid character U+${code.toString(16).padStart(4, '0')}`;
    }
  }
  return undefined;
}

/** Parses `zookeeper.connect` (ZooKeeper's ConnectStringParser): chroot after the first `/`; port 2181 by default. */
export function parseZooKeeperConnect(value: string): ZooKeeperConnect {
  const connectString = value.trim();
  if (connectString === '') throw new EndPointParseError('zookeeper.connect must name at least one host');
  const slash = connectString.indexOf('/');
  let chroot: string | undefined;
  let hostList = connectString;
  if (slash >= 0) {
    hostList = connectString.slice(0, slash);
    const path = connectString.slice(slash);
    if (path.length > 1) {
      const problem = zooKeeperPathProblem(path);
      if (problem !== undefined) throw new EndPointParseError(`invalid chroot "${path}": ${problem}`);
      chroot = path;
    }
  }
  const servers: { host: string; port: number }[] = [];
  for (const raw of hostList.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    let host: string;
    let portText: string | undefined;
    if (item.startsWith('[')) {
      const close = item.indexOf(']');
      if (close < 0) throw new EndPointParseError(`"${item}": IPv6 address without a closing ]`);
      host = item.slice(1, close);
      const rest = item.slice(close + 1);
      if (rest !== '') {
        if (!rest.startsWith(':')) throw new EndPointParseError(`"${item}": expected :port after ]`);
        portText = rest.slice(1);
      }
    } else {
      const colon = item.lastIndexOf(':');
      if (colon >= 0 && item.indexOf(':') !== colon) {
        throw new EndPointParseError(
          `"${item}": an IPv6 address must be written in brackets, e.g. [::1]:2181`,
        );
      }
      host = colon >= 0 ? item.slice(0, colon) : item;
      portText = colon >= 0 ? item.slice(colon + 1) : undefined;
    }
    if (host === '') throw new EndPointParseError(`"${item}": missing host name`);
    let port = DEFAULT_ZOOKEEPER_PORT;
    if (portText !== undefined) {
      if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
        throw new EndPointParseError(`"${item}": port must be a number between 1 and 65535`);
      }
      port = Number(portText);
    }
    servers.push({ host, port });
  }
  if (servers.length === 0) throw new EndPointParseError('zookeeper.connect must name at least one host');
  return { connectString, servers, chroot };
}
