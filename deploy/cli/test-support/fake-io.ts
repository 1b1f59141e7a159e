// An in-memory CliIo for running main() in tests: what the command prints lands in `out` and `err`, and
// loading a module (the ZooKeeper server, the benchmark) is an error.

import type { CliIo } from '../command.ts';

export interface FakeIo extends CliIo {
  readonly out: string[];
  readonly err: string[];
}

export function fakeIo(): FakeIo {
  const out: string[] = [];
  const err: string[] = [];
  const notLoaded = (): Promise<never> => Promise.reject(new Error('no module loads here'));
  return {
    out,
    err,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    cwd: '/nonexistent',
    modules: { zookeeperMain: notLoaded, zkBench: notLoaded },
  };
}
