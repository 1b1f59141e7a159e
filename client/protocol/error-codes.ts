// Kafka's protocol error codes (Kafka's `Errors` enum): code, the upstream UPPER_SNAKE name exactly as
// clients print it, whether a client may retry the same request, and a short explanation in our words.
// Protocol outcomes are data (ARCHITECTURE.md §5): cores put these codes into responses; nothing throws them.
//
// Two names changed upstream and we use the current ones: code 6 is NOT_LEADER_OR_FOLLOWER (called
// NOT_LEADER_FOR_PARTITION before Kafka 2.7 and still so in kafkajs) and code -1 is UNKNOWN_SERVER_ERROR
// (once UNKNOWN).

export interface KafkaErrorInfo {
  readonly code: number;
  readonly name: string;
  readonly retriable: boolean;
  readonly message: string;
}

type Row = readonly [code: number, name: string, retriable: boolean, message: string];

const ROWS = [
  [-1, 'UNKNOWN_SERVER_ERROR', false, 'The broker failed in an unexpected way while handling the request.'],
  [0, 'NONE', false, 'No error.'],
  [
    1,
    'OFFSET_OUT_OF_RANGE',
    false,
    'The offset is outside the range the partition holds (log start … high watermark).',
  ],
  [
    2,
    'CORRUPT_MESSAGE',
    true,
    'A record batch failed its CRC check, has a bad size, or is otherwise damaged.',
  ],
  [3, 'UNKNOWN_TOPIC_OR_PARTITION', true, 'This broker does not host that topic-partition.'],
  [4, 'INVALID_FETCH_SIZE', false, 'The fetch size asked for is not valid.'],
  [5, 'LEADER_NOT_AVAILABLE', true, 'The partition has no leader right now (an election is under way).'],
  [
    6,
    'NOT_LEADER_OR_FOLLOWER',
    true,
    'This broker is not the leader (or, for replica requests, not a replica) of the partition.',
  ],
  [7, 'REQUEST_TIMED_OUT', true, 'The request did not complete within its timeout.'],
  [8, 'BROKER_NOT_AVAILABLE', false, 'The broker is not available.'],
  [9, 'REPLICA_NOT_AVAILABLE', true, 'The replica is not available for that topic-partition.'],
  [10, 'MESSAGE_TOO_LARGE', false, 'A record batch is larger than the broker accepts.'],
  [
    11,
    'STALE_CONTROLLER_EPOCH',
    false,
    'The request came from a controller with an old epoch; the controller has moved.',
  ],
  [12, 'OFFSET_METADATA_TOO_LARGE', false, 'The metadata string committed with an offset is too long.'],
  [13, 'NETWORK_EXCEPTION', true, 'The connection closed before a response arrived.'],
  [
    14,
    'COORDINATOR_LOAD_IN_PROGRESS',
    true,
    'The coordinator is still loading its state and cannot answer yet.',
  ],
  [15, 'COORDINATOR_NOT_AVAILABLE', true, 'The coordinator is not available.'],
  [16, 'NOT_COORDINATOR', true, 'This broker is not the coordinator for that group or transactional id.'],
  [
    17,
    'INVALID_TOPIC_EXCEPTION',
    false,
    'The topic name is not valid, or the operation is not allowed on it.',
  ],
  [18, 'RECORD_LIST_TOO_LARGE', false, 'The batch is larger than the segment size configured on the broker.'],
  [
    19,
    'NOT_ENOUGH_REPLICAS',
    true,
    'Fewer in-sync replicas than min.insync.replicas: the records were not written.',
  ],
  [
    20,
    'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
    true,
    'The records were written, but to fewer in-sync replicas than required.',
  ],
  [21, 'INVALID_REQUIRED_ACKS', false, 'The acks value of the produce request is not valid.'],
  [22, 'ILLEGAL_GENERATION', false, 'The group generation id is not the current one.'],
  [
    23,
    'INCONSISTENT_GROUP_PROTOCOL',
    false,
    "The member's protocol type or protocols do not match the group's.",
  ],
  [24, 'INVALID_GROUP_ID', false, 'The group id is not valid.'],
  [25, 'UNKNOWN_MEMBER_ID', false, 'The coordinator does not know this member id.'],
  [
    26,
    'INVALID_SESSION_TIMEOUT',
    false,
    "The session timeout is outside the broker's group.min/max.session.timeout.ms.",
  ],
  [27, 'REBALANCE_IN_PROGRESS', false, 'The group is rebalancing: the member must join again.'],
  [28, 'INVALID_COMMIT_OFFSET_SIZE', false, 'The offset commit data has an invalid size.'],
  [29, 'TOPIC_AUTHORIZATION_FAILED', false, 'Not authorized to access the topic.'],
  [30, 'GROUP_AUTHORIZATION_FAILED', false, 'Not authorized to access the group.'],
  [31, 'CLUSTER_AUTHORIZATION_FAILED', false, 'Not authorized for this cluster operation.'],
  [32, 'INVALID_TIMESTAMP', false, 'A record timestamp is outside the accepted range.'],
  [33, 'UNSUPPORTED_SASL_MECHANISM', false, 'The broker does not support that SASL mechanism.'],
  [34, 'ILLEGAL_SASL_STATE', false, 'The request is not valid in the current SASL state.'],
  [35, 'UNSUPPORTED_VERSION', false, 'The broker does not support this version of the API.'],
  [36, 'TOPIC_ALREADY_EXISTS', false, 'A topic with this name already exists.'],
  [37, 'INVALID_PARTITIONS', false, 'The number of partitions is not valid.'],
  [
    38,
    'INVALID_REPLICATION_FACTOR',
    false,
    'The replication factor is not valid (for example larger than the live brokers).',
  ],
  [39, 'INVALID_REPLICA_ASSIGNMENT', false, 'The explicit replica assignment is not valid.'],
  [40, 'INVALID_CONFIG', false, 'A configuration value is not valid.'],
  [41, 'NOT_CONTROLLER', true, 'This broker is not the controller.'],
  [42, 'INVALID_REQUEST', false, 'The request is malformed or inconsistent; the broker log has details.'],
  [
    43,
    'UNSUPPORTED_FOR_MESSAGE_FORMAT',
    false,
    'The message format version on the broker does not support the request.',
  ],
  [44, 'POLICY_VIOLATION', false, 'The request violates a policy configured on the broker.'],
  [
    45,
    'OUT_OF_ORDER_SEQUENCE_NUMBER',
    false,
    'The broker got a sequence number it did not expect from an idempotent producer.',
  ],
  [46, 'DUPLICATE_SEQUENCE_NUMBER', false, 'The broker already has a batch with this sequence number.'],
  [
    47,
    'INVALID_PRODUCER_EPOCH',
    false,
    'The producer epoch is old: another producer with the same id has taken over.',
  ],
  [48, 'INVALID_TXN_STATE', false, "The operation is not allowed in the transaction's current state."],
  [49, 'INVALID_PRODUCER_ID_MAPPING', false, 'The producer id does not match the transactional id.'],
  [50, 'INVALID_TRANSACTION_TIMEOUT', false, 'The transaction timeout exceeds transaction.max.timeout.ms.'],
  [51, 'CONCURRENT_TRANSACTIONS', true, 'Another transaction with this id is still completing.'],
  [
    52,
    'TRANSACTION_COORDINATOR_FENCED',
    false,
    'A newer transaction coordinator has taken over for this producer.',
  ],
  [53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', false, 'Not authorized to use this transactional id.'],
  [54, 'SECURITY_DISABLED', false, 'Security features are disabled on the broker.'],
  [
    55,
    'OPERATION_NOT_ATTEMPTED',
    false,
    'The broker did not try this operation because another one in the batch failed.',
  ],
  [56, 'KAFKA_STORAGE_ERROR', true, 'A disk error on the broker when reading or writing the log.'],
  [57, 'LOG_DIR_NOT_FOUND', false, 'The log directory does not exist in the broker configuration.'],
  [58, 'SASL_AUTHENTICATION_FAILED', false, 'SASL authentication failed.'],
  [59, 'UNKNOWN_PRODUCER_ID', false, 'The broker has no state for this producer id (it may have expired).'],
  [60, 'REASSIGNMENT_IN_PROGRESS', false, 'A partition reassignment is already in progress.'],
  [61, 'DELEGATION_TOKEN_AUTH_DISABLED', false, 'Delegation token authentication is disabled.'],
  [62, 'DELEGATION_TOKEN_NOT_FOUND', false, 'The delegation token does not exist.'],
  [63, 'DELEGATION_TOKEN_OWNER_MISMATCH', false, 'The delegation token belongs to another principal.'],
  [
    64,
    'DELEGATION_TOKEN_REQUEST_NOT_ALLOWED',
    false,
    'Delegation token requests are not allowed on this connection.',
  ],
  [65, 'DELEGATION_TOKEN_AUTHORIZATION_FAILED', false, 'Not authorized for this delegation token operation.'],
  [66, 'DELEGATION_TOKEN_EXPIRED', false, 'The delegation token has expired.'],
  [67, 'INVALID_PRINCIPAL_TYPE', false, 'The principal type is not supported.'],
  [68, 'NON_EMPTY_GROUP', false, 'The group still has members.'],
  [69, 'GROUP_ID_NOT_FOUND', false, 'The group does not exist.'],
  [70, 'FETCH_SESSION_ID_NOT_FOUND', true, 'The fetch session does not exist (any more).'],
  [71, 'INVALID_FETCH_SESSION_EPOCH', true, 'The fetch session epoch is not the expected one.'],
  [72, 'LISTENER_NOT_FOUND', true, 'The leader has no endpoint for the listener the request came in on.'],
  [73, 'TOPIC_DELETION_DISABLED', false, 'Topic deletion is disabled (delete.topic.enable=false).'],
  [74, 'FENCED_LEADER_EPOCH', true, "The leader epoch in the request is older than the broker's."],
  [75, 'UNKNOWN_LEADER_EPOCH', true, 'The leader epoch in the request is newer than the broker knows.'],
  [
    76,
    'UNSUPPORTED_COMPRESSION_TYPE',
    false,
    'The client does not support the compression type of the data.',
  ],
  [77, 'STALE_BROKER_EPOCH', false, 'The broker epoch in the request is old.'],
  [78, 'OFFSET_NOT_AVAILABLE', true, 'The leader high watermark has not caught up since the leader change.'],
  [
    79,
    'MEMBER_ID_REQUIRED',
    false,
    'The member must join again with the member id the coordinator just gave it.',
  ],
  [80, 'PREFERRED_LEADER_NOT_AVAILABLE', true, 'The preferred leader is not available.'],
  [81, 'GROUP_MAX_SIZE_REACHED', false, 'The group already has group.max.size members.'],
  [82, 'FENCED_INSTANCE_ID', false, 'Another member with the same group instance id has taken over.'],
  [83, 'ELIGIBLE_LEADERS_NOT_AVAILABLE', true, 'No eligible leader is available for the partition.'],
  [84, 'ELECTION_NOT_NEEDED', true, 'The leader election is not needed.'],
  [85, 'NO_REASSIGNMENT_IN_PROGRESS', false, 'No partition reassignment is in progress.'],
  [
    86,
    'GROUP_SUBSCRIBED_TO_TOPIC',
    false,
    'The group is subscribed to the topic, so its offsets cannot be deleted.',
  ],
  [87, 'INVALID_RECORD', false, 'A record failed broker-side validation.'],
  [88, 'UNSTABLE_OFFSET_COMMIT', true, 'Transactional offset commits are still pending for the partition.'],
  [89, 'THROTTLING_QUOTA_EXCEEDED', true, 'The controller mutation quota was exceeded.'],
  [90, 'PRODUCER_FENCED', false, 'A newer producer with the same transactional id has taken over.'],
  [91, 'RESOURCE_NOT_FOUND', false, 'The resource does not exist.'],
  [92, 'DUPLICATE_RESOURCE', false, 'The same resource appears more than once in the request.'],
  [93, 'UNACCEPTABLE_CREDENTIAL', false, 'The credential does not meet the requirements.'],
  [94, 'INCONSISTENT_VOTER_SET', false, 'The voter sets of the sender and receiver do not match.'],
  [95, 'INVALID_UPDATE_VERSION', false, 'The feature version update is not valid.'],
  [96, 'FEATURE_UPDATE_FAILED', false, 'The feature update could not be applied.'],
  [97, 'PRINCIPAL_DESERIALIZATION_FAILURE', false, 'The forwarded principal could not be decoded.'],
  [98, 'SNAPSHOT_NOT_FOUND', false, 'The snapshot does not exist.'],
  [99, 'POSITION_OUT_OF_RANGE', false, 'The position is outside the snapshot.'],
  [100, 'UNKNOWN_TOPIC_ID', true, 'This broker does not know the topic id.'],
  [101, 'DUPLICATE_BROKER_REGISTRATION', false, 'A broker with this id is already registered.'],
  [102, 'BROKER_ID_NOT_REGISTERED', false, 'The broker id is not registered.'],
  [103, 'INCONSISTENT_TOPIC_ID', true, 'The topic id does not match the one the broker has for the topic.'],
  [104, 'INCONSISTENT_CLUSTER_ID', false, 'The cluster id does not match.'],
  [105, 'TRANSACTIONAL_ID_NOT_FOUND', false, 'The transactional id does not exist.'],
  [106, 'FETCH_SESSION_TOPIC_ID_ERROR', true, 'The fetch session saw topic ids change between requests.'],
  [107, 'INELIGIBLE_REPLICA', false, 'The new ISR contains at least one replica that may not join it.'],
  [108, 'NEW_LEADER_ELECTED', false, 'A new leader was elected, so the ISR change was not applied.'],
  [109, 'OFFSET_MOVED_TO_TIERED_STORAGE', false, 'The offset is only in tiered storage now.'],
  [
    110,
    'FENCED_MEMBER_EPOCH',
    false,
    'The member epoch is fenced by the coordinator; the member must rejoin.',
  ],
  [111, 'UNRELEASED_INSTANCE_ID', false, 'The instance id is still held by another member.'],
  [112, 'UNSUPPORTED_ASSIGNOR', false, 'The assignor is not supported by the group.'],
  [113, 'STALE_MEMBER_EPOCH', false, 'The member epoch is old.'],
  [114, 'MISMATCHED_ENDPOINT_TYPE', false, 'The request was sent to an endpoint of the wrong type.'],
  [115, 'UNSUPPORTED_ENDPOINT_TYPE', false, 'This endpoint type does not support the request.'],
  [116, 'UNKNOWN_CONTROLLER_ID', false, 'The controller id is not known.'],
  [117, 'UNKNOWN_SUBSCRIPTION_ID', false, 'The client telemetry subscription id is not known.'],
  [118, 'TELEMETRY_TOO_LARGE', false, 'The pushed client telemetry is too large.'],
  [119, 'INVALID_REGISTRATION', false, 'The controller rejected the registration.'],
  [
    120,
    'TRANSACTION_ABORTABLE',
    false,
    'The transaction must be aborted before the transactional id can be used again.',
  ],
  [121, 'INVALID_RECORD_STATE', false, 'The record state does not allow the acknowledgement.'],
  [122, 'SHARE_SESSION_NOT_FOUND', true, 'The share session does not exist.'],
  [123, 'INVALID_SHARE_SESSION_EPOCH', true, 'The share session epoch is not the expected one.'],
  [124, 'FENCED_STATE_EPOCH', false, 'The share-group state epoch does not match.'],
  [125, 'INVALID_VOTER_KEY', false, "The voter key does not match the receiving replica's."],
  [126, 'DUPLICATE_VOTER', false, 'The voter is already in the voter set.'],
  [127, 'VOTER_NOT_FOUND', false, 'The voter is not in the voter set.'],
  [128, 'INVALID_REGULAR_EXPRESSION', false, 'The regular expression is not valid.'],
  [
    129,
    'REBOOTSTRAP_REQUIRED',
    false,
    'The client metadata is stale: start again from the bootstrap servers.',
  ],
  [130, 'STREAMS_INVALID_TOPOLOGY', false, 'The Streams topology is not valid.'],
  [131, 'STREAMS_INVALID_TOPOLOGY_EPOCH', false, 'The Streams topology epoch is not valid.'],
  [132, 'STREAMS_TOPOLOGY_FENCED', false, 'The Streams topology epoch is out of date.'],
  [133, 'SHARE_SESSION_LIMIT_REACHED', true, 'The broker has reached its limit of share sessions.'],
] as const satisfies readonly Row[];

export type ErrorName = (typeof ROWS)[number][1];

/** Every error, in code order. */
export const KAFKA_ERRORS: readonly KafkaErrorInfo[] = ROWS.map(([code, name, retriable, message]) => ({
  code,
  name,
  retriable,
  message,
}));

/** Name → code, e.g. `ErrorCode.NOT_LEADER_OR_FOLLOWER === 6`. */
export const ErrorCode = Object.fromEntries(ROWS.map(([code, name]) => [name, code])) as {
  readonly [Row in (typeof ROWS)[number] as Row[1]]: Row[0];
};

const byCode = new Map(KAFKA_ERRORS.map((info) => [info.code, info]));

export function errorInfo(code: number): KafkaErrorInfo | undefined {
  return byCode.get(code);
}

/** The upstream name of a code, or `UNKNOWN_ERROR_CODE(<code>)`. */
export function errorName(code: number): string {
  return byCode.get(code)?.name ?? `UNKNOWN_ERROR_CODE(${code})`;
}

export function isRetriable(code: number): boolean {
  return byCode.get(code)?.retriable ?? false;
}
