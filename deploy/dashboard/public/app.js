// The dashboard page: one EventSource (/api/stream) keeps `state` and `journal` current; each panel is
// redrawn from them when its part of the state changes or the language switches. Fault buttons POST to
// /api/nodes/<node>/<action>. The drills panel lists /api/drills; a prediction starts one
// (POST /api/drills/<name>/run) and its `drill` events on the stream fill in steps and verdict.
// No framework, no build step.

import { initClientPanels } from './client-panels.js';
import { CATALOGUES, GLOSSARY, LANGUAGES, format, znodeHelp } from './i18n.js';

const MAX_JOURNAL = 500;
const DEFAULT_COLLAPSED = ['/zookeeper'];

let lang = LANGUAGES.includes(localStorage.getItem('kzlab.lang')) ? localStorage.getItem('kzlab.lang') : 'en';
let state = null;
let journal = [];
let selectedZnode = '/controller';
const collapsed = new Set(DEFAULT_COLLAPSED);
/** node name → action in flight */
const pending = new Map();
/** The drills the server offers (GET /api/drills), the one chosen, and the last run shown. */
let drills = [];
let chosenDrill = null;
/** {drill, predicted, steps: [], report?, error?, running} */
let drillRun = null;

// ---------------------------------------------------------------------------------------------------
// Helpers

function t(key, params) {
  const text = CATALOGUES[lang][key] ?? CATALOGUES.en[key] ?? key;
  return params === undefined ? text : format(text, params);
}

