import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';

import { KzError } from '../../client/common/errors.ts';
import type * as ZooKeeperMain from '../../zookeeper-ensemble/main.ts';
import type * as ZkBench from '../bench/zk-bench.ts';
import { importModule, type ZkBenchModule, type ZooKeeperMainModule } from './modules.ts';

describe('importModule', () => {
  let directory = '';
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'kzlab-modules-test-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('names a module that does not exist yet', async () => {
    const url = pathToFileURL(path.join(directory, 'main.ts'));
    const error = await importModule(url, 'zookeeper-ensemble/main.ts', ['runZooKeeperServer']).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KzError);
    expect((error as KzError).code).toBe('KZ_ERR_MODULE_MISSING');
    expect((error as KzError).message).toMatch(
      /^zookeeper-ensemble\/main\.ts is not there \(.*main\.ts does not exist\)/,
    );
  });

  it('names the exports a module lacks', async () => {
    const file = path.join(directory, 'partial.mjs');
    await writeFile(file, 'export function runZooKeeperServer() {}\nexport const notAFunction = 1;\n');
    const error = await importModule(pathToFileURL(file), 'partial', [
      'runZooKeeperServer',
      'notAFunction',
      'other',
    ]).catch((e: unknown) => e);
    expect((error as KzError).code).toBe('KZ_ERR_MODULE_MISSING');
    expect((error as KzError).message).toBe(
      'partial does not export notAFunction(), other(): this part of kzlab is not finished yet',
    );
  });

  it('returns the module when the exports are there', async () => {
    const file = path.join(directory, 'complete.mjs');
    await writeFile(file, 'export function hello() { return 42; }\n');
    const module = await importModule<{ hello(): number }>(pathToFileURL(file), 'complete', ['hello']);
    expect(module.hello()).toBe(42);
  });
});

describe('module contracts', () => {
  it('deploy/bench/zk-bench.ts satisfies what the CLI expects (checked by tsc)', () => {
    expectTypeOf<typeof ZkBench>().toExtend<ZkBenchModule>();
  });

  it('zookeeper-ensemble/main.ts satisfies what the CLI expects (checked by tsc)', () => {
    expectTypeOf<typeof ZooKeeperMain>().toExtend<ZooKeeperMainModule>();
  });
});
