// RemoteCluster: the ClusterHandle of a lab that another process (its `kzlab up` supervisor) runs,
// reached through the supervisor's control API. `openLab(dataDir)` finds it through <data-dir>/lab.json.
// Every request has a deadline; errors come back as LabError with the code the supervisor raised.

import { KzError } from '../../client/common/errors.ts';
import { LAB_ERROR_CODES, LabError } from '../cluster/errors.ts';
import type {
  ClusterEvent,
  ClusterHandle,
  ClusterInfo,
  ClusterStatus,
  LinkReport,
  PartitionOptions,
  RestartReport,
  SignalReport,
  StopReport,
} from '../cluster/handle.ts';
import { labStatePath } from '../cluster/spec.ts';
import { readLabState, supervisorAlive, type LabState } from './lab-state.ts';

export interface RemoteClusterOptions {
  /** Deadline of quick requests (info, status, pause, resume, partition, heal, events). Default 15 s. */
  readonly requestTimeoutMs?: number;
  /** Deadline of kill. Default 30 s. */
  readonly killTimeoutMs?: number;
  /** Deadline of restart (stop + start + serve). Default 120 s. */
  readonly restartTimeoutMs?: number;
}

export class RemoteCluster implements ClusterHandle {
  readonly baseUrl: string;
  private readonly options: RemoteClusterOptions;

  constructor(baseUrl: string, options: RemoteClusterOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.options = options;
  }

  /** A lab that answers is already started. */
  start(): Promise<ClusterInfo> {
    return this.info();
  }
  info(): Promise<ClusterInfo> {
    return this.request('GET', '/info');
  }
  status(): Promise<ClusterStatus> {
    return this.request('GET', '/status');
  }
  kill(target: string): Promise<SignalReport> {
    return this.request(
      'POST',
      `/nodes/${encodeURIComponent(target)}/kill`,
      undefined,
      this.options.killTimeoutMs ?? 30_000,
    );
  }
  pause(target: string): Promise<SignalReport> {
    return this.request('POST', `/nodes/${encodeURIComponent(target)}/pause`);
  }
  resume(target: string): Promise<SignalReport> {
    return this.request('POST', `/nodes/${encodeURIComponent(target)}/resume`);
  }
  restart(target: string): Promise<RestartReport> {
    return this.request(
      'POST',
      `/nodes/${encodeURIComponent(target)}/restart`,
      undefined,
      this.options.restartTimeoutMs ?? 120_000,
    );
  }
  partition(groups: readonly (readonly string[])[], options: PartitionOptions = {}): Promise<LinkReport> {
    return this.request('POST', '/partition', {
      groups,
      ...(options.mode === undefined ? {} : { mode: options.mode }),
    });
  }
  heal(groups?: readonly (readonly string[])[]): Promise<LinkReport> {
    return this.request('POST', '/heal', groups === undefined ? {} : { groups });
  }
  async events(options: { since?: number } = {}): Promise<ClusterEvent[]> {
    const body = await this.request<{ events: ClusterEvent[] }>('GET', `/events?since=${options.since ?? 0}`);
    return body.events;
  }

