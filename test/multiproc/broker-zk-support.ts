// Support for the broker/zk multi-process tests: a TCP proxy that can go silent (a network partition
// that keeps the connections open, so the server stops hearing pings and expires the session) and then
// cut every connection, plus bounded waiting helpers.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface SilenceableProxy {
  readonly connectString: string;
  /** Proxied connections currently open. */
  readonly openConnections: number;
  /** Stop forwarding bytes in both directions (connections stay open). */
  silence(): void;
  /** Forward again. */
  resume(): void;
  /** Destroy every proxied connection, as a network failure would. */
  dropConnections(): void;
  stop(): Promise<void>;
}

export async function startSilenceableProxy(
  targetHost: string,
  targetPort: number,
): Promise<SilenceableProxy> {
  const sockets = new Set<Socket>();
  let silent = false;
  const server: Server = createServer((client) => {
    const upstream = connect({ host: targetHost, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk) => {
      if (!silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!silent) client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy: no address');
  return {
    connectString: `127.0.0.1:${address.port}`,
    get openConnections() {
      return sockets.size / 2;
    },
    silence: () => {
      silent = true;
    },
    resume: () => {
      silent = false;
    },
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `deadlineMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  deadlineMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > end) {
      throw new Error(
        `timed out after ${deadlineMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A promise for the next call of the returned callback (bounded). */
export function nextCall<T>(
  deadlineMs = 10_000,
  what = 'a callback',
): { callback: (value: T) => void; called: Promise<T> } {
  let callback!: (value: T) => void;
  const called = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${deadlineMs} ms`)), deadlineMs);
    callback = (value) => {
      clearTimeout(timer);
      resolve(value);
    };
  });
  called.catch(() => undefined);
  return { callback, called };
}
