// `kzlab sim --seed N --size S`: replay one deterministic simulation run of the ensemble (the one-line
// reproduction every failing seed prints), with its checks and, on request, its journal.
// `kzlab sim replication --seed N`: the same for the replication simulation (deploy/sim/replication).
import { defineCommand } from '../command.ts';

export const simCommand = defineCommand({
  name: 'sim',
  summary: 'Replay a deterministic simulation of a ZooKeeper ensemble (faults, checks) from its seed.',
  arguments: '[replication]',
  positionals: { min: 0, max: 1 },
  description: `
Runs the real QuorumPeer cores on simulated time, network and disk: clients write and read while a
nemesis (picked by the seed) crashes, pauses and partitions servers; then the network calms down and
the checkers run (one leader per epoch, every history a prefix of the committed one, linearizable
versioned writes and sync+reads, monotonic zxids per session, liveness). The same seed always replays
the same run.

\`sim replication\` runs the replication simulation instead: three brokers' replication rules and the
controller core under a simulated ZooKeeper, with kills, pauses and partitions; it checks that no
acknowledged record is lost, leader HWs never go back, one controller per epoch, no divergence.`,
  flags: {
    seed: { type: 'number', default: 1, valueName: 'N', description: 'seed of the run' },
    size: { type: 'number', default: 3, valueName: 'S', description: 'ensemble size' },
    seeds: {
      type: 'number',
      default: 1,
      valueName: 'COUNT',
      description: 'run this many seeds from --seed on',
    },
    calm: { type: 'boolean', default: false, description: 'no faults' },
    journal: {
      type: 'boolean',
      default: false,
      description: 'print the run journal (elections, faults, syncs)',
    },
    acks: { type: 'string', default: 'all', valueName: 'all|1', description: 'replication: producer acks' },
    'min-isr': {
      type: 'number',
      default: 2,
      valueName: 'N',
      description: 'replication: min.insync.replicas',
    },
    unclean: {
      type: 'boolean',
      default: false,
      description: 'replication: unclean.leader.election.enable=true',
    },
    'isr-writes': {
      type: 'string',
      default: 'atomic',
      valueName: 'atomic|async|async-maximal|async-maximal-readback|async-maximal-checked',
      description: "replication: how a leader's ISR change reaches ZooKeeper",
    },
    'zk-write-delay': {
      type: 'number',
      default: 0,
      valueName: 'MS',
      description: 'replication: longest delay of an async ISR write to ZooKeeper (0 = network delay)',
    },
    'zk-answer-loss': {
      type: 'number',
      default: 0,
      valueName: 'P',
      description: "replication: chance that an async ISR write's answer is lost after ZooKeeper applied it",
    },
    'truncate-to-hw': {
      type: 'boolean',
      default: false,
      description: 'replication: followers truncate to their HW (pre-0.11) instead of using leader epochs',
    },
  },
  async run({ flags, positionals }, io) {
    if (positionals.length > 0) {
      if (positionals[0] !== 'replication') {
        io.stderr(`kzlab sim: unknown simulation "${positionals[0]}" (only "replication")\n`);
        return 2;
      }
      return runReplication(flags, io);
    }
    const { runSeed } = await import('../../sim/run-seed.ts');
    if (!Number.isInteger(flags.size) || flags.size < 1 || flags.size > 9) {
      io.stderr('kzlab sim: --size must be an integer from 1 to 9\n');
      return 2;
    }
    let failed = 0;
    for (let seed = flags.seed; seed < flags.seed + flags.seeds; seed++) {
      const result = runSeed({ seed, size: flags.size, nemesis: !flags.calm });
      if (flags.journal) io.stdout(`${result.journal.join('\n')}\n`);
      const summary =
        `seed ${seed} size ${flags.size}: ${result.ok ? 'ok' : 'FAILED'} — ${result.operations} operations ` +
        `(${result.completed} acknowledged), ${result.faults} faults, ${result.leaders} epochs, ` +
        `${(result.simulatedMs / 1000).toFixed(1)} s simulated`;
      io.stdout(`${summary}\n`);
      if (!result.ok) {
        failed++;
        io.stdout(`${result.problems.join('\n')}\nreplay: ${result.replay} --journal\n`);
      }
    }
    return failed === 0 ? 0 : 1;
  },
});

async function runReplication(
  flags: {
    seed: number;
    seeds: number;
    calm: boolean;
    journal: boolean;
    acks: string;
    'min-isr': number;
    unclean: boolean;
    'truncate-to-hw': boolean;
    'isr-writes': string;
    'zk-write-delay': number;
    'zk-answer-loss': number;
  },
  io: { stdout(text: string): void; stderr(text: string): void },
): Promise<number> {
  const { runReplicationSeed } = await import('../../sim/replication/replication-sim.ts');
  if (flags.acks !== 'all' && flags.acks !== '1') {
    io.stderr('kzlab sim replication: --acks must be all or 1\n');
    return 2;
  }
  const isrWrites = flags['isr-writes'];
  if (
    isrWrites !== 'atomic' &&
    isrWrites !== 'async' &&
    isrWrites !== 'async-maximal' &&
    isrWrites !== 'async-maximal-readback' &&
    isrWrites !== 'async-maximal-checked'
  ) {
    io.stderr(
      'kzlab sim replication: --isr-writes must be atomic, async, async-maximal, async-maximal-readback or async-maximal-checked\n',
    );
    return 2;
  }
  let failed = 0;
  for (let seed = flags.seed; seed < flags.seed + flags.seeds; seed++) {
    const result = runReplicationSeed({
      isrWrites,
      zkWriteDelayMaxMs: flags['zk-write-delay'],
      zkAnswerLoss: flags['zk-answer-loss'],
      seed,
      acks: flags.acks === 'all' ? 'all' : 1,
      minInsyncReplicas: flags['min-isr'],
      uncleanLeaderElection: flags.unclean,
      leaderEpochs: !flags['truncate-to-hw'],
      nemesis: !flags.calm,
    });
    if (flags.journal) io.stdout(`${result.journal.join('\n')}\n`);
    io.stdout(
      `replication seed ${seed}: ${result.ok ? 'ok' : 'FAILED'} — ${result.produced} records produced ` +
        `(${result.acked} acknowledged), ${result.faults} faults, ${result.leaderChanges} leader changes, ` +
        `${result.controllerEpochs} controller epochs, ${(result.simulatedMs / 1000).toFixed(1)} s simulated\n`,
    );
    if (!result.ok) {
      failed++;
      io.stdout(`${result.problems.join('\n')}\nreplay: ${result.replay} --journal\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}