  /** Live events over server-sent events. The listener is called until the returned function is called. */
  subscribe(
    listener: (event: ClusterEvent) => void,
    options: { since?: number; onError?: (error: unknown) => void } = {},
  ): () => void {
    const controller = new AbortController();
    const run = async (): Promise<void> => {
      const response = await fetch(`${this.baseUrl}/events/stream?since=${options.since ?? 0}`, {
        signal: controller.signal,
      });
      if (!response.ok || response.body === null)
        throw new LabError(LAB_ERROR_CODES.KZ_ERR_CONTROL, `events stream: HTTP ${response.status}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice('data: '.length))
            .join('\n');
          if (data !== '') listener(JSON.parse(data) as ClusterEvent);
        }
      }
    };
    run().catch((error: unknown) => {
      if (!controller.signal.aborted) options.onError?.(error);
    });
    return () => controller.abort();
  }

  /** Asks the supervisor to stop the lab; resolves once it has accepted (the stop itself continues). */
  async stop(): Promise<StopReport> {
    await this.request('POST', '/stop');
    return { nodes: [] };
  }

  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    timeoutMs?: number,
  ): Promise<T> {
    const deadline = timeoutMs ?? this.options.requestTimeoutMs ?? 15_000;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        signal: AbortSignal.timeout(deadline),
        ...(method === 'POST'
          ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) }
          : {}),
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new LabError(
          LAB_ERROR_CODES.KZ_ERR_LAB_TIMEOUT,
          `the lab's control API (${this.baseUrl}) did not answer ${method} ${path} within ${deadline / 1000} s`,
          {
            cause: error,
            definite: false,
          },
        );
      }
      throw new LabError(
        LAB_ERROR_CODES.KZ_ERR_NO_LAB,
        `cannot reach the lab's control API at ${this.baseUrl}: ${causeText(error)}`,
        { cause: error },
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new LabError(
        LAB_ERROR_CODES.KZ_ERR_CONTROL,
        `${method} ${path}: HTTP ${response.status}, not JSON: ${text.slice(0, 200)}`,
      );
    }
    if (!response.ok) {
      const error = (
        parsed as
          { error?: { code?: string; message?: string; retriable?: boolean; definite?: boolean } } | undefined
      )?.error;
      throw new LabError(
        error?.code ?? LAB_ERROR_CODES.KZ_ERR_CONTROL,
        error?.message ?? `${method} ${path}: HTTP ${response.status}`,
        {
          retriable: error?.retriable ?? false,
          definite: error?.definite ?? true,
        },
      );
    }
    return parsed as T;
  }
}

function causeText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

export interface OpenedLab {
  readonly lab: RemoteCluster;
  readonly state: LabState;
}

/**
 * Finds the lab running in `dataDir` (absolute) through its lab.json and checks that its control API
 * answers for that directory. Throws KZ_ERR_NO_LAB with a message that says what to do.
 */
export async function openLab(dataDir: string, options: RemoteClusterOptions = {}): Promise<OpenedLab> {
  const state = await readLabState(dataDir);
  const startHint = `start one with \`npx kzlab up --data-dir ${dataDir}\``;
  if (state === undefined) {
    throw new LabError(
      LAB_ERROR_CODES.KZ_ERR_NO_LAB,
      `no lab in ${dataDir} (there is no ${labStatePath(dataDir)}): ${startHint}`,
    );
  }
  if (state.state === 'stopped') {
    throw new LabError(
      LAB_ERROR_CODES.KZ_ERR_NO_LAB,
      `the lab in ${dataDir} is not running (stopped at ${state.stoppedAt ?? state.updatedAt}): start it again with \`npx kzlab up --data-dir ${dataDir}\``,
    );
  }
  if (!supervisorAlive(state)) {
    throw new LabError(
      LAB_ERROR_CODES.KZ_ERR_NO_LAB,
      `the lab in ${dataDir} is not running: its supervisor (pid ${state.supervisorPid}) is gone; ${startHint}`,
    );
  }
  const lab = new RemoteCluster(state.controlUrl, options);
  let info: ClusterInfo;
  try {
    info = await lab.info();
  } catch (error) {
    if (error instanceof KzError && error.code === LAB_ERROR_CODES.KZ_ERR_NO_LAB) {
      throw new LabError(
        LAB_ERROR_CODES.KZ_ERR_NO_LAB,
        `the lab in ${dataDir} does not answer: ${error.message} (its supervisor, pid ${state.supervisorPid}, may still be starting)`,
        { cause: error },
      );
    }
    throw error;
  }
  if (info.dataDir !== state.dataDir) {
    throw new LabError(
      LAB_ERROR_CODES.KZ_ERR_NO_LAB,
      `${state.controlUrl} answers for the lab in ${info.dataDir}, not ${state.dataDir}: the lab in ${dataDir} is not running; ${startHint}`,
    );
  }
  return { lab, state };
}
