// Live fuzz of our ZooKeeper server process: many connections send random garbage, truncated frames,
// length prefixes over jute.maxbuffer, requests before the handshake, and valid handshakes followed by
// random op codes and bodies. Afterwards the same process must still answer `ruok`, serve a real
// node-zookeeper-client, and hold the data written before the fuzz unchanged.
//   npx vitest run --project conformance fuzz            (seed: KZLAB_FUZZ_SEED=<n> to replay a run)
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Prng } from '../../../deploy/sim/prng.ts';
import { getFreePort } from '../../support/ports.ts';
import { makeTempDir, spawnLogged, waitFor, type ManagedProcess } from '../../support/process.ts';
import { statOf, ZkClient } from '../../support/nzk.ts';
import { skipUnlessAvailable } from '../../support/ci.ts';
import { fourLetterWord, kzlabAvailable, repoRoot } from '../../support/zookeeper-servers.ts';

const HOST = '127.0.0.1';
const JUTE_MAX_BUFFER = 1_048_575;
const SEED = Number(process.env.KZLAB_FUZZ_SEED ?? Date.now() % 2 ** 31);
/** The whole fuzz phase stops starting new connections after this long. */
const FUZZ_BUDGET_MS = 12_000;

/** Fuzz choices over the simulator's seeded PRNG (mulberry32), so a failing run replays from its seed. */
class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    const prng = new Prng(seed);
    this.next = () => prng.next();
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---- frames, built by hand (independent of the server's codec) ----

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value | 0);
  return b;
}
function int64(value: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(value);
  return b;
}
function ustring(value: string): Buffer {
  const body = Buffer.from(value, 'utf8');
  return Buffer.concat([int32(body.length), body]);
}
function framed(payload: Buffer): Buffer {
  return Buffer.concat([int32(payload.length), payload]);
}
function connectRequest(timeoutMs = 4000): Buffer {
  return Buffer.concat([
    int32(0),
    int64(0n),
    int32(timeoutMs),
    int64(0n),
    int32(16),
    Buffer.alloc(16),
    Buffer.from([0]),
  ]);
}

/** A request body that is sometimes well-formed for its op code, sometimes not. */
function randomBody(rng: Rng, type: number): Buffer {
  const path = rng.pick(['/', '/fuzz', '/fuzz/x', '/zookeeper', 'bad', '/a/../b', '/a\u0000b', '']);
  switch (rng.int(6)) {
    case 0:
      return Buffer.alloc(0);
    case 1:
      return rng.bytes(rng.range(1, 64));
    case 2:
      // A plausible prefix with a hostile length somewhere.
      return Buffer.concat([
        int32(rng.pick([-2, -1, 0x7fffffff, JUTE_MAX_BUFFER + 1, 1 << 20, 3])),
        rng.bytes(rng.range(0, 16)),
      ]);
    case 3:
      // path + watch flag (exists, getData, getChildren…)
      return Buffer.concat([ustring(path), Buffer.from([rng.int(2)])]);
    case 4:
      // create-shaped: path, data, a vector of ACLs with a random count, flags
      return Buffer.concat([
        ustring(`/fuzz-${type}-${rng.int(1000)}`),
        int32(rng.pick([-1, 0, 3])),
        int32(rng.pick([0, 1, 2, 1_000_000])),
        int32(31),
        ustring('world'),
        ustring('anyone'),
        int32(rng.int(8)),
      ]);
    default:
      // a multi-shaped body with random op types
      return Buffer.concat([
        int32(rng.pick([1, 2, 5, 13, 4, 8, 99, -1])),
        Buffer.from([rng.int(2)]),
        int32(-1),
        ustring(path),
        int32(-1),
        int32(-1),
        Buffer.from([1]),
        int32(-1),
      ]);
  }
}

// ---- sockets ----

interface Outcome {
  /** The server closed the connection (or reset it). */
  closedByServer: boolean;
  received: number;
}

/** Connect, run `script(write)`, wait up to `lingerMs` for the server to close, then close ourselves. */
function session(
  port: number,
  script: (write: (bytes: Buffer) => void) => void,
  lingerMs: number,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    let received = 0;
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ closedByServer, received });
    };
    const timer = setTimeout(() => finish(false), lingerMs + 2000);
    socket.on('data', (chunk) => (received += chunk.length));
    socket.on('error', () => finish(true));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.once('connect', () => {
      try {
        script((bytes) => {
          if (!socket.destroyed) socket.write(bytes);
        });
      } catch {
        // the socket may already be gone
      }
      setTimeout(() => finish(false), lingerMs);
    });
  });
}

