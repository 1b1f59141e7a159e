// Seeded fault runs of a 5-server ensemble (see deploy/sim/run-seed.ts). Every failing seed prints the
// one-line command that replays it.
import { describe, expect, test } from 'vitest';
import { runSeed } from '../../deploy/sim/run-seed.ts';

const SEEDS = Number(process.env.KZLAB_SIM_SEEDS ?? 1000);

describe('simulation: 5-server ensemble under crashes, pauses and partitions', () => {
  test(`${SEEDS} seeds: safety (one leader per epoch, prefix histories, linearizable) and liveness`, () => {
    const failures: string[] = [];
    let operations = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const result = runSeed({ seed, size: 5 });
      operations += result.completed;
      if (!result.ok) failures.push(`${result.replay} --journal\n  ${result.problems.join('\n  ').slice(0, 2000)}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
    // The runs must have done real work, or passing means nothing.
    expect(operations / SEEDS).toBeGreaterThan(50);
  });
});
