import { describe, expect, it } from 'vitest';

import type { ClusterEvent } from '../cluster/handle.ts';
import { parseCons, parseExactJson, parseQuorum, parseSrvrJson, parseWatchesByPath } from './poller.ts';
import {
  changedSections,
  formatZxid,
  Journal,
  journalFromClusterEvent,
  majorityOf,
  observedChanges,
  shapeEnsemble,
  shapeState,
  STATE_SECTIONS,
  type BrokerObservation,
  type Observation,
  type ZnodeTree,
  type ZnodeView,
  type ZooKeeperObservation,
} from './state.ts';

const LAB = { connect: '127.0.0.1:2181', bootstrap: '127.0.0.1:9092', impl: 'kzlab', dataDir: '/lab' };

function quorumPeer(
  name: string,
  sid: number,
  state: string,
  options: { epoch?: number; zxid?: string; leader?: number | null; srvrState?: string } = {},
): ZooKeeperObservation {
  return {
    name,
    sid,
    process: 'running',
    pid: 100 + sid,
    clientPort: 2180 + sid,
    quorum: {
      myid: sid,
      state,
      zabState: state === 'LOOKING' ? 'ELECTION' : 'BROADCAST',
      currentEpoch: options.epoch ?? 1,
      acceptedEpoch: options.epoch ?? 1,
      lastLoggedZxid: options.zxid ?? '0x100000003',
      lastProcessedZxid: options.zxid ?? '0x100000003',
      leader: options.leader === undefined ? 1 : options.leader,
      learners:
        state === 'LEADING'
          ? [
              { sid: 2, phase: 'UPTODATE', lastHeardAgoMs: 40, synced: true, ackedZxid: '0x100000001' },
              { sid: 3, phase: 'SYNC', lastHeardAgoMs: 2900, synced: false, ackedZxid: null },
            ]
          : [],
    },
    srvr: {
      serverState:
        options.srvrState ??
        (state === 'LEADING' ? 'leader' : state === 'FOLLOWING' ? 'follower' : 'looking'),
      connections: 2,
      nodeCount: 30,
    },
  };
}

function down(name: string, sid: number, process: 'killed' | 'paused' = 'killed'): ZooKeeperObservation {
  return { name, sid, process, pid: process === 'paused' ? 100 + sid : null, clientPort: 2180 + sid };
}

function znode(path: string, data: string | null, ephemeralOwner = '0x0'): ZnodeView {
  return {
    path,
    data,
    truncated: false,
    stat: {
      czxid: '4294967299',
      mzxid: '4294967299',
      pzxid: '4294967299',
      ctime: '1795264836842',
      mtime: '1795264836842',
      version: 0,
      cversion: 0,
      aversion: 0,
      ephemeralOwner,
      dataLength: data?.length ?? 0,
      numChildren: 0,
    },
  };
}

function kafkaTree(
  options: {
    controller?: number | null;
    controllerEpoch?: number;
    brokerIds?: number[];
    isr?: number[];
    leader?: number;
    leaderEpoch?: number;
  } = {},
): ZnodeTree {
  const nodes: ZnodeView[] = [znode('/', null), znode('/brokers', null), znode('/brokers/ids', null)];
  for (const id of options.brokerIds ?? [1, 2, 3])
    nodes.push(znode(`/brokers/ids/${id}`, `{"version":4,"port":${9091 + id}}`, `0x${id}00`));
  nodes.push(znode('/brokers/topics', null));
  nodes.push(
    znode(
      '/brokers/topics/orders',
      '{"version":2,"partitions":{"0":[1,2,3],"1":[2,3,1]},"adding_replicas":{},"removing_replicas":{}}',
    ),
  );
  nodes.push(
    znode(
      '/brokers/topics/orders/partitions/0/state',
      JSON.stringify({
        controller_epoch: 1,
        leader: options.leader ?? 1,
        version: 1,
        leader_epoch: options.leaderEpoch ?? 0,
        isr: options.isr ?? [1, 2, 3],
      }),
    ),
  );
  nodes.push(
    znode(
      '/brokers/topics/orders/partitions/1/state',
      '{"controller_epoch":1,"leader":-1,"version":1,"leader_epoch":4,"isr":[2]}',
    ),
  );
  const controller = options.controller === undefined ? 2 : options.controller;
  if (controller !== null)
    nodes.push(znode('/controller', `{"version":1,"brokerid":${controller},"timestamp":"1"}`, '0x200'));
  nodes.push(znode('/controller_epoch', String(options.controllerEpoch ?? 1)));
  return { nodes: nodes.sort((a, b) => (a.path < b.path ? -1 : 1)), truncated: false };
}

