// The teaching dashboard's server (fastify, 127.0.0.1): serves the page (deploy/dashboard/public: static
// HTML, CSS and ES modules, no build step), streams the lab's state to it as server-sent events, and turns
// the page's fault buttons into ClusterHandle calls.
//
//   GET  /                          the page (and /app.js, /client-panels.js, /i18n.js, /style.css)
//   GET  /api/state                 the current state and journal (JSON)
//   GET  /api/stream                text/event-stream:
//                                     `snapshot` {state, journal, lagHistory}  first, and after a
//                                                reconnect (lagHistory: lag-history.ts)
//                                     `patch`    {at, sections}    the top-level parts that changed
//                                     `journal`  JournalEntry      each new timeline entry
//   POST /api/nodes/:node/:action   kill | pause | resume | restart | partition (that ZooKeeper server
//                                   from all others) | heal (that server's links)
//   POST /api/heal                  heal every link
//   GET  /api/drills                the failure drills (deploy/drills) and the one running, if any
//   POST /api/drills/:name/run      {predict?}: starts a drill (202; 409 while another runs); its
//                                   progress goes to the stream as `drill` events:
//                                   {drill, phase: 'started' | 'step' | 'done' | 'error', …}
//   POST /api/topics, /api/produce, /api/consume, GET /api/groups and the `groups` event: lab-client.ts
//   (every POST needs the header `x-kzlab-dashboard: 1`, which the page sends: no cross-site posts)
//
// The state comes from a Poller (about every 500 ms) and from the lab's own events (ClusterHandle
// subscribe), which also trigger an extra poll so a kill shows at once.

import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Fastify, { LogController } from 'fastify';
import pino, { type Logger } from 'pino';

import { KzError } from '../../client/common/errors.ts';
import { httpStatusOf } from '../cluster/errors.ts';
import type { ClusterEvent, ClusterHandle } from '../cluster/handle.ts';
import { DRILLS } from '../drills/catalog.ts';
import { describeDrill, runDrill, type Drill } from '../drills/drill.ts';
import type { LagHistory } from './lag-history.ts';
import { registerLabClientRoutes } from './lab-client.ts';
import { Poller } from './poller.ts';
import {
  changedSections,
  Journal,
  journalFromClusterEvent,
  observedChanges,
  shapeState,
  type DashboardState,
  type JournalDraft,
  type JournalEntry,
} from './state.ts';
import { advanceZabRates, zabRates, type ZabRateWindow } from './zab-rates.ts';

export interface DashboardOptions {
  readonly cluster: ClusterHandle;
  readonly host: string;
  /** 0: any free port (see `url`). */
  readonly port: number;
  readonly log?: Logger;
  /** While a page is open. Default 500 ms. */
  readonly pollIntervalMs?: number;
  /** While no page is open (the journal still notices elections and controller moves). Default 2000 ms. */
  readonly idlePollIntervalMs?: number;
  /** Read the znode tree at most this often. Default 1000 ms. */
  readonly treeIntervalMs?: number;
  /** Deadline of connecting to ZooKeeper and of one tree read. Default 2500 ms. */
  readonly zookeeperTimeoutMs?: number;
  /** The drills the page can run. Default: every drill of deploy/drills/catalog.ts. */
  readonly drills?: readonly Drill[];
  /** Read the consumer groups this often while a page is open (5× less often otherwise). Default 2000 ms. */
  readonly groupsIntervalMs?: number;
}

