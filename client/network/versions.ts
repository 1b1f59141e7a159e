// Which version of each API the client sends: the highest version both sides implement (what the Java
// client and librdkafka do; kafka-clients.md §1). The client's own range per API is below — the codec
// implements more, but the client code above it only fills in these versions:
//  * Produce from v3 (the first carrying RecordBatch v2), Fetch from v4 (the first returning it).
//  * Fetch stops at v12 and Metadata at v12 because Fetch v13+ names topics by id only; the client
//    addresses topics by name (ZooKeeper-era brokers have no topic ids before 2.8 anyway).
//  * OffsetFetch from v1 (v0 read ZooKeeper-stored offsets), OffsetCommit from v2, Metadata from v1
//    (v0 cannot say "all topics" and has no controller id).

import { ApiKey, apiName } from '../protocol/api-keys.ts';
import type { ApiVersionRange } from '../protocol/registry.ts';
import type { SupportedApiKey } from '../protocol/registry.ts';
import { UnsupportedVersionError } from './errors.ts';

export const CLIENT_API_VERSIONS: Readonly<Partial<Record<SupportedApiKey, readonly [number, number]>>> = {
  [ApiKey.Produce]: [3, 11],
  [ApiKey.Fetch]: [4, 12],
  [ApiKey.ListOffsets]: [1, 9],
  [ApiKey.Metadata]: [1, 12],
  [ApiKey.OffsetCommit]: [2, 9],
  [ApiKey.OffsetFetch]: [1, 9],
  [ApiKey.FindCoordinator]: [0, 6],
  [ApiKey.JoinGroup]: [0, 9],
  [ApiKey.Heartbeat]: [0, 4],
  [ApiKey.LeaveGroup]: [0, 5],
  [ApiKey.SyncGroup]: [0, 5],
  [ApiKey.DescribeGroups]: [0, 5],
  [ApiKey.ListGroups]: [0, 5],
  [ApiKey.ApiVersions]: [0, 3],
  [ApiKey.CreateTopics]: [0, 7],
  [ApiKey.DeleteTopics]: [0, 6],
  [ApiKey.DescribeConfigs]: [0, 4],
  [ApiKey.CreatePartitions]: [0, 3],
};

/** The version to use for `apiKey` given the broker's advertised table (null = none in common). */
export function pickVersion(
  apiKey: SupportedApiKey,
  brokerVersions: ReadonlyMap<number, ApiVersionRange> | null,
  clientVersions = CLIENT_API_VERSIONS,
): number | null {
  const mine = clientVersions[apiKey];
  if (mine === undefined) return null;
  const [min, max] = mine;
  if (brokerVersions === null) return min; // not negotiated (tests): the lowest we speak
  const theirs = brokerVersions.get(apiKey);
  if (theirs === undefined) return null;
  const high = Math.min(max, theirs.maxVersion);
  const low = Math.max(min, theirs.minVersion);
  return high >= low ? high : null;
}

export function requireVersion(
  apiKey: SupportedApiKey,
  brokerVersions: ReadonlyMap<number, ApiVersionRange> | null,
  address: string,
): number {
  const version = pickVersion(apiKey, brokerVersions);
  if (version === null) {
    const mine = CLIENT_API_VERSIONS[apiKey];
    const theirs = brokerVersions?.get(apiKey);
    throw new UnsupportedVersionError(
      `${apiName(apiKey)}: the client speaks ${mine ? `v${mine[0]}-v${mine[1]}` : 'no version'}, ` +
        `${address} advertises ${theirs ? `v${theirs.minVersion}-v${theirs.maxVersion}` : 'nothing'}`,
    );
  }
  return version;
}