function broker(
  id: number,
  partitions: BrokerObservation['partitions'] = [],
  process: BrokerObservation['process'] = 'running',
): BrokerObservation {
  return {
    name: `broker${id}`,
    id,
    process,
    pid: process === 'running' ? 200 + id : null,
    kafkaPort: 9091 + id,
    ...(process === 'running'
      ? {
          broker: { brokerEpoch: String(4294967300 + id), controllerId: 2, clusterId: 'c' },
          controller: { isController: id === 2, controllerEpoch: id === 2 ? 1 : null, offlinePartitions: 0 },
          partitions,
        }
      : {}),
  };
}

function localPartition(partition: number, role: string, leo: string, hw: string) {
  return {
    topic: 'orders',
    partition,
    role,
    leader: 1,
    leaderEpoch: 0,
    replicas: [1, 2, 3],
    isr: [1, 2, 3],
    logStartOffset: '0',
    logEndOffset: leo,
    highWatermark: hw,
  };
}

function observation(partial: Partial<Observation> = {}): Observation {
  return {
    at: 1000,
    lab: LAB,
    zookeepers: [
      quorumPeer('zk1', 1, 'LEADING'),
      quorumPeer('zk2', 2, 'FOLLOWING'),
      quorumPeer('zk3', 3, 'FOLLOWING'),
    ],
    brokers: [broker(1), broker(2), broker(3)],
    tree: kafkaTree(),
    links: [],
    ...partial,
  };
}

describe('zxids and quorum arithmetic', () => {
  it('a zxid is epoch:counter, the epoch being its high 32 bits', () => {
    expect(formatZxid('0x100000003')).toBe('1:3');
    expect(formatZxid('0x0')).toBe('0:0');
    expect(formatZxid(0x2_0000_0010n)).toBe('2:16');
    expect(formatZxid(4294967338)).toBe('1:42');
  });

  it('a quorum is a strict majority', () => {
    expect([1, 2, 3, 4, 5, 7].map(majorityOf)).toEqual([1, 2, 2, 3, 3, 4]);
  });
});

