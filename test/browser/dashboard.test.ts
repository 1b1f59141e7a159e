// The dashboard in a real browser (Debian's Chromium driven by playwright-core; browsers cannot be
// downloaded here): a small lab of three ZooKeeper servers and one broker as real processes, the dashboard
// server on a free port, and the page — it shows the three servers with exactly one LEADING, the topic's
// partition with its leader, the znode tree with the Kafka znodes explained; Korean changes the labels;
// clicking kill on the ZooKeeper leader's card makes another server the leader, in the cards and in the
// event timeline; a drill runs from the page to its verdict; a keyed record produced from the page lands in
// its murmur2 partition and reading that partition from the page lists it; the consumer groups panel shows
// a test consumer's group and its lag. Screenshots go to a temporary directory (printed), for a human to look at.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Admin } from '../../client/admin/index.ts';
import { Consumer } from '../../client/consumer/index.ts';
import { partitionForKey, Producer } from '../../client/producer/index.ts';
import { resolveClusterSpec } from '../../deploy/cluster/spec.ts';
import { startDashboard, type DashboardServer } from '../../deploy/dashboard/dashboard-server.ts';
import { LocalCluster } from '../../deploy/local/local-cluster.ts';
import { findFreePortBase } from '../../deploy/local/ports.ts';
import { skipUnlessAvailable } from '../support/ci.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** A new ZooKeeper leader after a kill: a few election rounds at tickTime 500 ms, on a busy machine. */
const ELECTION_DEADLINE_MS = 45_000;