function esc(value) {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function $(id) {
  return document.getElementById(id);
}

function clock(ms) {
  const date = new Date(Number(ms));
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function zxidText(decimal) {
  const value = BigInt(decimal);
  return `0x${value.toString(16)} (${value >> 32n}:${value & 0xffffffffn})`;
}

// ---------------------------------------------------------------------------------------------------
// Static labels and language

function applyLanguage() {
  document.documentElement.lang = lang;
  for (const element of document.querySelectorAll('[data-i18n]'))
    element.textContent = t(element.dataset.i18n);
  for (const element of document.querySelectorAll('[data-i18n-title]'))
    element.title = t(element.dataset.i18nTitle);
  for (const element of document.querySelectorAll('[data-i18n-placeholder]'))
    element.placeholder = t(element.dataset.i18nPlaceholder);
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.classList.toggle('selected', button.dataset.lang === lang);
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
  }
  renderAll();
}

// ---------------------------------------------------------------------------------------------------
// Panels

function actionButton(node, action, extraClass = '', helpKey = `action.${action}.help`) {
  const busy = pending.has(node);
  return `<button type="button" class="action ${action} ${extraClass}" data-node="${esc(node)}" data-action="${action}"
    data-testid="${action}-${esc(node)}" title="${esc(t(helpKey))}" ${busy ? 'disabled' : ''}>${esc(t(`action.${action}`))}</button>`;
}

function nodeButtons(node, process, kind, cutOff) {
  const buttons = [];
  if (process === 'running' || process === 'starting') {
    buttons.push(actionButton(node, 'kill'), actionButton(node, 'pause'), actionButton(node, 'restart'));
  } else if (process === 'paused') {
    buttons.push(actionButton(node, 'resume'), actionButton(node, 'kill'));
  } else {
    buttons.push(actionButton(node, 'restart'));
  }
  buttons.push(
    cutOff
      ? actionButton(node, 'heal', 'heal-one')
      : actionButton(node, 'partition', '', `action.partition.${kind}.help`),
  );
  return `<div class="buttons">${buttons.join('')}</div>`;
}

/** What each keyed element was rendered from. */
const renderedHtml = new WeakMap();

/**
 * Puts one element per [key, html] entry into `container`, in order, replacing only those whose HTML
 * changed: a card that did not change keeps its DOM node, so a click or a hover on it is not interrupted
 * by an update elsewhere.
 */
function renderKeyed(container, entries) {
  const old = new Map();
  for (const element of container.children)
    if (element.dataset.key !== undefined) old.set(element.dataset.key, element);
  entries.forEach(([key, html], index) => {
    let element = old.get(key);
    if (element === undefined || renderedHtml.get(element) !== html) {
      const template = document.createElement('template');
      template.innerHTML = html.trim();
      const fresh = template.content.firstElementChild;
      fresh.dataset.key = key;
      renderedHtml.set(fresh, html);
      if (element !== undefined) element.replaceWith(fresh);
      element = fresh;
    }
    const current = container.children[index];
    if (current !== element) container.insertBefore(element, current ?? null);
  });
  while (container.children.length > entries.length) container.lastElementChild.remove();
}

function renderFacts() {
  if (!state) return;
  $('fact-connect').textContent = state.lab.connect;
  $('fact-bootstrap').textContent = state.lab.bootstrap || '—';
}

function renderEnsemble() {
  if (!state) return;
  const ensemble = state.ensemble;
  if (ensemble.size === 0) {
    // --zookeeper-connect: the brokers use a ZooKeeper the lab does not run.
    $('quorum').innerHTML =
      `<p class="empty">${esc(t('ensemble.external', { connect: state.lab.connect }))}</p>`;
    $('zk-servers').innerHTML = '';
    return;
  }
  const segments = ensemble.servers
    .map(
      (server) =>
        `<span class="seg role-${server.role}" title="${esc(server.name)}: ${esc(t(`role.${server.role}`))}"></span>`,
    )
    .join('');
  let verdict;
  if (!ensemble.hasQuorum) verdict = `<span class="verdict bad">${esc(t('quorum.lost'))}</span>`;
  else if (ensemble.survivesMoreFailures === 0)
    verdict = `<span class="verdict warn">${esc(t('quorum.survives.none'))}</span>`;
  else
    verdict = `<span class="verdict ok">${esc(t('quorum.survives', { count: ensemble.survivesMoreFailures }))}</span>`;
  $('quorum').innerHTML = `
    <div class="quorum-bar" style="--majority:${ensemble.majority};--size:${ensemble.size}">${segments}<span class="majority-mark" title="${esc(t('quorum.majority', ensemble))}"></span></div>
    <div class="quorum-text"><span data-testid="quorum-summary">${esc(t('quorum.summary', ensemble))}</span> ${verdict}</div>`;

  renderKeyed(
    $('zk-servers'),
    ensemble.servers.map((server) => {
      const alive = server.role !== 'DOWN' && server.role !== 'PAUSED';
      const rows = [
        ['field.epoch', server.currentEpoch ?? '—', 'field.epoch.help'],
        ['field.zxid', server.lastZxid ?? '—', 'field.zxid.help', server.lastZxidHex],
        ['field.zab', alive ? (server.zabState ?? '—') : '—'],
        [
          server.role === 'LOOKING' ? 'field.vote.looking' : 'field.vote',
          server.vote === null ? '—' : t('vote.text', server.vote),
          'field.vote.help',
        ],
        ['field.connections', alive ? (server.connections ?? '—') : '—'],
        ['field.znodes', alive ? (server.nodeCount ?? '—') : '—'],
      ];
      const html = `
      <article class="card zk role-${server.role} ${pending.has(server.name) ? 'busy' : ''}" data-testid="zk-${esc(server.name)}" data-role="${server.role}">
        <header>
          <span class="node-name">${esc(server.name)}</span>
          <span class="sid">myid ${server.sid}</span>
          <span class="role-badge role-${server.role}" data-testid="role-${esc(server.name)}" title="${esc(t(`role.help.${server.role}`) + (server.error ? ` (${server.error})` : ''))}">${esc(t(`role.${server.role}`))}</span>
        </header>
        <dl>${rows
          .map(
            ([label, value, help, title]) =>
              `<dt title="${esc(help ? t(help) : '')}">${esc(t(label))}</dt><dd title="${esc(title ?? '')}">${esc(value)}</dd>`,
          )
          .join('')}</dl>
        ${
          server.learners.length === 0
            ? ''
            : `${commitRateLine(server)}<ul class="learners" title="${esc(t('learners.help'))}">${server.learners
                .map(
                  (learner) =>
                    `<li class="${learner.synced ? 'synced' : 'syncing'}"><span>${esc(learner.name)}</span> <code>${esc(learner.phase)}</code> <span class="muted">${esc(learner.lastHeardAgoSeconds === 0 ? t('learners.now') : t('learners.heard', { seconds: learner.lastHeardAgoSeconds }))}</span>${ackLine(learner)}</li>`,
                )
                .join('')}</ul>`
        }
        ${sessionList(server)}
        <footer>
          <span class="process process-${server.process}">${esc(t(`process.${server.process}`))}${server.pid ? ` · pid ${server.pid}` : ''}</span>
          ${server.cutOff ? `<span class="chip cut" data-testid="cut-${esc(server.name)}" title="${esc(t('cutoff.help'))}">✂ ${esc(t('cutoff', { peers: server.cutFrom.join(', ') }))}</span>` : ''}
        </footer>
        ${nodeButtons(server.name, server.process, 'zookeeper', server.cutOff)}
      </article>`;
      return [server.name, html];
    }),
  );
}

/** A per-second rate as the server rounded it (one decimal): whole from 10 up, '—' while unknown. */
function formatRate(rate) {
  if (rate === null) return '—';
  return rate >= 10 ? String(Math.round(rate)) : String(rate);
}

/** On the leader's card: how many proposals per second it commits (flowing writes). */
function commitRateLine(server) {
  return `<div class="zab-rate${server.committedPerSecond ? ' flowing' : ''}" data-testid="rate-commit-${esc(server.name)}" title="${esc(t('rate.help'))}">${esc(
    t('rate.committed', { rate: formatRate(server.committedPerSecond) }),
  )}</div>`;
}

/** What a follower ACKed of the leader's proposals: the zxid, how many it still owes, and how fast it ACKs. */
function ackLine(learner) {
  if (learner.acked === null) return `<div class="ack muted">${esc(t('learners.noack'))}</div>`;
  const rate = `<span class="ack-rate${learner.acksPerSecond ? ' flowing' : ''}" data-testid="rate-ack-${esc(learner.name)}" title="${esc(t('rate.help'))}">${esc(
    t('rate.acks', { node: learner.name, rate: formatRate(learner.acksPerSecond) }),
  )}</span>`;
  return `<div class="ack" data-testid="ack-${esc(learner.name)}" title="${esc(t('learners.ack.help'))}">${esc(
    t('learners.acked', { zxid: learner.acked }),
  )}${learner.behind === null ? '' : ` · <span class="${learner.behind > 0 ? 'behind' : ''}">${esc(t('learners.behind', { count: learner.behind }))}</span>`} · ${rate}</div>`;
}

/** Servers whose sessions list the learner opened; kept across redraws. */
const openSessions = new Set();

/** The ephemeral znodes of each session, from the tree: session id (hex) → paths. */
function ephemeralsBySession() {
  const owned = new Map();
  for (const node of state?.tree?.nodes ?? []) {
    if (node.stat.ephemeralOwner === '0x0') continue;
    if (!owned.has(node.stat.ephemeralOwner)) owned.set(node.stat.ephemeralOwner, []);
    owned.get(node.stat.ephemeralOwner).push(node.path);
  }
  return owned;
}

/** The client sessions connected to a server (AdminServer `cons`), each with its timeout and ephemerals. */
function sessionList(server) {
  if (server.sessions.length === 0) return '';
  const owned = ephemeralsBySession();
  const items = server.sessions
    .map((session) => {
      const paths = owned.get(session.sessionId) ?? [];
      return `<li data-testid="session-${esc(session.sessionId)}"><code>${esc(session.sessionId)}</code> <span class="muted">${esc(t('sessions.timeout', { seconds: session.timeoutMs / 1000 }))} · ${esc(t('sessions.from', { remote: session.remote }))}</span>${
        paths.length === 0
          ? ''
          : `<div class="session-ephemerals">${esc(t('sessions.ephemerals'))} ${paths.map((path) => `<code>${esc(path)}</code>`).join(' ')}</div>`
      }</li>`;
    })
    .join('');
  return `<details class="sessions" data-sessions="${esc(server.name)}" data-testid="sessions-${esc(server.name)}" ${openSessions.has(server.name) ? 'open' : ''}>
    <summary title="${esc(t('sessions.help'))}">${esc(t('sessions.summary', { count: server.sessions.length }))}</summary>
    <ul>${items}</ul>
  </details>`;
}

function renderBrokers() {
  if (!state) return;
  const controller = state.controller;
  $('controller').innerHTML =
    controller.brokerId === null
      ? `<span class="verdict bad">${esc(t('controller.none'))}</span>`
      : `<span class="crown">♛</span> ${esc(t('controller.line', { broker: controller.broker, epoch: controller.epoch ?? '—' }))}`;
  if (state.brokers.length === 0) {
    $('brokers').innerHTML = '';
    return;
  }
  renderKeyed(
    $('brokers'),
    state.brokers.map((broker) => {
      const registered = broker.registered
        ? `<span class="chip ok" title="${esc(t('badge.registered.help', { id: broker.id }))}">/brokers/ids/${broker.id} ✓</span>`
        : `<span class="chip bad" title="${esc(t('badge.unregistered.help', { id: broker.id }))}">${esc(t('badge.unregistered'))}</span>`;
      const html = `
      <article class="card broker ${broker.isController ? 'is-controller' : ''} proc-${broker.process} ${pending.has(broker.name) ? 'busy' : ''}" data-testid="broker-${esc(broker.name)}" data-controller="${broker.isController}">
        <header>
          <span class="node-name">${esc(broker.name)}</span>
          <span class="sid">broker.id ${broker.id}</span>
          ${broker.isController ? `<span class="role-badge controller">♛ ${esc(t('badge.controller'))}</span>` : ''}
        </header>
        <dl>
          <dt>${esc(t('field.port'))}</dt><dd>${broker.kafkaPort}</dd>
          <dt title="${esc(t('field.brokerEpoch.help'))}">${esc(t('field.brokerEpoch'))}</dt><dd>${esc(broker.brokerEpoch ?? '—')}</dd>
        </dl>
        <footer>
          <span class="process process-${broker.process}">${esc(t(`process.${broker.process}`))}${broker.pid ? ` · pid ${broker.pid}` : ''}</span>
          ${registered}
        </footer>
        ${broker.cutOff ? `<span class="chip cut" data-testid="cut-${esc(broker.name)}" title="${esc(t('cutoff.broker.help'))}">✂ ${esc(t('cutoff', { peers: broker.cutFrom.join(', ') }))}</span>` : ''}
        ${nodeButtons(broker.name, broker.process, 'broker', broker.cutOff)}
      </article>`;
      return [broker.name, html];
    }),
  );
}

function offsetBars(partition) {
  const numbers = partition.replicas.flatMap((replica) =>
    [replica.logEndOffset, replica.highWatermark].filter((value) => value !== null).map(Number),
  );
  const scale = Math.max(1, ...numbers);
  const leaderReplica = partition.replicas.find(
    (replica) => replica.isLeader && replica.logEndOffset !== null,
  );
  const leaderLeo = leaderReplica ? Number(leaderReplica.logEndOffset) : null;
  return partition.replicas
    .map((replica) => {
      if (replica.logEndOffset === null) {
        return `<div class="bar-row"><span class="bar-name">${esc(replica.broker)}</span><span class="muted">${esc(t('topics.nooffsets'))}</span></div>`;
      }
      const leo = Number(replica.logEndOffset);
      const hw = Number(replica.highWatermark ?? 0);
      const start = Number(replica.logStartOffset ?? 0);
      return `<div class="bar-row" data-testid="offsets-${esc(partition.topic)}-${partition.partition}-${esc(replica.broker)}">
        <span class="bar-name">${esc(replica.broker)}</span>
        <span class="bar-track" title="log start ${esc(replica.logStartOffset)} · LEO ${esc(replica.logEndOffset)} · HW ${esc(replica.highWatermark)}">
          <span class="bar-start" style="width:${(100 * start) / scale}%"></span>
          <span class="bar-fill ${replica.isLeader ? 'leader' : ''} ${replica.inIsr ? '' : 'out'}" style="left:${(100 * start) / scale}%;width:${(100 * (leo - start)) / scale}%"></span>
          <span class="bar-hw" style="left:${(100 * hw) / scale}%"></span>
        </span>
        <span class="bar-numbers">LEO ${esc(replica.logEndOffset)} · HW ${esc(replica.highWatermark ?? '—')}${
          !replica.isLeader && leaderLeo !== null && leaderLeo > leo
            ? ` · ${esc(t('topics.lag', { lag: leaderLeo - leo }))}`
            : ''
        }</span>
      </div>${segmentList(partition, replica)}`;
    })
    .join('');
}

/** Replicas (`topic-partition-broker`) whose segment list the learner opened; kept across redraws. */
const openSegments = new Set();

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** A replica's log on its broker: the directory and each segment file (base offset, size), folded. */
function segmentList(partition, replica) {
  if (replica.segments.length === 0) return '';
  const key = `${partition.topic}-${partition.partition}-${replica.broker}`;
  const total = replica.segments.reduce((sum, segment) => sum + segment.sizeBytes, 0);
  const rows = replica.segments
    .map((segment, index) => {
      const file = segment.file.slice(segment.file.lastIndexOf('/') + 1);
      const active = index === replica.segments.length - 1;
      return `<tr><td class="mono">${esc(segment.baseOffset)}</td><td class="mono" title="${esc(segment.file)}">${esc(file)}${
        active ? ` <span class="chip">${esc(t('segments.active'))}</span>` : ''
      }</td><td class="mono num">${esc(formatBytes(segment.sizeBytes))}</td></tr>`;
    })
    .join('');
  return `<details class="segments" data-segments="${esc(key)}" data-testid="segments-${esc(key)}" ${openSegments.has(key) ? 'open' : ''}>
    <summary title="${esc(t('segments.help'))}">${esc(t('segments.summary', { count: replica.segments.length, size: formatBytes(total) }))}</summary>
    <div class="muted mono segments-dir">${esc(replica.dir ?? '')}</div>
    <table><thead><tr><th>${esc(t('segments.baseOffset'))}</th><th>${esc(t('segments.file'))}</th><th>${esc(t('segments.size'))}</th></tr></thead>
    <tbody>${rows}</tbody></table>
  </details>`;
}

function renderTopics() {
  if (!state) return;
  if (state.topics.length === 0) {
    $('topics').innerHTML = `<p class="empty">${esc(t('topics.none'))}</p>`;
    return;
  }
  // Internal topics (__consumer_offsets: 50 partitions) come last, folded unless opened.
  const topics = [...state.topics].sort(
    (a, b) => Number(a.name.startsWith('__')) - Number(b.name.startsWith('__')),
  );
  renderKeyed(
    $('topics'),
    topics.map((topic) => [
      topic.name,
      topicBox(
        topic,
        `
      <table>
        <thead><tr>
          <th>${esc(t('topics.partition'))}</th><th>${esc(t('topics.leader'))}</th><th>${esc(t('topics.leaderEpoch'))}</th>
          <th>${esc(t('topics.replicas'))}</th><th class="offsets-col">${esc(t('topics.offsets'))}</th>
        </tr></thead>
        <tbody>${topic.partitions
          .map((partition) => {
            const leaderName =
              partition.replicas.find((replica) => replica.isLeader)?.broker ??
              (partition.leader === null ? null : `broker${partition.leader}`);
            const flags = [
              partition.offline
                ? `<span class="chip bad" title="${esc(t('topics.offline.help'))}">${esc(t('topics.offline'))}</span>`
                : '',
              partition.underReplicated && !partition.offline
                ? `<span class="chip warn" title="${esc(t('topics.urp.help'))}">${esc(t('topics.urp'))}</span>`
                : '',
            ].join('');
            const chips = partition.replicas
              .map(
                (replica) =>
                  `<span class="replica ${replica.inIsr ? 'in-isr' : 'out-isr'} ${replica.isLeader ? 'is-leader' : ''}" title="${esc(replica.broker)}: ${esc(t(replica.inIsr ? 'replica.inIsr' : 'replica.outIsr'))}${replica.isLeader ? ` · ${esc(t('replica.leader'))}` : ''}">${replica.isLeader ? '★ ' : ''}${replica.brokerId}</span>`,
              )
              .join('');
            return `<tr data-testid="partition-${esc(topic.name)}-${partition.partition}">
              <td class="pnum">${partition.partition}${clientPanels.landedChip(topic.name, partition.partition)}</td>
              <td data-testid="partition-leader-${esc(topic.name)}-${partition.partition}">${leaderName === null ? '—' : `<strong>${esc(leaderName)}</strong>`} ${flags}</td>
              <td>${partition.leaderEpoch ?? '—'}</td>
              <td class="replicas">${chips}</td>
              <td class="offsets">${offsetBars(partition)}</td>
            </tr>`;
          })
          .join('')}</tbody>
      </table>`,
      ),
    ]),
  );
}

/** Topic names whose folded box (internal topics) the learner opened. */
const openTopics = new Set();

function topicBox(topic, table) {
  if (!topic.name.startsWith('__'))
    return `<div class="topic" data-testid="topic-${esc(topic.name)}"><h3>${esc(topic.name)}</h3>${table}</div>`;
  return `<details class="topic internal" data-testid="topic-${esc(topic.name)}" data-topic="${esc(topic.name)}" ${openTopics.has(topic.name) ? 'open' : ''}>
    <summary><h3>${esc(topic.name)}</h3> <span class="muted">${esc(t('topics.internal', { count: topic.partitions.length }))}</span></summary>${table}</details>`;
}

function childrenIndex(nodes) {
  const children = new Map();
  for (const node of nodes) {
    if (node.path === '/') continue;
    const parent = node.path.slice(0, node.path.lastIndexOf('/')) || '/';
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(node);
  }
  return children;
}

function renderTree() {
  if (!state) return;
  const tree = state.tree;
  if (!tree || tree.nodes.length === 0) {
    $('tree').innerHTML =
      `<p class="empty">${esc(tree?.error ? t('tree.stale', { error: tree.error }) : t('tree.empty'))}</p>`;
    $('znode').innerHTML = '';
    return;
  }
  const byPath = new Map(tree.nodes.map((node) => [node.path, node]));
  const children = childrenIndex(tree.nodes);
  const rows = [];
  const walk = (node, depth) => {
    const name = node.path === '/' ? '/' : node.path.slice(node.path.lastIndexOf('/') + 1);
    const kids = children.get(node.path) ?? [];
    const open = !collapsed.has(node.path);
    const ephemeral = node.stat.ephemeralOwner !== '0x0';
    const help = znodeHelp(node.path, lang);
    const preview = node.data ? node.data.replace(/\s+/g, ' ').slice(0, 48) : '';
    rows.push([
      node.path,
      `<div class="znode-row ${node.path === selectedZnode ? 'selected' : ''} ${help ? 'kafka' : ''}" role="treeitem"
        data-path="${esc(node.path)}" data-testid="znode-${esc(node.path)}" style="--depth:${depth}" title="${esc(help ?? node.path)}">
        <span class="toggle" data-toggle="${esc(node.path)}">${kids.length > 0 ? (open ? '▾' : '▸') : ''}</span>
        <span class="znode-name">${esc(name)}</span>
        ${ephemeral ? `<span class="chip eph" title="${esc(t('tree.ephemeral.help'))}">E</span>` : ''}
        ${/\d{10}$/.test(name) ? `<span class="chip seq">${esc(t('tree.sequential'))}</span>` : ''}
        ${kids.length > 0 && !open ? `<span class="muted">(${kids.length})</span>` : ''}
        <span class="preview">${esc(preview)}</span>
      </div>`,
    ]);
    if (open) for (const child of kids) walk(child, depth + 1);
  };
  walk(byPath.get('/') ?? tree.nodes[0], 0);
  const notes = [
    tree.error ? `<p class="stale">${esc(t('tree.stale', { error: tree.error }))}</p>` : '',
    tree.truncated ? `<p class="stale">${esc(t('tree.truncated', { count: tree.nodes.length }))}</p>` : '',
  ].join('');
  // Rows keep their DOM nodes while unchanged (hover explanations stay up while the tree updates).
  renderKeyed($('tree'), [[' notes', `<div class="tree-notes">${notes}</div>`], ...rows]);
  renderZnode(byPath.get(selectedZnode));
}

/** Where an ephemeral znode's owning session is connected, with its timeout (from every server's `cons`). */
function ownerSession(sessionId) {
  for (const server of state?.ensemble.servers ?? []) {
    const session = server.sessions.find((candidate) => candidate.sessionId === sessionId);
    if (session)
      return `<p class="znode-owner" data-testid="znode-owner">${esc(
        t('tree.owner.session', {
          session: sessionId,
          timeout: session.timeoutMs,
          server: server.name,
          remote: session.remote,
        }),
      )}</p>`;
  }
  return `<p class="znode-owner muted" data-testid="znode-owner">${esc(t('tree.owner.gone', { session: sessionId }))}</p>`;
}

/** The sessions with a data watch on this path, and the server each set it through (`watches_by_path`). */
function watchers(path) {
  const entries = (state?.ensemble.servers ?? []).flatMap((server) =>
    (server.watches.find((watch) => watch.path === path)?.sessions ?? []).map((session) => ({
      session,
      server: server.name,
    })),
  );
  const body =
    entries.length === 0
      ? `<span class="muted">${esc(t('tree.watchers.none'))}</span>`
      : entries
          .map(
            (entry) =>
              `<code>${esc(entry.session)}</code> <span class="muted">${esc(t('tree.watcher.via', { server: entry.server }))}</span>`,
          )
          .join('<br>');
  return `<h4 title="${esc(t('tree.watchers.help'))}">${esc(t('tree.watchers'))}</h4><p class="znode-watchers" data-testid="znode-watchers">${body}</p>`;
}

/** The selected znode's detail again (its sessions and watchers come with the ensemble section). */
function refreshZnode() {
  if (!state?.tree) return;
  renderZnode(state.tree.nodes.find((node) => node.path === selectedZnode));
}

function renderZnode(node) {
  if (!node) {
    $('znode').innerHTML = `<p class="empty">${esc(t('tree.select'))}</p>`;
    return;
  }
  const help = znodeHelp(node.path, lang);
  const ephemeral = node.stat.ephemeralOwner !== '0x0';
  let data = node.data;
  if (data) {
    try {
      data = JSON.stringify(JSON.parse(data), null, 2);
    } catch {
      // not JSON: as it is
    }
  }
  const statRows = [
    ['czxid', zxidText(node.stat.czxid)],
    ['mzxid', zxidText(node.stat.mzxid)],
    ['pzxid', zxidText(node.stat.pzxid)],
    ['ctime', new Date(Number(node.stat.ctime)).toLocaleString(lang === 'ko' ? 'ko-KR' : 'en-GB')],
    ['mtime', new Date(Number(node.stat.mtime)).toLocaleString(lang === 'ko' ? 'ko-KR' : 'en-GB')],
    ['version', node.stat.version],
    ['cversion', node.stat.cversion],
    ['aversion', node.stat.aversion],
    ['ephemeralOwner', node.stat.ephemeralOwner],
    ['dataLength', node.stat.dataLength],
    ['numChildren', node.stat.numChildren],
  ];
  $('znode').innerHTML = `
    <h3 class="znode-path" data-testid="znode-path">${esc(node.path)}</h3>
    ${help ? `<p class="znode-help" data-testid="znode-help">${esc(help)}</p>` : ''}
    <p>${
      ephemeral
        ? `<span class="chip eph">${esc(t('tree.ephemeral'))}</span> ${esc(t('tree.owner', { session: node.stat.ephemeralOwner }))}`
        : `<span class="chip">${esc(t('tree.persistent'))}</span>`
    }</p>
    ${ephemeral ? ownerSession(node.stat.ephemeralOwner) : ''}
    ${watchers(node.path)}
    <h4>${esc(t('tree.data'))}</h4>
    <pre class="znode-data">${data ? esc(data) : `<span class="muted">${esc(t('tree.nodata'))}</span>`}${node.truncated ? '\n…' : ''}</pre>
    <h4>${esc(t('tree.stat'))}</h4>
    <table class="stat">${statRows
      .map(
        ([field, value]) =>
          `<tr><th>${field}</th><td>${esc(value)}</td><td class="muted">${esc(t(`stat.${field}`))}</td></tr>`,
      )
      .join('')}</table>`;
}

function journalNodes() {
  if (!state) return [];
  return [
    ...state.ensemble.servers.map((server) => server.name),
    ...state.brokers.map((broker) => broker.name),
  ];
}

function renderTimelineFilter() {
  const select = $('timeline-filter');
  const current = select.value;
  const options = [
    `<option value="">${esc(t('timeline.all'))}</option>`,
    ...journalNodes().map((name) => `<option value="${esc(name)}">${esc(name)}</option>`),
  ];
  select.innerHTML = options.join('');
  select.value = journalNodes().includes(current) ? current : '';
}

function entryText(entry) {
  const params = { ...entry.params };
  for (const key of ['groups', 'from', 'to'])
    if (Array.isArray(params[key])) params[key] = params[key].join(key === 'groups' ? ' | ' : ', ');
  for (const [key, value] of Object.entries(params)) if (value === null) params[key] = t('none');
  const kind = entry.kind === 'heal' && entry.params.groups?.length === 0 ? 'heal-all' : entry.kind;
  return t(`event.${kind}`, params);
}

/**
 * Fault periods, for shading the timeline: a kill or crash lasts until that node starts again, a pause
 * until its resume, a partition until a heal. Returns the seqs of entries that happened while a fault
 * was in effect (the fault's own entry included, its end excluded).
 */
function entriesDuringFaults(entries) {
  const down = new Set(); // nodes killed, crashed or paused
  let partitioned = false;
  const during = new Set();
  for (const entry of entries) {
    const node = entry.nodes[0];
    switch (entry.kind) {
      case 'node-kill':
      case 'node-crashed':
      case 'node-pause':
        down.add(node);
        break;
      case 'node-started':
      case 'node-resume':
        down.delete(node);
        break;
      case 'partition':
        partitioned = true;
        break;
      case 'heal':
        partitioned = false;
        break;
      case 'lab-stopped':
        down.clear();
        partitioned = false;
        break;
    }
    if (down.size > 0 || partitioned || entry.kind === 'node-kill' || entry.kind === 'node-pause') {
      during.add(entry.seq);
    }
  }
  return during;
}

function renderTimeline() {
  const filter = $('timeline-filter').value;
  const during = entriesDuringFaults(journal);
  const entries = journal
    .filter((entry) => filter === '' || entry.nodes.includes(filter))
    .slice(-200)
    .reverse();
  $('timeline').innerHTML =
    entries.length === 0
      ? `<li class="empty">${esc(t('timeline.empty'))}</li>`
      : entries
          .map(
            (
              entry,
            ) => `<li class="entry kind-${esc(entry.kind)} source-${entry.source}${during.has(entry.seq) ? ' during-fault' : ''}" data-kind="${esc(entry.kind)}" title="${esc(t(`source.${entry.source}`))}">
              <time>${clock(entry.at)}</time><span class="dot"></span><span class="text">${esc(entryText(entry))}</span></li>`,
          )
          .join('');
}

function renderGlossary() {
  $('glossary').innerHTML =
    `<thead><tr><th>English</th><th>한국어</th><th>${esc(t('glossary.meaning'))}</th></tr></thead><tbody>` +
    GLOSSARY.map(
      ([english, korean, meaningEn, meaningKo]) =>
        `<tr><td class="term">${esc(english)}</td><td class="term">${esc(korean)}</td><td>${esc(lang === 'ko' ? meaningKo : meaningEn)}</td></tr>`,
    ).join('') +
    '</tbody>';
}

function renderDrillSelect() {
  const select = $('drill-select');
  select.innerHTML = drills
    .map(
      (drill) =>
        `<option value="${esc(drill.name)}"${drill.name === chosenDrill ? ' selected' : ''}>${esc(drill.title[lang])}</option>`,
    )
    .join('');
}

function renderDrill() {
  const container = $('drill');
  const drill = drills.find((candidate) => candidate.name === chosenDrill);
  if (!drill) {
    container.innerHTML = '';
    return;
  }
  const run = drillRun?.drill === drill.name ? drillRun : null;
  const report = run?.report;
  const choices = drill.choices
    .map((choice) => {
      const classes = [
        run?.predicted === choice.id ? 'predicted' : '',
        report && report.answer === choice.id ? 'answer' : '',
      ].join(' ');
      return `<button type="button" class="${classes.trim()}" data-drill-choice="${esc(choice.id)}" data-testid="drill-choice-${esc(choice.id)}"${run?.running || drillRun?.running ? ' disabled' : ''}>[${esc(choice.id)}] ${esc(choice.text[lang])}</button>`;
    })
    .join('');
  const steps = (run?.steps ?? [])
    .map(
      (step) => `<li><span class="at">+${(step.atMs / 1000).toFixed(1)}s</span>${esc(step.text[lang])}</li>`,
    )
    .join('');
  let verdict = '';
  if (run?.running) verdict = `<p class="hint" data-testid="drill-running">${esc(t('drills.running'))}</p>`;
  if (run?.error)
    verdict = `<div class="drill-verdict fail" data-testid="drill-verdict" data-verdict="error">${esc(t('drills.error', { message: run.error }))}</div>`;
  if (report) {
    const prediction =
      report.predicted === null || report.predictionCorrect === null
        ? ''
        : `<p class="prediction">${esc(t(report.predictionCorrect ? 'drills.prediction.right' : 'drills.prediction.wrong', { id: report.predicted, answer: report.answer }))}</p>`;
    const measured = Object.entries(report.measured)
      .map(
        ([key, value]) =>
          `<span>${esc(key)}</span><span>${esc(typeof value === 'object' && value !== null ? JSON.stringify(value) : value)}</span>`,
      )
      .join('');
    const failures = report.failures.map((failure) => `<li>✗ ${esc(failure)}</li>`).join('');
    verdict = `<div class="drill-verdict ${report.verdict}" data-testid="drill-verdict" data-verdict="${report.verdict}">
      <h3>${esc(t(`drills.verdict.${report.verdict}`))}</h3>
      ${failures === '' ? '' : `<ul>${failures}</ul>`}
      ${prediction}
      <div class="fact-label">${esc(t('drills.measured'))}</div>
      <div class="measured" data-testid="drill-measured">${measured}</div>
      <p data-testid="drill-explanation">${esc(report.explanation[lang])}</p>
    </div>`;
  }
  container.innerHTML = `
    <p class="plan">${esc(drill.plan[lang])}</p>
    <p class="question">${esc(drill.question[lang])}</p>
    <p class="hint">${esc(t('drills.predict'))}</p>
    <div class="choices">${choices}</div>
    <ol class="steps" data-testid="drill-steps">${steps}</ol>
    ${verdict}`;
}

async function loadDrills() {
  try {
    const response = await fetch('/api/drills');
    const body = await response.json();
    drills = body.drills;
    if (chosenDrill === null && drills.length > 0) chosenDrill = drills[0].name;
    if (body.running !== null && drillRun === null)
      drillRun = { drill: body.running, predicted: null, steps: [], running: true };
  } catch (error) {
    toast(t('drills.error', { message: error.message }), 'error');
  }
  renderDrillSelect();
  renderDrill();
}

async function startDrill(choice) {
  const name = chosenDrill;
  drillRun = { drill: name, predicted: choice, steps: [], running: true };
  renderDrill();
  try {
    const response = await fetch(`/api/drills/${encodeURIComponent(name)}/run`, {
      method: 'POST',
      headers: { 'x-kzlab-dashboard': '1', 'content-type': 'application/json' },
      body: JSON.stringify({ predict: choice }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.error?.message ?? `HTTP ${response.status}`);
    }
  } catch (error) {
    drillRun = { ...drillRun, running: false, error: error.message };
    renderDrill();
  }
}

function onDrillEvent(event) {
  if (event.phase === 'started') {
    if (drillRun?.drill !== event.drill || !drillRun.running)
      drillRun = { drill: event.drill, predicted: event.predicted, steps: [], running: true };
  } else if (drillRun?.drill === event.drill) {
    if (event.phase === 'step') drillRun.steps.push(event.step);
    if (event.phase === 'done')
      drillRun = { ...drillRun, running: false, report: event.report, steps: event.report.steps };
    if (event.phase === 'error') drillRun = { ...drillRun, running: false, error: event.message };
  }
  if (drillRun?.drill === event.drill && chosenDrill !== event.drill) {
    chosenDrill = event.drill;
    renderDrillSelect();
  }
  renderDrill();
}

function renderAll() {
  renderDrillSelect();
  renderDrill();
  renderGlossary();
  renderFacts();
  renderEnsemble();
  renderBrokers();
  renderTopics();
  renderTree();
  renderTimelineFilter();
  renderTimeline();
  clientPanels.renderAll();
}

const SECTION_RENDERERS = {
  lab: [renderFacts],
  ensemble: [renderEnsemble, renderTimelineFilter, refreshZnode],
  brokers: [renderBrokers, renderTimelineFilter],
  controller: [renderBrokers],
  topics: [renderTopics, () => clientPanels.renderTopicChoices()],
  tree: [renderTree, renderEnsemble],
  links: [],
};

// ---------------------------------------------------------------------------------------------------
// Live updates

function connect() {
  const source = new EventSource('/api/stream');
  const linkState = $('link-state');
  source.addEventListener('snapshot', (message) => {
    const snapshot = JSON.parse(message.data);
    state = snapshot.state;
    journal = snapshot.journal.slice(-MAX_JOURNAL);
    if (snapshot.lagHistory) clientPanels.setLagHistory(snapshot.lagHistory);
    renderAll();
  });
  source.addEventListener('patch', (message) => {
    if (!state) return;
    const patch = JSON.parse(message.data);
    state = { ...state, at: patch.at, ...patch.sections };
    const renderers = new Set();
    for (const section of Object.keys(patch.sections))
      for (const render of SECTION_RENDERERS[section] ?? []) renderers.add(render);
    for (const render of renderers) render();
  });
  source.addEventListener('journal', (message) => {
    const entry = JSON.parse(message.data);
    if (journal.some((known) => known.seq === entry.seq)) return;
    journal.push(entry);
    if (journal.length > MAX_JOURNAL) journal = journal.slice(-MAX_JOURNAL);
    renderTimeline();
  });
  source.addEventListener('drill', (message) => onDrillEvent(JSON.parse(message.data)));
  source.addEventListener('groups', (message) => clientPanels.setGroups(JSON.parse(message.data)));
  source.addEventListener('open', () => {
    linkState.textContent = `● ${t('live')}`;
    linkState.className = 'link-state up';
  });
  source.addEventListener('error', () => {
    linkState.textContent = `○ ${t('reconnecting')}`;
    linkState.className = 'link-state down';
  });
}

// ---------------------------------------------------------------------------------------------------
// Buttons

function toast(text, kind) {
  const element = document.createElement('div');
  element.className = `toast ${kind}`;
  element.textContent = text;
  $('toasts').append(element);
  // The newest few only: the page stays readable during a burst of clicks.
  while ($('toasts').children.length > 4) $('toasts').firstElementChild.remove();
  setTimeout(() => element.remove(), kind === 'error' || kind === 'expect' ? 10_000 : 4000);
}

async function post(url) {
  // The header keeps other sites' pages from posting here (it needs a CORS preflight nobody grants).
  const response = await fetch(url, { method: 'POST', headers: { 'x-kzlab-dashboard': '1' } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error?.message ?? `HTTP ${response.status}`);
  return body;
}

/** What a learner should expect from `action` on `node`, given its role now (null: nothing to say). */
function expectation(node, action) {
  const server = state?.ensemble.servers.find((candidate) => candidate.name === node);
  if (server) {
    const role = server.role === 'LEADING' ? 'leader' : 'follower';
    return t(
      action === 'kill' || action === 'pause' || action === 'partition'
        ? `expect.zk.${action}.${role}`
        : `expect.zk.${action}`,
    );
  }
  const broker = state?.brokers.find((candidate) => candidate.name === node);
  if (broker) {
    const role = broker.isController ? 'controller' : 'broker';
    const key =
      action === 'kill' || action === 'pause' || action === 'partition'
        ? `expect.broker.${action}.${role}`
        : `expect.broker.${action}`;
    return CATALOGUES.en[key] === undefined ? null : t(key, { id: broker.id });
  }
  return null;
}

async function runAction(node, action) {
  const label = t(`action.${action}`);
  const shown = node === '*' ? t('heal.all.toast') : node;
  pending.set(node, action);
  renderEnsemble();
  renderBrokers();
  const expected = expectation(node, action);
  if (expected !== null) toast(expected, 'expect');
  try {
    if (node === '*') await post('/api/heal');
    else await post(`/api/nodes/${encodeURIComponent(node)}/${action}`);
    toast(t('action.done', { action: label, node: shown }), 'ok');
  } catch (error) {
    toast(t('action.failed', { action: label, node: shown, message: error.message }), 'error');
  } finally {
    pending.delete(node);
    renderEnsemble();
    renderBrokers();
  }
}

document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return;
  const langButton = target.closest('[data-lang]');
  if (langButton) {
    lang = langButton.dataset.lang;
    localStorage.setItem('kzlab.lang', lang);
    applyLanguage();
    return;
  }
  const choiceButton = target.closest('button[data-drill-choice]');
  if (choiceButton) {
    void startDrill(choiceButton.dataset.drillChoice);
    return;
  }
  const actionButtonElement = target.closest('button[data-action]');
  if (actionButtonElement) {
    void runAction(actionButtonElement.dataset.node, actionButtonElement.dataset.action);
    return;
  }
  if (target.closest('#heal-all')) {
    void runAction('*', 'heal');
    return;
  }
  const toggle = target.closest('[data-toggle]');
  if (toggle && toggle.textContent !== '') {
    const path = toggle.dataset.toggle;
    if (collapsed.has(path)) collapsed.delete(path);
    else collapsed.add(path);
    renderTree();
    return;
  }
  const row = target.closest('.znode-row');
  if (row) {
    selectedZnode = row.dataset.path;
    renderTree();
  }
});

$('timeline-filter').addEventListener('change', renderTimeline);
$('drill-select').addEventListener('change', (event) => {
  chosenDrill = event.target.value;
  renderDrill();
});
// `toggle` does not bubble: listen in the capture phase.
document.addEventListener(
  'toggle',
  (event) => {
    const sessions = event.target instanceof Element ? event.target.getAttribute('data-sessions') : null;
    if (sessions !== null) {
      if (event.target.open) openSessions.add(sessions);
      else openSessions.delete(sessions);
      return;
    }
    const segments = event.target instanceof Element ? event.target.getAttribute('data-segments') : null;
    if (segments !== null) {
      if (event.target.open) openSegments.add(segments);
      else openSegments.delete(segments);
      return;
    }
    const name = event.target instanceof Element ? event.target.getAttribute('data-topic') : null;
    if (name === null) return;
    if (event.target.open) openTopics.add(name);
    else openTopics.delete(name);
  },
  true,
);

// Produce, consume, topics and consumer groups (client-panels.js).
const clientPanels = initClientPanels({ t, esc, getState: () => state, toast, renderTopics });

applyLanguage();
connect();
void loadDrills();
