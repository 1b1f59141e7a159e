// The broker's admin HTTP server (fastify), bound to `kzlab.admin.port` (a kzlab-specific property in
// server.properties; unset or 0 = no admin server). Read-only JSON for the lab and the dashboard:
//
//   GET /broker       id, cluster id, listeners (bound and advertised), broker epoch, controller id
//   GET /controller   whether this broker is the controller, its epoch, live brokers, request channels
//   GET /partitions   every partition log here: leader, replicas, ISR, log start/end offset, high watermark,
//                     segments with their sizes
//   GET /metrics      Prometheus text format (per-partition offsets, request counts, bytes in/out)
//
// int64 values (offsets, broker epochs) are decimal strings in the JSON.

import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';

import type { BrokerAdminView } from './broker-admin-view.ts';
import { formatPrometheusMetrics, PROMETHEUS_CONTENT_TYPE } from './prometheus.ts';

export interface AdminHttpOptions {
  readonly host: string;
  readonly port: number;
  readonly log: Logger;
}

export interface AdminHttpHandle {
  readonly port: number;
  close(): Promise<void>;
}

export async function startBrokerAdminHttp(
  view: BrokerAdminView,
  options: AdminHttpOptions,
): Promise<AdminHttpHandle> {
  const log = options.log;
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.get('/', async () => ({ routes: ['/broker', '/controller', '/partitions', '/metrics'] }));
  app.get('/broker', async () => view.brokerView());
  app.get('/controller', async () => view.controllerView());
  app.get('/partitions', async () => ({ partitions: view.partitionViews() }));
  app.get('/metrics', async (_request, reply) => {
    const text = formatPrometheusMetrics({
      brokerId: view.brokerView().brokerId,
      partitions: view.partitionViews(),
      controller: view.controllerView(),
      counters: view.counters(),
    });
    return reply.type(PROMETHEUS_CONTENT_TYPE).send(text);
  });

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  log.info({ host: options.host, port }, `admin HTTP server listening on http://${options.host}:${port}/`);
  return {
    port,
    close: async () => {
      await app.close();
    },
  };
}
