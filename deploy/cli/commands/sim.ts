// `kzlab sim --seed N --size S`: replay one deterministic simulation run of the ensemble (the one-line
// reproduction every failing seed prints), with its checks and, on request, its journal.
import { defineCommand } from '../command.ts';

export const simCommand = defineCommand({
  name: 'sim',
  summary: 'Replay a deterministic simulation of a ZooKeeper ensemble (faults, checks) from its seed.',
  arguments: '',
  positionals: { min: 0, max: 0 },
  description: `
Runs the real QuorumPeer cores on simulated time, network and disk: clients write and read while a
nemesis (picked by the seed) crashes, pauses and partitions servers; then the network calms down and
the checkers run (one leader per epoch, every history a prefix of the committed one, linearizable
versioned writes and sync+reads, monotonic zxids per session, liveness). The same seed always replays
the same run.`,
  flags: {
    seed: { type: 'number', default: 1, valueName: 'N', description: 'seed of the run' },
    size: { type: 'number', default: 3, valueName: 'S', description: 'ensemble size' },
    seeds: { type: 'number', default: 1, valueName: 'COUNT', description: 'run this many seeds from --seed on' },
    calm: { type: 'boolean', default: false, description: 'no faults' },
    journal: { type: 'boolean', default: false, description: 'print the run journal (elections, faults, syncs)' },
  },
  async run({ flags }, io) {
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
