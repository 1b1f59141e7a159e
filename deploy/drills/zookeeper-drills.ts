// The ZooKeeper drills: kill the leader (election time), lose a minority then a majority (quorum),
// pause a follower past syncLimit.

import { readFile } from 'node:fs/promises';

import { KafkaZkClient } from '../../broker/zk/kafka-zk-client.ts';
import type { ClusterHandle } from '../cluster/handle.ts';
import { fetchAdminJson } from '../local/broker-admin.ts';
import { choice, type Drill, type DrillOutcome } from './drill.ts';
import {
  bringBack,
  connectZk,
  DrillTimeoutError,
  errorName,
  message,
  servingLeader,
  waitUntil,
  withTimeout,
  zookeeperNodes,
} from './probes.ts';

const ELECTION_DEADLINE_MS = 30_000;

async function waitServingLeader(
  lab: ClusterHandle,
  among: readonly string[],
  deadlineMs = ELECTION_DEADLINE_MS,
) {
  return waitUntil(
    'serving ZooKeeper leader',
    async () => servingLeader(await lab.status(), among),
    deadlineMs,
    50,
  );
}

export const zkLeaderKill: Drill = {
  name: 'zk-leader-kill',
  title: { en: 'Kill the ZooKeeper leader', ko: '주키퍼 리더 죽이기' },
  plan: {
    en: 'Finds the server that leads the ensemble, kills it with SIGKILL, and times how long until another server leads and serves (srvr: Mode leader, a quorum following). Then restarts the old leader: it rejoins as a follower.',
    ko: '앙상블을 이끄는 서버를 찾아 SIGKILL로 죽이고, 다른 서버가 리더가 되어 요청을 처리할 때까지(srvr: Mode leader, 쿼럼이 따름) 걸린 시간을 잽니다. 그다음 옛 리더를 다시 시작합니다: 팔로워로 돌아옵니다.',
  },
  question: {
    en: 'What happens when the ZooKeeper leader dies?',
    ko: '주키퍼 리더가 죽으면 어떻게 될까요?',
  },
  choices: [
    choice(
      'a',
      'The survivors elect a new leader within a few seconds and serve again',
      '남은 서버들이 몇 초 안에 새 리더를 뽑고 다시 요청을 처리한다',
    ),
    choice(
      'b',
      'The ensemble stops until the old leader comes back',
      '옛 리더가 돌아올 때까지 앙상블이 멈춘다',
    ),
    choice('c', 'Every server becomes a leader of its own', '모든 서버가 각자 리더가 된다'),
  ],
  needs: { zookeepers: 3, brokers: 0 },
  async run({ lab, info, step }): Promise<DrillOutcome> {
    const zks = zookeeperNodes(info);
    const old = (await waitServingLeader(lab, zks)).value;
    step({
      en: `${old} leads the ${zks.length}-server ensemble; killing it (SIGKILL)`,
      ko: `${old}가 ${zks.length}대 앙상블의 리더입니다. SIGKILL로 죽입니다`,
    });
    const failures: string[] = [];
    const killed = await lab.kill(old);
    let newLeader: string | null = null;
    let electionMs: number | null = null;
    try {
      const elected = await waitUntil(
        'new ZooKeeper leader',
        async () => {
          const leader = servingLeader(await lab.status(), zks);
          return leader !== undefined && leader !== old ? leader : undefined;
        },
        ELECTION_DEADLINE_MS,
        50,
      );
      newLeader = elected.value;
      electionMs = Date.now() - killed.signalledAt;
      step({
        en: `${newLeader} leads after ${electionMs} ms`,
        ko: `${electionMs} ms 뒤 ${newLeader}가 리더가 되었습니다`,
      });
    } catch (error) {
      if (!(error instanceof DrillTimeoutError)) throw error;
      failures.push(error.message);
    }
    step({ en: `restarting ${old}`, ko: `${old}를 다시 시작합니다` });
    const restarted = await lab.restart(old);
    const rejoined = await waitUntil(
      `${old} serving again`,
      async () => {
        const status = await lab.status();
        const node = status.nodes.find((candidate) => candidate.name === old);
        return node?.mode === 'follower' || node?.mode === 'leader' ? node.mode : undefined;
      },
      ELECTION_DEADLINE_MS,
    ).catch((error: unknown) => {
      failures.push(message(error));
      return undefined;
    });
    const tolerates = Math.floor((zks.length - 1) / 2);
    const measured = {
      ensembleSize: zks.length,
      tickTimeMs: info.tickTimeMs,
      oldLeader: old,
      newLeader,
      electionMs,
      survivesFailures: tolerates,
      oldLeaderRejoinedAs: rejoined?.value ?? null,
      rejoinMs: restarted.servingAfterMs,
    };
    return {
      pass: failures.length === 0 && newLeader !== null,
      answer: 'a',
      measured,
      failures,
      explanation: {
        en: `With ${old} gone, ${zks.length - 1} of ${zks.length} servers are still a quorum (a majority, ${Math.floor(zks.length / 2) + 1}), so they ran a leader election (FastLeaderElection: the highest epoch and zxid wins, then the highest id) and ${newLeader ?? 'nobody'} led after ${electionMs ?? '?'} ms (tickTime ${info.tickTimeMs} ms). Clients were disconnected for that time and reconnected to a survivor; their sessions survived. A ${zks.length}-server ensemble survives ${tolerates} failure(s). The old leader came back as ${rejoined?.value ?? '?'}: it syncs from the new leader (DIFF/TRUNC/SNAP) instead of leading again. Compare 3 vs 5 servers by running this drill on \`kzlab up --zookeepers 5\`: the election takes about as long, but 5 servers survive 2 failures.`,
        ko: `${old}가 사라져도 ${zks.length}대 중 ${zks.length - 1}대는 여전히 쿼럼(과반, ${Math.floor(zks.length / 2) + 1}대)이므로 리더 선출(FastLeaderElection: 에포크와 zxid가 가장 높은 서버, 같으면 id가 큰 서버)을 했고 ${electionMs ?? '?'} ms 뒤 ${newLeader ?? '없음'}가 리더가 되었습니다(tickTime ${info.tickTimeMs} ms). 그동안 클라이언트는 연결이 끊겼다가 남은 서버에 다시 붙었고 세션은 유지되었습니다. ${zks.length}대 앙상블은 ${tolerates}대의 장애를 견딥니다. 옛 리더는 ${rejoined?.value ?? '?'}로 돌아왔습니다: 다시 리더가 되지 않고 새 리더로부터 동기화(DIFF/TRUNC/SNAP)합니다. \`kzlab up --zookeepers 5\`에서 이 훈련을 돌려 3대와 5대를 비교해 보세요: 선출 시간은 비슷하지만 5대는 2대의 장애를 견딥니다.`,
      },
    };
  },
};

