import { describe, expect, it } from 'vitest';

import { resolveClusterSpec } from '../cluster/spec.ts';
import type { ServerMode } from '../cluster/srvr.ts';
import { benchZooCfg, quorumReady } from './quorum-ensemble.ts';

describe('benchZooCfg', () => {
  const spec = resolveClusterSpec({ dataDir: '/tmp/lab', portBase: 12181, zookeepers: 3 });
  const cfg = benchZooCfg(spec, 'zk2', true);

  it('points every server.N line at the real peer ports (no fault proxies)', () => {
    const lines = cfg.split('\n').filter((l) => l.startsWith('server.'));
    expect(lines).toEqual(
      spec.ports.zookeepers.map((zk) => `server.${zk.sid}=127.0.0.1:${zk.quorumPort}:${zk.electionPort}`),
    );
  });

  it('keeps the lab settings, turns the AdminServer off and states forceSync', () => {
    expect(cfg).toContain('dataDir=/tmp/lab/zk2');
    expect(cfg).toContain(`clientPort=${spec.ports.zookeepers[1].clientPort}`);
    expect(cfg).toContain('tickTime=2000');
    expect(cfg).toContain('admin.enableServer=false');
    expect(cfg).not.toContain('admin.serverPort');
    expect(cfg).toContain('forceSync=yes');
    expect(benchZooCfg(spec, 'zk2', false)).toContain('forceSync=no');
    expect(cfg).not.toMatch(/fault proxy/);
  });
});

describe('quorumReady', () => {
  const names = ['zk1', 'zk2', 'zk3'];
  const modes = (...m: ServerMode[]) => new Map(names.map((n, i) => [n, m[i]]));

  it('needs every server serving and exactly one leader', () => {
    expect(quorumReady(modes('follower', 'leader', 'follower'), names)).toBe(true);
    expect(quorumReady(modes('follower', 'leader', 'not-serving'), names)).toBe(false);
    expect(quorumReady(modes('follower', 'follower', 'follower'), names)).toBe(false);
    expect(quorumReady(modes('leader', 'leader', 'follower'), names)).toBe(false);
    expect(quorumReady(modes('follower', 'leader', 'down'), ['zk1', 'zk2'])).toBe(true);
  });
});
