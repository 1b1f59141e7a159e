// unclean-election: the Jepsen (2013) Kafka schedule (kafka-zk-era.md §3.8) on the lab, done with network
// partitions (the lab's fault proxies), with two topics side by side — unclean.leader.election.enable=true
// and the default false — both with acks=1 and min.insync.replicas=1, three replicas led by broker L:
//   1. baseline records, acknowledged by every replica (acks=all);
//   2. a partition cuts L off its followers (L still reaches ZooKeeper): after replica.lag.time.max.ms
//      L shrinks the ISR to [L];
//   3. records S are acknowledged by L alone (acks=1);
//   4. L is cut off ZooKeeper too: its session expires, and the controller (now another broker) has no
//      in-sync replica left;
//   5. unclean=true: an out-of-sync follower is elected and takes new writes; when the partition heals,
//      L truncates S away. unclean=false: the partition stays offline until L is back; nothing
//      acknowledged is lost.

import type { Producer } from '../../client/index.ts';
import { choice, type Drill, type DrillOutcome } from './drill.ts';
import { FAILOVER_DEADLINE_MS, waitHealthy } from './kafka-drills.ts';
import {
  brokerName,
  brokerNodes,
  connectZk,
  createTopic,
  drillProducer,
  drillTopic,
  lostValues,
  message,
  partitionState,
  readAll,
  sendValues,
  waitPartition,
  waitUntil,
} from './probes.ts';

