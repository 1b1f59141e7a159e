// Failure drills (issue 7; kafka-zk-era.md §3.8): each drill states what it will do, asks the learner
// to predict the outcome, injects one fault into a running lab, observes it (the lab's status and
// events, ZooKeeper reads, the brokers' admin HTTP, our client), checks the outcome automatically and
// explains it in English and Korean. `kzlab drill run <name>` (deploy/cli/commands/drill.ts) prints it.
//
// A drill leaves the lab as it found it: whatever it kills or pauses it brings back before it returns.

import type { ClusterEvent, ClusterHandle, ClusterInfo } from '../cluster/handle.ts';
import { DrillTimeoutError } from './probes.ts';

export type Lang = 'en' | 'ko';
export const LANGS: readonly Lang[] = ['en', 'ko'];

/** Text in both languages of the lab (teaching-ui.md: English and Korean throughout). */
export interface Text {
  readonly en: string;
  readonly ko: string;
}

export interface PredictionChoice {
  readonly id: string;
  readonly text: Text;
}

/** A prediction choice: its id ('a', 'b', …) and its text in English and Korean. */
export function choice(id: string, en: string, ko: string): PredictionChoice {
  return { id, text: { en, ko } };
}

/** A measured value: a number (ms, counts, epochs), a name, a flag, or null when it could not be measured. */
export type Measurement =
  number | string | boolean | null | readonly number[] | Readonly<Record<string, number>>;

export interface DrillOutcome {
  /** The automatic check passed. */
  readonly pass: boolean;
  /** The prediction choice that matches what happened ('?' when the drill gave up before its check). */
  readonly answer: string;
  readonly measured: Readonly<Record<string, Measurement>>;
  /** Why it happened, with the measured numbers. */
  readonly explanation: Text;
  /** Which checks failed, when `pass` is false. */
  readonly failures: readonly string[];
}

/** What a drill can reach while it runs. */
export interface DrillContext {
  readonly lab: ClusterHandle;
  readonly info: ClusterInfo;
  /** Reports one step as it happens (the CLI prints it; the JSON report keeps it). */
  step(text: Text): void;
}

export interface Drill {
  readonly name: string;
  readonly title: Text;
  /** What the drill will do, before it does it. */
  readonly plan: Text;
  readonly question: Text;
  readonly choices: readonly PredictionChoice[];
  /** What the lab needs: brokers 0 for a ZooKeeper-only drill. */
  readonly needs: { readonly zookeepers: number; readonly brokers: number };
  run(context: DrillContext): Promise<DrillOutcome>;
}

/** What a drill is, without how it runs (`kzlab drill list --json`, the dashboard's /api/drills). */
export type DrillDescription = Omit<Drill, 'run'>;

export function describeDrill({ name, title, plan, question, choices, needs }: Drill): DrillDescription {
  return { name, title, plan, question, choices, needs };
}

export interface DrillStepRecord {
  /** Milliseconds since the drill started. */
  readonly atMs: number;
  readonly text: Text;
}

/** One entry of the lab's own journal (its events) during the drill. */
export interface DrillJournalEntry {
  /** Milliseconds since the drill started (negative: just before). */
  readonly atMs: number;
  readonly type: ClusterEvent['type'];
  readonly text: string;
}

export interface DrillReport {
  readonly drill: string;
  readonly title: Text;
  readonly plan: Text;
  readonly question: Text;
  readonly choices: readonly PredictionChoice[];
  /** The learner's prediction (a choice id), or null when none was given. */
  readonly predicted: string | null;
  readonly answer: string;
  /** null without a prediction. */
  readonly predictionCorrect: boolean | null;
  readonly verdict: 'pass' | 'fail';
  readonly measured: Readonly<Record<string, Measurement>>;
  readonly explanation: Text;
  readonly failures: readonly string[];
  readonly steps: readonly DrillStepRecord[];
  /** What the lab itself recorded meanwhile: signals, exits, starts, ZooKeeper role changes. */
  readonly journal: readonly DrillJournalEntry[];
  readonly startedAt: number;
  readonly durationMs: number;
}

/** Runs `drill` on the lab and reports; `onStep` sees every step as it happens. */
export async function runDrill(
  drill: Drill,
  lab: ClusterHandle,
  options: { predicted?: string | null; onStep?: (step: DrillStepRecord) => void } = {},
): Promise<DrillReport> {
  const info = await lab.info();
  checkNeeds(drill, info);
  checkWhole(info);
  const since = await lastEventSeq(lab);
  const startedAt = Date.now();
  const start = performance.now();
  const steps: DrillStepRecord[] = [];
  const step = (text: Text): void => {
    const record = { atMs: Math.round(performance.now() - start), text };
    steps.push(record);
    options.onStep?.(record);
  };
  let outcome: DrillOutcome;
  try {
    outcome = await drill.run({ lab, info, step });
  } catch (error) {
    // Something the drill waited for never happened: that is a failed check, not a crash.
    if (!(error instanceof DrillTimeoutError)) throw error;
    step({ en: `gave up: ${error.message}`, ko: `포기했습니다: ${error.message}` });
    outcome = {
      pass: false,
      answer: '?',
      measured: {},
      failures: [error.message],
      explanation: {
        en: 'The drill stopped before its check: the lab did not reach the state it waited for. `npx kzlab status` shows where it is.',
        ko: '훈련이 확인 전에 멈췄습니다: 랩이 기다리던 상태에 이르지 못했습니다. `npx kzlab status`로 현재 상태를 보세요.',
      },
    };
  }
  const predicted = options.predicted ?? null;
  const events = await lab.events({ since }).catch((): ClusterEvent[] => []);
  return {
    drill: drill.name,
    title: drill.title,
    plan: drill.plan,
    question: drill.question,
    choices: drill.choices,
    predicted,
    answer: outcome.answer,
    predictionCorrect: predicted === null || outcome.answer === '?' ? null : predicted === outcome.answer,
    verdict: outcome.pass ? 'pass' : 'fail',
    measured: outcome.measured,
    explanation: outcome.explanation,
    failures: outcome.failures,
    steps,
    journal: events.map((event) => ({
      atMs: event.at - startedAt,
      type: event.type,
      text: describeEvent(event),
    })),
    startedAt,
    durationMs: Math.round(performance.now() - start),
  };
}

