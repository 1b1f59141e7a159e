// The drill runner without a lab: prediction bookkeeping, steps, the text it prints, a drill too big for
// the lab, and a wait that runs out turning into a failed verdict (not a crash).

import { describe, expect, it } from 'vitest';

import type { ClusterEvent, ClusterHandle, ClusterInfo } from '../cluster/handle.ts';
import {
  choice,
  DrillNeedsError,
  formatQuestion,
  formatVerdict,
  runDrill,
  type Drill,
  type DrillOutcome,
} from './drill.ts';
import { waitUntil } from './probes.ts';

const info = {
  tickTimeMs: 500,
  nodes: [
    { name: 'zk1', kind: 'zookeeper', sid: 1, process: 'running' },
    { name: 'broker1', kind: 'broker', sid: 1, process: 'running' },
  ],
} as unknown as ClusterInfo;
/** The lab's journal: one event before the drill; drills may add more. */
const labEvents: ClusterEvent[] = [{ seq: 1, at: 0, type: 'lab-ready', leader: 'zk1', afterMs: 10 }];
const lab = {
  info: async () => info,
  events: async ({ since = 0 }: { since?: number } = {}) => labEvents.filter((event) => event.seq > since),
} as unknown as ClusterHandle;

function fakeDrill(run: Drill['run'], needs = { zookeepers: 1, brokers: 1 }): Drill {
  return {
    name: 'fake',
    title: { en: 'Fake', ko: '가짜' },
    plan: { en: 'does nothing', ko: '아무것도 안 함' },
    question: { en: 'What?', ko: '무엇?' },
    choices: [choice('a', 'this', '이것'), choice('b', 'that', '저것')],
    needs,
    run,
  };
}

const passing: DrillOutcome = {
  pass: true,
  answer: 'b',
  measured: { electionMs: 240, counts: { '0': 3 } },
  failures: [],
  explanation: { en: 'because', ko: '왜냐하면' },
};

describe('runDrill', () => {
  it('records steps, the verdict and whether the prediction was right', async () => {
    const seen: string[] = [];
    const drill = fakeDrill(async ({ step }) => {
      labEvents.push({
        seq: labEvents.length + 1,
        at: Date.now(),
        type: 'node-signalled',
        node: 'zk1',
        pid: 7,
        signal: 'SIGKILL',
        reason: 'kill',
      });
      labEvents.push({
        seq: labEvents.length + 1,
        at: Date.now(),
        type: 'role-changed',
        node: 'zk1',
        from: 'leader',
        to: 'down',
      });
      step({ en: 'one', ko: '하나' });
      step({ en: 'two', ko: '둘' });
      return passing;
    });
    const report = await runDrill(drill, lab, { predicted: 'a', onStep: (s) => seen.push(s.text.en) });
    expect(seen).toEqual(['one', 'two']);
    expect(report).toMatchObject({
      drill: 'fake',
      verdict: 'pass',
      predicted: 'a',
      answer: 'b',
      predictionCorrect: false,
    });
    expect(report.steps.map((s) => s.text.ko)).toEqual(['하나', '둘']);
    // The lab's own journal during the drill, not what came before.
    expect(report.journal.map((entry) => entry.text)).toEqual(['zk1 SIGKILL (kill)', 'zk1 leader → down']);
    expect((await runDrill(drill, lab)).predictionCorrect).toBeNull();
    const text = formatVerdict(report, 'en');
    expect(text).toMatch(
      /^Lab journal \(what the lab recorded\):\n {2}\+-?\d+\.\ds {2}zk1 SIGKILL \(kill\)\n {2}\+-?\d+\.\ds {2}zk1 leader → down\n\nVerdict: PASS \(\d+\.\d s\)\nyour prediction \[a\]: wrong — the answer is \[b\]\nMeasured:\n {2}electionMs: 240\n {2}counts: \{"0":3\}\n\nbecause$/,
    );
    expect(formatVerdict(report, 'ko')).toMatch(/^랩 저널 \(랩이 기록한 사건\):\n/);
    expect(formatVerdict(report, 'ko')).toMatch(/\n판정: PASS/);
    expect(formatQuestion(drill, 'ko')).toBe(
      '== 가짜 (fake) ==\n아무것도 안 함\n\n예측: 무엇?\n  [a] 이것\n  [b] 저것',
    );
  });

  it('a wait that runs out is a failed check with its reason', async () => {
    const drill = fakeDrill(async () => {
      await waitUntil('a leader', async () => undefined, 30, 5);
      return passing;
    });
    const report = await runDrill(drill, lab, { predicted: 'b' });
    expect(report).toMatchObject({ verdict: 'fail', answer: '?', predictionCorrect: null });
    expect(report.failures[0]).toMatch(/^no a leader within 30 ms$/);
    expect(formatVerdict(report, 'en')).toMatch(/^Verdict: FAIL .*\n {2}✗ no a leader within 30 ms/);
  });

  it('other errors are not swallowed', async () => {
    const drill = fakeDrill(async () => {
      throw new Error('boom');
    });
    await expect(runDrill(drill, lab)).rejects.toThrow('boom');
  });

  it('a lab with a node down says which and how to bring it back', async () => {
    const broken = {
      info: async () => ({
        ...info,
        nodes: [
          { name: 'zk1', kind: 'zookeeper', sid: 1, process: 'paused' },
          { name: 'broker1', kind: 'broker', sid: 1, process: 'exited' },
        ],
      }),
    } as unknown as ClusterHandle;
    await expect(
      runDrill(
        fakeDrill(async () => passing),
        broken,
      ),
    ).rejects.toThrow(
      'drills start from a whole lab, but zk1 (paused), broker1 (exited) are not running: `npx kzlab resume zk1`, `npx kzlab restart broker1` first',
    );
  });

  it('a lab too small for the drill says what to start', async () => {
    const drill = fakeDrill(async () => passing, { zookeepers: 3, brokers: 3 });
    await expect(runDrill(drill, lab)).rejects.toThrow(DrillNeedsError);
    await expect(runDrill(drill, lab)).rejects.toThrow(
      /this one has 1 and 1 \(start one with `npx kzlab up --zookeepers 3 --brokers 3`\)/,
    );
  });
});
