// Differential test: the same raw-protocol sessions against real Apache ZooKeeper 3.8 and against ours,
// compared step by step (error codes, reply-header zxids, every Stat field; see differential-runner.ts
// for the normalization). Apache's transcript is kept as a golden file so the exact semantics can be read
// (and used when Java is not available).
//
//   KZLAB_ZK_IMPL=apache npx vitest run --project conformance differential   # Apache vs the golden file
//   npx vitest run --project conformance differential                        # ours vs live Apache (+ golden)
//   KZLAB_ZK_IMPL=apache KZLAB_UPDATE_GOLDEN=1 npx vitest run --project conformance differential  # rewrite golden
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JuteProbe } from '../../support/jute-probe.ts';
import {
  apacheAvailable,
  defaultImpl,
  fourLetterWord,
  repoRoot,
  startZooKeeper,
  type ZooKeeperImpl,
  type ZooKeeperServer,
} from '../../support/zookeeper-servers.ts';
import { runScenario, type Json, type Scenario, type TranscriptStep } from './differential-runner.ts';
import { scenarios, slowScenarios } from './differential-scenarios.ts';

const goldenPath = join(repoRoot, 'test', 'fixtures', 'zookeeper', 'differential-apache.json');
const impl = defaultImpl();
const update = process.env.KZLAB_UPDATE_GOLDEN === '1';
const includeSlow = process.env.KZLAB_SKIP_SLOW !== '1';
const allScenarios: Scenario[] = includeSlow ? [...scenarios, ...slowScenarios] : scenarios;

interface Golden {
  about: string;
  zookeeperVersion: string;
  normalization: string[];
  fourLetterWords: Record<string, string>;
  scenarios: Record<string, { description: string; steps: TranscriptStep[] }>;
}

function readGolden(): Golden | undefined {
  if (!existsSync(goldenPath)) return undefined;
  return JSON.parse(readFileSync(goldenPath, 'utf8')) as Golden;
}

/** Pretty JSON with one transcript step per line (readable diffs). */
function formatGolden(golden: Golden): string {
  const lines: string[] = ['{'];
  lines.push(`  "about": ${JSON.stringify(golden.about)},`);
  lines.push(`  "zookeeperVersion": ${JSON.stringify(golden.zookeeperVersion)},`);
  lines.push(`  "normalization": ${JSON.stringify(golden.normalization, null, 2).replace(/\n/g, '\n  ')},`);
  lines.push(
    `  "fourLetterWords": ${JSON.stringify(golden.fourLetterWords, null, 2).replace(/\n/g, '\n  ')},`,
  );
  lines.push('  "scenarios": {');
  const names = Object.keys(golden.scenarios);
  names.forEach((name, i) => {
    const s = golden.scenarios[name];
    lines.push(`    ${JSON.stringify(name)}: {`);
    lines.push(`      "description": ${JSON.stringify(s.description)},`);
    lines.push('      "steps": [');
    s.steps.forEach((step, j) =>
      lines.push(`        ${JSON.stringify(step)}${j < s.steps.length - 1 ? ',' : ''}`),
    );
    lines.push('      ]');
    lines.push(`    }${i < names.length - 1 ? ',' : ''}`);
  });
  lines.push('  }');
  lines.push('}');
  return lines.join('\n') + '\n';
}

const fourLetterWordList = [
  'ruok',
  'isro',
  'srvr',
  'stat',
  'conf',
  'envi',
  'mntr',
  'wchs',
  'cons',
  'dirs',
  'xyzw',
];

const CORE_MNTR_KEYS = [
  'zk_version',
  'zk_avg_latency',
  'zk_max_latency',
  'zk_min_latency',
  'zk_packets_received',
  'zk_packets_sent',
  'zk_num_alive_connections',
  'zk_outstanding_requests',
  'zk_server_state',
  'zk_znode_count',
  'zk_watch_count',
  'zk_ephemerals_count',
  'zk_approximate_data_size',
  'zk_open_file_descriptor_count',
  'zk_max_file_descriptor_count',
];

