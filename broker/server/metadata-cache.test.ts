import { describe, expect, it } from 'vitest';

import type { RequestBody } from '../../client/protocol/index.ts';
import { MetadataCache } from './metadata-cache.ts';

/** Brokers 1 and 2 with a client listener and an inter-broker one on other ports; broker 3 only PLAINTEXT. */
function updateMetadata(): RequestBody<6> {
  return {
    controllerId: 1,
    controllerEpoch: 4,
    brokerEpoch: 10n,
    topicStates: [],
    liveBrokers: [
      ...[1, 2].map((id) => ({
        id,
        rack: null,
        endpoints: [
          { listener: 'PLAINTEXT', host: '127.0.0.1', port: 9090 + id, securityProtocol: 0 },
          { listener: 'REPLICATION', host: '10.0.0.' + id, port: 19090 + id, securityProtocol: 0 },
        ],
      })),
      {
        id: 3,
        rack: 'r3',
        endpoints: [{ listener: 'PLAINTEXT', host: '127.0.0.1', port: 9093, securityProtocol: 0 }],
      },
    ],
  } as unknown as RequestBody<6>;
}

describe('MetadataCache listeners (KIP-103)', () => {
  it("answers each broker's end point on the listener asked for", () => {
    const cache = new MetadataCache(1);
    cache.update(updateMetadata());
    expect(cache.broker(2, 'REPLICATION')).toEqual({ id: 2, host: '10.0.0.2', port: 19092, rack: null });
    expect(cache.broker(2, 'plaintext')).toEqual({ id: 2, host: '127.0.0.1', port: 9092, rack: null });
  });

  it('leaves out brokers without that listener', () => {
    const cache = new MetadataCache(1);
    cache.update(updateMetadata());
    expect(cache.aliveBrokers('REPLICATION').map((b) => b.id)).toEqual([1, 2]);
    expect(cache.broker(3, 'REPLICATION')).toBeUndefined();
    expect(cache.aliveBrokers('PLAINTEXT').map((b) => `${b.id}:${b.port}`)).toEqual([
      '1:9091',
      '2:9092',
      '3:9093',
    ]);
  });

  it('without a listener name, uses the first PLAINTEXT end point', () => {
    const cache = new MetadataCache(1);
    cache.update(updateMetadata());
    expect(cache.aliveBrokers().map((b) => `${b.id}:${b.host}:${b.port}`)).toEqual([
      '1:127.0.0.1:9091',
      '2:127.0.0.1:9092',
      '3:127.0.0.1:9093',
    ]);
    expect(cache.broker(3)?.rack).toBe('r3');
  });
});