// ---------------------------------------------------------------------------------------------

describe.skipIf(skipUnlessAvailable(kzlabAvailable()))(`fuzzing a live server process (seed ${SEED})`, () => {
  let proc: ManagedProcess;
  let port: number;
  let baseDir: string;
  let keeper: ZkClient;
  const canary = {
    path: '/canary',
    data: Buffer.from('written before the fuzz'),
    stat: null as ReturnType<typeof statOf> | null,
  };

  beforeAll(async () => {
    baseDir = makeTempDir('zk-fuzz');
    const dataDir = join(baseDir, 'data');
    mkdirSync(dataDir);
    port = await getFreePort(HOST);
    const config = {
      tickTime: '2000',
      dataDir,
      clientPort: String(port),
      clientPortAddress: HOST,
      '4lw.commands.whitelist': '*',
      'admin.enableServer': 'false',
      maxClientCnxns: '0',
    };
    const configPath = join(baseDir, 'zoo.cfg');
    writeFileSync(
      configPath,
      Object.entries(config)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n') + '\n',
    );
    proc = spawnLogged({
      name: 'kzlab-zk-fuzz',
      logDir: baseDir,
      cwd: repoRoot,
      command: join(repoRoot, 'node_modules', '.bin', 'node'),
      args: [join(repoRoot, 'zookeeper-ensemble', 'main.ts'), configPath],
    });
    await waitFor(
      async () => {
        if (proc.exitStatus()) throw new Error(`server exited early: ${JSON.stringify(proc.exitStatus())}`);
        return (await fourLetterWord(HOST, port, 'ruok', { deadlineMs: 1000 })) === 'imok';
      },
      { deadlineMs: 20_000, what: 'ruok → imok', intervalMs: 100, context: () => proc.logTail(40) },
    );
    keeper = await ZkClient.connect(`${HOST}:${port}`, { sessionTimeout: 30_000 });
    await keeper.create(canary.path, canary.data);
    await keeper.create(`${canary.path}/child`, Buffer.from('c'));
    await keeper.create(`${canary.path}/eph`, null, 1);
    canary.stat = statOf((await keeper.getData(canary.path)).stat);
  }, 60_000);

  afterAll(async () => {
    keeper?.close();
    await proc?.stop({ graceMs: 5000 });
  });

  it('survives garbage, truncated frames, oversized lengths, pre-handshake requests and random ops', async () => {
    const rng = new Rng(SEED);
    const started = Date.now();
    const counts = { garbage: 0, truncated: 0, oversized: 0, beforeHandshake: 0, randomOps: 0, words: 0 };
    const mustClose: string[] = [];
    const batch = async (
      kind: keyof typeof counts,
      n: number,
      make: () => Promise<Outcome>,
      expectClose: boolean,
    ) => {
      const outcomes = await Promise.all(Array.from({ length: n }, make));
      counts[kind] += n;
      if (expectClose)
        outcomes.forEach((o, i) => (!o.closedByServer ? mustClose.push(`${kind} #${i}`) : undefined));
    };

    for (let round = 0; round < 10 && Date.now() - started < FUZZ_BUDGET_MS; round++) {
      // 1. Pure garbage, sometimes split into several writes.
      await batch(
        'garbage',
        30,
        () =>
          session(
            port,
            (write) => {
              const bytes = rng.bytes(rng.range(1, 3000));
              const cut = rng.int(bytes.length);
              write(bytes.subarray(0, cut));
              write(bytes.subarray(cut));
            },
            150,
          ),
        false,
      );

      // 2. A valid ConnectRequest frame cut short (the server must not wait forever on us: we hang up).
      await batch(
        'truncated',
        10,
        () =>
          session(
            port,
            (write) => {
              const frame = framed(connectRequest());
              write(frame.subarray(0, rng.int(frame.length)));
            },
            100,
          ),
        false,
      );

      // 3. Length prefixes the server must refuse before reading the frame.
      await batch(
        'oversized',
        8,
        () =>
          session(
            port,
            (write) => {
              const length = rng.pick([JUTE_MAX_BUFFER + 1, 0x7fffffff, 1 << 24, -1, -0x80000000]);
              write(Buffer.concat([int32(length), rng.bytes(rng.range(0, 64))]));
            },
            1500,
          ),
        true,
      );

      // 4. A request (not a ConnectRequest) as the first frame.
      await batch(
        'beforeHandshake',
        6,
        () =>
          session(
            port,
            (write) => {
              const type = rng.pick([1, 2, 4, 8, 11, 14, 101, -11]);
              write(framed(Buffer.concat([int32(rng.range(1, 100)), int32(type), randomBody(rng, type)])));
            },
            1500,
          ),
        true,
      );

      // 5. A valid handshake, then random op codes and bodies (valid codes with garbage, garbage codes).
      await batch(
        'randomOps',
        40,
        () =>
          session(
            port,
            (write) => {
              write(framed(connectRequest(rng.pick([4000, 30_000]))));
              const frames = rng.range(1, 8);
              for (let i = 0; i < frames; i++) {
                const type = rng.chance(0.7)
                  ? rng.pick([
                      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 100, 101,
                      102, 103, 104, 105, 106, 107, -10, -11,
                    ])
                  : rng.range(-0x80000000, 0x7fffffff);
                const xid = rng.pick([rng.range(1, 1000), -1, -2, -4, -8, 0, 0x7fffffff]);
                const payload = Buffer.concat([int32(xid), int32(type), randomBody(rng, type)]);
                write(
                  rng.chance(0.1)
                    ? framed(payload).subarray(0, rng.range(1, payload.length + 3))
                    : framed(payload),
                );
              }
            },
            rng.range(20, 300),
          ),
        false,
      );

      // 6. Four-letter words and near misses.
      await batch(
        'words',
        5,
        () =>
          session(
            port,
            (write) =>
              write(
                Buffer.from(
                  rng.pick([
                    'ruok',
                    'srvr',
                    'stat',
                    'mntr',
                    'cons',
                    'wchc',
                    'dump',
                    'conf',
                    'envi',
                    'RUOK',
                    'ruo',
                    'kill',
                    'xxxx',
                  ]),
                ),
              ),
            300,
          ),
        false,
      );

      expect(
        proc.exitStatus(),
        `server exited during round ${round}; seed ${SEED}\n${proc.logTail(40)}`,
      ).toBeUndefined();
    }

    expect(mustClose, `connections the server should have closed (seed ${SEED})`).toEqual([]);
    expect(counts.randomOps).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(25_000);
  }, 40_000);

  it('still answers ruok, serves a real client, and kept the data written before the fuzz', async () => {
    expect(proc.exitStatus(), `server exited; seed ${SEED}\n${proc.logTail(40)}`).toBeUndefined();
    expect(await fourLetterWord(HOST, port, 'ruok', { deadlineMs: 3000 })).toBe('imok');

    // The client connected before the fuzz is still in its session.
    const { data, stat } = await keeper.getData(canary.path);
    expect(data?.equals(canary.data)).toBe(true);
    expect(statOf(stat)).toMatchObject({
      czxid: canary.stat!.czxid,
      mzxid: canary.stat!.mzxid,
      version: canary.stat!.version,
      cversion: canary.stat!.cversion,
      numChildren: 2,
    });
    expect((await keeper.getChildren(canary.path)).children.sort()).toEqual(['child', 'eph']);

    // A fresh node-zookeeper-client works end to end.
    const fresh = await ZkClient.connect(`${HOST}:${port}`, { sessionTimeout: 10_000 });
    try {
      await fresh.create('/after-fuzz', Buffer.from('ok'));
      expect((await fresh.getData('/after-fuzz')).data?.toString()).toBe('ok');
      await fresh.setData('/after-fuzz', Buffer.from('ok2'), 0);
      await fresh.remove('/after-fuzz', 1);
      expect(await fresh.exists('/after-fuzz')).toBeNull();
      expect((await fresh.getData(`${canary.path}/child`)).data?.toString()).toBe('c');
    } finally {
      fresh.close();
    }
    expect(proc.exitStatus()).toBeUndefined();
    // Nothing fatal was logged.
    expect(proc.readLog()).not.toMatch(/"level":60/);
  }, 30_000);
});