export const uncleanElection: Drill = {
  name: 'unclean-election',
  title: {
    en: 'Unclean leader election loses acknowledged data (Jepsen 2013)',
    ko: '언클린 리더 선출은 확인 응답받은 데이터를 잃는다 (Jepsen 2013)',
  },
  plan: {
    en: 'Two topics, 3 replicas, acks=1, min.insync.replicas=1: one with unclean.leader.election.enable=true, one with the default false. A network partition cuts the leader off its followers, so it shrinks the ISR to itself; it then acknowledges records S that only it has; then the partition cuts it off ZooKeeper too, so its session expires. Finally the network heals. Then reads both topics and compares with what was acknowledged.',
    ko: '레플리카 3개, acks=1, min.insync.replicas=1인 토픽 두 개: 하나는 unclean.leader.election.enable=true, 하나는 기본값 false입니다. 네트워크 분할로 리더를 팔로워들과 끊어 리더가 ISR을 자기 하나로 줄이게 하고, 리더만 가진 레코드 S를 확인 응답하게 한 뒤, 리더를 주키퍼와도 끊어 세션이 만료되게 합니다. 마지막으로 네트워크를 복구합니다. 그다음 두 토픽을 읽어 확인 응답받은 레코드와 비교합니다.',
  },
  question: {
    en: 'After the leader is cut off with records only it had, what happens on each topic?',
    ko: '리더만 가진 레코드를 남기고 리더가 끊기면 각 토픽에는 무슨 일이 생길까요?',
  },
  choices: [
    choice(
      'a',
      'unclean=true: an out-of-sync replica leads and S is lost; unclean=false: offline until the leader is back, nothing lost',
      'unclean=true: 동기화되지 않은 레플리카가 리더가 되어 S를 잃는다. unclean=false: 리더가 돌아올 때까지 오프라인, 잃는 것 없음',
    ),
    choice(
      'b',
      'Both topics elect a follower and nothing is lost',
      '두 토픽 모두 팔로워를 리더로 뽑고 잃는 것이 없다',
    ),
    choice('c', 'Both topics lose S', '두 토픽 모두 S를 잃는다'),
  ],
  needs: { zookeepers: 1, brokers: 3 },
  async run({ lab, info, step }): Promise<DrillOutcome> {
    const kz = await connectZk(info);
    const failures: string[] = [];
    const unclean = drillTopic('unclean');
    const safe = drillTopic('safe');
    const topics = [unclean, safe];
    const acked = new Map<string, number[]>(topics.map((topic) => [topic, []]));
    let cut = false;
    let next = 0;
    /** Ten numbered records to `topic`; the acknowledged values join its `acked` list. */
    const sendBatch = async (producer: Producer, topic: string): Promise<void> => {
      const values = Array.from({ length: 10 }, (_value, index) => next + index);
      next += 10;
      acked.get(topic)!.push(...(await sendValues(producer, topic, values)));
    };
    const produce = async (
      topic: string,
      count: number,
      acks: 1 | 'all',
      brokers: string = info.bootstrap,
    ): Promise<void> => {
      const producer = drillProducer(info, { acks, retries: 3, brokers });
      try {
        for (let sent = 0; sent < count; sent += 10) await sendBatch(producer, topic);
      } finally {
        await producer.close({ timeoutMs: 2_000 }).catch(() => undefined);
      }
    };
    try {
      const leaderId = await waitHealthy(lab, info, kz);
      const ids = brokerNodes(info).map((broker) => broker.id);
      const replicas = [leaderId, ...ids.filter((id) => id !== leaderId)].slice(0, 3);
      const leader = brokerName(info, leaderId);
      const followers = replicas.slice(1).map((id) => brokerName(info, id));
      // Clients are not behind the fault proxies: the cut-off leader would still answer them (a zombie).
      // After the cut, write only through the followers, which know who leads now.
      const followerBootstrap = followers
        .map((name) => info.nodes.find((node) => node.name === name)!)
        .map((node) => `${node.host}:${node.clientPort}`)
        .join(',');
      for (const [topic, value] of [
        [unclean, 'true'],
        [safe, 'false'],
      ] as const) {
        await createTopic(info, topic, {
          replicaAssignment: [replicas],
          configs: { 'unclean.leader.election.enable': value, 'min.insync.replicas': '1' },
        });
        await waitPartition(kz, topic, 'every replica in the ISR', (s) => s.isr.length === 3);
      }
      // 1. Baseline on every replica.
      for (const topic of topics) await produce(topic, 50, 'all');
      step({
        en: `baseline: 50 records on each topic, on all of [${replicas}]; cutting ${leader} off its followers ${followers.join(', ')} (it still reaches ZooKeeper)`,
        ko: `기준: 토픽마다 레코드 50개, [${replicas}] 모두에 있음. ${leader}를 팔로워 ${followers.join(', ')}와 끊습니다 (주키퍼와는 연결된 채)`,
      });
      // 2–3. S: everything acknowledged after the cut, by the leader alone (acks=1). The writes are also
      // what shows the leader its followers falling behind: a silent follower whose LEO still equals the
      // leader's counts as caught up (§3.4), so an idle partition never shrinks its ISR.
      cut = true;
      const cutAt = Date.now();
      await lab.partition([[leader], followers]);
      const firstOfS = next;
      const writer = drillProducer(info, { acks: 1, retries: 3 });
      let isrShrinkMs: number;
      try {
        const writeS = async (): Promise<void> => {
          for (const topic of topics) await sendBatch(writer, topic);
        };
        await waitUntil(
          `ISR [${leaderId}] on both topics`,
          async () => {
            await writeS();
            const states = await Promise.all(topics.map((topic) => partitionState(kz, topic)));
            return states.every((state) => state.isr.join() === String(leaderId)) ? true : undefined;
          },
          FAILOVER_DEADLINE_MS,
          200,
        );
        isrShrinkMs = Date.now() - cutAt;
        await writeS();
      } finally {
        await writer.close({ timeoutMs: 2_000 }).catch(() => undefined);
      }
      const endOfS = next;
      const acknowledgedOnlyByLeader = acked.get(unclean)!.filter((value) => value >= firstOfS).length;
      const isInS = (value: number) => value >= firstOfS && value < endOfS;
      const epochBefore = (await partitionState(kz, unclean)).leaderEpoch;
      step({
        en: `ISR [${leaderId}] ${isrShrinkMs} ms after the cut; ${acknowledgedOnlyByLeader} records S acknowledged by broker ${leaderId} alone (acks=1) on each topic since the cut; now cutting ${leader} off ZooKeeper too`,
        ko: `끊은 지 ${isrShrinkMs} ms 뒤 ISR [${leaderId}]. 끊긴 뒤로 토픽마다 레코드 S ${acknowledgedOnlyByLeader}개를 브로커 ${leaderId} 혼자 확인 응답(acks=1). 이제 ${leader}를 주키퍼와도 끊습니다`,
      });
      // 4. The leader loses ZooKeeper as well: its session expires, the controller moves on.
      const isolatedAt = Date.now();
      await lab.partition([[leader]]);
      // 5a. unclean=true: an out-of-sync follower leads, with a new epoch, and takes writes.
      const elected = await waitPartition(
        kz,
        unclean,
        'an unclean leader',
        (s) => s.leader !== leaderId && s.leader >= 0,
        FAILOVER_DEADLINE_MS,
      );
      const uncleanElectionMs = Date.now() - isolatedAt;
      await produce(unclean, 30, 1, followerBootstrap);
      const safeWhileDown = await partitionState(kz, safe);
      step({
        en: `${unclean}: broker ${elected.value.leader} leads (epoch ${epochBefore} → ${elected.value.leaderEpoch}) ${uncleanElectionMs} ms after the cut and took 30 new records; ${safe}: leader ${safeWhileDown.leader}, ISR [${safeWhileDown.isr}]`,
        ko: `${unclean}: 끊은 지 ${uncleanElectionMs} ms 뒤 브로커 ${elected.value.leader}가 리더(에포크 ${epochBefore} → ${elected.value.leaderEpoch})가 되어 새 레코드 30개를 받았습니다. ${safe}: 리더 ${safeWhileDown.leader}, ISR [${safeWhileDown.isr}]`,
      });
      if (elected.value.leaderEpoch <= epochBefore)
        failures.push('the unclean leader should have a new leader epoch');
      if (safeWhileDown.leader !== -1)
        failures.push(
          `${safe} should be offline (leader -1) while broker ${leaderId} is cut off, got ${safeWhileDown.leader}`,
        );
      // 6. The network heals: the old leader registers again, follows (and truncates) on UNCLEAN, leads SAFE.
      step({ en: `healing the network around ${leader}`, ko: `${leader} 주변의 네트워크를 복구합니다` });
      await lab.heal();
      cut = false;
      const safeBack = await waitPartition(
        kz,
        safe,
        `broker ${leaderId} leading again`,
        (s) => s.leader === leaderId,
        FAILOVER_DEADLINE_MS,
      );
      const safeOfflineMs = Date.now() - isolatedAt;
      for (const topic of topics)
        await waitPartition(
          kz,
          topic,
          'three replicas in the ISR',
          (s) => s.isr.length === 3,
          FAILOVER_DEADLINE_MS,
        ).catch((error: unknown) => failures.push(message(error)));
      // 7. Verify.
      const uncleanLost = lostValues(acked.get(unclean)!, await readAll(info, unclean));
      const safeLost = lostValues(acked.get(safe)!, await readAll(info, safe));
      step({
        en: `${unclean}: ${uncleanLost.length} acknowledged records lost; ${safe}: ${safeLost.length} lost`,
        ko: `${unclean}: 확인 응답받은 레코드 ${uncleanLost.length}개 잃음. ${safe}: ${safeLost.length}개 잃음`,
      });
      if (uncleanLost.length === 0) failures.push('unclean=true should lose the records of S');
      if (!uncleanLost.every(isInS)) failures.push('unclean=true lost records outside S');
      if (safeLost.length > 0) failures.push(`unclean=false lost ${safeLost.length} acknowledged records`);
      return {
        pass: failures.length === 0,
        answer: 'a',
        measured: {
          oldLeader: leaderId,
          uncleanLeader: elected.value.leader,
          epochBefore,
          uncleanEpoch: elected.value.leaderEpoch,
          isrShrinkMs,
          uncleanElectionMs,
          acknowledgedOnlyByLeader,
          uncleanLost: uncleanLost.length,
          safeLeaderWhileDown: safeWhileDown.leader,
          safeOfflineMs,
          safeLeaderAfter: safeBack.value.leader,
          safeLost: safeLost.length,
        },
        failures,
        explanation: {
          en: `With acks=1 and min.insync.replicas=1 the leader acknowledged the ${acknowledgedOnlyByLeader} records of S as soon as it had them; its followers, cut off, never fetched them, and ${isrShrinkMs} ms after the cut (replica.lag.time.max.ms) the leader removed them from the ISR, writing the state znode itself: ISR [${leaderId}]. When broker ${leaderId} lost ZooKeeper too, its session expired and no in-sync replica was left. With unclean.leader.election.enable=true the controller elected an out-of-sync replica, broker ${elected.value.leader}, ${uncleanElectionMs} ms after that cut (epoch ${epochBefore} → ${elected.value.leaderEpoch}); it had never seen S and took new writes at those offsets. When the network healed, broker ${leaderId} registered again and truncated its log to the new leader's by leader epoch: ${uncleanLost.length} acknowledged records were gone for good — Jepsen's 2013 finding. With the default false the partition stayed offline (leader ${safeWhileDown.leader}, ISR [${safeWhileDown.isr}]) for ${safeOfflineMs} ms until broker ${leaderId} was back and led again: ${safeLost.length} lost. Availability or durability: choose; acks=all with min.insync.replicas=2 avoids having to.`,
          ko: `acks=1, min.insync.replicas=1에서 리더는 S의 레코드 ${acknowledgedOnlyByLeader}개를 받자마자 확인 응답했습니다. 끊긴 팔로워들은 그것을 가져가지 못했고, 끊긴 지 ${isrShrinkMs} ms 뒤(replica.lag.time.max.ms) 리더가 스스로 상태 znode를 써서 그들을 ISR에서 뺐습니다: ISR [${leaderId}]. 브로커 ${leaderId}가 주키퍼와도 끊기자 세션이 만료되어 동기화된 레플리카가 하나도 남지 않았습니다. unclean.leader.election.enable=true이면 컨트롤러는 그 분할 ${uncleanElectionMs} ms 뒤 동기화되지 않은 브로커 ${elected.value.leader}를 리더로 뽑았고(에포크 ${epochBefore} → ${elected.value.leaderEpoch}), 그 브로커는 S를 본 적이 없어 같은 오프셋에 새 쓰기를 받았습니다. 네트워크가 복구되자 브로커 ${leaderId}는 다시 등록하고 리더 에포크를 기준으로 새 리더의 로그에 맞춰 잘라냈습니다: 확인 응답받은 레코드 ${uncleanLost.length}개가 영영 사라졌습니다 — Jepsen 2013의 발견입니다. 기본값 false이면 파티션은 브로커 ${leaderId}가 돌아와 다시 리더가 될 때까지 ${safeOfflineMs} ms 동안 오프라인이었고(리더 ${safeWhileDown.leader}, ISR [${safeWhileDown.isr}]) 잃은 것은 ${safeLost.length}개입니다. 가용성이냐 내구성이냐의 선택입니다. acks=all과 min.insync.replicas=2면 이 선택을 피할 수 있습니다.`,
        },
      };
    } finally {
      if (cut) await lab.heal().catch(() => undefined);
      await kz.close().catch(() => undefined);
    }
  },
};