describe('shapeEnsemble', () => {
  it('three serving servers: one leader, survives one more failure', () => {
    const ensemble = shapeEnsemble(observation().zookeepers, []);
    expect(ensemble).toMatchObject({
      size: 3,
      majority: 2,
      serving: 3,
      hasQuorum: true,
      survivesMoreFailures: 1,
      leader: 'zk1',
    });
    expect(ensemble.servers.map((server) => server.role)).toEqual(['LEADING', 'FOLLOWING', 'FOLLOWING']);
    expect(ensemble.servers[0].learners).toEqual([
      // The leader logged up to 1:3; zk2 ACKed up to 1:1, so two proposals are still unACKed.
      // No rates passed in: unknown, not zero.
      {
        name: 'zk2',
        phase: 'UPTODATE',
        synced: true,
        lastHeardAgoSeconds: 0,
        acked: '1:1',
        behind: 2,
        acksPerSecond: null,
      },
      {
        name: 'zk3',
        phase: 'SYNC',
        synced: false,
        lastHeardAgoSeconds: 2,
        acked: null,
        behind: null,
        acksPerSecond: null,
      },
    ]);
    // An ACK from the previous epoch (before this leader's first proposal): no count across epochs.
    const [leader] = observation().zookeepers;
    const oldEpochAck = shapeEnsemble(
      [
        {
          ...leader,
          quorum: {
            ...leader.quorum!,
            lastLoggedZxid: '0x200000004',
            learners: [
              { sid: 2, phase: 'UPTODATE', lastHeardAgoMs: 0, synced: true, ackedZxid: '0x100000009' },
            ],
          },
        },
      ],
      [],
    );
    expect(oldEpochAck.servers[0].learners[0]).toMatchObject({ acked: '1:9', behind: null });
    expect(ensemble.servers[1].learners).toEqual([]);
    expect(ensemble.servers[0]).toMatchObject({
      currentEpoch: 1,
      lastZxid: '1:3',
      lastZxidHex: '0x100000003',
      connections: 2,
      nodeCount: 30,
      cutOff: false,
    });
  });

  it('one server killed: still a quorum, but no spare; two gone: no quorum', () => {
    const one = shapeEnsemble(
      [quorumPeer('zk1', 1, 'LEADING'), quorumPeer('zk2', 2, 'FOLLOWING'), down('zk3', 3)],
      [],
    );
    expect(one).toMatchObject({ serving: 2, hasQuorum: true, survivesMoreFailures: 0 });
    expect(one.servers[2]).toMatchObject({ role: 'DOWN', connections: null, zabState: null });
    const two = shapeEnsemble(
      [quorumPeer('zk1', 1, 'LOOKING', { leader: null }), down('zk2', 2), down('zk3', 3, 'paused')],
      [],
    );
    expect(two).toMatchObject({ serving: 0, hasQuorum: false, survivesMoreFailures: 0, leader: null });
    expect(two.servers.map((server) => server.role)).toEqual(['LOOKING', 'DOWN', 'PAUSED']);
  });

  it('five servers: survives two more failures', () => {
    const peers = [1, 2, 3, 4, 5].map((sid) =>
      quorumPeer(`zk${sid}`, sid, sid === 4 ? 'LEADING' : 'FOLLOWING', { leader: 4 }),
    );
    expect(shapeEnsemble(peers, [])).toMatchObject({
      size: 5,
      majority: 3,
      survivesMoreFailures: 2,
      leader: 'zk4',
    });
  });

  it('a peer that says FOLLOWING but does not serve yet (srvr: looking) counts as LOOKING', () => {
    const ensemble = shapeEnsemble(
      [
        quorumPeer('zk1', 1, 'LEADING'),
        quorumPeer('zk2', 2, 'FOLLOWING', { srvrState: 'looking' }),
        down('zk3', 3),
      ],
      [],
    );
    expect(ensemble.servers[1].role).toBe('LOOKING');
    expect(ensemble).toMatchObject({ serving: 1, hasQuorum: false });
  });

  it('followers of a leader that is gone do not serve: no leader, nobody serving', () => {
    const ensemble = shapeEnsemble(
      [down('zk1', 1), quorumPeer('zk2', 2, 'FOLLOWING'), quorumPeer('zk3', 3, 'FOLLOWING')],
      [],
    );
    expect(ensemble).toMatchObject({ serving: 0, hasQuorum: false, leader: null, survivesMoreFailures: 0 });
  });

  it('an old leader cut off from the others may still say LEADING: the leader is the one with the newer epoch', () => {
    const ensemble = shapeEnsemble(
      [
        quorumPeer('zk1', 1, 'LEADING', { epoch: 1, leader: 1 }),
        quorumPeer('zk2', 2, 'FOLLOWING', { epoch: 2, leader: 3 }),
        quorumPeer('zk3', 3, 'LEADING', { epoch: 2, leader: 3 }),
      ],
      [],
    );
    expect(ensemble).toMatchObject({ leader: 'zk3', serving: 2, hasQuorum: true, survivesMoreFailures: 0 });
  });

  it('an Apache ZooKeeper (no quorum command): the role from srvr', () => {
    const apache: ZooKeeperObservation = {
      name: 'zk1',
      sid: 1,
      process: 'running',
      pid: 1,
      clientPort: 2181,
      srvr: { serverState: 'leader', lastProcessedZxid: 0x300000001 },
    };
    const server = shapeEnsemble([apache], []).servers[0];
    expect(server).toMatchObject({ role: 'LEADING', currentEpoch: null, lastZxid: '3:1' });
  });

  it('a server whose links are cut is marked', () => {
    const ensemble = shapeEnsemble(observation().zookeepers, [
      { from: 'zk1', to: 'zk2', mode: 'stall' },
      { from: 'zk2', to: 'zk1', mode: 'stall' },
    ]);
    expect(ensemble.servers.map((server) => server.cutOff)).toEqual([true, true, false]);
    expect(ensemble.servers.map((server) => server.cutFrom)).toEqual([['zk2'], ['zk1'], []]);
  });
});

