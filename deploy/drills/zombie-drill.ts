// zombie-leader: a partition leader cut off from ZooKeeper and the other brokers by a network partition,
// while clients still reach it (the lab's fault proxies sit between the nodes, not in front of clients).
// It keeps running and, from its stale metadata, believes it leads; the controller hands leadership to
// an ISR member once its session expires. What it does with writes in the meantime is the lesson:
//   * acks=all: it appends them but can never acknowledge them (its followers cannot fetch, and without
//     ZooKeeper it cannot shrink the ISR), so the client gets REQUEST_TIMED_OUT: nothing acknowledged;
//   * acks=1: it acknowledges them at once — and they are gone when the network heals and it truncates its
//     log to the new leader's by leader epoch.

import { fetchBrokerPartitions } from '../local/broker-admin.ts';
import { choice, type Drill, type DrillOutcome } from './drill.ts';
import { FAILOVER_DEADLINE_MS, topicLedByNonController } from './kafka-drills.ts';
import {
  brokerName,
  connectZk,
  drillProducer,
  drillTopic,
  errorName,
  lostValues,
  message,
  readAll,
  sendValues,
  waitPartition,
} from './probes.ts';

/** How long the zombie may hold an acks=all write before answering REQUEST_TIMED_OUT. */
const ACK_TIMEOUT_MS = 3_000;

