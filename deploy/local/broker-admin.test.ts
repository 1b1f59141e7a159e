import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { brokerModeOf, fetchBrokerAdmin, isBrokerServingMode } from './broker-admin.ts';

describe('brokerModeOf', () => {
  it('controller when the broker names itself, broker when another, not-serving while unregistered', () => {
    const answer = { brokerId: 2, clusterId: 'c', brokerEpoch: '4294967301', controllerId: 2 };
    expect(brokerModeOf(answer)).toBe('controller');
    expect(brokerModeOf({ ...answer, controllerId: 1 })).toBe('broker');
    expect(brokerModeOf({ ...answer, controllerId: null })).toBe('broker');
    expect(brokerModeOf({ ...answer, brokerEpoch: null })).toBe('not-serving');
    expect(isBrokerServingMode('controller')).toBe(true);
    expect(isBrokerServingMode('broker')).toBe(true);
    expect(isBrokerServingMode('leader')).toBe(false);
    expect(isBrokerServingMode('not-serving')).toBe(false);
  });
});

describe('fetchBrokerAdmin', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  const serve = async (status: number, body: unknown): Promise<string> => {
    server = createServer((request, response) => {
      expect(request.url).toBe('/broker');
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  it('reads the fields the lab uses from GET /broker', async () => {
    const url = await serve(200, {
      brokerId: 1,
      clusterId: 'abc',
      brokerEpoch: '25',
      controllerId: 1,
      logDirs: [],
    });
    expect(await fetchBrokerAdmin(url, 1000)).toEqual({
      brokerId: 1,
      clusterId: 'abc',
      brokerEpoch: '25',
      controllerId: 1,
    });
  });

  it('an HTTP error or a refused connection is an Error that says so', async () => {
    const url = await serve(500, {});
    await expect(fetchBrokerAdmin(url, 1000)).rejects.toThrow(`${url}/broker: HTTP 500`);
    // Closed again: nothing listens there now.
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    await expect(fetchBrokerAdmin(url, 1000)).rejects.toThrow(`${url}/broker: ECONNREFUSED`);
  });
});