describe('shapeState: brokers, controller, topics', () => {
  it('the controller comes from /controller and /controller_epoch; registrations from /brokers/ids', () => {
    const state = shapeState(observation({ tree: kafkaTree({ controllerEpoch: 7, brokerIds: [1, 2] }) }));
    expect(state.controller).toEqual({ brokerId: 2, broker: 'broker2', epoch: 7 });
    expect(state.brokers.map((b) => [b.name, b.registered, b.isController])).toEqual([
      ['broker1', true, false],
      ['broker2', true, true],
      ['broker3', false, false],
    ]);
  });

  it('no /controller: no controller', () => {
    const state = shapeState(observation({ tree: kafkaTree({ controller: null }) }));
    expect(state.controller.brokerId).toBeNull();
    expect(state.brokers.every((b) => !b.isController)).toBe(true);
  });

  it('partitions: leader and ISR from the state znode, replicas from the assignment, offsets from each broker', () => {
    const state = shapeState(
      observation({
        tree: kafkaTree({ isr: [1, 3], leaderEpoch: 2 }),
        brokers: [
          broker(1, [localPartition(0, 'leader', '12', '10')]),
          broker(2, [localPartition(0, 'follower', '8', '8')]),
          broker(3, [localPartition(0, 'follower', '12', '10')]),
        ],
      }),
    );
    expect(state.topics.map((topic) => topic.name)).toEqual(['orders']);
    const [p0, p1] = state.topics[0].partitions;
    expect(p0).toMatchObject({
      partition: 0,
      leader: 1,
      leaderEpoch: 2,
      isr: [1, 3],
      underReplicated: true,
      offline: false,
    });
    expect(p0.replicas.map((r) => [r.broker, r.isLeader, r.inIsr, r.logEndOffset, r.highWatermark])).toEqual([
      ['broker1', true, true, '12', '10'],
      ['broker2', false, false, '8', '8'],
      ['broker3', false, true, '12', '10'],
    ]);
    // Leader -1: offline; brokers that report nothing for it give no offsets.
    expect(p1).toMatchObject({ partition: 1, leader: null, offline: true, isr: [2] });
    expect(p1.replicas.map((r) => [r.brokerId, r.logEndOffset])).toEqual([
      [2, null],
      [3, null],
      [1, null],
    ]);
  });

  it("segments: each replica lists its own broker's log directory and segment files", () => {
    const withSegments = (
      leo: string,
      segments: { baseOffset: string; sizeBytes: number; file: string }[],
    ) => ({
      ...localPartition(0, 'leader', leo, leo),
      dir: `/data/orders-0`,
      segments,
    });
    const state = shapeState(
      observation({
        brokers: [
          broker(1, [
            withSegments('30', [
              { baseOffset: '0', sizeBytes: 1024, file: '/data/b1/orders-0/00000000000000000000.log' },
              { baseOffset: '20', sizeBytes: 300, file: '/data/b1/orders-0/00000000000000000020.log' },
            ]),
          ]),
          broker(2, [
            withSegments('20', [
              { baseOffset: '0', sizeBytes: 1024, file: '/data/b2/orders-0/00000000000000000000.log' },
            ]),
          ]),
          broker(3),
        ],
      }),
    );
    const replicas = state.topics[0].partitions[0].replicas;
    expect(
      replicas.map((r) => [r.broker, r.dir, r.segments.map((s) => [s.baseOffset, s.sizeBytes])]),
    ).toEqual([
      [
        'broker1',
        '/data/orders-0',
        [
          ['0', 1024],
          ['20', 300],
        ],
      ],
      ['broker2', '/data/orders-0', [['0', 1024]]],
      ['broker3', null, []],
    ]);
    expect(replicas[1].segments[0].file).toBe('/data/b2/orders-0/00000000000000000000.log');
  });

  it('a killed broker reports no offsets even if it did before', () => {
    const state = shapeState(
      observation({
        brokers: [broker(1, [localPartition(0, 'leader', '5', '5')], 'killed'), broker(2), broker(3)],
      }),
    );
    expect(state.topics[0].partitions[0].replicas[0]).toMatchObject({ online: false, logEndOffset: null });
    expect(state.brokers[0]).toMatchObject({ process: 'killed', brokerEpoch: null });
  });

  it("without a tree (ZooKeeper unreachable): the brokers' own views", () => {
    const state = shapeState(
      observation({
        tree: null,
        brokers: [broker(1, [localPartition(0, 'leader', '3', '3')]), broker(2), broker(3)],
      }),
    );
    expect(state.controller).toMatchObject({ brokerId: 2, epoch: 1 });
    expect(state.topics[0].partitions[0]).toMatchObject({ leader: 1, isr: [1, 2, 3] });
    expect(state.brokers.map((b) => b.registered)).toEqual([true, true, true]);
  });
});

