// Checking that the ports of a lab's plan are free before anything starts, and finding a free port
// base (tests, benchmarks that start labs side by side).

import { createServer } from 'node:net';

import { KZ_ERROR_CODES, KzError } from '../../client/common/errors.ts';
import {
  boundPorts,
  MAX_PORT_BASE,
  planPorts,
  type PlannedPort,
  type PortPlan,
} from '../cluster/port-plan.ts';

/** Resolves true when `host:port` can be bound right now (and releases it again). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The planned ports that are taken. */
export async function portsInUse(ports: readonly PlannedPort[], host = '127.0.0.1'): Promise<PlannedPort[]> {
  const results = await Promise.all(
    ports.map(async (planned) => ((await isPortFree(planned.port, host)) ? undefined : planned)),
  );
  return results.filter((planned): planned is PlannedPort => planned !== undefined);
}

/** Throws KZ_ERR_PORT_IN_USE naming every taken port of the plan and what it was for. */
export async function assertPlanPortsFree(
  plan: PortPlan,
  host = '127.0.0.1',
  options: { brokerPeers?: boolean } = {},
): Promise<void> {
  const taken = await portsInUse(boundPorts(plan, options), host);
  if (taken.length === 0) return;
  const list = taken.map((planned) => `${planned.port} (${planned.role})`).join(', ');
  throw new KzError(
    KZ_ERROR_CODES.KZ_ERR_PORT_IN_USE,
    `${taken.length === 1 ? 'a port' : 'ports'} of this lab ${taken.length === 1 ? 'is' : 'are'} already in use on ${host}: ${list}. ` +
      "Is another lab (another --data-dir), a ZooKeeper (Debian's zookeeper service) or some other server running? " +
      `Stop it, or choose another --port-base (labs 10000 apart never collide: try --port-base ${plan.portBase + 10_000 <= MAX_PORT_BASE ? plan.portBase + 10_000 : plan.portBase - 10_000}).`,
  );
}

/**
 * A port base whose whole plan (`zookeepers` servers, `brokers` brokers) is free right now, picked at random from
 * [from, to) — useful for tests that start labs in parallel. Races with other processes are possible,
 * as with any "free port" helper: bind soon after.
 */
export async function findFreePortBase(options: {
  zookeepers: number;
  brokers?: number;
  from?: number;
  to?: number;
  attempts?: number;
}): Promise<number> {
  const from = options.from ?? 12_000;
  const to = options.to ?? 24_000;
  for (let attempt = 0; attempt < (options.attempts ?? 50); attempt++) {
    const portBase = from + Math.floor(Math.random() * (to - from));
    const plan = planPorts({ portBase, zookeepers: options.zookeepers, brokers: options.brokers ?? 0 });
    if ((await portsInUse(boundPorts(plan, { brokerPeers: true }))).length === 0) return portBase;
  }
  throw new Error(`no free port base for ${options.zookeepers} servers in [${from}, ${to})`);
}
