// The server.properties `kzlab up` writes for each broker of a lab, in Apache Kafka 2.4's format
// (broker/main.ts reads it, as `kafka-server-start.sh` would). One file per broker:
// `<dataDir>/broker2/server.properties`, with its log.dirs next to it (`<dataDir>/broker2/kafka-logs`).
//
// Replication settings follow the lab's size: with three brokers or more, topics are replicated three
// times (Kafka's production advice); with fewer, as often as there are brokers, or topic creation (and
// the __consumer_offsets topic) would fail with INVALID_REPLICATION_FACTOR.
//
// Behind fault proxies (a lab's default) a broker reaches ZooKeeper and every other broker through its
// own proxies, so `kzlab partition broker2` can cut exactly broker2's links:
//   * zookeeper.connect lists this broker's proxies to the servers' client ports;
//   * a broker binds one listener per broker k of the lab, named BROKERk, and advertises BROKERk at the
//     proxy k dials (its own directly); each broker's inter.broker.listener.name is its own BROKERk, so
//     a follower, the controller and a controlled shutdown all reach the others through their own
//     proxies, as Kafka picks end points by listener name (KIP-103). Clients stay on PLAINTEXT, unproxied.
//
// Pure.

import { brokerAdminUrl, brokerLogDir, connectString, type ClusterSpec } from '../cluster/spec.ts';

/** Kafka 2.4's default; short enough that a killed broker leaves /brokers/ids within seconds. */
export const LAB_ZOOKEEPER_SESSION_TIMEOUT_MS = 6000;

/** Topics' replication factor in a lab of `brokers` brokers: 3, or as many as there are brokers. */
export function labReplicationFactor(brokers: number): number {
  return Math.max(1, Math.min(3, brokers));
}

/** min.insync.replicas: 2 when topics have 3 replicas (acks=all survives one broker down), else 1. */
export function labMinInsyncReplicas(brokers: number): number {
  return labReplicationFactor(brokers) >= 3 ? 2 : 1;
}

/** How a broker reaches the others when the lab puts fault proxies between them. */
export interface BrokerRoutes {
  /** zookeeper.connect through this broker's own proxies to the servers' client ports. */
  readonly zookeeperConnect?: string;
  /** Index k − 1: the port of the proxy broker k dials to reach this broker (this broker's own: unused). */
  readonly peerProxyPorts?: readonly number[];
}

export function renderServerProperties(spec: ClusterSpec, name: string, routes: BrokerRoutes = {}): string {
  const broker = spec.ports.brokers.find((candidate) => candidate.name === name);
  if (broker === undefined) throw new RangeError(`no broker ${name} in this lab`);
  const replication = labReplicationFactor(spec.brokers.count);
  const lines = [
    `# ${name} of the kzlab lab in ${spec.dataDir}, written by \`kzlab up\` (rewritten at every start).`,
    `broker.id=${broker.brokerId}`,
    ...listenerLines(spec, broker, routes.peerProxyPorts),
    `log.dirs=${brokerLogDir(spec, name)}`,
    `zookeeper.connect=${routes.zookeeperConnect ?? connectString(spec)}`,
    `zookeeper.session.timeout.ms=${LAB_ZOOKEEPER_SESSION_TIMEOUT_MS}`,
    'num.partitions=1',
    `default.replication.factor=${replication}`,
    `offsets.topic.replication.factor=${replication}`,
    `transaction.state.log.replication.factor=${replication}`,
    `transaction.state.log.min.isr=${labMinInsyncReplicas(spec.brokers.count)}`,
    `min.insync.replicas=${labMinInsyncReplicas(spec.brokers.count)}`,
    // A lab's consumers should not wait Kafka's 3 s for more members before the first rebalance.
    'group.initial.rebalance.delay.ms=0',
    // Stopping the whole lab stops every broker at once, when no leadership can move; Kafka's 5 s between
    // controlled-shutdown attempts would then outlast the lab's stop deadline.
    'controlled.shutdown.retry.backoff.ms=500',
    `# kzlab's own: the admin HTTP server (${brokerAdminUrl(spec, name)}/broker, /controller, /partitions, /metrics)`,
    `kzlab.admin.host=${spec.host}`,
    `kzlab.admin.port=${broker.adminPort}`,
  ];
  return `${lines.join('\n')}\n`;
}

function listenerLines(
  spec: ClusterSpec,
  broker: ClusterSpec['ports']['brokers'][number],
  peerProxyPorts: readonly number[] | undefined,
): string[] {
  const client = `PLAINTEXT://${spec.host}:${broker.kafkaPort}`;
  if (peerProxyPorts === undefined) return [`listeners=${client}`, `advertised.listeners=${client}`];
  const peers = broker.peerPorts.map((port, index) => {
    const k = index + 1;
    const advertisedPort = k === broker.brokerId ? port : peerProxyPorts[index];
    return {
      name: `BROKER${k}`,
      bound: `BROKER${k}://${spec.host}:${port}`,
      advertised: `BROKER${k}://${spec.host}:${advertisedPort}`,
    };
  });
  return [
    '# One listener per broker of the lab (BROKERk is the one broker k dials, through its fault proxy);',
    '# clients use PLAINTEXT.',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,${peers.map((p) => `${p.name}:PLAINTEXT`).join(',')}`,
    `listeners=${[client, ...peers.map((p) => p.bound)].join(',')}`,
    `advertised.listeners=${[client, ...peers.map((p) => p.advertised)].join(',')}`,
    `inter.broker.listener.name=BROKER${broker.brokerId}`,
  ];
}
