import { describe, expect, it } from 'vitest';

import { formatLinkFaults } from './format.ts';

describe('formatLinkFaults', () => {
  it('shows each directed link: the fault, ok, or · where no link exists (a server never dials a broker)', () => {
    const text = formatLinkFaults(
      ['zk1', 'zk2', 'broker1'],
      [
        { from: 'broker1', to: 'zk1', mode: 'stall' },
        { from: 'zk1', to: 'zk2', mode: 'delay 50' },
      ],
    );
    expect(text.split('\n').map((line) => line.trim().split(/\s{2,}/))).toEqual([
      ['from\\to', 'zk1', 'zk2', 'broker1'],
      ['zk1', '·', 'delay 50', '·'],
      ['zk2', 'ok', '·', '·'],
      ['broker1', 'stall', 'ok', '·'],
    ]);
  });
});
