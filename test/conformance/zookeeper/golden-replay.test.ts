// Byte-level replay: the scripted node-zookeeper-client and zkCli sessions that produced the golden files
// run again, through the recording proxy, against the server under test. Every frame must match the
// golden one captured from Apache ZooKeeper 3.8: same direction and length, same decoded note (session
// ids masked), and the same bytes for replies that carry no Stat (Stats hold wall-clock ctime/mtime).
// Pings are left out (their timing varies) and each direction of each connection is compared as its own
// stream. Regenerate goldens with test/support/capture-zookeeper-golden.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { zkCliAvailable } from '../../support/cli-clients.ts';
import { skipUnlessAvailable } from '../../support/ci.ts';
import { goldenSessions } from '../../support/golden-sessions.ts';
import type { GoldenFrame } from '../../support/recording-proxy.ts';
import { repoRoot, startZooKeeper, type ZooKeeperServer } from '../../support/zookeeper-servers.ts';

const statFreeReply =
  /^reply xid=-?\d+ zxid=0x[0-9a-f]+ err=\w+ to (create|delete|sync|getChildren|getAllChildrenNumber|getEphemerals|whoAmI|auth|closeSession|setWatches|check) /;

interface Comparable {
  connection: number;
  direction: string;
  length: number;
  note: string;
  hex?: string;
}

function comparable(frames: GoldenFrame[]): Comparable[] {
  return frames
    .filter((f) => !/^request xid=-2 ping|^reply xid=-2 /.test(f.note))
    .map((f) => {
      const note = f.note.replace(/sessionId=0x[0-9a-f]+/g, 'sessionId=<session>');
      const exact =
        f.direction === 's2c' &&
        (f.note.startsWith('notification') || / err=(?!OK)/.test(f.note) || statFreeReply.test(f.note));
      return {
        connection: f.connection,
        direction: f.direction,
        length: f.hex.length / 2,
        note,
        ...(exact ? { hex: f.hex } : {}),
      };
    });
}

function golden(name: string): GoldenFrame[] {
  return JSON.parse(
    readFileSync(join(repoRoot, 'test', 'fixtures', 'zookeeper', `golden-${name}.json`), 'utf8'),
  ) as GoldenFrame[];
}

/**
 * Compares each direction of each connection as its own stream: the order within a stream is fixed, but
 * how client and server frames interleave depends on timing (e.g. zkCli sends its next command before
 * the auth reply arrives).
 */
function firstDifference(ours: Comparable[], apache: Comparable[]): string | undefined {
  const streams = (frames: Comparable[]) => {
    const map = new Map<string, Comparable[]>();
    for (const f of frames) {
      const key = `connection ${f.connection} ${f.direction}`;
      map.set(key, [...(map.get(key) ?? []), f]);
    }
    return map;
  };
  const a = streams(apache);
  const o = streams(ours);
  for (const key of new Set([...a.keys(), ...o.keys()])) {
    const as = a.get(key) ?? [];
    const os = o.get(key) ?? [];
    for (let i = 0; i < Math.max(as.length, os.length); i++) {
      const x = JSON.stringify(as[i] ?? null);
      const y = JSON.stringify(os[i] ?? null);
      if (x !== y) return `${key}, frame ${i} (pings left out):\n  Apache: ${x}\n  ours:   ${y}`;
    }
  }
  return undefined;
}

describe('golden replay: frame-by-frame against Apache captures', () => {
  let server: ZooKeeperServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  const cases: Array<{ name: string; enabled: boolean }> = [
    { name: 'node-zookeeper-client', enabled: true },
    { name: 'zkcli', enabled: zkCliAvailable() },
  ];
  for (const { name, enabled } of cases) {
    it.skipIf(skipUnlessAvailable(enabled))(name, async () => {
      server = await startZooKeeper();
      const ours = comparable(await goldenSessions[name](server));
      const apache = comparable(golden(name));
      const difference = firstDifference(ours, apache);
      expect(difference, difference ?? '').toBeUndefined();
    });
  }
});