export interface DashboardServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');
const STATIC_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/i18n.js': { file: 'i18n.js', type: 'text/javascript; charset=utf-8' },
  '/client-panels.js': { file: 'client-panels.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

/** Required on every POST (see the onRequest hook). */
export const ACTION_HEADER = 'x-kzlab-dashboard';

const ACTIONS = ['kill', 'pause', 'resume', 'restart', 'partition', 'heal'] as const;
type Action = (typeof ACTIONS)[number];

export async function startDashboard(options: DashboardOptions): Promise<DashboardServer> {
  const { cluster } = options;
  const log = options.log ?? pino({ level: 'warn' });
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const idlePollIntervalMs = options.idlePollIntervalMs ?? 2000;
  const poller = new Poller({
    cluster,
    treeIntervalMs: options.treeIntervalMs ?? 1000,
    ...(options.zookeeperTimeoutMs === undefined ? {} : { zookeeperTimeoutMs: options.zookeeperTimeoutMs }),
  });
  const journal = new Journal();
  const streams = new Set<ServerResponse>();
  let state: DashboardState | undefined;
  /** The last few polls of the ZooKeeper leader's zxid counters, for its proposal and ACK rates. */
  let zabWindow: ZabRateWindow | null = null;
  let closed = false;

  const files = new Map<string, Buffer>();
  for (const { file } of Object.values(STATIC_FILES)) {
    if (!files.has(file)) files.set(file, await readFile(path.join(PUBLIC_DIR, file)));
  }

  const broadcast = (event: string, data: unknown): void => {
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const response of streams) response.write(text);
  };
  const addJournal = (draft: JournalDraft): void => {
    const entry = journal.add(draft);
    broadcast('journal', entry);
  };

  // One poll at a time; a lab event asks for another one right after.
  let polling: Promise<void> | undefined;
  let again = false;
  const pollOnce = async (): Promise<void> => {
    try {
      const observation = await poller.poll();
      if (closed) return;
      zabWindow = advanceZabRates(zabWindow, observation.at, observation.zookeepers);
      const next = shapeState(observation, zabRates(zabWindow));
      for (const draft of observedChanges(state, next)) addJournal(draft);
      const sections = changedSections(state, next);
      state = next;
      if (sections.length > 0) {
        broadcast('patch', {
          at: next.at,
          sections: Object.fromEntries(sections.map((key) => [key, next[key]])),
        });
      }
    } catch (error) {
      log.warn({ err: error }, 'dashboard poll failed');
    }
  };
  const poll = (): Promise<void> => {
    if (polling !== undefined) {
      again = true;
      return polling;
    }
    polling = (async () => {
      do {
        again = false;
        await pollOnce();
      } while (again && !closed);
      polling = undefined;
    })();
    return polling;
  };

  const unsubscribe = cluster.subscribe((event: ClusterEvent) => {
    if (event.type === 'links-changed') poller.setLinks(event.links);
    const draft = journalFromClusterEvent(event);
    if (draft !== undefined) addJournal(draft);
    poller.refreshTreeSoon();
    void poll();
  });
  // Events from before the dashboard started (lab-starting, node-started…), and the links as they are.
  for (const event of await cluster.events()) {
    if (event.type === 'links-changed') poller.setLinks(event.links);
    const draft = journalFromClusterEvent(event);
    if (draft !== undefined) journal.add(draft);
  }

  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  });
  // The fault routes kill processes. A page on another site could POST to 127.0.0.1 from the learner's
  // browser (a form post needs no CORS preflight); a custom header does need one, which this server never
  // grants, so only the dashboard's own page (and curl with the header) can use them.
  // And a site whose name was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name as Host.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST') return;
    if (request.headers[ACTION_HEADER] !== '1') {
      await reply.code(403).send({
        error: { code: 'KZ_ERR_BAD_REQUEST', message: `fault routes need the header ${ACTION_HEADER}: 1` },
      });
    } else if (!LOOPBACK_HOST.test(request.headers.host ?? '')) {
      await reply.code(403).send({
        error: { code: 'KZ_ERR_BAD_REQUEST', message: `fault routes answer only to 127.0.0.1 or localhost` },
      });
    }
  });
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof KzError) {
      void reply.code(httpStatusOf(error.code)).send({ error: { code: error.code, message: error.message } });
      return;
    }
    if ((error as { validation?: unknown }).validation !== undefined) {
      void reply.code(400).send({ error: { code: 'KZ_ERR_BAD_REQUEST', message: (error as Error).message } });
      return;
    }
    log.error({ err: error }, 'dashboard request failed');
    void reply.code(500).send({ error: { code: 'KZ_ERR_INTERNAL', message: (error as Error).message } });
  });

  for (const [route, { file, type }] of Object.entries(STATIC_FILES)) {
    app.get(route, async (_request, reply) =>
      reply.type(type).header('cache-control', 'no-cache').send(files.get(file)),
    );
  }

  const snapshot = async (): Promise<{
    state: DashboardState;
    journal: JournalEntry[];
    lagHistory: LagHistory;
  }> => {
    if (state === undefined) await poll();
    return { state: state!, journal: journal.all(), lagHistory: labClient.lagHistory() };
  };
  app.get('/api/state', async () => snapshot());
  app.get('/api/stream', async (request, reply) => {
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    // Register first so nothing between the snapshot and the first patch is lost (a patch may repeat
    // what the snapshot holds; the page applies it idempotently).
    streams.add(response);
    request.raw.once('close', () => streams.delete(response));
    response.write(`retry: 1000\nevent: snapshot\ndata: ${JSON.stringify(await snapshot())}\n\n`);
    // The state may be an idle poll old: a fresh one follows as a patch.
    void poll();
  });

  app.post<{ Params: { node: string; action: string } }>(
    '/api/nodes/:node/:action',
    {
      schema: {
        params: {
          type: 'object',
          properties: {
            node: { type: 'string', pattern: '^[a-z0-9-]+$' },
            action: { type: 'string', enum: [...ACTIONS] },
          },
          required: ['node', 'action'],
        },
      },
    },
    async (request) => {
      const { node } = request.params;
      const action = request.params.action as Action;
      log.info({ node, action }, 'fault button');
      switch (action) {
        case 'kill':
          return cluster.kill(node);
        case 'pause':
          return cluster.pause(node);
        case 'resume':
          return cluster.resume(node);
        case 'restart':
          return cluster.restart(node);
        case 'partition':
          return cluster.partition([[node]]);
        case 'heal':
          return cluster.heal([[node]]);
      }
    },
  );
  app.post('/api/heal', async () => cluster.heal());
  // Produce, consume, create topics, consumer groups (lab-client.ts).
  const labClient = registerLabClientRoutes(app, {
    cluster,
    log,
    addJournal,
    broadcast,
    hasViewers: () => streams.size > 0,
    ...(options.groupsIntervalMs === undefined ? {} : { groupsIntervalMs: options.groupsIntervalMs }),
  });

  // Drills: one at a time (each breaks the lab and brings it back; two at once would confuse both).
  const drills = options.drills ?? DRILLS;
  let runningDrill: string | null = null;
  app.get('/api/drills', async () => ({
    running: runningDrill,
    drills: drills.map(describeDrill),
  }));
  app.post<{ Params: { name: string }; Body: { predict?: string } | undefined }>(
    '/api/drills/:name/run',
    {
      schema: {
        params: {
          type: 'object',
          properties: { name: { type: 'string', pattern: '^[a-z0-9-]+$' } },
          required: ['name'],
        },
      },
    },
    async (request, reply) => {
      const drill = drills.find((candidate) => candidate.name === request.params.name);
      if (drill === undefined) {
        return reply
          .code(404)
          .send({ error: { code: 'KZ_ERR_BAD_REQUEST', message: `no drill ${request.params.name}` } });
      }
      const predict = request.body?.predict;
      if (predict !== undefined && !drill.choices.some((choice) => choice.id === predict)) {
        return reply.code(400).send({
          error: {
            code: 'KZ_ERR_BAD_REQUEST',
            message: `predict must be one of ${drill.choices.map((c) => c.id).join(', ')}`,
          },
        });
      }
      if (runningDrill !== null) {
        return reply
          .code(409)
          .send({ error: { code: 'KZ_ERR_BUSY', message: `drill ${runningDrill} is running` } });
      }
      runningDrill = drill.name;
      const startedAt = Date.now();
      broadcast('drill', { drill: drill.name, phase: 'started', at: startedAt, predicted: predict ?? null });
      log.info({ drill: drill.name }, 'drill started');
      void runDrill(drill, cluster, {
        predicted: predict ?? null,
        onStep: (step) => broadcast('drill', { drill: drill.name, phase: 'step', step }),
      })
        .then(
          (report) => broadcast('drill', { drill: drill.name, phase: 'done', report }),
          (error: unknown) =>
            broadcast('drill', {
              drill: drill.name,
              phase: 'error',
              message: error instanceof Error ? error.message : String(error),
            }),
        )
        .finally(() => {
          runningDrill = null;
        });
      return reply.code(202).send({ drill: drill.name, startedAt });
    },
  );

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;

  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    if (closed) return;
    timer = setTimeout(
      () => void poll().then(schedule),
      streams.size > 0 ? pollIntervalMs : idlePollIntervalMs,
    );
  };
  void poll().then(schedule);
  log.info({ host: options.host, port }, `dashboard on http://${options.host}:${port}/`);

  return {
    url: `http://${options.host}:${port}/`,
    port,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      unsubscribe();
      for (const response of streams) response.end();
      streams.clear();
      // Closing the poller first makes a poll in flight give up instead of running into its deadlines.
      await poller.close();
      await polling;
      await labClient.close();
      await app.close();
    },
  };
}