const CREATE_DEADLINE_MS = 4_000;

export const zkQuorumLoss: Drill = {
  name: 'zk-quorum-loss',
  title: { en: 'Lose a minority, then a majority of ZooKeeper', ko: '주키퍼 소수, 그다음 과반 잃기' },
  plan: {
    en: 'Kills followers one at a time. While a majority (quorum) is left, a create of a znode succeeds; once a majority is gone, the same create gets no answer (it times out: connection loss). Then restarts them and shows writes resume.',
    ko: '팔로워를 하나씩 죽입니다. 과반(쿼럼)이 남아 있는 동안은 znode 생성이 성공하고, 과반이 사라지면 같은 생성 요청에 답이 없습니다(타임아웃: 연결 끊김). 그다음 다시 시작해 쓰기가 재개되는 것을 봅니다.',
  },
  question: {
    en: 'With a 3-server ensemble: after losing 1 server, and then 2, can clients still write?',
    ko: '3대 앙상블에서 1대를 잃은 뒤, 그리고 2대를 잃은 뒤에도 클라이언트가 쓸 수 있을까요?',
  },
  choices: [
    choice('a', 'Yes, then yes (the last server serves alone)', '예, 그리고 예 (마지막 서버가 혼자 처리)'),
    choice(
      'b',
      'Yes, then no (writes stop without a majority)',
      '예, 그리고 아니요 (과반 없이는 쓰기가 멈춘다)',
    ),
    choice('c', 'No, then no (any failure stops writes)', '아니요, 그리고 아니요 (한 대라도 죽으면 멈춘다)'),
  ],
  needs: { zookeepers: 3, brokers: 0 },
  async run({ lab, info, step }): Promise<DrillOutcome> {
    const zks = zookeeperNodes(info);
    const quorum = Math.floor(zks.length / 2) + 1;
    const leader = (await waitServingLeader(lab, zks)).value;
    const followers = zks.filter((name) => name !== leader);
    const minority = followers.slice(0, zks.length - quorum);
    const lastStraw = followers[zks.length - quorum]!;
    const base = `/kzlab-drill-${Date.now().toString(36)}`;
    const failures: string[] = [];
    const killed: string[] = [];
    const kz = await connectZk(info);
    let minorityWrite: string;
    let majorityWrite: string;
    let restoreMs: number | null = null;
    let majorityWriteAppliedLater: boolean;
    try {
      await kz.zk.create(base, null);
      for (const name of minority) {
        step({
          en: `killing ${name} (minority: ${zks.length - killed.length - 1} of ${zks.length} left)`,
          ko: `${name}를 죽입니다 (소수: ${zks.length}대 중 ${zks.length - killed.length - 1}대 남음)`,
        });
        killed.push(name);
        await lab.kill(name);
      }
      const started = performance.now();
      minorityWrite = await withTimeout(
        kz.zk.create(`${base}/minority`, null),
        CREATE_DEADLINE_MS * 3,
        'create',
      )
        .then(() => `ok in ${Math.round(performance.now() - started)} ms`)
        .catch((error: unknown) => `failed: ${errorName(error)}`);
      step({
        en: `create ${base}/minority: ${minorityWrite}`,
        ko: `${base}/minority 생성: ${minorityWrite}`,
      });
      if (!minorityWrite.startsWith('ok'))
        failures.push(`with a quorum left the create should succeed, got ${minorityWrite}`);

      step({
        en: `killing ${lastStraw}: only ${quorum - 1} of ${zks.length} left, below a quorum of ${quorum}`,
        ko: `${lastStraw}를 죽입니다: ${zks.length}대 중 ${quorum - 1}대만 남아 쿼럼 ${quorum}에 못 미칩니다`,
      });
      // A second session, opened while the quorum still serves and closed after the attempt, so that
      // an unanswered request does not linger in the drill's own session.
      const probe = await connectZk(info);
      killed.push(lastStraw);
      await lab.kill(lastStraw);
      majorityWrite = await withTimeout(
        probe.zk.create(`${base}/majority`, null),
        CREATE_DEADLINE_MS,
        'create',
      )
        .then(() => 'ok')
        .catch((error: unknown) =>
          error instanceof DrillTimeoutError
            ? `no answer within ${CREATE_DEADLINE_MS} ms`
            : `failed: ${errorName(error)}`,
        );
      void probe.close().catch(() => undefined);
      step({
        en: `create ${base}/majority: ${majorityWrite}`,
        ko: `${base}/majority 생성: ${majorityWrite}`,
      });
      if (majorityWrite === 'ok') failures.push('without a quorum the create should not succeed');
    } finally {
      step({ en: `restarting ${killed.join(', ')}`, ko: `${killed.join(', ')}를 다시 시작합니다` });
      const restarting = performance.now();
      await Promise.all(killed.map((name) => lab.restart(name)));
      await waitServingLeader(lab, zks).catch((error: unknown) => failures.push(String(error)));
      await withTimeout(kz.zk.create(`${base}/restored`, null), 20_000, 'create after restore')
        .then(() => {
          restoreMs = Math.round(performance.now() - restarting);
        })
        .catch((error: unknown) =>
          failures.push(`after the restart the create should succeed: ${errorName(error)}`),
        );
      majorityWriteAppliedLater = (await kz.zk.exists(`${base}/majority`).catch(() => null)) !== null;
      await kz.deleteRecursive(base).catch(() => undefined);
      await kz.close().catch(() => undefined);
      await bringBack(lab, killed);
    }
    step({
      en: `writes resumed ${restoreMs ?? '?'} ms after the restart began`,
      ko: `재시작을 시작하고 ${restoreMs ?? '?'} ms 뒤 쓰기가 재개되었습니다`,
    });
    return {
      pass: failures.length === 0,
      answer: 'b',
      measured: {
        ensembleSize: zks.length,
        quorum,
        minorityKilled: minority.length,
        minorityWrite,
        majorityWrite,
        majorityWriteAppliedLater,
        restoreMs,
      },
      failures,
      explanation: {
        en: `ZooKeeper commits a write only once a quorum — a strict majority, ${quorum} of ${zks.length} — has logged it (Zab). With ${zks.length - minority.length} servers left the create succeeded (${minorityWrite}); with ${quorum - 1} left no leader can gather a majority, the survivors stop serving and go LOOKING, and the create got no answer (${majorityWrite}). No data is lost and no two sides can both accept writes: that is the point of a majority. Why odd sizes: 4 servers need 3 for a quorum and survive 1 failure, like 3; 6 survive 2, like 5 — the even server adds cost and traffic but no tolerance. After the restart writes resumed in ${restoreMs ?? '?'} ms. Did the unanswered create happen after all? ${majorityWriteAppliedLater === true ? 'Yes: it had reached the leader’s log, and the log with the highest zxid wins the next election' : 'No'} — a connection loss is an indefinite result: the client cannot know, and must check (here: exists) before retrying.`,
        ko: `주키퍼는 쿼럼 — 엄격한 과반, ${zks.length}대 중 ${quorum}대 — 이 기록해야 쓰기를 커밋합니다(Zab). ${zks.length - minority.length}대가 남았을 때는 생성이 성공했고(${minorityWrite}), ${quorum - 1}대만 남자 어떤 리더도 과반을 모을 수 없어 남은 서버는 요청 처리를 멈추고 LOOKING 상태가 되었으며 생성 요청에 답이 없었습니다(${majorityWrite}). 데이터를 잃지 않고 두 쪽이 동시에 쓰기를 받는 일(split brain)도 없습니다: 그것이 과반의 의미입니다. 홀수인 이유: 4대는 쿼럼이 3이라 3대처럼 1대 장애만 견디고, 6대는 5대처럼 2대만 견딥니다 — 짝수의 한 대는 비용과 트래픽만 늘리고 내구성은 늘리지 않습니다. 재시작 후 ${restoreMs ?? '?'} ms 만에 쓰기가 재개되었습니다. 답을 못 받은 생성은 결국 반영되었을까요? ${majorityWriteAppliedLater === true ? '예: 리더의 로그에 이미 들어가 있었고, 다음 선출에서는 zxid가 가장 높은 로그가 이깁니다' : '아니요'} — 연결 끊김(connection loss)은 결과를 알 수 없는 상태입니다: 클라이언트는 다시 시도하기 전에 확인(여기서는 exists)해야 합니다.`,
      },
    };
  },
};

