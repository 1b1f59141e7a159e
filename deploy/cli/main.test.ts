import { describe, expect, it } from 'vitest';

import { InvariantError } from '../../client/common/assert.ts';
import { ConfigError, KZ_ERROR_CODES, KzError } from '../../client/common/errors.ts';
import type { CliIo } from './command.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main } from './main.ts';
import type { ModuleLoaders, ZkBenchModule, ZooKeeperMainModule } from './modules.ts';

interface FakeIo extends CliIo {
  readonly out: string[];
  readonly err: string[];
}

const notLoaded = (): Promise<never> => Promise.reject(new Error('this test did not expect a module load'));

function fakeIo(modules: Partial<ModuleLoaders> = {}, cwd = '/nonexistent'): FakeIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    cwd,
    modules: { zookeeperMain: notLoaded, zkBench: notLoaded, ...modules },
  };
}

describe('kzlab dispatcher', () => {
  it('--help and help print the command list on stdout, exit 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const io = fakeIo();
      expect(await main(argv, io)).toBe(EXIT_OK);
      expect(io.out.join('\n')).toMatch(/^Usage: kzlab <command> \[flags\]/);
      expect(io.out.join('\n')).toMatch(/\n {2}up +Start the lab/);
      expect(io.out.join('\n')).toMatch(/\n {2}zookeeper-server +Run/);
      expect(io.out.join('\n')).toMatch(/\n {2}bench +Benchmarks/);
      expect(io.err).toEqual([]);
    }
  });

  it('no arguments: the command list on stderr, exit 2', async () => {
    const io = fakeIo();
    expect(await main([], io)).toBe(EXIT_USAGE);
    expect(io.out).toEqual([]);
    expect(io.err.join('\n')).toMatch(/^Usage: kzlab <command>/);
  });

  it('an unknown command names itself and the known ones, exit 2', async () => {
    const io = fakeIo();
    expect(await main(['frob'], io)).toBe(EXIT_USAGE);
    expect(io.err).toEqual([
      'kzlab: unknown command "frob" (commands: up, status, kill, pause, resume, restart, partition, heal, zookeeper-server, kafka-server, bench, sim, topics, console-producer, console-consumer, consumer-groups, zk-shell, drill)',
      "Run 'kzlab --help' for usage.",
    ]);
  });

  it('an unknown top-level flag, exit 2', async () => {
    const io = fakeIo();
    expect(await main(['--frob'], io)).toBe(EXIT_USAGE);
    expect(io.err[0]).toBe('kzlab: unknown flag --frob');
  });

  it('--version prints the package version', async () => {
    const io = fakeIo();
    expect(await main(['--version'], io)).toBe(EXIT_OK);
    expect(io.out[0]).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('each command answers --help on stdout, exit 0, without loading anything', async () => {
    for (const [argv, usage] of [
      [['up', '--help'], 'Usage: kzlab up [flags]'],
      [['zookeeper-server', '-h'], 'Usage: kzlab zookeeper-server [flags] <zoo.cfg>'],
      [['kafka-server', '-h'], 'Usage: kzlab kafka-server [flags] <server.properties>'],
      [['help', 'up'], 'Usage: kzlab up [flags]'],
      [['bench', '--help'], 'Usage: kzlab bench <command> [flags]'],
      [['topics', '--help'], 'Usage: kzlab topics [flags]'],
      [['console-producer', '--help'], 'Usage: kzlab console-producer [flags]'],
      [['console-consumer', '-h'], 'Usage: kzlab console-consumer [flags]'],
      [['consumer-groups', '--help'], 'Usage: kzlab consumer-groups [flags]'],
      [['zk-shell', '-h'], 'Usage: kzlab zk-shell [flags] [command [args …]]'],
    ] as const) {
      const io = fakeIo();
      expect(await main(argv, io)).toBe(EXIT_OK);
      expect(io.out[0]!.split('\n')[0]).toBe(usage);
    }
  });

  it('a group without a subcommand prints its list on stderr, exit 2', async () => {
    const io = fakeIo();
    expect(await main(['bench'], io)).toBe(EXIT_USAGE);
    expect(io.err.join('\n')).toMatch(/^Usage: kzlab bench <command>/);
    const io2 = fakeIo();
    expect(await main(['bench', 'kafka'], io2)).toBe(EXIT_USAGE);
    expect(io2.err[0]).toBe('kzlab bench: unknown command "kafka" (commands: zk, quorum, produce)');
  });

  it('flag errors name the command and point at its --help, exit 2', async () => {
    const io = fakeIo();
    expect(await main(['up', '--port-base'], io)).toBe(EXIT_USAGE);
    expect(io.err).toEqual([
      'kzlab up: --port-base needs a value (PORT)',
      "Run 'kzlab up --help' for usage.",
    ]);
    const io2 = fakeIo();
    expect(await main(['up', '--ports=3'], io2)).toBe(EXIT_USAGE);
    expect(io2.err[0]).toBe('kzlab up: unknown flag --ports');
    const io3 = fakeIo();
    expect(await main(['up', '--zookeepers', '10'], io3)).toBe(EXIT_USAGE);
    expect(io3.err[0]).toBe('kzlab up: --zookeepers must be at most 9, got 10');
  });

  it('positional count is checked', async () => {
    const io = fakeIo();
    expect(await main(['zookeeper-server'], io)).toBe(EXIT_USAGE);
    expect(io.err[0]).toBe('kzlab zookeeper-server: missing argument <zoo.cfg>');
    const io2 = fakeIo();
    expect(await main(['zookeeper-server', 'a.cfg', 'b.cfg'], io2)).toBe(EXIT_USAGE);
    expect(io2.err[0]).toBe('kzlab zookeeper-server: unexpected argument "b.cfg"');
    const io3 = fakeIo();
    expect(await main(['up', 'now'], io3)).toBe(EXIT_USAGE);
    expect(io3.err[0]).toBe('kzlab up: unexpected argument "now"');
  });
});

