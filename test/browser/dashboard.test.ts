// The dashboard in a real browser (Debian's Chromium driven by playwright-core; browsers cannot be
// downloaded here): a small lab of three ZooKeeper servers and one broker as real processes, the dashboard
// server on a free port, and the page — it shows the three servers with exactly one LEADING, the topic's
// partition with its leader, the znode tree with the Kafka znodes explained; Korean changes the labels;
// clicking kill on the ZooKeeper leader's card makes another server the leader, in the cards and in the
// event timeline; a drill runs from the page to its verdict. Screenshots go to a temporary directory (printed), for a human to look at.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Admin } from '../../client/admin/index.ts';
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
    const admin = new Admin({ brokers: info.bootstrap });
    try {
      await admin.createTopics({ topics: [{ name: 'orders', numPartitions: 2, replicationFactor: 1 }] });
    } finally {
      await admin.close();
    }
    dashboard = await startDashboard({ cluster, host: '127.0.0.1', port: 0 });
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
  });

  it('shows the topic, its partitions and their leader; the broker is the controller', async () => {
    await expect
      .poll(() => page.getByTestId('partition-leader-orders-0').textContent(), { timeout: 20_000 })
      .toContain('broker1');
    await expect.poll(() => page.getByTestId('partition-leader-orders-1').textContent()).toContain('broker1');
    await expect.poll(() => page.getByTestId('broker-broker1').getAttribute('data-controller')).toBe('true');
    await expect.poll(() => page.getByTestId('controller').textContent()).toContain('Controller: broker1');
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

    await page.getByTestId(`pause-${follower}`).click();
    await expect.poll(() => card.getAttribute('data-role'), { timeout: 15_000 }).toBe('PAUSED');
    await page.getByTestId(`resume-${follower}`).click();
    await expect
      .poll(() => card.getAttribute('data-role'), { timeout: ELECTION_DEADLINE_MS })
      .toBe('FOLLOWING');
    expect(await page.getByTestId(otherFollower).getAttribute('data-mark')).toBe('kept');

    await page.getByTestId(`partition-${follower}`).click();
    const others = ['zk1', 'zk2', 'zk3'].filter((name) => name !== follower);
    // It is cut off from both others; each of them only from it.
    await expect
      .poll(() => page.getByTestId(`cut-${follower}`).textContent(), { timeout: 15_000 })
      .toBe(`✂ cut off from ${others.join(', ')}`);
    expect(await page.getByTestId(`cut-${others[0]}`).textContent()).toBe(`✂ cut off from ${follower}`);
    // Cut off from the other two, it cannot follow anyone: it looks for a leader until healed.
    await expect
      .poll(() => card.getAttribute('data-role'), { timeout: ELECTION_DEADLINE_MS })
      .toBe('LOOKING');
    expect(await page.locator('[data-role="LEADING"]').count()).toBe(1);
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
    // The node filter keeps only that node's entries.
    await page.getByTestId('timeline-filter').selectOption(leader);
    const texts = await page.locator('[data-testid="timeline"] li .text').allTextContents();
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.every((text) => text.includes(leader))).toBe(true);
    await page.getByTestId('timeline-filter').selectOption('');
    await screenshot('5-after-killing-the-leader');
  });
});
