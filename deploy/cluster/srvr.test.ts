import { describe, expect, it } from 'vitest';

import { isServingMode, parseSrvr } from './srvr.ts';

// Captured from Debian's Apache ZooKeeper 3.8.0 in a 3-server ensemble.
const APACHE_LEADER = `Zookeeper version: 3.8.0-\${mvngit.commit.id}, built on 2024-12-29 17:54 UTC
Latency min/avg/max: 0/0.4/12
Received: 57
Sent: 56
Connections: 2
Outstanding: 0
Zxid: 0x100000003
Mode: leader
Node count: 5
Proposal sizes last/min/max: -1/-1/-1
`;

describe('parseSrvr', () => {
  it('reads every field of a leader', () => {
    expect(parseSrvr(APACHE_LEADER)).toEqual({
      serving: true,
      mode: 'leader',
      version: '3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC',
      latencyMs: { min: 0, avg: 0.4, max: 12 },
      received: 57,
      sent: 56,
      connections: 2,
      outstanding: 0,
      zxid: '0x100000003',
      nodeCount: 5,
    });
  });

  it('knows followers, standalone servers and read-only mode', () => {
    expect(parseSrvr(APACHE_LEADER.replace('Mode: leader', 'Mode: follower')).mode).toBe('follower');
    expect(parseSrvr(APACHE_LEADER.replace('Mode: leader', 'Mode: standalone')).mode).toBe('standalone');
    expect(parseSrvr(`READ-ONLY mode; serving only read-only clients\n${APACHE_LEADER}`).mode).toBe(
      'read-only',
    );
  });

  it('a server without quorum is not serving', () => {
    expect(parseSrvr('This ZooKeeper instance is not currently serving requests\n')).toEqual({
      serving: false,
      mode: 'not-serving',
    });
  });

  it('rejects what is not a srvr answer', () => {
    expect(() => parseSrvr('')).toThrow('not a srvr answer');
    expect(() => parseSrvr('imok')).toThrow('not a srvr answer');
    expect(() => parseSrvr('Mode: boss\n')).toThrow('unknown srvr Mode: "boss"');
  });

  it('serving modes', () => {
    expect(
      ['leader', 'follower', 'observer', 'standalone'].every((mode) => isServingMode(mode as never)),
    ).toBe(true);
    expect(
      ['not-serving', 'paused', 'down', 'unreachable', 'read-only'].some((mode) =>
        isServingMode(mode as never),
      ),
    ).toBe(false);
  });
});
