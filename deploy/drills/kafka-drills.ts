// The Kafka drills: the controller dies, a partition leader dies under acks=all, the ISR shrinks below
// min.insync.replicas, a broker's ZooKeeper session expires, and where keyed and unkeyed records land.

import type { KafkaZkClient } from '../../broker/zk/kafka-zk-client.ts';
import { partitionForKey, Producer } from '../../client/index.ts';
import type { ClusterHandle, ClusterInfo } from '../cluster/handle.ts';
import { LAB_ZOOKEEPER_SESSION_TIMEOUT_MS } from '../local/server-properties.ts';
import { choice, type Drill, type DrillOutcome } from './drill.ts';
import {
  bringBack,
  brokerName,
  brokerNodes,
  connectZk,
  createTopic,
  drillProducer,
  drillTopic,
  errorName,
  lostValues,
  message,
  readAll,
  sendValues,
  servingLeader,
  waitPartition,
  waitUntil,
  zookeeperNodes,
  type PartitionState,
} from './probes.ts';

/** Session timeout (6 s) + the controller's reaction, with room for a busy machine. */
export const FAILOVER_DEADLINE_MS = LAB_ZOOKEEPER_SESSION_TIMEOUT_MS + 24_000;

/** Waits until ZooKeeper serves, every broker is registered and one holds the controller. */
export async function waitHealthy(lab: ClusterHandle, info: ClusterInfo, kz: KafkaZkClient): Promise<number> {
  const zks = zookeeperNodes(info);
  const brokers = brokerNodes(info).map((broker) => broker.id);
  const { value } = await waitUntil(
    'healthy lab (every broker registered, a controller)',
    async () => {
      if (zks.length > 0 && servingLeader(await lab.status(), zks) === undefined) return undefined;
      const registered = await kz.getBrokerIds();
      const controller = await kz.getControllerId();
      return brokers.every((id) => registered.includes(id)) && controller !== undefined
        ? controller
        : undefined;
    },
    FAILOVER_DEADLINE_MS,
    200,
  );
  return value;
}

/**
 * A fresh one-partition topic whose three replicas (all in the ISR) are led by a broker that is not the
 * controller, so a fault on the leader is not a controller failover too. Returns the partition's state.
 */
export async function topicLedByNonController(
  lab: ClusterHandle,
  info: ClusterInfo,
  kz: KafkaZkClient,
  topic: string,
): Promise<PartitionState & { replicas: number[] }> {
  const controller = await waitHealthy(lab, info, kz);
  const ids = brokerNodes(info).map((broker) => broker.id);
  const leaderId = ids.find((id) => id !== controller)!;
  const replicas = [leaderId, ...ids.filter((id) => id !== leaderId)].slice(0, 3);
  await createTopic(info, topic, { replicaAssignment: [replicas] });
  const { value } = await waitPartition(
    kz,
    topic,
    'every replica in the ISR',
    (s) => s.isr.length === replicas.length,
  );
  return { ...value, replicas };
}

