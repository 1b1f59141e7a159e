import { spawn } from 'node:child_process';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import {
  FaultProxy,
  FaultProxyGroup,
  delayOf,
  formatLinkMatrix,
  parseFaultMode,
  type FaultProxyEvent,
} from './fault-proxy.ts';

// ---------------------------------------------------------------------------------------------------
// Helpers. Every wait has a deadline; the only timed waits are the windows in which silence is expected.

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`deadline: ${what} not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

interface EchoServer {
  readonly port: number;
  /** Sockets the echo server currently holds open. */
  readonly sockets: Set<net.Socket>;
  accepted: number;
  close(): Promise<void>;
}

async function startEcho(): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  const echo = { accepted: 0 } as { accepted: number };
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    echo.accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return Object.assign(echo, {
    port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}

class TestClient {
  received = '';
  error: NodeJS.ErrnoException | undefined;
  closed = false;
  readonly socket: net.Socket;
  private readonly waiters = new Set<() => void>();

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.received += text;
      this.wake();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error = error;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static async connect(port: number): Promise<TestClient> {
    const socket = net.connect({ host: '127.0.0.1', port });
    const client = new TestClient(socket);
    await withDeadline(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
      2_000,
      'connect',
    );
    return client;
  }

  /** Resolves once `condition` holds; rejects at the deadline. */
  until(condition: () => boolean, ms: number, what: string): Promise<void> {
    if (condition()) return Promise.resolve();
    let waiter: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      waiter = () => {
        if (condition()) resolve();
      };
      this.waiters.add(waiter);
    });
    return withDeadline(reached, ms, what).finally(() => this.waiters.delete(waiter));
  }

  waitForText(text: string, ms = 2_000): Promise<void> {
    return this.until(() => this.received.includes(text), ms, `reply ${JSON.stringify(text)}`);
  }

  waitClosed(ms = 2_000): Promise<void> {
    return this.until(() => this.closed, ms, 'close');
  }

  /** True if nothing new arrived (and the socket stayed open) for `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    const before = this.received.length;
    try {
      await this.until(() => this.received.length !== before || this.closed, ms, 'anything');
      return false;
    } catch {
      return true;
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/**
 * Connects and sends `payload`; resolves with the error code the connection ended with (a reset may
 * surface during connect or after it) and whatever was received.
 */
async function attempt(
  port: number,
  payload: string,
): Promise<{ code: string | undefined; received: string }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let received = '';
  let code: string | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => (received += text));
  socket.on('error', (error: NodeJS.ErrnoException) => (code = error.code));
  socket.on('connect', () => socket.write(payload));
  await withDeadline(
    new Promise((resolve) => socket.once('close', resolve)),
    2_000,
    'refused connection closed',
  );
  return { code, received };
}

