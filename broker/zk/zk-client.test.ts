import { createServer } from 'node:net';

import { describe, expect, it } from 'vitest';

import { KzError } from '../../client/common/errors.ts';
import { ZkClient } from './zk-client.ts';

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('ZkClient without a server', () => {
  it('connect() gives up after zookeeper.connection.timeout.ms with KZ_ERR_ZK_CONNECTION_TIMEOUT', async () => {
    const port = await unusedPort();
    const started = Date.now();
    const error = await ZkClient.connect(`127.0.0.1:${port}`, {
      sessionTimeoutMs: 6000,
      connectionTimeoutMs: 400,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KzError);
    expect((error as KzError).code).toBe('KZ_ERR_ZK_CONNECTION_TIMEOUT');
    expect((error as KzError).retriable).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
