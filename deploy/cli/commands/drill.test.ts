// `kzlab drill` without a lab: the list, --help, and usage errors (exit 2) before anything is touched.
// The drills themselves run against real processes in test/multiproc/drills.test.ts.

import { describe, expect, it } from 'vitest';

import { DRILLS } from '../../drills/catalog.ts';
import type { CliIo } from '../command.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main } from '../main.ts';

const notLoaded = (): Promise<never> => Promise.reject(new Error('no module load expected'));

function fakeIo(cwd = '/nonexistent') {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    cwd,
    modules: { zookeeperMain: notLoaded, zkBench: notLoaded },
  };
  return { io, out, err };
}

describe('kzlab drill', () => {
  it('list: one line per drill, in order, in English or Korean', async () => {
    const en = fakeIo();
    expect(await main(['drill', 'list'], en.io)).toBe(EXIT_OK);
    expect(en.out.map((line) => line.split(/\s+/)[0])).toEqual(DRILLS.map((drill) => drill.name));
    expect(en.out[0]).toMatch(/^zk-leader-kill +Kill the ZooKeeper leader \(3 ZK\)$/);
    const ko = fakeIo();
    expect(await main(['drill', 'list', '--lang', 'ko'], ko.io)).toBe(EXIT_OK);
    expect(ko.out[0]).toMatch(/주키퍼 리더 죽이기/);
  });

  it('list --json: every drill with both languages and choices that include its answer id format', async () => {
    const { io, out } = fakeIo();
    expect(await main(['drill', 'list', '--json'], io)).toBe(EXIT_OK);
    const drills = JSON.parse(out.join('')) as {
      name: string;
      title: { en: string; ko: string };
      choices: { id: string }[];
    }[];
    expect(drills.map((drill) => drill.name)).toContain('isr-below-min');
    for (const drill of drills) {
      expect(drill.title.en).not.toBe('');
      expect(drill.title.ko).not.toBe('');
      expect(drill.choices.map((choice) => choice.id)).toEqual(['a', 'b', 'c']);
    }
  });

  it('--help shows the run flags', async () => {
    const { io, out } = fakeIo();
    expect(await main(['drill', 'run', '--help'], io)).toBe(EXIT_OK);
    expect(out.join('\n')).toMatch(/Usage: kzlab drill run \[flags\] <name>/);
    expect(out.join('\n')).toMatch(/--predict CHOICE/);
    const group = fakeIo();
    expect(await main(['drill', '--help'], group.io)).toBe(EXIT_OK);
    expect(group.out.join('\n')).toMatch(/ {2}list +List the failure drills/);
  });

  it('usage errors exit 2: unknown drill, bad --lang, bad --predict, unknown flag, missing name', async () => {
    const cases: [string[], RegExp][] = [
      [['drill', 'run', 'nope'], /unknown drill "nope" \(drills: zk-leader-kill, /],
      [['drill', 'run', 'same-key', '--lang', 'fr'], /--lang must be en or ko/],
      [['drill', 'list', '--lang', 'fr'], /--lang must be en or ko/],
      [['drill', 'run', 'same-key', '--predict', 'z'], /--predict must be one of a, b, c/],
      [['drill', 'run', 'same-key', '--frob'], /unknown flag --frob/],
      [['drill', 'run'], /missing argument <name>/],
    ];
    for (const [argv, message] of cases) {
      const { io, err } = fakeIo();
      expect(await main(argv, io), argv.join(' ')).toBe(EXIT_USAGE);
      expect(err.join('\n')).toMatch(message);
    }
  });

  it('without a lab in --data-dir: exit 1 and a hint to start one', async () => {
    const { io, err, out } = fakeIo('/tmp');
    const code = await main(
      ['drill', 'run', 'same-key', '--data-dir', '/nonexistent-kzlab-lab', '--predict', 'a'],
      io,
    );
    expect(code).toBe(EXIT_FAILURE);
    expect(out.join('\n')).toMatch(/Predict: Where do the keyed records land/);
    expect(err.join('\n')).toMatch(/no lab in \/nonexistent-kzlab-lab/);
  });
});