/** Resolves once `condition` holds, polling on the event loop; rejects at the deadline. */
async function eventually(condition: () => boolean, ms: number, what: string): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > ms) throw new Error(`deadline: ${what} not within ${ms} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ echo: EchoServer; proxy: FaultProxy; events: FaultProxyEvent[] }> {
  const echo = await startEcho();
  const events: FaultProxyEvent[] = [];
  const proxy = await FaultProxy.start({
    listenHost: '127.0.0.1',
    listenPort: 0,
    targetHost: '127.0.0.1',
    targetPort: echo.port,
    name: 'A->B',
    onEvent: (event) => events.push(event),
  });
  cleanups.push(
    () => echo.close(),
    () => proxy.close(),
  );
  return { echo, proxy, events };
}

async function connect(port: number): Promise<TestClient> {
  const client = await TestClient.connect(port);
  cleanups.push(() => client.destroy());
  return client;
}

// ---------------------------------------------------------------------------------------------------

describe('parseFaultMode', () => {
  it('accepts the modes and normalises delays', () => {
    expect(parseFaultMode('ok')).toBe('ok');
    expect(parseFaultMode(' stall ')).toBe('stall');
    expect(parseFaultMode('reset')).toBe('reset');
    expect(parseFaultMode('drop-new')).toBe('drop-new');
    expect(parseFaultMode('delay 150')).toBe('delay 150');
    expect(parseFaultMode('delay  007')).toBe('delay 7');
    expect(parseFaultMode('delay 2.5')).toBe('delay 2.5');
    expect(delayOf('delay 150')).toBe(150);
    expect(delayOf('ok')).toBe(0);
  });

  it('rejects anything else', () => {
    for (const text of ['', 'OK', 'delay', 'delay -5', 'delay x', 'loss 10', 'partition']) {
      expect(() => parseFaultMode(text)).toThrow(RangeError);
    }
  });
});

describe('FaultProxy', () => {
  it('ok: forwards both ways and counts', async () => {
    const { echo, proxy, events } = await setup();
    expect(proxy.port).toBeGreaterThan(0);
    expect(proxy.port).not.toBe(echo.port);
    expect(proxy.mode).toBe('ok');
    const client = await connect(proxy.port);
    client.socket.write('ping');
    await client.waitForText('ping');
    expect(proxy.connections).toBe(1);
    expect(proxy.stats).toEqual({
      accepted: 1,
      refused: 0,
      bytesToTarget: 4,
      bytesToClient: 4,
      bytesQueued: 0,
    });
    expect(events[0]).toMatchObject({ type: 'connection-opened', proxy: 'A->B', held: false });
  });

  it('ok: propagates a half-close and cleans up the connection', async () => {
    const { echo, proxy } = await setup();
    const client = await connect(proxy.port);
    client.socket.end('bye');
    await client.waitForText('bye');
    await client.waitClosed();
    await eventually(() => proxy.connections === 0 && echo.sockets.size === 0, 2_000, 'both sides closed');
  });

  it('delay: holds each chunk, both directions, and keeps order across a mode change', async () => {
    const { proxy } = await setup();
    const client = await connect(proxy.port);
    client.socket.write('warm');
    await client.waitForText('warm');

    proxy.setMode('delay 100');
    expect(proxy.mode).toBe('delay 100');
    const started = performance.now();
    client.socket.write('slow');
    await client.waitForText('slow', 3_000);
    const roundTripMs = performance.now() - started;
    expect(roundTripMs).toBeGreaterThanOrEqual(195); // 2 × 100 ms, minus timer rounding
    expect(roundTripMs).toBeLessThan(2_000);

    // A chunk sent after switching back to ok must not overtake one still being delayed.
    proxy.setMode('delay 150');
    client.socket.write('A');
    await eventually(() => proxy.stats.bytesQueued === 1, 1_000, "'A' held in the proxy");
    proxy.setMode('ok');
    client.socket.write('B');
    await client.waitForText('AB', 3_000);
    expect(client.received).toBe('warmslowAB');
  });

  it('stall: nothing moves on an established connection; after heal the held data arrives and the connection survives', async () => {
    const { proxy, echo } = await setup();
    const client = await connect(proxy.port);
    client.socket.write('one');
    await client.waitForText('one');

    proxy.setMode('stall');
    client.socket.write('two');
    expect(await client.silentFor(400)).toBe(true);
    expect(client.closed).toBe(false);
    expect(proxy.stats.bytesToTarget).toBe(3);
    expect(proxy.stats.bytesQueued).toBe(0); // not even read: it waits in the kernel (back-pressure)

    const healedAt = performance.now();
    proxy.setMode('ok');
    await client.waitForText('onetwo', 2_000);
    expect(performance.now() - healedAt).toBeLessThan(1_000);
    client.socket.write('three');
    await client.waitForText('three');
    expect(echo.accepted).toBe(1);
  });

  it('stall: a new connection is accepted but held, and connected onward on heal', async () => {
    const { proxy, echo, events } = await setup();
    proxy.setMode('stall');
    const client = await connect(proxy.port);
    client.socket.write('hello');
    expect(await client.silentFor(300)).toBe(true);
    expect(echo.accepted).toBe(0);
    expect(proxy.connections).toBe(1);
    expect(events).toContainEqual(expect.objectContaining({ type: 'connection-opened', held: true }));

    proxy.setMode('ok');
    await client.waitForText('hello');
    expect(echo.accepted).toBe(1);
  });

  it('stall: a stalled reply from the target is held too', async () => {
    const { proxy } = await setup();
    const client = await connect(proxy.port);
    client.socket.write('x');
    await client.waitForText('x');
    // Send, then stall before the echo can come back: the reply direction is held as well.
    proxy.setMode('delay 200');
    client.socket.write('y');
    proxy.setMode('stall');
    expect(await client.silentFor(400)).toBe(true);
    proxy.setMode('ok');
    await client.waitForText('xy');
  });

  it('reset: established connections see ECONNRESET, new ones are reset, ok restores service', async () => {
    const { proxy, events, echo } = await setup();
    const client = await connect(proxy.port);
    client.socket.write('ping');
    await client.waitForText('ping');

    proxy.setMode('reset');
    await client.waitClosed();
    expect(client.error?.code).toBe('ECONNRESET');
    await eventually(() => proxy.connections === 0 && echo.sockets.size === 0, 2_000, 'both sides reset');

    const refused = await attempt(proxy.port, 'anyone?');
    expect(['ECONNRESET', 'EPIPE']).toContain(refused.code);
    expect(refused.received).toBe('');
    expect(proxy.stats.refused).toBe(1);
    expect(events).toContainEqual(expect.objectContaining({ type: 'connection-refused' }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'connection-closed', reason: 'reset' }));

    proxy.setMode('ok');
    const again = await connect(proxy.port);
    again.socket.write('back');
    await again.waitForText('back');
  });

  it('drop-new: existing connections flow, new ones are black-holed even after heal', async () => {
    const { proxy, echo } = await setup();
    const existing = await connect(proxy.port);
    existing.socket.write('a');
    await existing.waitForText('a');

    proxy.setMode('drop-new');
    const dropped = await connect(proxy.port);
    dropped.socket.write('lost');
    existing.socket.write('b');
    await existing.waitForText('ab');
    expect(await dropped.silentFor(300)).toBe(true);
    expect(echo.accepted).toBe(1);

    proxy.setMode('ok');
    expect(await dropped.silentFor(200)).toBe(true);
    const fresh = await connect(proxy.port);
    fresh.socket.write('new');
    await fresh.waitForText('new');
    expect(echo.accepted).toBe(2);

    // The proxy notices when a black-holed client gives up.
    dropped.socket.end();
    await eventually(() => proxy.connections === 2, 2_000, 'black-holed connection released');
  });

  it('moves bulk data intact through a small queue limit, with and without delay', async () => {
    const echo = await startEcho();
    const proxy = await FaultProxy.start({ targetPort: echo.port, maxQueuedBytes: 16 * 1024 });
    cleanups.push(
      () => echo.close(),
      () => proxy.close(),
    );
    for (const mode of ['ok', 'delay 2'] as const) {
      proxy.setMode(mode);
      const payload = Buffer.alloc(4 * 1024 * 1024);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + (i >>> 11)) & 0xff;
      const socket = net.connect({ host: '127.0.0.1', port: proxy.port });
      cleanups.push(() => void socket.destroy());
      const chunks: Buffer[] = [];
      let length = 0;
      const complete = new Promise<void>((resolve, reject) => {
        socket.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          length += chunk.length;
          if (length >= payload.length) resolve();
        });
        socket.on('error', reject);
      });
      socket.write(payload);
      await withDeadline(complete, 20_000, `4 MiB echoed in mode ${mode}`);
      expect(Buffer.concat(chunks).equals(payload)).toBe(true);
      socket.destroy();
    }
  });

  it('resets the client when the target refuses', async () => {
    const echo = await startEcho();
    const deadPort = echo.port;
    await echo.close();
    const events: FaultProxyEvent[] = [];
    const proxy = await FaultProxy.start({ targetPort: deadPort, onEvent: (event) => events.push(event) });
    cleanups.push(() => proxy.close());
    const client = await connect(proxy.port);
    await client.waitClosed();
    expect(client.error?.code).toBe('ECONNRESET');
    expect(events).toContainEqual(expect.objectContaining({ type: 'upstream-failed', code: 'ECONNREFUSED' }));
    await eventually(() => proxy.connections === 0, 2_000, 'connection forgotten');
  });

  it('when the target closes, the client gets the rest of the data and an orderly close', async () => {
    const { proxy, echo } = await setup();
    const client = await connect(proxy.port);
    client.socket.write('last words');
    await client.waitForText('last words');
    for (const socket of echo.sockets) socket.end('!');
    await client.waitForText('last words!');
    await client.until(() => client.socket.readableEnded, 2_000, 'end from target');
    client.socket.end();
    await client.waitClosed();
    expect(client.error).toBeUndefined();
    await eventually(() => proxy.connections === 0, 2_000, 'connection forgotten');
  });

  it('refuses to start on a port in use', async () => {
    const { proxy } = await setup();
    await expect(FaultProxy.start({ listenPort: proxy.port, targetPort: 1 })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });

  it('close: ends every connection (held ones too), frees the port, and is idempotent', async () => {
    const { proxy, echo } = await setup();
    const open = await connect(proxy.port);
    open.socket.write('x');
    await open.waitForText('x');
    proxy.setMode('stall');
    const held = await connect(proxy.port);
    expect(proxy.connections).toBe(2);

    const port = proxy.port;
    await withDeadline(Promise.all([proxy.close(), proxy.close()]), 3_000, 'proxy close');
    expect(proxy.connections).toBe(0);
    await open.waitClosed();
    await held.waitClosed();
    await eventually(() => echo.sockets.size === 0, 2_000, 'target side closed');
    await expect(TestClient.connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(() => proxy.setMode('ok')).toThrow(/closed/);
  });

  it('close: a process that used a proxy exits by itself afterwards (no leaked handles)', async () => {
    const moduleUrl = pathToFileURL(new URL('./fault-proxy.ts', import.meta.url).pathname).href;
    const script = `
      import net from 'node:net';
      const { FaultProxy } = await import(${JSON.stringify(moduleUrl)});
      const server = net.createServer((socket) => socket.pipe(socket));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const proxy = await FaultProxy.start({ targetPort: server.address().port, mode: 'delay 5' });
      const client = net.connect(proxy.port, '127.0.0.1');
      await new Promise((resolve) => client.once('connect', resolve));
      client.write('ping');
      await new Promise((resolve) => client.once('data', resolve));
      proxy.setMode('stall');
      const held = net.connect(proxy.port, '127.0.0.1');
      held.on('error', () => {});
      client.on('error', () => {});
      await new Promise((resolve) => held.once('connect', resolve));
      await proxy.close();
      client.destroy();
      held.destroy();
      server.close();
      setTimeout(() => { console.log('LEAK', JSON.stringify(process.getActiveResourcesInfo())); process.exit(7); }, 5000).unref();
      console.log('closed');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const code = await withDeadline(
      new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode))),
      15_000,
      'child exit',
    );
    expect(output).toContain('closed');
    expect(output).not.toContain('LEAK');
    expect(code).toBe(0);
  });
});

