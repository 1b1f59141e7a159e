// Fetch (API key 1), used by consumers (replicaId -1) and by follower replicas (replicaId = broker id).
//  v1 throttle time · v3 request max bytes · v4 isolation level, last stable offset, aborted transactions
//  (RecordBatch v2) · v5 log start offset · v7 incremental fetch sessions (KIP-227) · v9 current leader
//  epoch (KIP-320) · v11 rack id and preferred read replica (KIP-392) · v12 first flexible version, last
//  fetched epoch and tagged diverging-epoch/current-leader/snapshot fields · v13 topic ids replace names
//  · v15 replica id moves into the tagged replica state · v16 tagged node endpoints · v17 tagged replica
//  directory id.
import { array, arrayOf, field, message, struct } from '../schema.ts';

export const FetchRequest = message({
  name: 'FetchRequest',
  apiKey: 1,
  type: 'request',
  validVersions: '0-17',
  flexibleVersions: '12+',
  fields: [
    field('clusterId', '12+', 'string', { nullable: '12+', default: null, tagged: '12+', tag: 0 }),
    field('replicaId', '0-14', 'int32', { default: -1 }),
    field(
      'replicaState',
      '15+',
      struct(
        field('replicaId', '15+', 'int32', { default: -1 }),
        field('replicaEpoch', '15+', 'int64', { default: -1n }),
      ),
      { tagged: '15+', tag: 1 },
    ),
    field('maxWaitMs', '0+', 'int32'),
    field('minBytes', '0+', 'int32'),
    field('maxBytes', '3+', 'int32', { default: 0x7fffffff }),
    field('isolationLevel', '4+', 'int8', { default: 0 }),
    field('sessionId', '7+', 'int32', { default: 0 }),
    field('sessionEpoch', '7+', 'int32', { default: -1 }),
    field(
      'topics',
      '0+',
      array(
        field('topic', '0-12', 'string'),
        field('topicId', '13+', 'uuid'),
        field(
          'partitions',
          '0+',
          array(
            field('partition', '0+', 'int32'),
            field('currentLeaderEpoch', '9+', 'int32', { default: -1 }),
            field('fetchOffset', '0+', 'int64'),
            field('lastFetchedEpoch', '12+', 'int32', { default: -1 }),
            field('logStartOffset', '5+', 'int64', { default: -1n }),
            field('partitionMaxBytes', '0+', 'int32'),
            field('replicaDirectoryId', '17+', 'uuid', { tagged: '17+', tag: 0 }),
          ),
        ),
      ),
    ),
    field(
      'forgottenTopicsData',
      '7+',
      array(
        field('topic', '7-12', 'string'),
        field('topicId', '13+', 'uuid'),
        field('partitions', '7+', arrayOf('int32')),
      ),
    ),
    field('rackId', '11+', 'string', { default: '' }),
  ],
});

export const FetchResponse = message({
  name: 'FetchResponse',
  apiKey: 1,
  type: 'response',
  validVersions: '0-17',
  flexibleVersions: '12+',
  fields: [
    field('throttleTimeMs', '1+', 'int32', { default: 0 }),
    field('errorCode', '7+', 'int16'),
    field('sessionId', '7+', 'int32', { default: 0 }),
    field(
      'responses',
      '0+',
      array(
        field('topic', '0-12', 'string'),
        field('topicId', '13+', 'uuid'),
        field(
          'partitions',
          '0+',
          array(
            field('partitionIndex', '0+', 'int32'),
            field('errorCode', '0+', 'int16'),
            field('highWatermark', '0+', 'int64'),
            field('lastStableOffset', '4+', 'int64', { default: -1n }),
            field('logStartOffset', '5+', 'int64', { default: -1n }),
            field(
              'divergingEpoch',
              '12+',
              struct(
                field('epoch', '12+', 'int32', { default: -1 }),
                field('endOffset', '12+', 'int64', { default: -1n }),
              ),
              { tagged: '12+', tag: 0 },
            ),
            field(
              'currentLeader',
              '12+',
              struct(
                field('leaderId', '12+', 'int32', { default: -1 }),
                field('leaderEpoch', '12+', 'int32', { default: -1 }),
              ),
              { tagged: '12+', tag: 1 },
            ),
            field(
              'snapshotId',
              '12+',
              struct(
                field('endOffset', '12+', 'int64', { default: -1n }),
                field('epoch', '12+', 'int32', { default: -1 }),
              ),
              { tagged: '12+', tag: 2 },
            ),
            field(
              'abortedTransactions',
              '4+',
              array(field('producerId', '4+', 'int64'), field('firstOffset', '4+', 'int64')),
              { nullable: '4+' },
            ),
            field('preferredReadReplica', '11+', 'int32', { default: -1 }),
            field('records', '0+', 'records', { nullable: '0+' }),
          ),
        ),
      ),
    ),
    field(
      'nodeEndpoints',
      '16+',
      array(
        field('nodeId', '16+', 'int32'),
        field('host', '16+', 'string'),
        field('port', '16+', 'int32'),
        field('rack', '16+', 'string', { nullable: '16+', default: null }),
      ),
      { tagged: '16+', tag: 0 },
    ),
  ],
});