export const controllerKill: Drill = {
  name: 'controller-kill',
  title: { en: 'Kill the controller broker', ko: '컨트롤러 브로커 죽이기' },
  plan: {
    en: 'Reads /controller and /controller_epoch, kills the controller broker with SIGKILL, and times how long until another broker holds /controller. Then restarts the killed broker.',
    ko: '/controller와 /controller_epoch를 읽고 컨트롤러 브로커를 SIGKILL로 죽인 뒤, 다른 브로커가 /controller를 차지할 때까지 걸린 시간을 잽니다. 그다음 죽인 브로커를 다시 시작합니다.',
  },
  question: {
    en: 'What happens to the controller role and its epoch?',
    ko: '컨트롤러 역할과 컨트롤러 에포크는 어떻게 될까요?',
  },
  choices: [
    choice(
      'a',
      'Another broker becomes controller, controller_epoch + 1, after the dead one’s ZooKeeper session expires',
      '죽은 브로커의 주키퍼 세션이 만료된 뒤 다른 브로커가 컨트롤러가 되고 controller_epoch가 1 늘어난다',
    ),
    choice(
      'b',
      'Another broker becomes controller at once, same epoch',
      '다른 브로커가 즉시 컨트롤러가 되고 에포크는 그대로다',
    ),
    choice(
      'c',
      'No controller until the killed broker returns',
      '죽은 브로커가 돌아올 때까지 컨트롤러가 없다',
    ),
  ],
  needs: { zookeepers: 1, brokers: 2 },
  async run({ lab, info, step }): Promise<DrillOutcome> {
    const kz = await connectZk(info);
    const failures: string[] = [];
    try {
      const oldId = await waitHealthy(lab, info, kz);
      const oldEpoch = (await kz.getControllerEpoch())?.epoch ?? null;
      const victim = brokerName(info, oldId);
      step({
        en: `broker ${oldId} is the controller (controller_epoch ${oldEpoch}); killing ${victim}`,
        ko: `브로커 ${oldId}가 컨트롤러입니다 (controller_epoch ${oldEpoch}). ${victim}를 죽입니다`,
      });
      const killed = await lab.kill(victim);
      let newId: number | null = null;
      let newEpoch: number | null = null;
      let failoverMs: number | null = null;
      try {
        const { value } = await waitUntil(
          'new controller',
          async () => {
            const id = await kz.getControllerId();
            return id !== undefined && id !== oldId ? id : undefined;
          },
          FAILOVER_DEADLINE_MS,
          50,
        );
        failoverMs = Date.now() - killed.signalledAt;
        newId = value;
        newEpoch = (await kz.getControllerEpoch())?.epoch ?? null;
        step({
          en: `broker ${newId} is the controller after ${failoverMs} ms (controller_epoch ${newEpoch})`,
          ko: `${failoverMs} ms 뒤 브로커 ${newId}가 컨트롤러입니다 (controller_epoch ${newEpoch})`,
        });
      } catch (error) {
        failures.push(message(error));
      }
      if (oldEpoch !== null && newEpoch !== oldEpoch + 1)
        failures.push(`controller_epoch should be ${oldEpoch + 1}, got ${newEpoch}`);
      step({ en: `restarting ${victim}`, ko: `${victim}를 다시 시작합니다` });
      await lab.restart(victim);
      await waitHealthy(lab, info, kz).catch((error: unknown) => failures.push(message(error)));
      return {
        pass: failures.length === 0,
        answer: 'a',
        measured: {
          oldController: oldId,
          newController: newId,
          oldEpoch,
          newEpoch,
          failoverMs,
          sessionTimeoutMs: LAB_ZOOKEEPER_SESSION_TIMEOUT_MS,
        },
        failures,
        explanation: {
          en: `The controller is whoever holds the ephemeral znode /controller. SIGKILL closes nothing, so /controller stayed until broker ${oldId}'s ZooKeeper session expired (zookeeper.session.timeout.ms = ${LAB_ZOOKEEPER_SESSION_TIMEOUT_MS} ms); its deletion fired the watches of the other brokers, they raced to create /controller, broker ${newId ?? '?'} won and incremented /controller_epoch ${oldEpoch} → ${newEpoch ?? '?'} — after ${failoverMs ?? '?'} ms in all. The epoch fences a zombie: requests from the old controller carry the old epoch and brokers reject them. The new controller then reloads all state from ZooKeeper.`,
          ko: `컨트롤러는 임시(ephemeral) znode /controller를 가진 브로커입니다. SIGKILL은 아무것도 닫지 않으므로 /controller는 브로커 ${oldId}의 주키퍼 세션이 만료될 때까지(zookeeper.session.timeout.ms = ${LAB_ZOOKEEPER_SESSION_TIMEOUT_MS} ms) 남아 있었고, 삭제되자 다른 브로커들의 워치가 발동해 /controller 생성 경쟁을 했으며, 브로커 ${newId ?? '?'}가 이겨 /controller_epoch를 ${oldEpoch} → ${newEpoch ?? '?'}로 올렸습니다 — 모두 ${failoverMs ?? '?'} ms. 에포크는 좀비를 막습니다: 옛 컨트롤러의 요청은 옛 에포크를 달고 있어 브로커들이 거부합니다. 새 컨트롤러는 주키퍼에서 모든 상태를 다시 읽습니다.`,
        },
      };
    } finally {
      await kz.close().catch(() => undefined);
    }
  },
};