describe('the journal', () => {
  it('lab events become entries; srvr role polling is left to the dashboard', () => {
    const kill: ClusterEvent = {
      seq: 4,
      at: 5,
      type: 'node-signalled',
      node: 'zk1',
      pid: 7,
      signal: 'SIGKILL',
      reason: 'kill',
    };
    expect(journalFromClusterEvent(kill)).toEqual({
      at: 5,
      source: 'lab',
      kind: 'node-kill',
      nodes: ['zk1'],
      params: { node: 'zk1', pid: 7, signal: 'SIGKILL', reason: 'kill' },
    });
    const crash: ClusterEvent = {
      seq: 5,
      at: 6,
      type: 'node-exited',
      node: 'broker1',
      pid: 8,
      code: 1,
      signal: null,
      expected: false,
    };
    expect(journalFromClusterEvent(crash)?.kind).toBe('node-crashed');
    const partition: ClusterEvent = {
      seq: 6,
      at: 7,
      type: 'links-changed',
      action: 'partition',
      groups: [['zk1'], ['zk2', 'zk3']],
      mode: 'stall',
      links: [],
    };
    expect(journalFromClusterEvent(partition)).toMatchObject({
      kind: 'partition',
      nodes: ['zk1', 'zk2', 'zk3'],
      params: { groups: ['zk1', 'zk2 zk3'] },
    });
    expect(
      journalFromClusterEvent({
        seq: 7,
        at: 8,
        type: 'role-changed',
        node: 'zk1',
        from: 'leader',
        to: 'down',
      }),
    ).toBeUndefined();
  });

  it('nothing is observed from the first state alone', () => {
    expect(observedChanges(undefined, shapeState(observation()))).toEqual([]);
  });

  it('a new leader is observed with its epoch; a server going LOOKING too; DOWN is not repeated', () => {
    const before = shapeState(observation());
    const after = shapeState(
      observation({
        at: 2000,
        zookeepers: [
          down('zk1', 1),
          quorumPeer('zk2', 2, 'LOOKING', { leader: null }),
          quorumPeer('zk3', 3, 'LEADING', { epoch: 2, leader: 3 }),
        ],
      }),
    );
    const drafts = observedChanges(before, after);
    expect(drafts.map((draft) => [draft.kind, draft.nodes, draft.params])).toEqual([
      ['zk-role', ['zk2'], { node: 'zk2', from: 'FOLLOWING', to: 'LOOKING' }],
      ['zk-leader-elected', ['zk3'], { node: 'zk3', epoch: 2 }],
      ['quorum-lost', [], { serving: 1, majority: 2 }],
    ]);
    expect(drafts.every((draft) => draft.at === 2000 && draft.source === 'observed')).toBe(true);
  });

  it("each server's election vote; the timeline keeps whom each voted for once it settles", () => {
    const voting = (
      peer: ZooKeeperObservation,
      leader: number,
      electionEpoch: number,
      zxid = '0x100000023',
    ): ZooKeeperObservation => ({
      ...peer,
      quorum: { ...peer.quorum!, vote: { leader, zxid, electionEpoch, peerEpoch: 1 } },
    });
    const before = shapeState(
      observation({
        zookeepers: [
          voting(quorumPeer('zk1', 1, 'LEADING'), 1, 1),
          voting(quorumPeer('zk2', 2, 'FOLLOWING'), 1, 1),
          voting(quorumPeer('zk3', 3, 'FOLLOWING'), 1, 1),
        ],
      }),
    );
    expect(before.ensemble.servers[1].vote).toEqual({
      leaderSid: 1,
      leader: 'zk1',
      zxid: '1:35',
      round: 1,
      peerEpoch: 1,
    });
    // zk1 is gone: zk2 is LOOKING, proposing zk3 in round 2; zk3 already leads on that vote.
    const looking = shapeState(
      observation({
        at: 2000,
        zookeepers: [
          down('zk1', 1),
          voting(quorumPeer('zk2', 2, 'LOOKING', { leader: null }), 3, 2),
          voting(quorumPeer('zk3', 3, 'LEADING', { leader: 3 }), 3, 2),
        ],
      }),
    );
    expect(looking.ensemble.servers[0].vote).toBeNull();
    expect(looking.ensemble.servers[1].vote).toMatchObject({ leader: 'zk3', round: 2 });
    const voted = (drafts: ReturnType<typeof observedChanges>) =>
      drafts.filter((draft) => draft.kind === 'zk-voted').map((draft) => [draft.nodes, draft.params]);
    // A LOOKING proposal is not news yet; the leader settled on its new vote.
    expect(voted(observedChanges(before, looking))).toEqual([
      [['zk3'], { node: 'zk3', leader: 'zk3', zxid: '1:35', round: 2 }],
    ]);
    const settled = shapeState(
      observation({
        at: 3000,
        zookeepers: [
          down('zk1', 1),
          voting(quorumPeer('zk2', 2, 'FOLLOWING', { leader: 3 }), 3, 2),
          voting(quorumPeer('zk3', 3, 'LEADING', { leader: 3 }), 3, 2),
        ],
      }),
    );
    // zk2's proposal was already zk3 in round 2; it is news now that it follows.
    expect(voted(observedChanges(looking, settled))).toEqual([
      [['zk2', 'zk3'], { node: 'zk2', leader: 'zk3', zxid: '1:35', round: 2 }],
    ]);
    // Nothing new the next time.
    expect(voted(observedChanges(settled, { ...settled, at: 4000 }))).toEqual([]);
    // zk1 restarts and joins the leader on its round: it held no election of its own.
    const rejoined = shapeState(
      observation({
        at: 5000,
        zookeepers: [
          voting(quorumPeer('zk1', 1, 'FOLLOWING', { leader: 3 }), 3, 2),
          voting(quorumPeer('zk2', 2, 'FOLLOWING', { leader: 3 }), 3, 2),
          voting(quorumPeer('zk3', 3, 'LEADING', { leader: 3 }), 3, 2),
        ],
      }),
    );
    expect(voted(observedChanges(settled, rejoined))).toEqual([]);
  });

  it('controller moves, vanishing registrations and ISR changes are observed from the tree', () => {
    const before = shapeState(observation());
    const after = shapeState(
      observation({
        tree: kafkaTree({
          controller: 3,
          controllerEpoch: 2,
          brokerIds: [1, 3],
          isr: [1, 3],
          leader: 3,
          leaderEpoch: 1,
        }),
        brokers: [broker(1), broker(2, [], 'killed'), broker(3)],
      }),
    );
    const drafts = observedChanges(before, after);
    expect(drafts.map((draft) => draft.kind)).toEqual([
      'controller-moved',
      'broker-deregistered',
      'partition-leader',
      'isr-shrink',
    ]);
    expect(drafts[0]).toMatchObject({
      nodes: ['broker2', 'broker3'],
      params: { from: 'broker2', to: 'broker3', epoch: 2 },
    });
    expect(drafts[1]).toMatchObject({ nodes: ['broker2'], params: { id: 2 } });
    expect(drafts[2].params).toEqual({
      topic: 'orders',
      partition: 0,
      from: 'broker1',
      to: 'broker3',
      leaderEpoch: 1,
    });
    expect(drafts[3].params).toMatchObject({ from: ['1', '2', '3'], to: ['1', '3'] });
  });

  it('a tree that could not be read says nothing about the controller', () => {
    const before = shapeState(observation());
    const failed = { ...kafkaTree({ controller: null }), error: 'no answer' };
    expect(observedChanges(before, shapeState(observation({ tree: failed })))).toEqual([]);
  });

  it('Journal numbers entries and keeps the newest', () => {
    const journal = new Journal(3);
    for (let i = 0; i < 5; i++) journal.add({ at: i, kind: 'heal', nodes: [], params: {}, source: 'lab' });
    expect(journal.all().map((entry) => entry.seq)).toEqual([3, 4, 5]);
  });
});