describe.skipIf(skipUnlessAvailable(existsSync(CHROMIUM)))('the dashboard in Chromium', () => {
  let root = '';
  let cluster: LocalCluster | undefined;
  let dashboard: DashboardServer | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  let shots = '';
  let bootstrap = '';

  const screenshot = async (name: string): Promise<void> => {
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kzlab-dashboard-'));
    shots = path.join(root, 'screenshots');
    const portBase = await findFreePortBase({ zookeepers: 3, brokers: 1 });
    const spec = resolveClusterSpec({
      dataDir: path.join(root, 'data'),
      portBase,
      zookeepers: 3,
      brokers: 1,
      tickTimeMs: 500,
    });
    cluster = new LocalCluster({ spec, readyTimeoutMs: 60_000, roleWatchIntervalMs: 500 });
    await cluster.start();
    const info = await cluster.info();
    bootstrap = info.bootstrap;
    const admin = new Admin({ brokers: info.bootstrap });
    try {
      await admin.createTopics({ topics: [{ name: 'orders', numPartitions: 2, replicationFactor: 1 }] });
    } finally {
      await admin.close();
    }
    dashboard = await startDashboard({ cluster, host: '127.0.0.1', port: 0, groupsIntervalMs: 500 });
    browser = await chromium.launchPersistentContext(path.join(root, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1440, height: 1000 },
    });
    page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(dashboard.url);
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await cluster?.stop('test done');
    // The screenshots (a few hundred KiB) stay for a human to look at; the lab's data and the browser
    // profile go, unless KZLAB_KEEP_TMP=1.
    console.log(`dashboard screenshots in ${shots}`);
    if (process.env.KZLAB_KEEP_TMP !== '1') {
      for (const dir of ['data', 'chromium-profile'])
        await rm(path.join(root, dir), { recursive: true, force: true });
    }
  });

  it('shows the three ZooKeeper servers, exactly one of them LEADING, and the quorum', async () => {
    await page.locator('[data-testid^="zk-"][data-role="LEADING"]').waitFor({ timeout: 15_000 });
    const cards = page.locator('article.card.zk');
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(3);
    // All three serving: one leader and two followers.
    await expect
      .poll(
        async () =>
          (await cards.evaluateAll((elements) => elements.map((e) => e.getAttribute('data-role')))).sort(),
        {
          timeout: 15_000,
        },
      )
      .toEqual(['FOLLOWING', 'FOLLOWING', 'LEADING']);
    await expect
      .poll(() => page.getByTestId('quorum-summary').textContent())
      .toBe('3 of 3 servers serving · a quorum needs 2');
    await expect(page.getByTestId('link-state').textContent()).resolves.toContain('live');
    // The leader's card: what each follower ACKed of its proposals (the lab's writes so far).
    const acks = page.locator('[data-testid^="zk-"][data-role="LEADING"] [data-testid^="ack-"]');
    await expect.poll(() => acks.count()).toBe(2);
    for (const text of await acks.allTextContents()) expect(text).toMatch(/^ACKed up to 1:\d+/);
  });

  it('shows the topic, its partitions and their leader; the broker is the controller', async () => {
    await expect
      .poll(() => page.getByTestId('partition-leader-orders-0').textContent(), { timeout: 20_000 })
      .toContain('broker1');
    await expect.poll(() => page.getByTestId('partition-leader-orders-1').textContent()).toContain('broker1');
    await expect.poll(() => page.getByTestId('broker-broker1').getAttribute('data-controller')).toBe('true');
    await expect.poll(() => page.getByTestId('controller').textContent()).toContain('Controller: broker1');
  });

  it("a replica's segment files: folded under the partition's offsets, opened with a click", async () => {
    const segments = page.getByTestId('segments-orders-0-broker1');
    await segments.waitFor({ timeout: 15_000 });
    expect(await segments.locator('summary').textContent()).toMatch(
      /^1 segment\(s\) · \d+(\.\d)? (B|KiB|MiB)$/,
    );
    await segments.locator('summary').click();
    await expect.poll(() => segments.evaluate((element) => (element as HTMLDetailsElement).open)).toBe(true);
    const text = await segments.textContent();
    expect(text).toContain('00000000000000000000.log');
    expect(text).toMatch(/orders-0/);
    expect(text).toContain('active');
    await segments.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, '0-segments.png') });
  });

  it('the znode tree explains the Kafka znodes and shows their data and Stat', async () => {
    const state = page.getByTestId('znode-/brokers/topics/orders/partitions/0/state');
    await state.waitFor({ timeout: 15_000 });
    expect(await state.getAttribute('title')).toMatch(/^Leader and ISR of this partition/);
    await page.getByTestId('znode-/brokers/ids/1').click();
    await expect.poll(() => page.getByTestId('znode-path').textContent()).toBe('/brokers/ids/1');
    expect(await page.getByTestId('znode-help').textContent()).toContain('broker epoch');
    // An ephemeral znode: its owner is a session, not 0x0.
    expect(await page.getByTestId('znode-detail').textContent()).toMatch(/owned by session 0x[0-9a-f]+/);
    // The owning session: the broker's, connected to one of the servers, with its negotiated timeout.
    const owner = page.getByTestId('znode-owner');
    await expect
      .poll(() => owner.textContent())
      .toMatch(/^Session 0x[0-9a-f]+: timeout \d+ ms, connected to zk[123] from 127\.0\.0\.1:\d+\./);
    const [, session, server] = /Session (0x[0-9a-f]+): .* connected to (zk\d)/.exec(
      (await owner.textContent())!,
    )!;
    expect(await page.getByTestId('znode-detail').textContent()).toContain(`owned by session ${session}`);
    // That server's sessions list has it, owning the registration.
    const sessions = page.getByTestId(`sessions-${server}`);
    await sessions.locator('summary').click();
    expect(await sessions.getByTestId(`session-${session}`).textContent()).toContain('/brokers/ids/1');
    // The controller watches /controller (exists with a watch) through its session's server.
    await page.getByTestId('znode-/controller').click();
    await expect
      .poll(() => page.getByTestId('znode-watchers').textContent())
      .toContain(`${session} via ${server}`);
    // Back to the registration: the Korean test reads its explanation.
    await page.getByTestId('znode-/brokers/ids/1').click();
    await expect.poll(() => page.getByTestId('znode-path').textContent()).toBe('/brokers/ids/1');
    await screenshot('1-english');
  });

  it('switching to Korean changes the labels (and back)', async () => {
    await page.getByTestId('lang-ko').click();
    await expect
      .poll(() => page.locator('[data-testid="panel-ensemble"] h2').textContent())
      .toBe('주키퍼 앙상블');
    expect(await page.locator('html').getAttribute('lang')).toBe('ko');
    expect(await page.getByTestId('quorum-summary').textContent()).toBe(
      '서버 3대 중 3대가 서비스 중 · 쿼럼에는 2대가 필요',
    );
    expect(await page.locator('[data-testid="panel-topics"] h2').textContent()).toBe('토픽과 파티션');
    expect(await page.getByTestId('znode-help').textContent()).toContain('브로커 에포크');
    // The glossary: English term, Korean term, and the meaning in the chosen language.
    await page.locator('[data-testid="panel-glossary"] summary').click();
    const quorumRow = page.locator('#glossary tr', { hasText: 'quorum' }).first();
    expect(await quorumRow.textContent()).toContain('쿼럼');
    expect(await quorumRow.textContent()).toContain('앙상블의 과반수');
    await screenshot('2-korean');
    await page.getByTestId('lang-en').click();
    await expect
      .poll(() => page.locator('[data-testid="panel-ensemble"] h2').textContent())
      .toBe('ZooKeeper ensemble');
  });

  it('produces a keyed record from the page: it lands in the murmur2 partition of its key, and reading that partition lists it', async () => {
    const key = 'user-42';
    const expected = partitionForKey(new TextEncoder().encode(key), 2);
    const admin = new Admin({ brokers: bootstrap });
    let offset: bigint;
    try {
      offset = (await admin.listOffsets('orders')).find((entry) => entry.partition === expected)!.latest;
    } finally {
      await admin.close();
    }
    await page.getByTestId('panel-produce').scrollIntoViewIfNeeded();
    await expect.poll(() => page.getByTestId('produce-topic').inputValue()).toBe('orders');
    await page.getByTestId('produce-key').fill(key);
    await page.getByTestId('produce-value').fill('hello from the page');
    await page.getByTestId('produce-partitioner').selectOption('default');
    await page.getByTestId('produce-acks').selectOption('all');
    await page.getByTestId('produce-send').click();
    const landed = page.getByTestId('produce-landed');
    await landed.waitFor();
    expect(await landed.getAttribute('data-partition')).toBe(String(expected));
    expect(await landed.getAttribute('data-offset')).toBe(String(offset));
    expect(await landed.textContent()).toContain(`Landed in partition ${expected} at offset ${offset}`);
    // The arithmetic, and the pipeline from our Producer's trace events.
    expect(await page.getByTestId('produce-hash').textContent()).toMatch(
      new RegExp(`murmur2\\("user-42"\\) = -?\\d+ .* % 2 = partition ${expected}$`),
    );
    const stages = await page.locator('[data-testid="pipeline"] .stage-name').allTextContents();
    expect(stages).toEqual([
      'serializer',
      'partitioner',
      'batch (accumulator)',
      'sender → broker',
      'acknowledged',
    ]);
    expect(await page.locator('[data-stage="ack"]').textContent()).toContain(`base offset ${offset}`);
    // The partition's view: its LEO moves past the record, and the record is marked there.
    await expect
      .poll(() => page.getByTestId(`offsets-orders-${expected}-broker1`).textContent(), { timeout: 10_000 })
      .toContain(`LEO ${offset + 1n}`);
    expect(await page.getByTestId(`landed-orders-${expected}`).textContent()).toBe(`✉ ${offset}`);

    // Consume: the partition it landed in is already chosen.
    expect(await page.getByTestId('consume-partition').inputValue()).toBe(String(expected));
    await page.getByTestId('consume-from').selectOption('beginning');
    await page.getByTestId('consume-read').click();
    const row = page.getByTestId(`record-${offset}`);
    await row.waitFor();
    expect(await row.textContent()).toContain(key);
    expect(await row.textContent()).toContain('hello from the page');
    expect(await row.getAttribute('class')).toContain('mine');
    await page.getByTestId('panel-produce').screenshot({ path: path.join(shots, '5-produce-consume.png') });
  });

  it('creates a topic from the page; round-robin spreads keyed records over all its partitions', async () => {
    // Creating a topic writes znodes: the followers' ACK counters on the leader's card climb.
    const ack = page.locator('[data-testid^="zk-"][data-role="LEADING"] [data-testid^="ack-"]').first();
    const ackedCounter = async () =>
      Number(/ACKed up to \d+:(\d+)/.exec((await ack.textContent()) ?? '')![1]);
    const ackedBefore = await ackedCounter();
    await page.getByTestId('new-topic').locator('summary').click();
    await page.getByTestId('new-topic-name').fill('clicks');
    await page.getByTestId('new-topic-partitions').fill('3');
    await page.getByTestId('new-topic-rf').fill('1');
    await page.getByTestId('create-topic').click();
    await page.getByTestId('partition-leader-clicks-2').waitFor({ timeout: 10_000 });
    await expect.poll(ackedCounter).toBeGreaterThan(ackedBefore);
    // And the rates, measured over the last polls of this epoch: commits on the leader, ACKs per follower.
    const leaderCard = page.locator('[data-testid^="zk-"][data-role="LEADING"]');
    expect(await leaderCard.locator('[data-testid^="rate-commit-"]').textContent()).toMatch(
      /^committing \d+(\.\d)? proposals\/s$/,
    );
    expect(await leaderCard.locator('[data-testid^="rate-ack-"]').first().textContent()).toMatch(
      /^zk\d: \d+(\.\d)? ACKs\/s$/,
    );
    await leaderCard.screenshot({ path: path.join(shots, '5a-leader-card-rates.png') });
    await expect.poll(() => page.getByTestId('produce-topic').inputValue()).toBe('clicks');
    // A second time: a clear 409 from the server, shown as an error.
    const again = await page.evaluate(async () => {
      const response = await fetch('/api/topics', {
        method: 'POST',
        headers: { 'x-kzlab-dashboard': '1', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'clicks', partitions: 3, replicationFactor: 1 }),
      });
      return { status: response.status, body: (await response.json()) as { error: { code: string } } };
    });
    expect(again).toEqual({
      status: 409,
      body: { error: expect.objectContaining({ code: 'TOPIC_ALREADY_EXISTS' }) },
    });

    await page.getByTestId('produce-key').fill('same-key');
    await page.getByTestId('produce-count').fill('6');
    await page.getByTestId('produce-partitioner').selectOption('round-robin');
    await page.getByTestId('produce-send').click();
    await expect
      .poll(() => page.getByTestId('produce-landed').textContent())
      .toContain('6 records → partitions 0, 1, 2');
    expect(await page.locator('[data-stage="partitioner"]').textContent()).toContain('(round-robin)');
    expect(await page.locator('[data-stage="partitioner"]').textContent()).not.toContain('murmur2');
    // The partition view read before is read again: now the first partition this send reached.
    await expect
      .poll(() => page.getByTestId('consume-summary').textContent())
      .toMatch(/^clicks-[012]: log start offset 0, high watermark 2 · 2 record\(s\) shown$/);
    await page.getByTestId('produce-count').fill('1');
    await page.getByTestId('produce-partitioner').selectOption('default');
  });

  it('the consumer groups panel shows a test consumer’s group: member, assignment, committed offset and lag', async () => {
    const consumer = new Consumer({
      brokers: bootstrap,
      groupId: 'page-readers',
      clientId: 'test-reader',
      autoOffsetReset: 'earliest',
      autoCommit: false,
    });
    const producer = new Producer({ brokers: bootstrap, acks: 'all' });
    try {
      consumer.subscribe({ topics: ['orders'] });
      const deadline = Date.now() + 15_000;
      let read = 0;
      while (read === 0 && Date.now() < deadline) read += (await consumer.poll(500)).length;
      expect(read).toBeGreaterThan(0);
      await consumer.commit();
      // Three more records to partition 0 after the commit: the group lags by three there.
      await producer.send({
        topic: 'orders',
        messages: [0, 1, 2].map((i) => ({ partition: 0, key: null, value: `late ${i}` })),
      });
      const group = page.getByTestId('group-page-readers');
      await group.waitFor({ timeout: 10_000 });
      await expect.poll(() => group.getAttribute('data-state'), { timeout: 10_000 }).toBe('Stable');
      expect(await group.textContent()).toContain('test-reader');
      expect(await group.textContent()).toContain('orders-0');
      await expect
        .poll(
          () =>
            page
              .getByTestId('group-lag-page-readers-orders-0')
              .locator('[data-testid="lag-value"]')
              .textContent(),
          {
            timeout: 10_000,
          },
        )
        .toBe('3');
      await expect
        .poll(() => page.getByTestId('group-total-lag-page-readers').textContent())
        .toBe('total lag 3');
      await expect
        .poll(() => page.getByTestId('timeline').textContent())
        .toContain('Group page-readers rebalanced: 1 member(s), assignor range');
      await page.getByTestId('panel-groups').screenshot({ path: path.join(shots, '6-consumer-groups.png') });
      // The 50 partitions of __consumer_offsets are folded away, after the learner's topics.
      expect(await page.getByTestId('topic-__consumer_offsets').getAttribute('open')).toBeNull();
      expect(
        await page.getByTestId('topic-__consumer_offsets').locator(':scope > summary').textContent(),
      ).toContain('internal topic, 50 partition(s)');
    } finally {
      await producer.close();
      await consumer.close();
    }
    await expect
      .poll(() => page.getByTestId('group-page-readers').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('Empty');
    await expect
      .poll(() => page.getByTestId('timeline').textContent())
      .toContain('Group page-readers is Empty');
    // In Korean too.
    await page.getByTestId('lang-ko').click();
    await expect
      .poll(() => page.locator('[data-testid="panel-produce"] h2').textContent())
      .toBe('프로듀스와 컨슘');
    expect(await page.locator('[data-testid="panel-groups"] h2').textContent()).toBe('컨슈머 그룹');
    expect(await page.getByTestId('produce-send').textContent()).toBe('보내기');
    expect(await page.getByTestId('produce-landed').textContent()).toContain('레코드 6개 → 파티션 0, 1, 2');
    expect(await page.getByTestId('timeline').textContent()).toContain('그룹 page-readers 리밸런스');
    await screenshot('7-korean-whole-page');
    await page.getByTestId('panel-produce').screenshot({ path: path.join(shots, '8-korean-produce.png') });
    await page.getByTestId('panel-groups').screenshot({ path: path.join(shots, '9-korean-groups.png') });
    await page.getByTestId('lang-en').click();
    // The lag trend is kept by the server: a reloaded page draws it again, with more than one point.
    await page.reload();
    await expect
      .poll(async () =>
        Number(await page.getByTestId('group-lag-trend-page-readers').getAttribute('data-points')),
      )
      .toBeGreaterThan(1);
    await page
      .getByTestId('panel-groups')
      .screenshot({ path: path.join(shots, '9b-groups-after-reload.png') });
  });

  it('pause and resume a follower; partition it away and heal it', async () => {
    const follower = (await page
      .locator('[data-testid^="zk-"][data-role="FOLLOWING"]')
      .first()
      .getAttribute('data-testid'))!.slice('zk-'.length);
    const card = page.getByTestId(`zk-${follower}`);
    // Cards are replaced only when what they show changes: the other follower's card (its role, epoch and
    // zxid stay the same) survives the pause and resume of this one.
    const otherFollower = (await page
      .locator(`[data-testid^="zk-"][data-role="FOLLOWING"]:not([data-testid="zk-${follower}"])`)
      .getAttribute('data-testid'))!;
    await page.getByTestId(otherFollower).evaluate((element) => element.setAttribute('data-mark', 'kept'));
    const otherFollowerText = await page.getByTestId(otherFollower).innerText();

    await page.getByTestId(`pause-${follower}`).click();
    await expect.poll(() => card.getAttribute('data-role'), { timeout: 15_000 }).toBe('PAUSED');
    await page.getByTestId(`resume-${follower}`).click();
    await expect
      .poll(() => card.getAttribute('data-role'), { timeout: ELECTION_DEADLINE_MS })
      .toBe('FOLLOWING');
    // The timeline shades the fault period: the pause is inside it, the resume ends it.
    const faultTimeline = page.getByTestId('timeline');
    expect(await faultTimeline.locator('.entry.kind-node-pause').first().getAttribute('class')).toContain(
      'during-fault',
    );
    expect(
      await faultTimeline.locator('.entry.kind-node-resume').first().getAttribute('class'),
    ).not.toContain('during-fault');
    // Unless what it shows did change: a ZooKeeper client (the broker, the dashboard's tree reader) that
    // was connected to the paused server moves over, and its client connection count goes up.
    if ((await page.getByTestId(otherFollower).innerText()) === otherFollowerText)
      expect(await page.getByTestId(otherFollower).getAttribute('data-mark')).toBe('kept');

    await page.getByTestId(`partition-${follower}`).click();
    const others = ['zk1', 'zk2', 'zk3'].filter((name) => name !== follower);
    // It is cut off from both others and from the broker's session on it; each of them only from it.
    await expect
      .poll(() => page.getByTestId(`cut-${follower}`).textContent(), { timeout: 15_000 })
      .toBe(`✂ cut off from broker1, ${others.join(', ')}`);
    expect(await page.getByTestId(`cut-${others[0]}`).textContent()).toBe(`✂ cut off from ${follower}`);
    // Cut off from the other two, it cannot follow anyone: it looks for a leader until healed.
    await expect
      .poll(() => card.getAttribute('data-role'), { timeout: ELECTION_DEADLINE_MS })
      .toBe('LOOKING');
    expect(await page.locator('[data-role="LEADING"]').count()).toBe(1);
    // While LOOKING its card shows the vote it would send now: a proposed leader, its zxid, the round.
    await expect.poll(() => card.textContent()).toMatch(/votes now forzk[123] · \d+:\d+ · #\d+/);
    await screenshot('3-follower-partitioned');
    await page.getByTestId(`heal-${follower}`).click();
    await expect.poll(() => card.textContent(), { timeout: 15_000 }).not.toContain('cut off');
    await expect
      .poll(() => card.getAttribute('data-role'), { timeout: ELECTION_DEADLINE_MS })
      .toBe('FOLLOWING');
    const timeline = await page.getByTestId('timeline').textContent();
    expect(timeline).toContain(`${follower} paused (SIGSTOP)`);
    expect(timeline).toContain(`${follower} resumed (SIGCONT)`);
    expect(timeline).toContain('Network partition:');
    expect(timeline).toContain(`Links healed: ${follower} |`);

    // A broker too: cut off from every ZooKeeper server (its session), until healed.
    await page.getByTestId('partition-broker1').click();
    await expect
      .poll(() => page.getByTestId('cut-broker1').textContent(), { timeout: 15_000 })
      .toBe('✂ cut off from zk1, zk2, zk3');
    await page
      .getByTestId('panel-brokers')
      .screenshot({ path: path.join(shots, '3b-broker-partitioned.png') });
    expect(await page.getByTestId('heal-broker1').getAttribute('title')).toBe(
      "Reconnect this node's links.",
    );
    await page.getByTestId('heal-broker1').click();
    await expect
      .poll(() => page.getByTestId('broker-broker1').textContent(), { timeout: 15_000 })
      .not.toContain('cut off');
  });

  it('a drill from the page: predict, watch its steps, read its verdict (in English and Korean)', async () => {
    await page.getByTestId('drill-select').selectOption('zk-leader-kill');
    const panel = page.getByTestId('drill');
    await expect.poll(() => panel.textContent()).toContain('What happens when the ZooKeeper leader dies?');
    // A wrong prediction on purpose: the page says so and marks the right answer.
    await page.getByTestId('drill-choice-b').click();
    const verdict = page.getByTestId('drill-verdict');
    await verdict.waitFor({ timeout: ELECTION_DEADLINE_MS });
    expect(await verdict.getAttribute('data-verdict')).toBe('pass');
    expect(await verdict.textContent()).toContain('Your prediction [b] was wrong: the answer is [a].');
    expect(await page.getByTestId('drill-measured').textContent()).toMatch(/electionMs\d+/);
    expect(await page.getByTestId('drill-steps').textContent()).toMatch(/leads after \d+ ms/);
    expect(await page.getByTestId('drill-choice-a').getAttribute('class')).toContain('answer');
    await screenshot('4-drill');
    await page.getByTestId('lang-ko').click();
    await expect.poll(() => verdict.textContent()).toContain('통과: 랩이 확인 조건대로 움직였습니다');
    expect(await page.getByTestId('drill-explanation').textContent()).toContain('리더 선출');
    await page.getByTestId('lang-en').click();
    // The drill brought the old leader back: three servers serve again.
    await expect
      .poll(() => page.getByTestId('quorum-summary').textContent(), { timeout: ELECTION_DEADLINE_MS })
      .toBe('3 of 3 servers serving · a quorum needs 2');
  });

  it('kill on the leader: it goes DOWN, another server becomes LEADING, and the timeline says so', async () => {
    const leaderCard = page.locator('[data-testid^="zk-"][data-role="LEADING"]');
    const leader = (await leaderCard.getAttribute('data-testid'))!.slice('zk-'.length);
    await page.getByTestId(`kill-${leader}`).click();
    // What to expect is said before it happens.
    await expect
      .poll(() => page.locator('.toast.expect').allTextContents())
      .toContainEqual(expect.stringContaining('elect a new one with a higher epoch'));
    await page.locator(`[data-testid="zk-${leader}"][data-role="DOWN"]`).waitFor({ timeout: 15_000 });
    const newLeaderCard = page.locator(
      `[data-testid^="zk-"][data-role="LEADING"]:not([data-testid="zk-${leader}"])`,
    );
    await newLeaderCard.waitFor({ timeout: ELECTION_DEADLINE_MS });
    const newLeader = (await newLeaderCard.getAttribute('data-testid'))!.slice('zk-'.length);
    expect(newLeader).not.toBe(leader);
    expect(await page.locator('[data-role="LEADING"]').count()).toBe(1);
    await expect
      .poll(() => page.getByTestId('quorum-summary').textContent(), { timeout: 15_000 })
      .toBe('2 of 3 servers serving · a quorum needs 2');
    const timeline = page.getByTestId('timeline');
    await expect
      .poll(() => timeline.textContent(), { timeout: 10_000 })
      .toContain(`${leader} killed (SIGKILL)`);
    await expect
      .poll(() => timeline.textContent(), { timeout: 10_000 })
      .toMatch(new RegExp(`${newLeader} is the new ZooKeeper leader \\(epoch \\d+\\)`));
    // The election's votes stay in the timeline: both survivors voted for the new leader.
    for (const voter of ['zk1', 'zk2', 'zk3'].filter((name) => name !== leader))
      await expect
        .poll(() => timeline.textContent(), { timeout: 10_000 })
        .toMatch(new RegExp(`${voter} voted for ${newLeader} \\(zxid \\d+:\\d+, round \\d+\\)`));
    expect(await page.getByTestId(`zk-${newLeader}`).textContent()).toMatch(
      new RegExp(`voted for${newLeader} · \\d+:\\d+ · #\\d+`),
    );
    // The node filter keeps only that node's entries.
    await page.getByTestId('timeline-filter').selectOption(leader);
    const texts = await page.locator('[data-testid="timeline"] li .text').allTextContents();
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.every((text) => text.includes(leader))).toBe(true);
    await page.getByTestId('timeline-filter').selectOption('');
    await screenshot('5-after-killing-the-leader');
  });
});