describe('FaultProxyGroup', () => {
  async function startGroup(
    names: string[],
  ): Promise<{ group: FaultProxyGroup; echoes: Map<string, EchoServer> }> {
    const echoes = new Map<string, EchoServer>();
    for (const name of names) echoes.set(name, await startEcho());
    const group = await FaultProxyGroup.start({
      nodes: names.map((name) => ({ name, port: (echoes.get(name) as EchoServer).port })),
    });
    cleanups.push(
      async () => {
        for (const echo of echoes.values()) await echo.close();
      },
      () => group.close(),
    );
    return { group, echoes };
  }

  async function probe(group: FaultProxyGroup, from: string, to: string): Promise<TestClient> {
    const client = await connect(group.address(from, to).port);
    client.socket.write(`${from}>${to}`);
    return client;
  }

  it('gives every directed pair its own proxy', async () => {
    const { group } = await startGroup(['zk1', 'zk2', 'zk3']);
    const ports = new Set<number>();
    for (const from of group.nodes) {
      for (const to of group.nodes) {
        if (from !== to) ports.add(group.address(from, to).port);
      }
    }
    expect(ports.size).toBe(6);
    expect(group.address('zk1', 'zk2').host).toBe('127.0.0.1');
    expect(group.proxy('zk1', 'zk2').name).toBe('zk1->zk2');
    expect(() => group.proxy('zk1', 'zk9')).toThrow(/unknown node zk9/);
  });

  it('partition, matrix, heal: traffic follows the matrix and held data arrives after heal', async () => {
    const { group } = await startGroup(['zk1', 'zk2', 'zk3']);
    const before = await probe(group, 'zk1', 'zk2');
    await before.waitForText('zk1>zk2');

    group.partition(['zk1'], ['zk2', 'zk3']);
    expect(group.matrix()).toEqual({
      nodes: ['zk1', 'zk2', 'zk3'],
      modes: [
        [null, 'stall', 'stall'],
        ['stall', null, 'ok'],
        ['stall', 'ok', null],
      ],
    });
    expect(formatLinkMatrix(group.matrix())).toBe(
      [
        'from\\to  zk1    zk2    zk3',
        'zk1      ·      stall  stall',
        'zk2      stall  ·      ok',
        'zk3      stall  ok     ·',
      ].join('\n'),
    );

    const across = await probe(group, 'zk3', 'zk1');
    const inside = await probe(group, 'zk2', 'zk3');
    before.socket.write('+more');
    await inside.waitForText('zk2>zk3');
    expect(await across.silentFor(300)).toBe(true);
    expect(await before.silentFor(1)).toBe(true);

    group.heal();
    expect(
      group
        .matrix()
        .modes.flat()
        .filter((mode) => mode !== null),
    ).toEqual(Array(6).fill('ok'));
    await across.waitForText('zk3>zk1');
    await before.waitForText('zk1>zk2+more');
  });

  it('isolate cuts one node off both ways; partition modes and validation', async () => {
    const { group } = await startGroup(['zk1', 'zk2', 'zk3']);
    group.isolate('zk2');
    expect(group.matrix().modes).toEqual([
      [null, 'stall', 'ok'],
      ['stall', null, 'stall'],
      ['ok', 'stall', null],
    ]);
    group.heal();
    group.partition(['zk1', 'zk2'], ['zk3'], 'reset');
    expect(group.matrix().modes[2]).toEqual(['reset', 'reset', null]);
    const refused = await attempt(group.address('zk3', 'zk1').port, 'zk3>zk1');
    expect(refused).toEqual({ code: 'ECONNRESET', received: '' });
    expect(() => group.partition(['zk1'], ['zk1'])).toThrow(/both groups/);
    expect(() => group.partition(['zk1'], ['zk7'])).toThrow(/unknown node zk7/);
  });

  it('nodes with several service ports get one proxy per service', async () => {
    const quorum = await startEcho();
    const election = await startEcho();
    const group = await FaultProxyGroup.start({
      nodes: [
        { name: 'zk1', ports: { quorum: quorum.port, election: election.port } },
        { name: 'zk2', ports: { quorum: quorum.port, election: election.port } },
      ],
    });
    cleanups.push(
      () => quorum.close(),
      () => election.close(),
      () => group.close(),
    );
    expect(() => group.proxy('zk1', 'zk2')).toThrow(/name one/);
    expect(group.proxy('zk1', 'zk2', 'election').name).toBe('zk1->zk2:election');
    group.proxy('zk1', 'zk2', 'quorum').setMode('stall');
    expect(group.matrix().modes[0][1]).toBe('quorum=stall,election=ok');
    group.isolate('zk1');
    expect(group.matrix().modes).toEqual([
      [null, 'stall'],
      ['stall', null],
    ]);

    const client = await connect(group.address('zk2', 'zk1', 'election').port);
    expect(group.connections).toBe(1);
    await group.close();
    await client.waitClosed();
    expect(group.connections).toBe(0);
  });

  it('a services hook picks per pair which port a proxy leads to, or none', async () => {
    const forZk1 = await startEcho();
    const forZk3 = await startEcho();
    // broker2 has one listener per peer; zk3 never dials broker2.
    const group = await FaultProxyGroup.start({
      nodes: [{ name: 'zk1' }, { name: 'broker2' }, { name: 'zk3' }],
      services: (from, to): Record<string, number> => {
        if (to.name !== 'broker2') return {};
        return { peer: from.name === 'zk1' ? forZk1.port : forZk3.port };
      },
    });
    cleanups.push(
      () => forZk1.close(),
      () => forZk3.close(),
      () => group.close(),
    );
    expect(group.hasLink('zk1', 'broker2')).toBe(true);
    expect(group.hasLink('broker2', 'zk1')).toBe(false);
    expect(() => group.proxy('broker2', 'zk1')).toThrow(/has services/);
    const viaZk1 = await connect(group.address('zk1', 'broker2').port);
    viaZk1.socket.write('from zk1');
    await viaZk1.waitForText('from zk1');
    expect(forZk1.accepted).toBe(1);
    expect(forZk3.accepted).toBe(0);
    group.isolate('broker2');
    expect(group.matrix().modes).toEqual([
      [null, 'stall', null],
      [null, null, null],
      [null, 'stall', null],
    ]);
  });
});