describe('kzlab zookeeper-server', () => {
  it('resolves the config path against the current directory and runs the server', async () => {
    const calls: string[] = [];
    const zookeeperMain = async (): Promise<ZooKeeperMainModule> => ({
      runZooKeeperServer: async (configPath) => {
        calls.push(configPath);
      },
    });
    const io = fakeIo({ zookeeperMain }, '/home/learner');
    expect(await main(['zookeeper-server', 'conf/zoo.cfg'], io)).toBe(EXIT_OK);
    expect(calls).toEqual(['/home/learner/conf/zoo.cfg']);
  });

  it('a KzError becomes one line with its code (and causes), exit 1', async () => {
    const zookeeperMain = async (): Promise<ZooKeeperMainModule> => ({
      runZooKeeperServer: async () => {
        throw new KzError(KZ_ERROR_CODES.KZ_ERR_PORT_IN_USE, '127.0.0.1:2181 is already in use', {
          cause: new Error('listen EADDRINUSE', { cause: new Error('deeper') }),
        });
      },
    });
    const io = fakeIo({ zookeeperMain });
    expect(await main(['zookeeper-server', 'zoo.cfg'], io)).toBe(EXIT_FAILURE);
    expect(io.err).toEqual([
      'kzlab zookeeper-server: 127.0.0.1:2181 is already in use [KZ_ERR_PORT_IN_USE]',
      '  caused by: listen EADDRINUSE',
      '  caused by: deeper',
    ]);
  });

  it('an invalid zoo.cfg exits 2, as ZooKeeperServerMain does', async () => {
    const zookeeperMain = async (): Promise<ZooKeeperMainModule> => ({
      runZooKeeperServer: async () => {
        throw new ConfigError('not an integer', { file: 'zoo.cfg', line: 3, key: 'tickTime', value: 'x' });
      },
    });
    const io = fakeIo({ zookeeperMain });
    expect(await main(['zookeeper-server', 'zoo.cfg'], io)).toBe(EXIT_USAGE);
    expect(io.err).toEqual([
      'kzlab zookeeper-server: zoo.cfg:3: tickTime="x": not an integer [KZ_ERR_CONFIG]',
    ]);
  });

  it('a missing module is reported clearly, exit 1', async () => {
    const zookeeperMain = (): Promise<ZooKeeperMainModule> =>
      Promise.reject(
        new KzError(KZ_ERROR_CODES.KZ_ERR_MODULE_MISSING, 'zookeeper-ensemble/main.ts is not there'),
      );
    const io = fakeIo({ zookeeperMain });
    expect(await main(['zookeeper-server', 'zoo.cfg'], io)).toBe(EXIT_FAILURE);
    expect(io.err).toEqual([
      'kzlab zookeeper-server: zookeeper-ensemble/main.ts is not there [KZ_ERR_MODULE_MISSING]',
    ]);
  });

  it('a bug shows its stack, exit 1', async () => {
    const zookeeperMain = async (): Promise<ZooKeeperMainModule> => ({
      runZooKeeperServer: async () => {
        throw new InvariantError('zxid went backwards');
      },
    });
    const io = fakeIo({ zookeeperMain });
    expect(await main(['zookeeper-server', 'zoo.cfg'], io)).toBe(EXIT_FAILURE);
    expect(io.err[0]).toBe('kzlab zookeeper-server: invariant violated (a kzlab bug):');
    expect(io.err[1]).toMatch(/^InvariantError: zxid went backwards\n\s+at /);
    const io2 = fakeIo({ zookeeperMain: () => Promise.reject(new TypeError('x is undefined')) });
    expect(await main(['zookeeper-server', 'zoo.cfg'], io2)).toBe(EXIT_FAILURE);
    expect(io2.err[0]).toBe('kzlab zookeeper-server: unexpected error:');
  });
});

