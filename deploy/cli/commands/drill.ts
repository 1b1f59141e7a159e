// `kzlab drill list` and `kzlab drill run <name>`: the failure drills of deploy/drills/ against the
// running lab (found through <data-dir>/lab.json, like `kzlab kill`).

import { createInterface } from 'node:readline/promises';

import { defineCommand, type CliIo, type CommandGroup } from '../command.ts';
import { UsageError } from '../flags.ts';
import { DATA_DIR_FLAG, JSON_FLAG, withLab } from '../../local/lab-commands.ts';
import { DRILLS, findDrill } from '../../drills/catalog.ts';
import {
  describeDrill,
  DrillNeedsError,
  formatQuestion,
  formatStep,
  formatVerdict,
  LANGS,
  runDrill,
  type Drill,
  type Lang,
} from '../../drills/drill.ts';

const LANG_FLAG = {
  type: 'string',
  default: 'en',
  valueName: 'en|ko',
  description: 'the language of the text (English or Korean)',
} as const;

function parseLang(text: string): Lang {
  if (!(LANGS as readonly string[]).includes(text))
    throw new UsageError(`--lang must be en or ko, got ${JSON.stringify(text)}`);
  return text as Lang;
}

const listCommand = defineCommand({
  name: 'list',
  summary: 'List the failure drills.',
  description: `
One line per drill: its name (for \`kzlab drill run <name>\`), its title, and the lab it needs.
--json prints the drills (name, title, plan, question, choices, needs) as a JSON array.`,
  flags: { lang: LANG_FLAG, json: JSON_FLAG },
  run({ flags }, io) {
    const lang = parseLang(flags.lang);
    if (flags.json) {
      io.stdout(JSON.stringify(DRILLS.map(describeDrill)));
      return Promise.resolve(0);
    }
    const width = Math.max(...DRILLS.map((drill) => drill.name.length));
    for (const drill of DRILLS) {
      const needs = `${drill.needs.zookeepers} ZK${drill.needs.brokers > 0 ? ` + ${drill.needs.brokers} broker${drill.needs.brokers === 1 ? '' : 's'}` : ''}`;
      io.stdout(`${drill.name.padEnd(width)}  ${drill.title[lang]} (${needs})`);
    }
    return Promise.resolve(0);
  },
});

const runCommand = defineCommand({
  name: 'run',
  summary: 'Run one drill against the running lab: predict, inject, observe, check, explain.',
  arguments: '<name>',
  description: `
Prints what the drill will do and a question with choices; answer it with --predict <choice>, or at
the prompt when standard input is a terminal (otherwise the drill runs without a prediction). Then it
injects the fault into the lab in --data-dir, prints each step as it happens, checks the outcome and
prints the verdict (PASS/FAIL), the measured numbers and the explanation. The drill brings back
whatever it killed or paused. Exit status 0 when the check passed, 1 when it failed.
--json prints the whole report (steps, measurements, verdict, both languages) as one JSON object.
\`kzlab drill list\` shows the drills.`,
  flags: {
    'data-dir': DATA_DIR_FLAG,
    lang: LANG_FLAG,
    predict: {
      type: 'string',
      valueName: 'CHOICE',
      description: 'your prediction, a choice letter (a, b, c)',
    },
    json: JSON_FLAG,
  },
  positionals: { min: 1, max: 1 },
  async run({ flags, positionals }, io) {
    const lang = parseLang(flags.lang);
    const drill = findDrill(positionals[0]!);
    if (drill === undefined)
      throw new UsageError(
        `unknown drill ${JSON.stringify(positionals[0])} (drills: ${DRILLS.map((d) => d.name).join(', ')})`,
      );
    if (flags.predict !== undefined && !drill.choices.some((choice) => choice.id === flags.predict))
      throw new UsageError(
        `--predict must be one of ${drill.choices.map((choice) => choice.id).join(', ')}, got ${JSON.stringify(flags.predict)}`,
      );
    if (!flags.json) io.stdout(formatQuestion(drill, lang));
    const predicted = flags.predict ?? (flags.json ? null : await askPrediction(drill, io, lang));
    if (!flags.json) io.stdout(lang === 'ko' ? '\n진행:' : '\nRunning:');
    try {
      const report = await withLab(flags['data-dir'], io, ({ lab }) =>
        runDrill(drill, lab, {
          predicted,
          onStep: (step) => {
            if (!flags.json) io.stdout(formatStep(step, lang));
          },
        }),
      );
      io.stdout(flags.json ? JSON.stringify(report) : `\n${formatVerdict(report, lang)}`);
      return report.verdict === 'pass' ? 0 : 1;
    } catch (error) {
      if (error instanceof DrillNeedsError) {
        io.stderr(`kzlab drill run: ${error.message}`);
        return 1;
      }
      throw error;
    }
  },
});

/** Asks at the terminal; without a terminal (scripts, tests) nothing blocks: no prediction. */
async function askPrediction(drill: Drill, io: CliIo, lang: Lang): Promise<string | null> {
  const stdin = io.stdin;
  if (stdin === undefined || stdin.isTTY !== true) return null;
  const rl = createInterface({ input: stdin, output: process.stdout });
  try {
    for (;;) {
      const answer = (
        await rl.question(lang === 'ko' ? '답 (엔터: 건너뛰기)> ' : 'Your answer (Enter: skip)> ')
      ).trim();
      if (answer === '') return null;
      if (drill.choices.some((choice) => choice.id === answer)) return answer;
    }
  } finally {
    rl.close();
  }
}

export const drillCommand: CommandGroup = {
  kind: 'group',
  name: 'drill',
  summary: 'Failure drills: predict, break the lab, check what happened (list, run).',
  subcommands: [listCommand, runCommand],
};