async function lastEventSeq(lab: ClusterHandle): Promise<number> {
  const events = await lab.events().catch((): ClusterEvent[] => []);
  return events.at(-1)?.seq ?? 0;
}

/** One line for a lab event, e.g. `broker1 SIGKILL (kill)`, `zk2 follower → leader`. */
export function describeEvent(event: ClusterEvent): string {
  switch (event.type) {
    case 'node-signalled':
      return `${event.node} ${event.signal} (${event.reason})`;
    case 'node-exited':
      return `${event.node} exited (${event.signal ?? `code ${event.code}`}${event.expected ? '' : ', unexpected'})`;
    case 'node-started':
      return `${event.node} started (pid ${event.pid})`;
    case 'role-changed':
      return `${event.node} ${event.from} → ${event.to}`;
    case 'links-changed':
      return `${event.action} ${event.groups.map((group) => group.join(',')).join(' | ')}`;
    case 'lab-ready':
      return `lab ready (leader ${event.leader ?? '-'})`;
    default:
      return event.type;
  }
}

/** A lab too small for the drill is the learner's mistake: a message saying what to start instead. */
export class DrillNeedsError extends Error {}

function checkNeeds(drill: Drill, info: ClusterInfo): void {
  const zookeepers = info.nodes.filter((node) => node.kind === 'zookeeper').length;
  const brokers = info.nodes.filter((node) => node.kind === 'broker').length;
  if (zookeepers < drill.needs.zookeepers || brokers < drill.needs.brokers) {
    throw new DrillNeedsError(
      `drill ${drill.name} needs a lab with at least ${drill.needs.zookeepers} ZooKeeper servers and ${drill.needs.brokers} brokers; this one has ${zookeepers} and ${brokers} (start one with \`npx kzlab up --zookeepers ${Math.max(3, drill.needs.zookeepers)} --brokers ${Math.max(3, drill.needs.brokers)}\`)`,
    );
  }
}

/** Drills start from a whole lab: every node running (what a drill breaks, it brings back itself). */
function checkWhole(info: ClusterInfo): void {
  const down = info.nodes.filter((node) => node.process !== 'running');
  if (down.length > 0) {
    const list = down.map((node) => `${node.name} (${node.process})`).join(', ');
    const fix = down
      .map((node) => `\`npx kzlab ${node.process === 'paused' ? 'resume' : 'restart'} ${node.name}\``)
      .join(', ');
    throw new DrillNeedsError(
      `drills start from a whole lab, but ${list} ${down.length === 1 ? 'is' : 'are'} not running: ${fix} first`,
    );
  }
}

/** The question block printed before the fault. */
export function formatQuestion(drill: Drill, lang: Lang): string {
  const lines = [
    `== ${drill.title[lang]} (${drill.name}) ==`,
    drill.plan[lang],
    '',
    `${lang === 'ko' ? '예측' : 'Predict'}: ${drill.question[lang]}`,
    ...drill.choices.map((choice) => `  [${choice.id}] ${choice.text[lang]}`),
  ];
  return lines.join('\n');
}

export function formatStep(step: DrillStepRecord, lang: Lang): string {
  return `  +${(step.atMs / 1000).toFixed(1)}s  ${step.text[lang]}`;
}

const JOURNAL_LINES = 20;

/** The verdict block printed after the drill: the lab's journal, the verdict, numbers, explanation. */
export function formatVerdict(report: DrillReport, lang: Lang): string {
  const ko = lang === 'ko';
  const measured = Object.entries(report.measured)
    .map(
      ([key, value]) =>
        `  ${key}: ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`,
    )
    .join('\n');
  const prediction =
    report.predicted === null
      ? ko
        ? `예측 없음 — 정답: [${report.answer}]`
        : `no prediction given — the answer: [${report.answer}]`
      : report.predictionCorrect === true
        ? ko
          ? `예측 [${report.predicted}]: 맞았습니다`
          : `your prediction [${report.predicted}]: right`
        : ko
          ? `예측 [${report.predicted}]: 틀렸습니다 — 정답은 [${report.answer}]`
          : `your prediction [${report.predicted}]: wrong — the answer is [${report.answer}]`;
  const journal = report.journal
    .slice(-JOURNAL_LINES)
    .map(
      (entry) => `  ${entry.atMs < 0 ? '-' : '+'}${(Math.abs(entry.atMs) / 1000).toFixed(1)}s  ${entry.text}`,
    );
  const lines = [
    ...(journal.length === 0
      ? []
      : [ko ? '랩 저널 (랩이 기록한 사건):' : 'Lab journal (what the lab recorded):', ...journal, '']),
    `${ko ? '판정' : 'Verdict'}: ${report.verdict.toUpperCase()} (${(report.durationMs / 1000).toFixed(1)} s)`,
    ...report.failures.map((failure) => `  ✗ ${failure}`),
    prediction,
    ko ? '측정값:' : 'Measured:',
    measured,
    '',
    report.explanation[lang],
  ];
  return lines.join('\n');
}