/** Sends batches of `batch` sequence numbers, one send at a time, until stopped; records what was acked. */
function produceLoop(producer: Producer, topic: string, batch = 5) {
  const acked: number[] = [];
  const errors: string[] = [];
  let next = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const values = Array.from({ length: batch }, (_value, index) => next + index);
      next += batch;
      try {
        acked.push(...(await sendValues(producer, topic, values)));
      } catch (error) {
        errors.push(errorName(error));
      }
    }
  })();
  return {
    acked,
    errors,
    sent: () => next,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

export const leaderKill: Drill = {
  name: 'leader-kill',
  title: { en: 'Kill a partition leader under acks=all', ko: 'acks=all로 쓰는 중에 파티션 리더 죽이기' },
  plan: {
    en: 'Creates a topic with 3 replicas, produces numbered records with acks=all, and kills the partition leader with SIGKILL while producing. Waits for a new leader, keeps producing, restarts the old leader, then reads the partition and compares with what was acknowledged.',
    ko: '레플리카 3개인 토픽을 만들고 acks=all로 번호 붙은 레코드를 보내는 중에 파티션 리더를 SIGKILL로 죽입니다. 새 리더를 기다려 계속 보내고, 옛 리더를 다시 시작한 뒤 파티션을 읽어 확인 응답(ack)받은 레코드와 비교합니다.',
  },
  question: { en: 'Is any acknowledged record lost?', ko: '확인 응답받은 레코드 중 잃는 것이 있을까요?' },
  choices: [
    choice(
      'a',
      'No: an ISR member takes over (leader epoch + 1) with every acknowledged record',
      '아니요: ISR 멤버가 (리더 에포크 +1로) 이어받고, 확인 응답받은 레코드는 모두 그대로다',
    ),
    choice(
      'b',
      'Yes: the records the leader had not yet replicated are lost',
      '예: 리더가 아직 복제하지 못한 레코드를 잃는다',
    ),
    choice(
      'c',
      'The partition stays offline until the old leader returns',
      '옛 리더가 돌아올 때까지 파티션이 오프라인이다',
    ),
  ],
  needs: { zookeepers: 1, brokers: 3 },
  async run({ lab, info, step }): Promise<DrillOutcome> {
    const kz = await connectZk(info);
    const failures: string[] = [];
    const topic = drillTopic('leader-kill');
    const producer = drillProducer(info, { acks: 'all' });
    let victim: string | null = null;
    try {
      // The leader is not the controller: this drill is about the partition, not the controller failover.
      const before = await topicLedByNonController(lab, info, kz, topic);
      const replicas = before.replicas;
      step({
        en: `${topic}: leader ${before.leader}, epoch ${before.leaderEpoch}, ISR [${before.isr}]; producing with acks=all`,
        ko: `${topic}: 리더 ${before.leader}, 에포크 ${before.leaderEpoch}, ISR [${before.isr}]. acks=all로 보냅니다`,
      });
      await producer.connect();
      const loop = produceLoop(producer, topic);
      await waitUntil(
        'first acknowledged records',
        async () => (loop.acked.length >= 20 ? true : undefined),
        15_000,
        20,
      );
      victim = brokerName(info, before.leader);
      const killed = await lab.kill(victim);
      const ackedAtKill = loop.acked.length;
      step({
        en: `killed ${victim} after ${ackedAtKill} acknowledged records`,
        ko: `확인 응답 ${ackedAtKill}개 뒤 ${victim}를 죽였습니다`,
      });
      let after: PartitionState = before;
      let failoverMs: number | null = null;
      try {
        after = (
          await waitPartition(
            kz,
            topic,
            'a new leader',
            (s) => s.leader !== before.leader && s.leader >= 0,
            FAILOVER_DEADLINE_MS,
          )
        ).value;
        failoverMs = Date.now() - killed.signalledAt;
        step({
          en: `broker ${after.leader} leads after ${failoverMs} ms, epoch ${after.leaderEpoch}, ISR [${after.isr}]`,
          ko: `${failoverMs} ms 뒤 브로커 ${after.leader}가 리더, 에포크 ${after.leaderEpoch}, ISR [${after.isr}]`,
        });
        const target = loop.acked.length + 20;
        await waitUntil(
          'records acknowledged by the new leader',
          async () => (loop.acked.length >= target ? true : undefined),
          20_000,
          20,
        );
      } catch (error) {
        failures.push(message(error));
      }
      await loop.stop();
      step({ en: `restarting ${victim}`, ko: `${victim}를 다시 시작합니다` });
      await lab.restart(victim);
      await waitPartition(
        kz,
        topic,
        'the old leader back in the ISR',
        (s) => s.isr.length === replicas.length,
        FAILOVER_DEADLINE_MS,
      ).catch((error: unknown) => failures.push(message(error)));
      const read = await readAll(info, topic);
      const lost = lostValues(loop.acked, read);
      const duplicates = read.length - new Set(read).size;
      step({
        en: `read ${read.length} records back: ${lost.length} of the ${loop.acked.length} acknowledged missing, ${duplicates} duplicates`,
        ko: `레코드 ${read.length}개를 다시 읽었습니다: 확인 응답받은 ${loop.acked.length}개 중 빠진 것 ${lost.length}개, 중복 ${duplicates}개`,
      });
      if (!before.isr.includes(after.leader) || after.leader === before.leader)
        failures.push(`the new leader ${after.leader} should be another member of the ISR [${before.isr}]`);
      if (after.leaderEpoch !== before.leaderEpoch + 1)
        failures.push(`the leader epoch should be ${before.leaderEpoch + 1}, got ${after.leaderEpoch}`);
      if (lost.length > 0)
        failures.push(`${lost.length} acknowledged records lost: ${lost.slice(0, 10).join(', ')}`);
      return {
        pass: failures.length === 0,
        answer: 'a',
        measured: {
          oldLeader: before.leader,
          newLeader: after.leader,
          oldEpoch: before.leaderEpoch,
          newEpoch: after.leaderEpoch,
          failoverMs,
          acknowledged: loop.acked.length,
          read: read.length,
          lost: lost.length,
          duplicates,
          failedSends: loop.errors.length,
        },
        failures,
        explanation: {
          en: `With acks=all the leader answers only when every ISR member has the record, so each of the ${loop.acked.length} acknowledged records was on broker ${after.leader} too. When broker ${before.leader}'s session expired, the controller picked the next live ISR member, broker ${after.leader}, bumped the leader epoch ${before.leaderEpoch} → ${after.leaderEpoch} (${failoverMs ?? '?'} ms after the kill) and told the replicas. The producer retried until the new leader answered: ${lost.length} acknowledged records lost, ${duplicates} duplicates (a retry after a lost answer may write twice: this producer is not idempotent). The old leader came back as a follower and truncated to the new leader's log by leader epoch.`,
          ko: `acks=all에서는 ISR 멤버가 모두 레코드를 가져야 리더가 응답하므로, 확인 응답받은 ${loop.acked.length}개 레코드는 모두 브로커 ${after.leader}에도 있었습니다. 브로커 ${before.leader}의 세션이 만료되자 컨트롤러는 살아 있는 다음 ISR 멤버인 브로커 ${after.leader}를 골라 리더 에포크를 ${before.leaderEpoch} → ${after.leaderEpoch}로 올리고(죽인 지 ${failoverMs ?? '?'} ms) 레플리카들에 알렸습니다. 프로듀서는 새 리더가 응답할 때까지 재시도했습니다: 잃은 레코드 ${lost.length}개, 중복 ${duplicates}개(응답을 못 받은 뒤 재시도하면 두 번 쓸 수 있습니다: 이 프로듀서는 멱등성이 없습니다). 옛 리더는 팔로워로 돌아와 리더 에포크를 기준으로 새 리더의 로그에 맞춰 잘라냈습니다.`,
        },
      };
    } finally {
      await producer.close({ timeoutMs: 2_000 }).catch(() => undefined);
      if (victim !== null) await bringBack(lab, [victim]).catch(() => undefined);
      await kz.close().catch(() => undefined);
    }
  },
};

export const isrBelowMin: Drill = {
  name: 'isr-below-min',
  title: { en: 'ISR below min.insync.replicas', ko: 'ISR이 min.insync.replicas 아래로' },
  plan: {
    en: 'Creates a topic with 3 replicas (min.insync.replicas=2), stops both followers, waits until the ISR is the leader alone, and produces with acks=all and with acks=1. Then restarts the followers and produces with acks=all again.',
    ko: '레플리카 3개(min.insync.replicas=2)인 토픽을 만들고 두 팔로워를 멈춘 뒤, ISR이 리더 하나만 남을 때까지 기다려 acks=all과 acks=1로 보냅니다. 그다음 팔로워를 다시 시작하고 acks=all로 다시 보냅니다.',
  },
  question: {
    en: 'With only the leader in the ISR, what does a produce with acks=all get?',
    ko: 'ISR에 리더만 남았을 때 acks=all 전송은 어떤 결과를 받을까요?',
  },
  choices: [
    choice('a', 'Success: the leader alone acknowledges', '성공: 리더 혼자 확인 응답한다'),
    choice(
      'b',
      'NOT_ENOUGH_REPLICAS, until the followers are back in the ISR',
      'NOT_ENOUGH_REPLICAS — 팔로워가 ISR에 돌아올 때까지',
    ),
    choice('c', 'It waits forever for the followers', '팔로워를 영원히 기다린다'),
  ],
  needs: { zookeepers: 1, brokers: 3 },
  async run({ lab, info, step }): Promise<DrillOutcome> {
    const kz = await connectZk(info);
    const failures: string[] = [];
    const topic = drillTopic('isr-below-min');
    const followers: string[] = [];
    const strict = drillProducer(info, { acks: 'all', retries: 0 });
    const loose = drillProducer(info, { acks: 1, retries: 0 });
    try {
      // The leader is the controller, so stopping the followers does not move the controller too.
      const controller = await waitHealthy(lab, info, kz);
      const ids = brokerNodes(info).map((broker) => broker.id);
      const replicas = [controller, ...ids.filter((id) => id !== controller)].slice(0, 3);
      await createTopic(info, topic, {
        replicaAssignment: [replicas],
        configs: { 'min.insync.replicas': '2' },
      });
      const full = (await waitPartition(kz, topic, 'every replica in the ISR', (s) => s.isr.length === 3))
        .value;
      followers.push(...replicas.slice(1).map((id) => brokerName(info, id)));
      step({
        en: `${topic}: leader ${controller}, ISR [${full.isr}]; killing the followers ${followers.join(', ')}`,
        ko: `${topic}: 리더 ${controller}, ISR [${full.isr}]. 팔로워 ${followers.join(', ')}를 죽입니다`,
      });
      await Promise.all(followers.map((name) => lab.kill(name)));
      const shrunk = await waitPartition(
        kz,
        topic,
        'the ISR shrunk to the leader',
        (s) => s.isr.length === 1,
        FAILOVER_DEADLINE_MS,
      );
      step({
        en: `ISR [${shrunk.value.isr}] after ${shrunk.afterMs} ms`,
        ko: `${shrunk.afterMs} ms 뒤 ISR [${shrunk.value.isr}]`,
      });
      await Promise.all([strict.connect(), loose.connect()]);
      // The leader learns the new ISR from the controller a moment after ZooKeeper has it: try until it answers.
      const refused = await waitUntil(
        'an answer to acks=all',
        async () => {
          try {
            await sendValues(strict, topic, [1]);
            return 'acknowledged';
          } catch (error) {
            const name = errorName(error);
            return name === 'NOT_ENOUGH_REPLICAS' ? name : undefined;
          }
        },
        20_000,
        200,
      ).then(
        (result) => result.value,
        (error: unknown) => `no answer: ${message(error)}`,
      );
      step({ en: `acks=all: ${refused}`, ko: `acks=all: ${refused}` });
      if (refused !== 'NOT_ENOUGH_REPLICAS')
        failures.push(`acks=all should get NOT_ENOUGH_REPLICAS, got ${refused}`);
      const acksOne = await sendValues(loose, topic, [2]).then(
        () => 'acknowledged',
        (error: unknown) => errorName(error),
      );
      step({ en: `acks=1: ${acksOne}`, ko: `acks=1: ${acksOne}` });
      if (acksOne !== 'acknowledged') failures.push(`acks=1 should be acknowledged, got ${acksOne}`);

      step({ en: `restarting ${followers.join(', ')}`, ko: `${followers.join(', ')}를 다시 시작합니다` });
      const restarting = performance.now();
      await Promise.all(followers.map((name) => lab.restart(name)));
      const back = await waitPartition(
        kz,
        topic,
        'min.insync.replicas in the ISR',
        (s) => s.isr.length >= 2,
        FAILOVER_DEADLINE_MS,
      ).catch((error: unknown) => {
        failures.push(message(error));
        return undefined;
      });
      const resumed = await waitUntil(
        'acks=all acknowledged again',
        async () =>
          sendValues(strict, topic, [3]).then(
            () => Math.round(performance.now() - restarting),
            () => undefined,
          ),
        30_000,
        200,
      ).then(
        (result) => result.value,
        (error: unknown) => {
          failures.push(message(error));
          return null;
        },
      );
      step({
        en: `ISR [${back?.value.isr ?? '?'}]; acks=all acknowledged ${resumed ?? '?'} ms after the restart began`,
        ko: `ISR [${back?.value.isr ?? '?'}]. 재시작을 시작하고 ${resumed ?? '?'} ms 뒤 acks=all이 다시 확인 응답되었습니다`,
      });
      return {
        pass: failures.length === 0,
        answer: 'b',
        measured: {
          minInsyncReplicas: 2,
          isrShrinkMs: shrunk.afterMs,
          acksAll: refused,
          acksOne,
          isrAfterRestart: back?.value.isr ?? null,
          writesResumedMs: resumed,
        },
        failures,
        explanation: {
          en: `min.insync.replicas=2 says an acks=all write needs at least 2 replicas in the ISR. When the followers' sessions expired the ISR shrank to [${shrunk.value.isr}] (${shrunk.afterMs} ms) and the leader refused acks=all writes with NOT_ENOUGH_REPLICAS (got: ${refused}) rather than accept records that one crash could lose — availability traded for durability. acks=1 does not look at the ISR and was ${acksOne}. Once the restarted followers caught up to the high watermark they rejoined the ISR and acks=all writes were acknowledged again ${resumed ?? '?'} ms after the restart began.`,
          ko: `min.insync.replicas=2는 acks=all 쓰기에 ISR 안의 레플리카가 2개 이상 필요하다는 뜻입니다. 팔로워들의 세션이 만료되자 ISR이 [${shrunk.value.isr}]로 줄었고(${shrunk.afterMs} ms), 리더는 한 번의 장애로 잃을 수 있는 레코드를 받는 대신 acks=all 쓰기를 NOT_ENOUGH_REPLICAS로 거부했습니다(결과: ${refused}) — 가용성을 내주고 내구성을 지킨 것입니다. acks=1은 ISR을 보지 않으므로 ${acksOne === 'acknowledged' ? '확인 응답되었습니다' : acksOne}. 다시 시작한 팔로워가 하이 워터마크까지 따라잡자 ISR에 돌아왔고, 재시작을 시작하고 ${resumed ?? '?'} ms 뒤 acks=all 쓰기가 다시 확인 응답되었습니다.`,
        },
      };
    } finally {
      await strict.close({ timeoutMs: 2_000 }).catch(() => undefined);
      await loose.close({ timeoutMs: 2_000 }).catch(() => undefined);
      await bringBack(lab, followers).catch(() => undefined);
      await kz.close().catch(() => undefined);
    }
  },
};

export const sessionExpiry: Drill = {
  name: 'session-expiry',
  title: { en: 'A broker’s ZooKeeper session expires', ko: '브로커의 주키퍼 세션 만료' },
  plan: {
    en: `Creates a topic led by a broker that is not the controller, pauses that broker (SIGSTOP) past zookeeper.session.timeout.ms (${LAB_ZOOKEEPER_SESSION_TIMEOUT_MS} ms), watches /brokers/ids and the partition's leader, then resumes it (SIGCONT).`,
    ko: `컨트롤러가 아닌 브로커가 리더인 토픽을 만들고, 그 브로커를 zookeeper.session.timeout.ms(${LAB_ZOOKEEPER_SESSION_TIMEOUT_MS} ms)보다 오래 일시 정지(SIGSTOP)한 뒤 /brokers/ids와 파티션 리더를 지켜보고, 다시 재개(SIGCONT)합니다.`,
  },
  question: {
    en: 'While the broker is frozen, what happens in ZooKeeper and to its leaderships?',
    ko: '브로커가 멈춰 있는 동안 주키퍼와 그 브로커의 리더 역할에는 무슨 일이 생길까요?',
  },
  choices: [
    choice(
      'a',
      'Nothing: a paused process is still connected',
      '아무 일도 없다: 멈춘 프로세스도 연결은 살아 있다',
    ),
    choice(
      'b',
      'Its session expires, /brokers/ids/N vanishes, the controller moves its leaderships; on resume it re-registers',
      '세션이 만료되어 /brokers/ids/N이 사라지고 컨트롤러가 리더 역할을 옮긴다. 재개하면 다시 등록한다',
    ),
    choice('c', 'The broker is removed from the cluster for good', '브로커가 클러스터에서 영영 빠진다'),
  ],
  needs: { zookeepers: 1, brokers: 3 },
  async run({ lab, info, step }): Promise<DrillOutcome> {
    const kz = await connectZk(info);
    const failures: string[] = [];
    const topic = drillTopic('session-expiry');
    let paused: string | null = null;
    try {
      const controller = await waitHealthy(lab, info, kz);
      const ids = brokerNodes(info).map((broker) => broker.id);
      const victimId = ids.find((id) => id !== controller)!;
      await createTopic(info, topic, {
        replicaAssignment: [[victimId, ...ids.filter((id) => id !== victimId)].slice(0, 3)],
      });
      await waitPartition(kz, topic, `leader ${victimId}`, (s) => s.leader === victimId && s.isr.length >= 2);
      paused = brokerName(info, victimId);
      step({
        en: `${topic} is led by broker ${victimId}; pausing ${paused}`,
        ko: `${topic}의 리더는 브로커 ${victimId}입니다. ${paused}를 일시 정지합니다`,
      });
      const pause = await lab.pause(paused);
      const gone = await waitUntil(
        `/brokers/ids/${victimId} to vanish`,
        async () => ((await kz.getBrokerIds()).includes(victimId) ? undefined : true),
        FAILOVER_DEADLINE_MS,
      ).then(
        () => Date.now() - pause.signalledAt,
        (error: unknown) => {
          failures.push(message(error));
          return null;
        },
      );
      step({
        en: `/brokers/ids/${victimId} vanished after ${gone ?? '?'} ms`,
        ko: `${gone ?? '?'} ms 뒤 /brokers/ids/${victimId}가 사라졌습니다`,
      });
      const moved = await waitPartition(
        kz,
        topic,
        'another leader',
        (s) => s.leader !== victimId && s.leader >= 0,
        FAILOVER_DEADLINE_MS,
      ).then(
        (result) => ({ state: result.value, ms: Date.now() - pause.signalledAt }),
        (error: unknown) => {
          failures.push(message(error));
          return null;
        },
      );
      step({
        en: `leadership moved to broker ${moved?.state.leader ?? '?'} (epoch ${moved?.state.leaderEpoch ?? '?'}) after ${moved?.ms ?? '?'} ms`,
        ko: `${moved?.ms ?? '?'} ms 뒤 리더가 브로커 ${moved?.state.leader ?? '?'}로 옮겨졌습니다 (에포크 ${moved?.state.leaderEpoch ?? '?'})`,
      });
      const resume = await lab.resume(paused);
      paused = null;
      const back = await waitUntil(
        `/brokers/ids/${victimId} again`,
        async () => ((await kz.getBrokerIds()).includes(victimId) ? true : undefined),
        FAILOVER_DEADLINE_MS,
      ).then(
        () => Date.now() - resume.signalledAt,
        (error: unknown) => {
          failures.push(message(error));
          return null;
        },
      );
      step({
        en: `resumed; broker ${victimId} re-registered after ${back ?? '?'} ms`,
        ko: `재개했습니다. ${back ?? '?'} ms 뒤 브로커 ${victimId}가 다시 등록되었습니다`,
      });
      const rejoined = await waitPartition(
        kz,
        topic,
        `broker ${victimId} back in the ISR`,
        (s) => s.isr.includes(victimId),
        FAILOVER_DEADLINE_MS,
      ).then(
        () => true,
        () => false,
      );
      return {
        pass: failures.length === 0,
        answer: 'b',
        measured: {
          broker: victimId,
          sessionTimeoutMs: LAB_ZOOKEEPER_SESSION_TIMEOUT_MS,
          registrationGoneMs: gone,
          leadershipMovedMs: moved?.ms ?? null,
          newLeader: moved?.state.leader ?? null,
          reRegisteredMs: back,
          backInIsr: rejoined,
        },
        failures,
        explanation: {
          en: `A paused process sends no heartbeats. ZooKeeper expired broker ${victimId}'s session ${gone ?? '?'} ms after the pause (timeout ${LAB_ZOOKEEPER_SESSION_TIMEOUT_MS} ms) and deleted its ephemeral /brokers/ids/${victimId}; the controller's watch fired and it moved the partitions it led to another ISR member (broker ${moved?.state.leader ?? '?'}, ${moved?.ms ?? '?'} ms). On resume the broker found its session expired, opened a new one and registered again (${back ?? '?'} ms) with a new broker epoch; it came back as a follower${rejoined ? ' and rejoined the ISR' : ''}. Long GC pauses cause exactly this in production.`,
          ko: `멈춘 프로세스는 하트비트를 보내지 못합니다. 주키퍼는 일시 정지 후 ${gone ?? '?'} ms 만에(타임아웃 ${LAB_ZOOKEEPER_SESSION_TIMEOUT_MS} ms) 브로커 ${victimId}의 세션을 만료시키고 임시 znode /brokers/ids/${victimId}를 지웠습니다. 컨트롤러의 워치가 발동해 그 브로커가 이끌던 파티션을 다른 ISR 멤버(브로커 ${moved?.state.leader ?? '?'}, ${moved?.ms ?? '?'} ms)로 옮겼습니다. 재개된 브로커는 세션이 만료된 것을 알고 새 세션을 열어 새 브로커 에포크로 다시 등록했고(${back ?? '?'} ms) 팔로워로 돌아왔습니다${rejoined ? ' (ISR에도 복귀)' : ''}. 운영 환경에서는 긴 GC 멈춤이 바로 이 일을 일으킵니다.`,
        },
      };
    } finally {
      if (paused !== null) await lab.resume(paused).catch(() => undefined);
      await kz.close().catch(() => undefined);
    }
  },
};

const PARTITIONS = 6;
const KEY = 'user-42';

export const sameKey: Drill = {
  name: 'same-key',
  title: { en: 'Same key → same partition; null keys spread', ko: '같은 키 → 같은 파티션, null 키는 흩어짐' },
  plan: {
    en: `Creates a topic with ${PARTITIONS} partitions and sends 30 records with key "${KEY}", then 30 records without a key one at a time with the round-robin partitioner, and 30 in one send with the sticky partitioner (the default since Kafka 2.4, KIP-480).`,
    ko: `파티션 ${PARTITIONS}개인 토픽을 만들고 키 "${KEY}"로 레코드 30개를 보낸 뒤, 키 없는 레코드 30개를 라운드 로빈 파티셔너로 하나씩, 또 30개를 스티키 파티셔너(Kafka 2.4부터 기본값, KIP-480)로 한 번에 보냅니다.`,
  },
  question: {
    en: 'Where do the keyed records land, and where do the null-key ones?',
    ko: '키가 있는 레코드와 null 키 레코드는 각각 어디에 쌓일까요?',
  },
  choices: [
    choice(
      'a',
      'Keyed: all in one partition (murmur2 of the key); null keys: round robin spreads them, sticky fills one batch',
      '키: 모두 한 파티션(키의 murmur2). null 키: 라운드 로빈은 흩고, 스티키는 한 배치를 채운다',
    ),
    choice('b', 'Both spread evenly over all partitions', '둘 다 모든 파티션에 고르게 퍼진다'),
    choice('c', 'Everything goes to partition 0', '모두 파티션 0으로 간다'),
  ],
  needs: { zookeepers: 1, brokers: 1 },
  async run({ info, step }): Promise<DrillOutcome> {
    const topic = drillTopic('same-key');
    const failures: string[] = [];
    await createTopic(info, topic, { partitions: PARTITIONS });
    const count = (partitions: readonly number[]): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const partition of partitions) counts[String(partition)] = (counts[String(partition)] ?? 0) + 1;
      return counts;
    };
    const sticky = new Producer({
      brokers: info.bootstrap,
      clientId: 'kzlab-drill',
      acks: 'all',
      partitioner: 'sticky',
      lingerMs: 5,
    });
    const roundRobin = new Producer({
      brokers: info.bootstrap,
      clientId: 'kzlab-drill',
      acks: 'all',
      partitioner: 'round-robin',
    });
    try {
      const keyed = await sticky.send({
        topic,
        messages: Array.from({ length: 30 }, (_value, index) => ({ key: KEY, value: `k${index}` })),
      });
      const keyedPartitions = count(keyed.map((report) => report.partition));
      const expected = partitionForKey(new TextEncoder().encode(KEY), PARTITIONS);
      step({
        en: `key "${KEY}": ${JSON.stringify(keyedPartitions)} (murmur2 says ${expected})`,
        ko: `키 "${KEY}": ${JSON.stringify(keyedPartitions)} (murmur2 계산: ${expected})`,
      });
      if (Object.keys(keyedPartitions).join() !== String(expected))
        failures.push(
          `every keyed record should be in partition ${expected}: ${JSON.stringify(keyedPartitions)}`,
        );
      const rr: number[] = [];
      for (let index = 0; index < 30; index++) {
        const [report] = await roundRobin.send({ topic, messages: [{ key: null, value: `r${index}` }] });
        rr.push(report!.partition);
      }
      const rrPartitions = count(rr);
      step({
        en: `null keys, round robin: ${JSON.stringify(rrPartitions)}`,
        ko: `null 키, 라운드 로빈: ${JSON.stringify(rrPartitions)}`,
      });
      if (Object.keys(rrPartitions).length !== PARTITIONS)
        failures.push(`round robin should use all ${PARTITIONS} partitions: ${JSON.stringify(rrPartitions)}`);
      const stuck = await sticky.send({
        topic,
        messages: Array.from({ length: 30 }, (_value, index) => ({ key: null, value: `s${index}` })),
      });
      const stickyPartitions = count(stuck.map((report) => report.partition));
      step({
        en: `null keys, sticky (one send): ${JSON.stringify(stickyPartitions)}`,
        ko: `null 키, 스티키 (한 번에 전송): ${JSON.stringify(stickyPartitions)}`,
      });
      if (Object.keys(stickyPartitions).length > 2)
        failures.push(
          `sticky should fill one batch (one partition, two at a batch boundary): ${JSON.stringify(stickyPartitions)}`,
        );
      return {
        pass: failures.length === 0,
        answer: 'a',
        measured: {
          partitions: PARTITIONS,
          key: KEY,
          murmur2Partition: expected,
          keyed: keyedPartitions,
          roundRobin: rrPartitions,
          sticky: stickyPartitions,
        },
        failures,
        explanation: {
          en: `A keyed record goes to murmur2(key) mod ${PARTITIONS} = ${expected} — always, on every producer that uses Kafka's default partitioner (Java's, kafkajs's, ours), which is what keeps one key's records in order. Without a key there is no order to keep: round robin spread the records one by one (${Object.keys(rrPartitions).length} partitions), while the sticky partitioner (KIP-480) keeps sending to one partition until the batch is full, then picks another — fewer, fuller batches and lower latency (${Object.keys(stickyPartitions).length} partition(s) here). Adding partitions later changes murmur2(key) mod N: keys move.`,
          ko: `키가 있는 레코드는 murmur2(키) mod ${PARTITIONS} = ${expected} 파티션으로 갑니다 — Kafka 기본 파티셔너를 쓰는 모든 프로듀서(자바, kafkajs, 우리 것)에서 항상 같으며, 이 덕분에 한 키의 레코드 순서가 지켜집니다. 키가 없으면 지킬 순서가 없습니다: 라운드 로빈은 레코드를 하나씩 흩었고(${Object.keys(rrPartitions).length}개 파티션), 스티키 파티셔너(KIP-480)는 배치가 찰 때까지 한 파티션에 보내다가 다른 파티션을 고릅니다 — 배치가 더 적고 꽉 차서 지연이 줄어듭니다(여기서는 ${Object.keys(stickyPartitions).length}개 파티션). 나중에 파티션을 늘리면 murmur2(키) mod N이 바뀌어 키가 옮겨집니다.`,
        },
      };
    } finally {
      await sticky.close({ timeoutMs: 2_000 }).catch(() => undefined);
      await roundRobin.close({ timeoutMs: 2_000 }).catch(() => undefined);
    }
  },
};