/** Shape of a 4lw answer that should match across implementations (values that vary are masked). */
function fourLetterShape(word: string, text: string): Json {
  switch (word) {
    case 'ruok':
    case 'isro':
    case 'xyzw':
      return text;
    case 'srvr':
    case 'stat':
      return text
        .split('\n')
        .filter((l) => l.includes(':') && !l.startsWith(' /'))
        .map((l) => {
          const [key, ...rest] = l.split(':');
          return key === 'Mode' ? l : `${key}:${rest.length ? ' <value>' : ''}`;
        });
    case 'mntr':
      // zk_{avg,min,max,cnt,sum}_<name>_{read,write}_per_namespace keys exist per top-level znode touched.
      return text
        .split('\n')
        .filter((l) => l.length > 0 && !l.split('\t')[0].endsWith('_per_namespace'))
        .map((l) => {
          const [key, value] = l.split('\t');
          return key === 'zk_server_state' ? `${key}\t${value}` : key;
        })
        .sort();
    case 'conf':
      return text
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => l.split('=')[0])
        .sort();
    default:
      return text.length > 0 ? 'non-empty' : 'empty';
  }
}

/** A readable account of the first step where `ours` departs from Apache's transcript, if any. */
function describeFirstDifference(ours: TranscriptStep[], apache: TranscriptStep[]): string | undefined {
  const length = Math.max(ours.length, apache.length);
  for (let i = 0; i < length; i++) {
    const a = JSON.stringify(apache[i] ?? null);
    const o = JSON.stringify(ours[i] ?? null);
    if (a !== o) {
      const before = apache.slice(Math.max(0, i - 3), i).map((step) => `    ${JSON.stringify(step)}`);
      return [
        `first difference at step ${i} of ${apache.length} (Apache) / ${ours.length} (kzlab)`,
        '  preceding steps (equal):',
        ...before,
        `  Apache: ${a}`,
        `  kzlab:  ${o}`,
      ].join('\n');
    }
  }
  return undefined;
}

