import { describe, expect, it } from 'vitest';

import { ControllerContext } from './controller-context.ts';
import {
  controlledShutdownPartitionLeaderElection,
  electLeader,
  offlinePartitionLeaderElection,
  preferredReplicaPartitionLeaderElection,
  reassignPartitionLeaderElection,
} from './leader-election.ts';
import { replicaAssignment, type LiveBroker } from './types.ts';

const set = (...ids: number[]) => new Set(ids);

describe('election algorithms (step table: A, ISR, live → leader)', () => {
  it.each([
    // assignment, isr, live, unclean → expected
    [[1, 2, 3], [1, 2, 3], [1, 2, 3], false, { leader: 1, unclean: false }],
    [[1, 2, 3], [2, 3], [1, 2, 3], false, { leader: 2, unclean: false }],
    [[1, 2, 3], [3, 2], [2, 3], false, { leader: 2, unclean: false }], // assignment order, not ISR order
    [[1, 2, 3], [1], [2, 3], false, undefined], // no live ISR member, clean only
    [[1, 2, 3], [1], [3, 2], true, { leader: 2, unclean: true }], // unclean: first live in assignment
    [[1, 2, 3], [1], [], true, undefined],
  ] as const)('offline: A=%j ISR=%j live=%j unclean=%j → %j', (a, isr, live, unclean, expected) => {
    expect(offlinePartitionLeaderElection(a, isr, set(...live), unclean)).toEqual(expected);
  });

  it.each([
    [[4, 5, 6], [1, 5, 6], [4, 5, 6], 5],
    [[4, 5, 6], [1, 2], [4, 5, 6], undefined],
  ] as const)('reassignment: target=%j ISR=%j live=%j → %j', (target, isr, live, expected) => {
    expect(reassignPartitionLeaderElection(target, isr, set(...live))).toBe(expected);
  });

  it.each([
    [[1, 2, 3], [1, 2, 3], [1, 2, 3], 1],
    [[1, 2, 3], [2, 3], [1, 2, 3], undefined], // preferred not in ISR
    [[1, 2, 3], [1, 2, 3], [2, 3], undefined], // preferred not live
  ] as const)('preferred: A=%j ISR=%j live=%j → %j', (a, isr, live, expected) => {
    expect(preferredReplicaPartitionLeaderElection(a, isr, set(...live))).toBe(expected);
  });

  it.each([
    [[1, 2, 3], [1, 2, 3], [1, 2, 3], [1], 2],
    [[1, 2, 3], [1, 3], [1, 2, 3], [1], 3],
    [[1, 2, 3], [1], [1, 2, 3], [1], undefined],
  ] as const)('controlled shutdown: A=%j ISR=%j live=%j SD=%j → %j', (a, isr, live, sd, expected) => {
    expect(controlledShutdownPartitionLeaderElection(a, isr, set(...live), set(...sd))).toBe(expected);
  });
});

describe('electLeader over a context: new ISR, epoch + 1, recipients', () => {
  const broker = (id: number): LiveBroker => ({
    id,
    epoch: BigInt(id * 100),
    rack: undefined,
    endPoints: [
      { listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: `b${id}`, port: 9090 + id },
    ],
  });
  const tp = { topic: 't', partition: 0 };
  const context = () => {
    const c = new ControllerContext();
    c.setLiveBrokers([broker(2), broker(3)]);
    c.updatePartitionFullReplicaAssignment(tp, replicaAssignment([1, 2, 3]));
    return c;
  };
  const current = { leader: 1, leaderEpoch: 4, isr: [1, 2, 3], zkVersion: 7 };

  it('offline: ISR ∩ live, epoch + 1, same zkVersion, LeaderAndIsr to live replicas', () => {
    expect(electLeader(context(), tp, current, { kind: 'offline' })).toEqual({
      partition: tp,
      leaderAndIsr: { leader: 2, leaderEpoch: 5, isr: [2, 3], zkVersion: 7 },
      recipients: [2, 3],
      unclean: false,
    });
  });

  it('offline unclean: ISR = [leader]', () => {
    const result = electLeader(
      context(),
      tp,
      { ...current, isr: [1] },
      { kind: 'offline', uncleanAllowed: () => true },
    );
    expect(result.leaderAndIsr).toEqual({ leader: 2, leaderEpoch: 5, isr: [2], zkVersion: 7 });
    expect(result.unclean).toBe(true);
  });

  it('controlled shutdown: shutting-down brokers leave the ISR but still receive the request', () => {
    const c = context();
    c.setLiveBrokers([broker(1), broker(2), broker(3)]);
    c.shuttingDownBrokerIds.add(1);
    expect(electLeader(c, tp, current, { kind: 'controlled-shutdown' })).toEqual({
      partition: tp,
      leaderAndIsr: { leader: 2, leaderEpoch: 5, isr: [2, 3], zkVersion: 7 },
      recipients: [1, 2, 3],
      unclean: false,
    });
  });

  it('preferred: keeps the ISR; recipients = all assigned replicas', () => {
    const c = context();
    c.setLiveBrokers([broker(1), broker(2), broker(3)]);
    const result = electLeader(c, tp, { ...current, leader: 2 }, { kind: 'preferred' });
    expect(result.leaderAndIsr).toEqual({ leader: 1, leaderEpoch: 5, isr: [1, 2, 3], zkVersion: 7 });
    expect(result.recipients).toEqual([1, 2, 3]);
  });

  it('reassignment: first live target replica in the ISR', () => {
    const result = electLeader(context(), tp, current, {
      kind: 'reassignment',
      targetReplicas: () => [3, 4],
    });
    expect(result.leaderAndIsr?.leader).toBe(3);
    expect(result.recipients).toEqual([3, 4]);
  });
});