describe('kzlab bench zk', () => {
  function fakeBench(overrides: Partial<ZkBenchModule> = {}): () => Promise<ZkBenchModule> {
    return async () => ({
      parseZkBenchArgs: (argv) => {
        if (argv.includes('--bad')) throw new Error('unknown flag --bad (see --help)');
        return { help: argv.includes('--help'), writeJson: !argv.includes('--no-json'), json: null };
      },
      runZkBench: async (_options, hooks) => {
        hooks?.log?.('progress line');
        return { failedTargets: [] };
      },
      formatZkBenchTable: () => 'TABLE\n',
      writeZkBenchJson: () => '/tmp/result.json',
      ZK_BENCH_USAGE: 'Usage: kzlab bench zk [flags]\n',
      ...overrides,
    });
  }

  it('passes the arguments through and prints the table on stdout, progress on stderr', async () => {
    const io = fakeIo({ zkBench: fakeBench() });
    expect(await main(['bench', 'zk', '--connect', '127.0.0.1:2181'], io)).toBe(EXIT_OK);
    expect(io.out).toEqual(['TABLE']);
    expect(io.err).toEqual(['progress line', 'results written to /tmp/result.json']);
  });

  it('--no-json skips the result file', async () => {
    const io = fakeIo({ zkBench: fakeBench() });
    expect(await main(['bench', 'zk', '--no-json'], io)).toBe(EXIT_OK);
    expect(io.err).toEqual(['progress line']);
  });

  it("prints the module's usage for --help", async () => {
    const io = fakeIo({ zkBench: fakeBench() });
    expect(await main(['bench', 'zk', '--help'], io)).toBe(EXIT_OK);
    expect(io.out).toEqual(['Usage: kzlab bench zk [flags]']);
  });

  it("the module's argument errors are usage errors, exit 2", async () => {
    const io = fakeIo({ zkBench: fakeBench() });
    expect(await main(['bench', 'zk', '--bad'], io)).toBe(EXIT_USAGE);
    expect(io.err).toEqual([
      'kzlab bench zk: unknown flag --bad (see --help)',
      "Run 'kzlab bench zk --help' for usage.",
    ]);
  });

  it('a failed target makes the exit status 1', async () => {
    const io = fakeIo({ zkBench: fakeBench({ runZkBench: async () => ({ failedTargets: ['kzlab'] }) }) });
    expect(await main(['bench', 'zk', '--no-json'], io)).toBe(EXIT_FAILURE);
  });
});

// `kzlab up` now supervises real processes: see deploy/local/lab-commands.test.ts (flags) and
// test/multiproc/lab-*.test.ts (the lab itself).
