// consumer-dies: a group of two consumers — one in a process of its own (consumer-worker.ts), one in
// this process — sharing a two-partition topic while records keep coming. The worker commits when the
// drill tells it to (as a periodic commit would); it goes on processing, and the drill SIGKILLs it before
// its next commit. After its session times out the coordinator
// rebalances, the survivor takes over its partition from the last committed offset: the records the
// dead one processed after that commit are delivered again, none is skipped.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { Admin, Consumer } from '../../client/index.ts';
import { labNode } from '../local/lab-process.ts';
import { choice, type Drill, type DrillOutcome } from './drill.ts';
import { createTopic, drillProducer, drillTopic, message, waitUntil } from './probes.ts';

const WORKER = fileURLToPath(new URL('./consumer-worker.ts', import.meta.url));
const SESSION_TIMEOUT_MS = 6_000;

export const consumerDies: Drill = {
  name: 'consumer-dies',
  title: { en: 'A consumer dies', ko: '컨슈머가 죽는다' },
  plan: {
    en: `Two consumers in one group share a topic with 2 partitions while a producer keeps writing. One runs in a process of its own and commits from time to time; the drill kills it with SIGKILL after a commit, once it has processed more records. Then it watches the rebalance (session.timeout.ms ${SESSION_TIMEOUT_MS} ms) and checks where the survivor starts reading the dead one's partition.`,
    ko: `한 그룹의 컨슈머 두 개가 파티션 2개인 토픽을 나눠 읽는 동안 프로듀서는 계속 씁니다. 하나는 별도 프로세스에서 돌며 때때로 커밋하고, 훈련은 커밋 뒤 레코드를 더 처리했을 때 그것을 SIGKILL로 죽입니다. 그다음 리밸런스(session.timeout.ms ${SESSION_TIMEOUT_MS} ms)를 지켜보고, 살아남은 컨슈머가 죽은 컨슈머의 파티션을 어디서부터 읽는지 확인합니다.`,
  },
  question: {
    en: 'Where does the surviving consumer start reading the dead consumer’s partition?',
    ko: '살아남은 컨슈머는 죽은 컨슈머의 파티션을 어디서부터 읽을까요?',
  },
  choices: [
    choice(
      'a',
      'Right after the last record the dead one processed: nothing twice, nothing skipped',
      '죽은 컨슈머가 처리한 마지막 레코드 바로 다음: 중복도 누락도 없다',
    ),
    choice(
      'b',
      'At its last committed offset: some records are processed twice, none is skipped',
      '마지막으로 커밋된 오프셋: 일부 레코드는 두 번 처리되고, 건너뛰는 레코드는 없다',
    ),
    choice(
      'c',
      'At the end of the partition (latest): records in between are skipped',
      '파티션의 끝(latest): 그 사이 레코드는 건너뛴다',
    ),
  ],
  needs: { zookeepers: 1, brokers: 1 },
  async run({ info, step }): Promise<DrillOutcome> {
    const topic = drillTopic('consumer-dies');
    const group = `${topic}-group`;
    const failures: string[] = [];
    await createTopic(info, topic, { partitions: 2 });

    // The victim, in its own process.
    const victim = spawn(labNode(), [WORKER, info.bootstrap, group, topic], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let victimStderr = '';
    victim.stderr.on('data', (chunk: Buffer) => (victimStderr += chunk.toString()));
    const victimSeen: [number, number][] = [];
    let victimAssigned: number[] = [];
    let victimCommits = 0;
    /** partition → the last offset it committed (the next record to read). */
    const victimCommitted = new Map<number, number>();
    createInterface({ input: victim.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as {
        assigned?: number[];
        record?: [number, number];
        committed?: [number, number][];
      };
      if (event.assigned !== undefined) victimAssigned = event.assigned;
      if (event.record !== undefined) victimSeen.push(event.record);
      if (event.committed !== undefined) {
        victimCommits++;
        for (const [partition, offset] of event.committed) victimCommitted.set(partition, offset);
      }
    });
    // 'close': the process has exited and its stdout is drained (every line it printed has been read).
    const victimExited = new Promise<void>((resolve) => victim.once('close', () => resolve()));

    // The survivor, here.
    const survivor = new Consumer({
      brokers: info.bootstrap,
      groupId: group,
      clientId: 'kzlab-drill-survivor',
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 1_000,
      autoCommit: false,
      autoOffsetReset: 'earliest',
      fetchMaxWaitMs: 100,
    });
    const survivorSeen: [number, number][] = [];
    let stopSurvivor = false;
    let survivorError: unknown;
    const producer = drillProducer(info, { acks: 'all' });
    let producing = true;
    let produced = 0;
    const admin = new Admin({ brokers: info.bootstrap, clientId: 'kzlab-drill', retries: 5 });
    try {
      await waitUntil(
        'the first consumer to join',
        async () => (victimAssigned.length === 2 ? true : undefined),
        20_000,
      );
      await survivor.connect();
      survivor.subscribe({ topics: [topic] });
      const survivorLoop = (async () => {
        while (!stopSurvivor) {
          for (const record of await survivor.poll(200))
            survivorSeen.push([record.partition, Number(record.offset)]);
          if (survivor.assignment().length > 0) await survivor.commit();
        }
      })().catch((error: unknown) => {
        survivorError = error;
      });
      await waitUntil(
        'one partition each',
        async () => (victimAssigned.length === 1 && survivor.assignment().length === 1 ? true : undefined),
        30_000,
      );
      const victimPartition = victimAssigned[0]!;
      step({
        en: `group ${group}: the worker process (pid ${victim.pid}) reads partition ${victimPartition}, this process the other; producing`,
        ko: `그룹 ${group}: 워커 프로세스(pid ${victim.pid})가 파티션 ${victimPartition}를, 이 프로세스가 다른 파티션을 읽습니다. 쓰기 시작`,
      });
      await producer.connect();
      const producerLoop = (async () => {
        while (producing) {
          await producer.send({
            topic,
            messages: [0, 1].map((partition) => ({ key: null, value: String(produced), partition })),
          });
          produced++;
          // A steady trickle (~50 records/s per partition), not a flood.
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      // Let it process a good number of records, have it commit, let it process a few more, kill it:
      // no commit can slip in between (it commits only when told).
      await waitUntil(
        'the worker to process records',
        async () => (victimSeen.length >= 30 ? true : undefined),
        20_000,
        10,
      );
      const commitsBefore = victimCommits;
      victim.stdin.write('commit\n');
      await waitUntil(
        'the worker to commit',
        async () => (victimCommits > commitsBefore ? true : undefined),
        10_000,
        5,
      );
      await waitUntil(
        'records processed after the commit',
        async () => {
          const processed = victimSeen.filter(([p]) => p === victimPartition).map(([, o]) => o);
          const committed = victimCommitted.get(victimPartition) ?? 0;
          return processed.length > 0 && Math.max(...processed) + 1 - committed >= 5 ? true : undefined;
        },
        10_000,
        5,
      );
      const killedAt = Date.now();
      victim.kill('SIGKILL');
      await victimExited;
      const lastProcessed = Math.max(...victimSeen.filter(([p]) => p === victimPartition).map(([, o]) => o));
      const committed = Number(
        (await admin.fetchOffsets(group, [topic])).find((entry) => entry.partition === victimPartition)
          ?.offset ?? -1n,
      );
      step({
        en: `killed the worker: it had processed partition ${victimPartition} up to offset ${lastProcessed}, its last commit says ${committed}`,
        ko: `워커를 죽였습니다: 파티션 ${victimPartition}를 오프셋 ${lastProcessed}까지 처리했고, 마지막 커밋은 ${committed}입니다`,
      });
      await waitUntil(
        'the survivor to take over both partitions',
        async () => (survivor.assignment().length === 2 ? true : undefined),
        SESSION_TIMEOUT_MS + 20_000,
        50,
      );
      const rebalanceMs = Date.now() - killedAt;
      step({
        en: `rebalanced: the survivor has both partitions ${rebalanceMs} ms after the kill`,
        ko: `리밸런스: 죽인 지 ${rebalanceMs} ms 뒤 살아남은 컨슈머가 두 파티션을 모두 가졌습니다`,
      });
      const target = produced + 25;
      await waitUntil(
        'more records after the rebalance',
        async () => (produced >= target ? true : undefined),
        10_000,
        20,
      );
      producing = false;
      await producerLoop;
      const ends = await admin.listOffsets(topic);
      await waitUntil(
        'the survivor to read to the end',
        async () => {
          const done = ends.every((end) => {
            const seen = survivorSeen.filter(([p]) => p === end.partition).map(([, o]) => o);
            return seen.length > 0 && Math.max(...seen) + 1 >= Number(end.latest);
          });
          return done ? true : undefined;
        },
        20_000,
      );
      stopSurvivor = true;
      await survivorLoop;
      if (survivorError !== undefined) failures.push(`the survivor failed: ${message(survivorError)}`);

      const survivorFirst = Math.min(
        ...survivorSeen.filter(([p]) => p === victimPartition).map(([, o]) => o),
      );
      const seen = new Set([...victimSeen, ...survivorSeen].map(([p, o]) => `${p}:${o}`));
      let skipped = 0;
      for (const end of ends)
        for (let offset = 0; offset < Number(end.latest); offset++)
          if (!seen.has(`${end.partition}:${offset}`)) skipped++;
      const redelivered = lastProcessed + 1 - committed;
      if (survivorFirst !== committed)
        failures.push(
          `the survivor should start at the committed offset ${committed}, started at ${survivorFirst}`,
        );
      if (skipped > 0) failures.push(`${skipped} records skipped`);
      step({
        en: `the survivor started partition ${victimPartition} at offset ${survivorFirst}: ${redelivered} records processed twice, ${skipped} skipped`,
        ko: `살아남은 컨슈머는 파티션 ${victimPartition}를 오프셋 ${survivorFirst}부터 읽었습니다: ${redelivered}개 중복 처리, ${skipped}개 누락`,
      });
      return {
        pass: failures.length === 0,
        answer: 'b',
        measured: {
          victimPartition,
          victimLastProcessed: lastProcessed,
          committedAtDeath: committed,
          survivorFirstOffset: survivorFirst,
          redelivered,
          skipped,
          rebalanceMs,
          sessionTimeoutMs: SESSION_TIMEOUT_MS,
          records: ends.reduce((sum, end) => sum + Number(end.latest), 0),
        },
        failures,
        explanation: {
          en: `A killed consumer sends no LeaveGroup: the coordinator noticed only when its session timed out (session.timeout.ms ${SESSION_TIMEOUT_MS} ms), then rebalanced the group and the survivor was assigned partition ${victimPartition} ${rebalanceMs} ms after the kill. Partition ownership moves, but position does not: the new owner starts at the group's committed offset, ${committed} — the next record to read, not the last one read. The dead consumer had processed up to ${lastProcessed}, so ${redelivered} records were processed twice and ${skipped} skipped: at-least-once. To shrink the window, commit more often; to make it harmless, make processing idempotent (or use transactions for read-process-write).`,
          ko: `죽은 컨슈머는 LeaveGroup을 보내지 않습니다: 코디네이터는 세션이 만료된 뒤에야(session.timeout.ms ${SESSION_TIMEOUT_MS} ms) 알아채고 그룹을 리밸런스했으며, 죽인 지 ${rebalanceMs} ms 뒤 살아남은 컨슈머가 파티션 ${victimPartition}를 할당받았습니다. 파티션 소유권은 옮겨 가지만 위치는 옮겨 가지 않습니다: 새 소유자는 그룹의 커밋된 오프셋 ${committed}부터 시작합니다 — 마지막으로 읽은 레코드가 아니라 다음에 읽을 레코드입니다. 죽은 컨슈머는 ${lastProcessed}까지 처리했으므로 ${redelivered}개 레코드가 두 번 처리되었고 ${skipped}개를 건너뛰었습니다: 최소 한 번(at-least-once)입니다. 창을 줄이려면 더 자주 커밋하고, 해가 없게 하려면 처리를 멱등적으로 만드세요(읽고-처리하고-쓰는 경우에는 트랜잭션).`,
        },
      };
    } finally {
      producing = false;
      stopSurvivor = true;
      if (victim.exitCode === null && victim.signalCode === null) victim.kill('SIGKILL');
      if (victimStderr !== '' && failures.length > 0)
        failures.push(`worker stderr: ${victimStderr.slice(-500)}`);
      await producer.close({ timeoutMs: 2_000 }).catch(() => undefined);
      await survivor.close({ timeoutMs: 2_000 }).catch(() => undefined);
      await admin.close().catch(() => undefined);
    }
  },
};
