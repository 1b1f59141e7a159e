// The controller's requests (broker/controller/requests.ts, plain data) on the wire, at the versions Kafka
// 2.4 brokers exchange (inter.broker.protocol.version 2.4-IV1): LeaderAndIsr v4, UpdateMetadata v6,
// StopReplica v2 — partitions grouped by topic, the controller's id and epoch, and the destination broker's
// epoch (KIP-380) so a broker that restarted refuses requests built for its previous incarnation.
//
// No I/O: encodes request frames and decodes response frames through client/protocol.

import {
  ApiKey,
  decodeResponseFrame,
  encodeRequestFrame,
  errorName,
  type RequestInput,
} from '../../client/protocol/index.ts';
import type { ControllerRequest } from '../controller/requests.ts';
import type { TopicPartition } from '../controller/types.ts';
import { groupByTopic } from '../../client/common/group-by-topic.ts';

export const LEADER_AND_ISR_VERSION = 4;
export const UPDATE_METADATA_VERSION = 6;
export const STOP_REPLICA_VERSION = 2;

export function requestVersion(request: ControllerRequest): number {
  switch (request.type) {
    case 'LeaderAndIsr':
      return LEADER_AND_ISR_VERSION;
    case 'UpdateMetadata':
      return UPDATE_METADATA_VERSION;
    case 'StopReplica':
      return STOP_REPLICA_VERSION;
  }
}

/** The request's size-prefixed frame. */
export function encodeControllerRequest(
  request: ControllerRequest,
  correlationId: number,
  clientId: string,
): Uint8Array {
  const header = { correlationId, clientId };
  switch (request.type) {
    case 'LeaderAndIsr': {
      const body: RequestInput<4> = {
        controllerId: request.controllerId,
        controllerEpoch: request.controllerEpoch,
        brokerEpoch: request.brokerEpoch,
        topicStates: groupByTopic(request.partitionStates, (p) => p.topicName).map(([topicName, states]) => ({
          topicName,
          partitionStates: states.map((p) => ({
            partitionIndex: p.partitionIndex,
            controllerEpoch: p.controllerEpoch,
            leader: p.leader,
            leaderEpoch: p.leaderEpoch,
            isr: [...p.isr],
            zkVersion: p.zkVersion,
            replicas: [...p.replicas],
            addingReplicas: [...p.addingReplicas],
            removingReplicas: [...p.removingReplicas],
            isNew: p.isNew,
          })),
        })),
        liveLeaders: request.liveLeaders.map((l) => ({
          brokerId: l.brokerId,
          hostName: l.hostName,
          port: l.port,
        })),
      };
      return encodeRequestFrame(ApiKey.LeaderAndIsr, LEADER_AND_ISR_VERSION, header, body);
    }
    case 'UpdateMetadata': {
      const body: RequestInput<6> = {
        controllerId: request.controllerId,
        controllerEpoch: request.controllerEpoch,
        brokerEpoch: request.brokerEpoch,
        topicStates: groupByTopic(request.partitionStates, (p) => p.topicName).map(([topicName, states]) => ({
          topicName,
          partitionStates: states.map((p) => ({
            partitionIndex: p.partitionIndex,
            controllerEpoch: p.controllerEpoch,
            leader: p.leader,
            leaderEpoch: p.leaderEpoch,
            isr: [...p.isr],
            zkVersion: p.zkVersion,
            replicas: [...p.replicas],
            offlineReplicas: [...p.offlineReplicas],
          })),
        })),
        liveBrokers: request.liveBrokers.map((b) => ({
          id: b.id,
          endpoints: b.endpoints.map((e) => ({
            port: e.port,
            host: e.host,
            listener: e.listener,
            securityProtocol: e.securityProtocol,
          })),
          rack: b.rack,
        })),
      };
      return encodeRequestFrame(ApiKey.UpdateMetadata, UPDATE_METADATA_VERSION, header, body);
    }
    case 'StopReplica': {
      const body: RequestInput<5> = {
        controllerId: request.controllerId,
        controllerEpoch: request.controllerEpoch,
        brokerEpoch: request.brokerEpoch,
        deletePartitions: request.deletePartitions,
        topics: groupByTopic(request.partitions, (p) => p.topic).map(([name, partitions]) => ({
          name,
          partitionIndexes: partitions.map((p) => p.partition),
        })),
      };
      return encodeRequestFrame(ApiKey.StopReplica, STOP_REPLICA_VERSION, header, body);
    }
  }
}

/** A broker's answer to a controller request, with Kafka's error names ('NONE' = success). */
export interface ControllerResponse {
  readonly correlationId: number;
  /** Request-level error. */
  readonly error: string;
  /** Per-partition errors (LeaderAndIsr, StopReplica); empty for UpdateMetadata. */
  readonly partitionErrors: readonly { readonly partition: TopicPartition; readonly error: string }[];
}

/** Decodes the response frame (after its size prefix) to `request`. Throws KafkaDecodeError on bad bytes. */
export function decodeControllerResponse(request: ControllerRequest, frame: Uint8Array): ControllerResponse {
  switch (request.type) {
    case 'LeaderAndIsr': {
      const { correlationId, body } = decodeResponseFrame(ApiKey.LeaderAndIsr, LEADER_AND_ISR_VERSION, frame);
      return {
        correlationId,
        error: errorName(body.errorCode),
        partitionErrors: body.partitionErrors.map((p) => ({
          partition: { topic: p.topicName, partition: p.partitionIndex },
          error: errorName(p.errorCode),
        })),
      };
    }
    case 'UpdateMetadata': {
      const { correlationId, body } = decodeResponseFrame(
        ApiKey.UpdateMetadata,
        UPDATE_METADATA_VERSION,
        frame,
      );
      return { correlationId, error: errorName(body.errorCode), partitionErrors: [] };
    }
    case 'StopReplica': {
      const { correlationId, body } = decodeResponseFrame(ApiKey.StopReplica, STOP_REPLICA_VERSION, frame);
      return {
        correlationId,
        error: errorName(body.errorCode),
        partitionErrors: body.partitionErrors.map((p) => ({
          partition: { topic: p.topicName, partition: p.partitionIndex },
          error: errorName(p.errorCode),
        })),
      };
    }
  }
}