describe(`differential: raw protocol, ${impl} vs Apache ZooKeeper 3.8`, () => {
  const golden = readGolden();
  const live: Partial<Record<ZooKeeperImpl, { server: ZooKeeperServer; observer: JuteProbe }>> = {};
  const apacheTranscripts: Record<string, { description: string; steps: TranscriptStep[] }> = {};
  let apacheFourLetterWords: Record<string, string> | undefined;

  beforeAll(async () => {
    const wanted: ZooKeeperImpl[] =
      impl === 'apache' ? ['apache'] : apacheAvailable() ? ['apache', 'kzlab'] : ['kzlab'];
    if (impl === 'kzlab' && !apacheAvailable() && !golden) {
      throw new Error(`no reference: Apache ZooKeeper is not installed and ${goldenPath} is missing`);
    }
    await Promise.all(
      wanted.map(async (which) => {
        const server = await startZooKeeper({ impl: which });
        const observer = await JuteProbe.connect({ host: server.host, port: server.port });
        live[which] = { server, observer };
      }),
    );
  });

  afterAll(async () => {
    for (const entry of Object.values(live)) {
      await entry.observer.close().catch(() => undefined);
      await entry.server.stop();
    }
    const complete = allScenarios.every((s) => apacheTranscripts[s.name]) && apacheFourLetterWords;
    if (impl === 'apache' && (update || !golden) && complete && apacheFourLetterWords) {
      const out: Golden = {
        about:
          'Transcripts of scripted raw-protocol sessions against real Apache ZooKeeper 3.8.0 (Debian, standalone), ' +
          'written by test/conformance/zookeeper/differential.test.ts. One step per line.',
        zookeeperVersion: '3.8.0',
        normalization: [
          'zxid values: "0" = 0, negative values as is, "pre" = a zxid from before the scenario, "+n" = n after the ' +
            'last zxid processed before the scenario started (the reply header zxid of a read just before it).',
          'ephemeralOwner and sessionId: the name of the scenario session that owns it ("0" for none).',
          'ctime and mtime are dropped; children and getEphemerals lists are sorted (Apache returns hash-set order).',
          'data: UTF-8 text when printable ASCII, else "hex:..."; null = a -1 length buffer.',
          'err: the ZooKeeper error name (KeeperException.Code); responseHex: the body of a non-OK reply if any.',
          'events: watch notifications received before a ping round trip on that session (xid -1 frames).',
        ],
        fourLetterWords: apacheFourLetterWords,
        scenarios: Object.fromEntries(allScenarios.map((s) => [s.name, apacheTranscripts[s.name]])),
      };
      writeFileSync(goldenPath, formatGolden(out));
    }
  });

  async function transcript(which: ZooKeeperImpl, scenario: Scenario): Promise<TranscriptStep[]> {
    const entry = live[which];
    if (!entry) throw new Error(`${which} server not running`);
    return runScenario({ host: entry.server.host, port: entry.server.port }, entry.observer, scenario);
  }

  for (const scenario of allScenarios) {
    it(scenario.name, async () => {
      let reference: TranscriptStep[] | undefined;
      if (live.apache) {
        reference = await transcript('apache', scenario);
        apacheTranscripts[scenario.name] = { description: scenario.description, steps: reference };
      }
      if (impl === 'apache') {
        const expected = golden?.scenarios[scenario.name];
        if (!update && expected) {
          expect(
            reference,
            `Apache run differs from ${goldenPath} (rewrite it with KZLAB_UPDATE_GOLDEN=1)`,
          ).toEqual(expected.steps);
        }
        return;
      }
      reference ??= golden?.scenarios[scenario.name]?.steps;
      if (!reference) throw new Error(`no Apache reference for scenario ${scenario.name}`);
      const ours = await transcript('kzlab', scenario);
      const difference = describeFirstDifference(ours, reference);
      expect(difference, difference ?? '').toBeUndefined();
      expect(ours).toEqual(reference);
    });
  }

  it('four-letter words', async () => {
    const answers: Partial<Record<ZooKeeperImpl, Record<string, string>>> = {};
    for (const [which, entry] of Object.entries(live) as Array<
      [ZooKeeperImpl, { server: ZooKeeperServer }]
    >) {
      const out: Record<string, string> = {};
      for (const word of fourLetterWordList)
        out[word] = await fourLetterWord(entry.server.host, entry.server.port, word);
      answers[which] = out;
    }
    if (answers.apache) apacheFourLetterWords = answers.apache;
    const referenceRaw = answers.apache ?? golden?.fourLetterWords;
    if (!referenceRaw) throw new Error('no Apache reference for four-letter words');
    expect(referenceRaw.ruok).toBe('imok');
    const shape = (raw: Record<string, string>) =>
      Object.fromEntries(fourLetterWordList.map((w) => [w, fourLetterShape(w, raw[w] ?? '')]));
    if (impl === 'kzlab') {
      const ours = answers.kzlab;
      if (!ours) throw new Error('kzlab server not running');
      // mntr: Apache prints ~490 internal pipeline metrics; ours prints those it measures. Every key we
      // print must be one of Apache's, and the standard ones monitoring tools read must be there.
      const oursShape = shape(ours) as Record<string, Json>;
      const referenceShape = shape(referenceRaw) as Record<string, Json>;
      const oursMntr = (oursShape.mntr as string[]).map((k) => k.split('\t')[0]);
      const referenceMntr = (referenceShape.mntr as string[]).map((k) => k.split('\t')[0]);
      expect(oursMntr.filter((k) => !referenceMntr.includes(k)), 'mntr keys Apache does not print').toEqual([]);
      expect(CORE_MNTR_KEYS.filter((k) => !oursMntr.includes(k)), 'standard mntr keys missing').toEqual([]);
      expect((oursShape.mntr as string[]).find((k) => k.startsWith('zk_server_state'))).toBe(
        (referenceShape.mntr as string[]).find((k) => k.startsWith('zk_server_state')),
      );
      delete oursShape.mntr;
      delete referenceShape.mntr;
      expect(oursShape).toEqual(referenceShape);
    } else if (golden && !update) {
      expect(shape(referenceRaw)).toEqual(shape(golden.fourLetterWords));
    }
  });
});