export const zombieLeader: Drill = {
  name: 'zombie-leader',
  title: {
    en: 'A leader cut off by a network partition (a zombie)',
    ko: '네트워크 분할로 고립된 리더 (좀비)',
  },
  plan: {
    en: 'Creates a topic with 3 replicas and cuts its leader off ZooKeeper and the other brokers; clients still reach it. Sends it records with acks=all and with acks=1, waits for the controller to elect another leader, writes there, heals the network, then reads the partition and compares with what was acknowledged.',
    ko: '레플리카 3개인 토픽을 만들고 그 리더를 주키퍼와 다른 브로커들로부터 끊습니다. 클라이언트는 여전히 그 리더에 접속할 수 있습니다. 그 리더에 acks=all과 acks=1로 레코드를 보내고, 컨트롤러가 다른 리더를 뽑기를 기다려 거기에 쓴 뒤, 네트워크를 복구하고 파티션을 읽어 확인 응답받은 레코드와 비교합니다.',
  },
  question: {
    en: 'What happens to the records sent to the cut-off leader?',
    ko: '고립된 리더에 보낸 레코드는 어떻게 될까요?',
  },
  choices: [
    choice(
      'a',
      'acks=all: never acknowledged, nothing acknowledged is lost; acks=1: acknowledged, then lost when it rejoins',
      'acks=all: 확인 응답을 받지 못하고 잃는 것도 없다. acks=1: 확인 응답을 받지만 다시 합류할 때 사라진다',
    ),
    choice(
      'b',
      'It stops answering clients at once, so nothing is written to it',
      '곧바로 클라이언트에 응답하지 않으므로 아무것도 쓰이지 않는다',
    ),
    choice(
      'c',
      'Both are acknowledged and kept: it hands them over when it rejoins',
      '둘 다 확인 응답을 받고 남는다: 다시 합류할 때 넘겨준다',
    ),
  ],
  needs: { zookeepers: 1, brokers: 3 },
  async run({ lab, info, step }): Promise<DrillOutcome> {
    const kz = await connectZk(info);
    const failures: string[] = [];
    const topic = drillTopic('zombie');
    let cut = false;
    try {
      // The leader is not the controller: the lesson is the partition's leader, not a controller move.
      const before = await topicLedByNonController(lab, info, kz, topic);
      const { replicas } = before;
      const leaderId = before.leader;
      const zombie = brokerName(info, leaderId);
      const zombieNode = info.nodes.find((node) => node.name === zombie)!;
      const others = info.nodes.filter((node) => node.kind === 'broker' && node.name !== zombie);
      const acked: number[] = [];
      // Patient: right after another drill healed the network, a follower's fetcher may still be waiting
      // out a request held by that partition (replica.socket.timeout.ms, 30 s) before it fetches again.
      const baseline = drillProducer(info, { acks: 'all', deliveryTimeoutMs: 60_000 });
      try {
        acked.push(...(await sendValues(baseline, topic, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])));
      } finally {
        await baseline.close({ timeoutMs: 2_000 }).catch(() => undefined);
      }
      step({
        en: `${topic}: leader ${zombie}, epoch ${before.leaderEpoch}, ISR [${before.isr}], 10 records on every replica; cutting ${zombie} off ZooKeeper and the other brokers`,
        ko: `${topic}: 리더 ${zombie}, 에포크 ${before.leaderEpoch}, ISR [${before.isr}], 레코드 10개가 모든 레플리카에 있음. ${zombie}를 주키퍼와 다른 브로커들로부터 끊습니다`,
      });
      cut = true;
      const cutAt = Date.now();
      await lab.partition([[zombie]]);

      // Clients that know only the zombie: it still answers, and says it leads.
      const direct = `${zombieNode.host}:${zombieNode.clientPort}`;
      const strict = drillProducer(info, {
        brokers: direct,
        acks: 'all',
        retries: 0,
        requestTimeoutMs: ACK_TIMEOUT_MS,
      });
      const loose = drillProducer(info, { brokers: direct, acks: 1, retries: 0 });
      let acksAll: string;
      const acksOne: number[] = [];
      try {
        acksAll = await sendValues(strict, topic, [100, 101, 102, 103, 104]).then(
          () => 'acknowledged',
          (error: unknown) => errorName(error),
        );
        acksOne.push(...(await sendValues(loose, topic, [200, 201, 202, 203, 204])));
      } finally {
        await strict.close({ timeoutMs: 2_000 }).catch(() => undefined);
        await loose.close({ timeoutMs: 2_000 }).catch(() => undefined);
      }
      if (acksAll === 'acknowledged') acked.push(100, 101, 102, 103, 104);
      step({
        en: `to ${zombie} directly: acks=all → ${acksAll}; acks=1 → ${acksOne.length} of 5 acknowledged`,
        ko: `${zombie}에 직접: acks=all → ${acksAll}, acks=1 → 5개 중 ${acksOne.length}개 확인 응답`,
      });

      const moved = await waitPartition(
        kz,
        topic,
        `a leader other than ${leaderId}`,
        (s) => s.leader >= 0 && s.leader !== leaderId,
        FAILOVER_DEADLINE_MS,
      );
      const failoverMs = Date.now() - cutAt;
      const zombieView = (await fetchBrokerPartitions(zombieNode.adminUrl, 2_000)).find(
        (p) => p.topic === topic && p.partition === 0,
      );
      const zombieStillLeads = zombieView?.role === 'leader';
      step({
        en: `broker ${moved.value.leader} leads after ${failoverMs} ms (epoch ${moved.value.leaderEpoch}); ${zombie} ${zombieStillLeads ? 'still believes it leads' : 'no longer leads'}`,
        ko: `${failoverMs} ms 뒤 브로커 ${moved.value.leader}가 리더 (에포크 ${moved.value.leaderEpoch}). ${zombie}는 ${zombieStillLeads ? '아직 자기가 리더라고 믿습니다' : '더는 리더가 아닙니다'}`,
      });
      const survivor = drillProducer(info, {
        brokers: others.map((node) => `${node.host}:${node.clientPort}`).join(','),
        acks: 'all',
        deliveryTimeoutMs: 60_000,
      });
      try {
        acked.push(
          ...(await sendValues(survivor, topic, [300, 301, 302, 303, 304, 305, 306, 307, 308, 309])),
        );
      } finally {
        await survivor.close({ timeoutMs: 2_000 }).catch(() => undefined);
      }

      step({ en: `healing the network around ${zombie}`, ko: `${zombie} 주변의 네트워크를 복구합니다` });
      await lab.heal();
      cut = false;
      await waitPartition(
        kz,
        topic,
        `${zombie} back in the ISR`,
        (s) => s.isr.length === replicas.length,
        FAILOVER_DEADLINE_MS,
      ).catch((error: unknown) => failures.push(message(error)));
      const read = await readAll(info, topic);
      const lost = lostValues(acked, read);
      const acksOneLost = lostValues(acksOne, read);
      step({
        en: `read ${read.length} records: acks=all acknowledged ${acked.length}, lost ${lost.length}; acks=1 to the zombie acknowledged ${acksOne.length}, lost ${acksOneLost.length}`,
        ko: `레코드 ${read.length}개를 읽었습니다: acks=all 확인 응답 ${acked.length}개 중 잃은 것 ${lost.length}개, 좀비에 acks=1로 확인 응답받은 ${acksOne.length}개 중 잃은 것 ${acksOneLost.length}개`,
      });
      if (acksAll === 'acknowledged') failures.push('the zombie should not acknowledge acks=all writes');
      if (!zombieStillLeads) failures.push(`${zombie} should still believe it leads while cut off`);
      if (!before.isr.includes(moved.value.leader))
        failures.push(`the new leader ${moved.value.leader} should come from the ISR [${before.isr}]`);
      if (moved.value.leaderEpoch <= before.leaderEpoch)
        failures.push('the new leader should have a higher epoch');
      if (lost.length > 0) failures.push(`${lost.length} acks=all records lost: ${lost.join(', ')}`);
      if (acksOne.length === 0) failures.push('the zombie should acknowledge acks=1 writes');
      if (acksOneLost.length !== acksOne.length)
        failures.push(
          `the zombie's acks=1 records should be truncated away, ${acksOneLost.length} of ${acksOne.length} were`,
        );
      return {
        pass: failures.length === 0,
        answer: 'a',
        measured: {
          zombie: leaderId,
          newLeader: moved.value.leader,
          oldEpoch: before.leaderEpoch,
          newEpoch: moved.value.leaderEpoch,
          failoverMs,
          zombieStillLeads,
          acksAll,
          acksOneAcknowledged: acksOne.length,
          acksOneLost: acksOneLost.length,
          acksAllAcknowledged: acked.length,
          acksAllLost: lost.length,
        },
        failures,
        explanation: {
          en: `Cut off by the partition, broker ${leaderId} kept running and answering clients from what it last knew: it still believed it led ${topic}-0 (epoch ${before.leaderEpoch}). With acks=all it appended the records but could not acknowledge them: its followers could not fetch them, and without ZooKeeper it could not shrink the ISR to itself, so after ${ACK_TIMEOUT_MS} ms the client got ${acksAll}. With acks=1 it acknowledged ${acksOne.length} records at once. ${failoverMs} ms after the cut its ZooKeeper session had expired and the controller had made broker ${moved.value.leader}, an ISR member, leader with epoch ${moved.value.leaderEpoch}; writes went on there. When the network healed, broker ${leaderId} found its session gone, registered again, learned the new epoch and truncated its log to the new leader's: ${acksOneLost.length} of the ${acksOne.length} acks=1 records it had acknowledged were gone, and ${lost.length} of the ${acked.length} acks=all records. That is why acks=all with min.insync.replicas ≥ 2 is the durable choice: a leader alone cannot acknowledge.`,
          ko: `분할로 끊긴 브로커 ${leaderId}는 계속 돌아가며 마지막으로 알던 대로 클라이언트에 응답했습니다: ${topic}-0의 리더(에포크 ${before.leaderEpoch})라고 여전히 믿었습니다. acks=all 레코드는 로그에 덧붙였지만 확인 응답할 수 없었습니다: 팔로워들이 가져가지 못했고, 주키퍼 없이는 ISR을 자기 하나로 줄일 수도 없었기 때문에 ${ACK_TIMEOUT_MS} ms 뒤 클라이언트는 ${acksAll}을 받았습니다. acks=1 레코드 ${acksOne.length}개는 바로 확인 응답했습니다. 끊긴 지 ${failoverMs} ms 뒤 주키퍼 세션이 만료되었고, 컨트롤러는 ISR 멤버인 브로커 ${moved.value.leader}를 에포크 ${moved.value.leaderEpoch}의 리더로 세웠고, 쓰기는 거기서 이어졌습니다. 네트워크가 복구되자 브로커 ${leaderId}는 세션이 사라진 것을 알고 다시 등록한 뒤 새 에포크를 배우고 새 리더의 로그에 맞춰 자기 로그를 잘라냈습니다: 확인 응답했던 acks=1 레코드 ${acksOne.length}개 중 ${acksOneLost.length}개가 사라졌고, acks=all 레코드 ${acked.length}개 중에는 ${lost.length}개가 사라졌습니다. 그래서 min.insync.replicas ≥ 2와 함께 쓰는 acks=all이 안전한 선택입니다: 리더 혼자서는 확인 응답할 수 없습니다.`,
        },
      };
    } finally {
      if (cut) await lab.heal().catch(() => undefined);
      await kz.close().catch(() => undefined);
    }
  },
};