describe('diffs', () => {
  it('every section first, then only those that changed', () => {
    const first = shapeState(observation());
    expect(changedSections(undefined, first)).toEqual([...STATE_SECTIONS]);
    expect(changedSections(first, shapeState(observation({ at: 5000 })))).toEqual([]);
    const killed = shapeState(observation({ brokers: [broker(1), broker(2), broker(3, [], 'killed')] }));
    expect(changedSections(first, killed)).toEqual(['brokers']);
  });
});

describe('AdminServer answers', () => {
  it("quorum: kzlab's QuorumView; an error answer (standalone, Apache) gives nothing", () => {
    const parsed = parseQuorum({
      myid: 2,
      state: 'FOLLOWING',
      zabState: 'BROADCAST',
      currentEpoch: 3,
      acceptedEpoch: 3,
      lastLoggedZxid: '0x300000001',
      lastProcessedZxid: '0x300000001',
      leader: 1,
      peers: [],
      learners: [],
      command: 'quorum',
      error: null,
    });
    expect(parsed.quorum).toMatchObject({ myid: 2, state: 'FOLLOWING', currentEpoch: 3, leader: 1 });
    expect(parseQuorum({ error: 'standalone server', command: 'quorum' })).toEqual({});
    expect(parseQuorum({ command: 'quorum', error: 'Unknown command: quorum' })).toEqual({});
  });

  it('cons and watches_by_path: 64-bit session ids keep every digit and come out as hex, like ephemeralOwner', () => {
    // 0x1000a5c7e2d0001 = 72068986408075265 (> 2^53: a double would round it).
    const cons = parseExactJson(`{
  "connections" : [ {
    "remote_socket_address" : "127.0.0.1:40102",
    "session_id" : 72068986408075265,
    "session_timeout" : 18000,
    "last_zxid" : -1,
    "avg_latency" : 0.5
  }, {
    "remote_socket_address" : "127.0.0.1:40104",
    "session_id" : 0
  } ],
  "secure_connections" : [ ],
  "command" : "connections",
  "error" : null
}`);
    expect(parseCons(cons)).toEqual([
      { sessionId: '0x1000a5c7e2d0001', timeoutMs: 18000, remote: '127.0.0.1:40102' },
    ]);
    // Digits inside strings (escaped quotes too) stay as they are; small numbers stay numbers.
    expect(
      parseExactJson(String.raw`{"p":"/a \"72069455466037249","n":[-1,2.5e3,72069455466037249]}`),
    ).toEqual({
      p: '/a "72069455466037249',
      n: [-1, 2500, '72069455466037249'],
    });
    const watches = parseExactJson(
      '{ "path_to_session_ids" : { "/controller" : [ 72068986408075265, 72068986408075266 ] }, "command" : "watches_by_path" }',
    );
    expect(parseWatchesByPath(watches)).toEqual({
      '/controller': ['0x1000a5c7e2d0001', '0x1000a5c7e2d0002'],
    });
  });

  it('each server lists its sessions and watches (sorted); a server that is down lists none', () => {
    const withSessions = (observation: ZooKeeperObservation): ZooKeeperObservation => ({
      ...observation,
      sessions: [
        { sessionId: '0x20000b', timeoutMs: 6000, remote: '127.0.0.1:2' },
        { sessionId: '0x1000a', timeoutMs: 18000, remote: '127.0.0.1:1' },
      ],
      watchesByPath: { '/controller': ['0x20000b', '0x1000a'], '/brokers/ids/1': ['0x1000a'] },
    });
    const ensemble = shapeEnsemble(
      [
        withSessions(quorumPeer('zk1', 1, 'LEADING')),
        { ...withSessions(quorumPeer('zk2', 2, 'FOLLOWING')), process: 'killed' },
      ],
      [],
    );
    expect(ensemble.servers[0].sessions.map((session) => session.sessionId)).toEqual(['0x1000a', '0x20000b']);
    expect(ensemble.servers[0].watches).toEqual([
      { path: '/brokers/ids/1', sessions: ['0x1000a'] },
      { path: '/controller', sessions: ['0x1000a', '0x20000b'] },
    ]);
    expect(ensemble.servers[1]).toMatchObject({ role: 'DOWN', sessions: [], watches: [] });
  });

  it("srvr: ZooKeeper 3.8's JSON; not serving gives looking", () => {
    expect(
      parseSrvrJson({
        version: 'x',
        server_stats: {
          server_state: 'leader',
          num_alive_client_connections: 4,
          last_processed_zxid: 4294967299,
        },
        node_count: 31,
        command: 'server_stats',
        error: null,
      }),
    ).toEqual({ serverState: 'leader', connections: 4, nodeCount: 31, lastProcessedZxid: 4294967299 });
    expect(
      parseSrvrJson({
        command: 'server_stats',
        error: 'This ZooKeeper instance is not currently serving requests',
      }),
    ).toEqual({ serverState: 'looking' });
  });
});
