// Asking a lab broker how it is, through its admin HTTP server (broker/admin-http): GET /broker. The
// broker starts that server only after it has registered in ZooKeeper and joined the controller
// election, so an answer already means "registered"; the answer also says which broker is the controller.

import type { BrokerPartitionAnswer } from '../cluster/partitions.ts';
import type { ServerMode } from '../cluster/srvr.ts';

/** The fields of the broker's GET /broker answer that the lab uses (broker/admin-http/broker-admin-view.ts). */
export interface BrokerAdminAnswer {
  readonly brokerId: number;
  readonly clusterId: string | null;
  /** Czxid of /brokers/ids/<id> as a decimal string; null while the broker is not registered. */
  readonly brokerEpoch: string | null;
  /** The controller as this broker knows it, or null. */
  readonly controllerId: number | null;
}

/** The lab's mode of a broker that answered: `controller`, `broker` (registered), or `not-serving`. */
export function brokerModeOf(answer: BrokerAdminAnswer): ServerMode {
  if (answer.brokerEpoch === null) return 'not-serving';
  return answer.controllerId === answer.brokerId ? 'controller' : 'broker';
}

/** Does `mode` mean the broker is registered and serves? */
export function isBrokerServingMode(mode: ServerMode): boolean {
  return mode === 'broker' || mode === 'controller';
}

/** GET `<adminUrl>/broker` with a deadline. Throws an Error saying why there is no answer. */
export async function fetchBrokerAdmin(adminUrl: string, timeoutMs: number): Promise<BrokerAdminAnswer> {
  const url = `${adminUrl}/broker`;
  const body = (await fetchAdminJson(url, timeoutMs)) as Partial<BrokerAdminAnswer>;
  if (typeof body.brokerId !== 'number') throw new Error(`${url}: no brokerId in the answer`);
  return {
    brokerId: body.brokerId,
    clusterId: body.clusterId ?? null,
    brokerEpoch: body.brokerEpoch ?? null,
    controllerId: body.controllerId ?? null,
  };
}

/** GET `<adminUrl>/partitions` with a deadline: the partitions this broker hosts, as it sees them. */
export async function fetchBrokerPartitions(
  adminUrl: string,
  timeoutMs: number,
): Promise<BrokerPartitionAnswer[]> {
  const body = (await fetchAdminJson(`${adminUrl}/partitions`, timeoutMs)) as {
    partitions?: BrokerPartitionAnswer[];
  };
  if (!Array.isArray(body.partitions)) throw new Error(`${adminUrl}/partitions: no partitions in the answer`);
  return body.partitions;
}

/**
 * GET a node's admin JSON (a broker's admin HTTP, a ZooKeeper AdminServer command) with a deadline; `signal`
 * aborts it early. Throws an Error saying why there is no answer: the deadline, the connection error's code
 * (ECONNREFUSED…), or the HTTP status.
 */
export async function fetchAdminJson(url: string, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
  let response: Response;
  try {
    const deadline = AbortSignal.timeout(timeoutMs);
    response = await fetch(url, {
      signal: signal === undefined ? deadline : AbortSignal.any([deadline, signal]),
    });
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new Error(`${url} did not answer within ${timeoutMs} ms`, { cause: error });
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new Error(`${url}: ${cause?.code ?? (error as Error).message}`, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${url}: HTTP ${response.status}`);
  }
  return response.json();
}