/** zoo.cfg's syncLimit (ticks) of a lab server; ZooKeeper's sample value 5 if the file cannot be read. */
async function syncLimitTicks(configPath: string): Promise<number> {
  const text = await readFile(configPath, 'utf8').catch(() => '');
  const match = /^syncLimit\s*=\s*(\d+)\s*$/m.exec(text);
  return match === null ? 5 : Number(match[1]);
}

interface LearnerView {
  readonly sid: number;
  readonly phase: string;
  readonly synced: boolean;
}

async function learnersOf(adminUrl: string): Promise<LearnerView[]> {
  const view = (await fetchAdminJson(`${adminUrl}/quorum`, 2_000)) as { learners?: LearnerView[] };
  return view.learners ?? [];
}

export const zkFollowerPause: Drill = {
  name: 'zk-follower-pause',
  title: { en: 'Pause a ZooKeeper follower past syncLimit', ko: '주키퍼 팔로워를 syncLimit보다 오래 멈추기' },
  plan: {
    en: 'Pauses one follower (SIGSTOP, like a long GC pause) and watches the leader’s AdminServer (/commands/quorum: its learners) until the leader drops it; writes to the leader meanwhile; then resumes the follower (SIGCONT) and watches it sync and rejoin.',
    ko: '팔로워 하나를 일시 정지(SIGSTOP, 긴 GC 멈춤처럼)하고, 리더가 그 팔로워를 내보낼 때까지 리더의 AdminServer(/commands/quorum: learners)를 지켜봅니다. 그동안 리더에 씁니다. 그다음 팔로워를 재개(SIGCONT)하고 동기화해 돌아오는 것을 봅니다.',
  },
  question: {
    en: 'What does the leader do with a follower that stops answering, and can clients still write?',
    ko: '응답하지 않는 팔로워를 리더는 어떻게 하고, 클라이언트는 계속 쓸 수 있을까요?',
  },
  choices: [
    choice('a', 'Writes stop until the follower answers again', '팔로워가 다시 응답할 때까지 쓰기가 멈춘다'),
    choice(
      'b',
      'After syncLimit × tickTime the leader drops it; writes go on with the others; resumed, it syncs and rejoins',
      'syncLimit × tickTime이 지나면 리더가 그 팔로워를 내보내고, 나머지와 쓰기를 계속한다. 재개되면 동기화해 돌아온다',
    ),
    choice(
      'c',
      'The leader waits for it forever, but writes go on',
      '리더는 영원히 기다리지만 쓰기는 계속된다',
    ),
  ],
  needs: { zookeepers: 3, brokers: 0 },
  async run({ lab, info, step }): Promise<DrillOutcome> {
    const zks = zookeeperNodes(info);
    const leaderName = (await waitServingLeader(lab, zks)).value;
    const leader = info.nodes.find((node) => node.name === leaderName)!;
    const follower = info.nodes.find((node) => node.kind === 'zookeeper' && node.name !== leaderName)!;
    const ticks = await syncLimitTicks(follower.config);
    const limitMs = ticks * info.tickTimeMs;
    const failures: string[] = [];
    await waitUntil(
      `${follower.name} synced with the leader`,
      async () =>
        (await learnersOf(leader.adminUrl)).some((l) => l.sid === follower.sid && l.synced)
          ? true
          : undefined,
      ELECTION_DEADLINE_MS,
    );
    // Writes go to the leader itself: a session on the paused follower would stall with it.
    const kz = await KafkaZkClient.connect(`${leader.host}:${leader.clientPort}`, {
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 15_000,
    });
    const base = `/kzlab-drill-pause-${Date.now().toString(36)}`;
    let paused = false;
    let droppedMs: number | null = null;
    let writeWhilePaused: string;
    let rejoinMs: number | null = null;
    try {
      step({
        en: `${leaderName} leads; pausing ${follower.name} (syncLimit ${ticks} × tickTime ${info.tickTimeMs} ms = ${limitMs} ms)`,
        ko: `${leaderName}가 리더입니다. ${follower.name}를 일시 정지합니다 (syncLimit ${ticks} × tickTime ${info.tickTimeMs} ms = ${limitMs} ms)`,
      });
      const pause = await lab.pause(follower.name);
      paused = true;
      const started = performance.now();
      writeWhilePaused = await withTimeout(kz.zk.create(base, null), CREATE_DEADLINE_MS, 'create')
        .then(() => `ok in ${Math.round(performance.now() - started)} ms`)
        .catch((error: unknown) => `failed: ${errorName(error)}`);
      step({
        en: `create ${base} while paused: ${writeWhilePaused}`,
        ko: `멈춘 동안 ${base} 생성: ${writeWhilePaused}`,
      });
      if (!writeWhilePaused.startsWith('ok'))
        failures.push(`a write with a quorum left should succeed: ${writeWhilePaused}`);
      await waitUntil(
        `the leader to drop ${follower.name}`,
        async () =>
          (await learnersOf(leader.adminUrl)).some((l) => l.sid === follower.sid) ? undefined : true,
        limitMs + 20_000,
        50,
      ).then(
        () => {
          droppedMs = Date.now() - pause.signalledAt;
        },
        (error: unknown) => failures.push(message(error)),
      );
      step({
        en: `the leader dropped ${follower.name} after ${droppedMs ?? '?'} ms`,
        ko: `${droppedMs ?? '?'} ms 뒤 리더가 ${follower.name}를 내보냈습니다`,
      });
      // It last heard from the follower up to a tick before the pause (the leader pings twice a tick).
      if (droppedMs !== null && droppedMs < limitMs - info.tickTimeMs)
        failures.push(`the leader dropped it after ${droppedMs} ms, before syncLimit (${limitMs} ms)`);
      const resume = await lab.resume(follower.name);
      paused = false;
      await waitUntil(
        `${follower.name} synced again`,
        async () =>
          (await learnersOf(leader.adminUrl)).some((l) => l.sid === follower.sid && l.synced)
            ? true
            : undefined,
        ELECTION_DEADLINE_MS,
        50,
      ).then(
        () => {
          rejoinMs = Date.now() - resume.signalledAt;
        },
        (error: unknown) => failures.push(message(error)),
      );
      step({
        en: `resumed; ${follower.name} synced and follows again after ${rejoinMs ?? '?'} ms`,
        ko: `재개했습니다. ${rejoinMs ?? '?'} ms 뒤 ${follower.name}가 동기화해 다시 따릅니다`,
      });
      await kz.deleteRecursive(base).catch(() => undefined);
    } finally {
      if (paused) await lab.resume(follower.name).catch(() => undefined);
      await kz.close().catch(() => undefined);
    }
    return {
      pass: failures.length === 0,
      answer: 'b',
      measured: {
        leader: leaderName,
        follower: follower.name,
        syncLimitMs: limitMs,
        droppedAfterMs: droppedMs,
        writeWhilePaused,
        rejoinedAfterMs: rejoinMs,
      },
      failures,
      explanation: {
        en: `A paused process answers nothing, not even the leader's pings. The leader gives each follower syncLimit × tickTime (${ticks} × ${info.tickTimeMs} = ${limitMs} ms) to answer; after ${droppedMs ?? '?'} ms it dropped ${follower.name}. Writes did not wait: the leader and the other follower are still a majority (${writeWhilePaused}). Resumed, ${follower.name} found its leader connection gone, went LOOKING, learned the current leader from the others' votes and synced the writes it missed (a DIFF), following again after ${rejoinMs ?? '?'} ms. syncLimit bounds how far behind a follower may fall before it is cut off; a slow follower beyond it never holds writes hostage.`,
        ko: `멈춘 프로세스는 리더의 핑에도 답하지 않습니다. 리더는 각 팔로워에게 syncLimit × tickTime(${ticks} × ${info.tickTimeMs} = ${limitMs} ms) 안에 답하기를 요구하고, ${droppedMs ?? '?'} ms 뒤 ${follower.name}를 내보냈습니다. 쓰기는 기다리지 않았습니다: 리더와 다른 팔로워가 여전히 과반입니다(${writeWhilePaused}). 재개된 ${follower.name}는 리더와의 연결이 끊긴 것을 알고 LOOKING 상태가 되어 다른 서버들의 투표로 현재 리더를 알아낸 뒤 놓친 쓰기를 동기화(DIFF)했고, ${rejoinMs ?? '?'} ms 뒤 다시 따르게 되었습니다. syncLimit는 팔로워가 잘려 나가기 전까지 뒤처질 수 있는 한도입니다: 그보다 느린 팔로워가 쓰기를 붙잡아 두는 일은 없습니다.`,
      },
    };
  },
};
