// The supervisor's control API: a small HTTP server (fastify) on 127.0.0.1 that exposes a ClusterHandle.
// The `kzlab kill|pause|resume|restart|status|partition|heal` commands call it (control-client.ts), and
// so can curl:
//
//   GET  /                        this list
//   GET  /info                    ClusterInfo: nodes, ports, files, PIDs
//   GET  /status                  ClusterStatus: every server's srvr, every broker's GET /broker
//   POST /nodes/:target/kill      SIGKILL   (target: zk2, broker2, zk-leader, zk-follower)
//   POST /nodes/:target/pause     SIGSTOP
//   POST /nodes/:target/resume    SIGCONT
//   POST /nodes/:target/restart   stop if running, start again on the same data
//   POST /partition               {"groups": [["zk1"], ["zk2","zk3"]], "mode": "stall"}
//   POST /heal                    {} heals everything, or {"groups": [...]} only those links
//   GET  /events?since=N          events after seq N (JSON)
//   GET  /events/stream?since=N   the same, then live, as server-sent events
//   POST /stop                    stop the lab (as Ctrl-C in the terminal of `kzlab up`)
//
// Errors come back as {"error": {"code": "KZ_ERR_…", "message": "…"}} with a matching HTTP status.
// Bound to 127.0.0.1 only: anyone who can reach it can kill the lab's processes.

import Fastify, { type FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';

import { KzError } from '../../client/common/errors.ts';
import { httpStatusOf, LAB_ERROR_CODES } from '../cluster/errors.ts';
import type { ClusterEvent, ClusterHandle } from '../cluster/handle.ts';

export interface ControlServerOptions {
  readonly cluster: ClusterHandle;
  readonly host: string;
  /** 0: any free port (see `url`). */
  readonly port: number;
  /** Called (once per request) when POST /stop arrives. */
  readonly onStop: () => void;
}

export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

const ROUTES = [
  'GET /info',
  'GET /status',
  'POST /nodes/:target/kill',
  'POST /nodes/:target/pause',
  'POST /nodes/:target/resume',
  'POST /nodes/:target/restart',
  'POST /partition {"groups": [["zk1"], ["zk2","zk3"]], "mode": "stall"}',
  'POST /heal {"groups"?: [...]}',
  'GET /events?since=N',
  'GET /events/stream?since=N (text/event-stream)',
  'POST /stop',
];

const groupsSchema = { type: 'array', items: { type: 'array', items: { type: 'string' } } } as const;

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const { cluster } = options;
  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  const streams = new Set<ServerResponse>();

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof KzError) {
      void reply.code(httpStatusOf(error.code)).send({
        error: {
          code: error.code,
          message: error.message,
          retriable: error.retriable,
          definite: error.definite,
        },
      });
      return;
    }
    const validation = (error as { validation?: unknown }).validation;
    if (validation !== undefined) {
      void reply
        .code(400)
        .send({ error: { code: LAB_ERROR_CODES.KZ_ERR_BAD_REQUEST, message: (error as Error).message } });
      return;
    }
    void reply.code(500).send({
      error: {
        code: 'KZ_ERR_INTERNAL',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      },
    });
  });

  app.get('/', async () => ({ service: 'kzlab lab control API', routes: ROUTES }));
  app.get('/info', async () => cluster.info());
  app.get('/status', async () => cluster.status());

  const nodeParams = {
    params: { type: 'object', properties: { target: { type: 'string' } }, required: ['target'] },
  } as const;
  app.post<{ Params: { target: string } }>('/nodes/:target/kill', { schema: nodeParams }, async (request) =>
    cluster.kill(request.params.target),
  );
  app.post<{ Params: { target: string } }>('/nodes/:target/pause', { schema: nodeParams }, async (request) =>
    cluster.pause(request.params.target),
  );
  app.post<{ Params: { target: string } }>('/nodes/:target/resume', { schema: nodeParams }, async (request) =>
    cluster.resume(request.params.target),
  );
  app.post<{ Params: { target: string } }>(
    '/nodes/:target/restart',
    { schema: nodeParams },
    async (request) => cluster.restart(request.params.target),
  );

  app.post<{ Body: { groups: string[][]; mode?: string } }>(
    '/partition',
    {
      schema: {
        body: {
          type: 'object',
          properties: { groups: groupsSchema, mode: { type: 'string' } },
          required: ['groups'],
          additionalProperties: false,
        },
      },
    },
    async (request) =>
      cluster.partition(
        request.body.groups,
        request.body.mode === undefined ? {} : { mode: request.body.mode },
      ),
  );
  app.post<{ Body: { groups?: string[][] } | undefined }>(
    '/heal',
    {
      schema: {
        body: { type: 'object', properties: { groups: groupsSchema }, additionalProperties: false },
      },
    },
    async (request) => cluster.heal(request.body?.groups),
  );

  const sinceQuery = {
    querystring: { type: 'object', properties: { since: { type: 'integer', minimum: 0 } } },
  } as const;
  app.get<{ Querystring: { since?: number } }>('/events', { schema: sinceQuery }, async (request) => ({
    events: await cluster.events({ since: request.query.since ?? 0 }),
  }));
  app.get<{ Querystring: { since?: number } }>(
    '/events/stream',
    { schema: sinceQuery },
    async (request, reply) => {
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      const send = (event: ClusterEvent): void => {
        response.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      };
      streams.add(response);
      // Subscribe first, then replay the backlog, dropping live events the backlog already holds.
      let lastSent = request.query.since ?? 0;
      const pending: ClusterEvent[] = [];
      let replaying = true;
      const unsubscribe = cluster.subscribe((event) => {
        if (replaying) pending.push(event);
        else if (event.seq > lastSent) {
          lastSent = event.seq;
          send(event);
        }
      });
      const backlog = await cluster.events({ since: lastSent });
      for (const event of [...backlog, ...pending]) {
        if (event.seq <= lastSent) continue;
        lastSent = event.seq;
        send(event);
      }
      replaying = false;
      request.raw.once('close', () => {
        unsubscribe();
        streams.delete(response);
      });
    },
  );

  app.post('/stop', async (_request, reply) => {
    setImmediate(options.onStop);
    return reply.code(202).send({ stopping: true });
  });

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    url: `http://${options.host}:${port}`,
    async close() {
      for (const response of streams) response.end();
      streams.clear();
      await app.close();
    },
  };
}
