// The page's client panels: produce (with the partitioner's arithmetic and the producer's pipeline
// trace), consume a partition, create a topic, and the consumer groups. app.js owns the state and the
// language; it calls render*() when they change, setLagHistory() with each snapshot and setGroups() on
// each `groups` event.

const HEADER = { 'x-kzlab-dashboard': '1', 'content-type': 'application/json' };

export function initClientPanels({ t, esc, getState, toast, renderTopics }) {
  const $ = (id) => document.getElementById(id);
  let groups = null;
  /**
   * The server's lag history (lag-history.ts): groupId → samples {at, totalLag, partitions}, oldest first.
   * Replaced by each snapshot, extended by the samples of each `groups` event as the server extended it.
   */
  let lagHistory = { windowMs: 10 * 60_000, capacity: 600, groups: {} };
  /** The last send: { topic, partitions: Map<partition, offsets[]> } — marked in the topics panel. */
  let landed = null;
  let lastProduce = null;
  let lastConsume = null;
  let consumeError = null;
  let produceError = null;
  /** A topic just created from the page: chosen as soon as the state shows it. */
  let pendingTopic = null;

  async function postJson(url, body) {
    // The header keeps other sites' pages from posting here (it needs a CORS preflight nobody grants).
    const response = await fetch(url, { method: 'POST', headers: HEADER, body: JSON.stringify(body) });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.error?.message ?? `HTTP ${response.status}`);
    return answer;
  }

  function userTopics() {
    const state = getState();
    return (state?.topics ?? []).filter((topic) => !topic.name.startsWith('__'));
  }

  function fillSelect(select, values, labels = values) {
    const current = select.value;
    const html = values
      .map((value, i) => `<option value="${esc(value)}">${esc(labels[i])}</option>`)
      .join('');
    if (select.dataset.html !== html) {
      select.innerHTML = html;
      select.dataset.html = html;
    }
    if (values.includes(current)) select.value = current;
  }

  // -------------------------------------------------------------------------------------------------
  // Topic choices (redrawn when the topics change)

  function renderTopicChoices() {
    const state = getState();
    if (!state) return;
    const noBrokers = state.lab.bootstrap === '';
    $('client-unavailable').hidden = !noBrokers;
    $('client-unavailable').textContent = noBrokers ? t('client.nobrokers') : '';
    const names = userTopics().map((topic) => topic.name);
    const produceTopic = $('produce-topic');
    if (names.length === 0) fillSelect(produceTopic, [''], [t('produce.notopics')]);
    else fillSelect(produceTopic, names);
    if (names.length === 0) $('new-topic').open = true;
    fillSelect($('consume-topic'), names);
    renderPartitionChoices();
  }

  /** The topic just created, chosen in both panels once the state lists it. */
  function choosePendingTopic() {
    if (pendingTopic === null || !userTopics().some((topic) => topic.name === pendingTopic)) return;
    $('produce-topic').value = pendingTopic;
    $('consume-topic').value = pendingTopic;
    renderPartitionChoices();
    pendingTopic = null;
  }

  function renderPartitionChoices() {
    const topic = userTopics().find((candidate) => candidate.name === $('consume-topic').value);
    const partitions = (topic?.partitions ?? []).map((partition) => String(partition.partition));
    fillSelect($('consume-partition'), partitions);
  }

  // -------------------------------------------------------------------------------------------------
  // Produce

  function renderExplain() {
    const partitioner = $('produce-partitioner').value;
    const acks = $('produce-acks').value;
    $('produce-explain').textContent = `${t(`explain.${partitioner}`)} ${t(`explain.acks.${acks}`)}`;
  }

  function stage(name, lines, kind = '') {
    return `<li class="stage ${kind}" data-stage="${esc(name)}"><span class="stage-name">${esc(t(`stage.${name}`))}</span>${lines
      .map((line) => `<span class="stage-line">${esc(line)}</span>`)
      .join('')}</li>`;
  }

  /** The producer's trace events as the five stages of kafka-zk-era.md §5.1. */
  function pipeline(result) {
    const events = result.trace;
    const of = (type) => events.filter((event) => event.type === type);
    const serialized = of('record.serialized');
    const partitioned = of('record.partitioned');
    const first = serialized[0];
    const more = (list) => (list.length > 1 ? ` (×${list.length})` : '');
    const serializerLines = first
      ? [
          (first.keyBytes === null
            ? t('stage.serialized.nokey', { value: first.valueBytes ?? 0 })
            : t('stage.serialized', { key: first.keyBytes, value: first.valueBytes ?? 0 })) +
            more(serialized),
        ]
      : [];
    const partitionerLines = [
      ...[...new Set(partitioned.map((event) => `${event.partition}\u0000${event.strategy}`))].map(
        (entry) => {
          const [partition, strategy] = entry.split('\u0000');
          return t('stage.partitioned', { partition, strategy: t(`strategy.${strategy}`) });
        },
      ),
      ...of('sticky.switch').map((event) => t('stage.switch', event)),
    ];
    const batchLines = of('batch.ready').map(
      (event) => `p${event.partition}: ${t('stage.batched', { ...event, reason: event.reason })}`,
    );
    const sent = of('request.sent');
    const completed = of('request.completed');
    const senderLines = [
      ...sent.map((event) =>
        t('stage.sent', { node: event.nodeId, acks: event.acks === -1 ? 'all' : event.acks }),
      ),
      ...completed.map((event) =>
        event.errors.length > 0
          ? t('stage.error', { error: event.errors.join(', ') })
          : t('stage.completed', { latency: Math.round(event.latencyMs) }),
      ),
      // A retry after a lost or late answer may write the record twice (at-least-once, not idempotent).
      ...of('batch.retry').map((event) => t('stage.retry', event)),
    ];
    const ackLines =
      result.acks === '0'
        ? [t('stage.noanswer')]
        : of('batch.completed').map((event) =>
            t('stage.offset', { partition: event.partition, offset: event.baseOffset }),
          );
    const failed = of('batch.failed').map((event) => t('stage.error', { error: event.error }));
    return `<ol class="pipeline" data-testid="pipeline">${[
      stage('serializer', serializerLines),
      stage('partitioner', partitionerLines),
      stage('batch', batchLines),
      stage('sender', senderLines),
      stage('ack', [...ackLines, ...failed], failed.length > 0 ? 'bad' : 'ok'),
    ].join('<li class="arrow" aria-hidden="true">→</li>')}</ol>`;
  }

  function renderProduceResult() {
    const box = $('produce-result');
    if (produceError !== null) {
      box.innerHTML = `<p class="verdict bad">${esc(t('produce.failed', { message: produceError }))}</p>`;
      return;
    }
    const result = lastProduce;
    if (!result) {
      box.innerHTML = '';
      return;
    }
    const first = result.records[0];
    let headline;
    if (result.records.length === 1) {
      headline =
        result.acks === '0'
          ? t('produce.landed.noack', { partition: first.partition })
          : t('produce.landed', { partition: first.partition, offset: first.offset });
    } else {
      const partitions = [...new Set(result.records.map((record) => record.partition))].sort((a, b) => a - b);
      headline = t('produce.landed.many', {
        count: result.records.length,
        partitions: partitions.join(', '),
      });
    }
    const hash =
      result.keyHash && result.partitioner === 'default'
        ? `<p class="hash" data-testid="produce-hash"><code>${esc(
            t('produce.hash', {
              key: result.key,
              hash: result.keyHash.murmur2,
              positive: result.keyHash.positive,
              count: result.keyHash.partitionCount,
              partition: result.keyHash.partition,
            }),
          )}</code></p>`
        : result.key === null
          ? `<p class="hash muted">${esc(t('produce.nokey'))}</p>`
          : '';
    box.innerHTML = `
      <p class="landed" data-testid="produce-landed" data-partition="${first.partition}" data-offset="${esc(first.offset)}">
        <span class="landed-topic">${esc(result.topic)}</span> ${esc(headline)}</p>
      ${hash}
      ${pipeline(result)}`;
  }

  async function produce(event) {
    event.preventDefault();
    const topic = $('produce-topic').value;
    if (topic === '') {
      $('new-topic').open = true;
      $('new-topic-name').focus();
      return;
    }
    const button = $('produce-send');
    button.disabled = true;
    // acks=all waits for every in-sync replica; a dead leader can take the delivery timeout (15 s).
    $('produce-result').innerHTML = `<p class="muted">${esc(t('produce.sending'))}</p>`;
    try {
      lastProduce = await postJson('/api/produce', {
        topic,
        key: $('produce-key').value,
        value: $('produce-value').value,
        partitioner: $('produce-partitioner').value,
        acks: $('produce-acks').value,
        count: Math.max(1, Math.min(100, Number($('produce-count').value) || 1)),
      });
      produceError = null;
      const partitions = new Map();
      for (const record of lastProduce.records) {
        if (!partitions.has(record.partition)) partitions.set(record.partition, []);
        partitions.get(record.partition).push(record.offset);
      }
      landed = { topic, partitions };
      // Reading the partition it landed in shows it there.
      $('consume-topic').value = topic;
      renderPartitionChoices();
      $('consume-partition').value = String(lastProduce.records[0].partition);
    } catch (error) {
      produceError = error.message;
    } finally {
      button.disabled = false;
    }
    renderProduceResult();
    renderTopics();
    // A partition already being read is read again, now with the new record(s); another one is cleared.
    if (lastConsume !== null && produceError === null) void consume();
  }

  function clearConsume() {
    lastConsume = null;
    consumeError = null;
    renderConsumeResult();
  }

  /** HTML for the topics panel: "sent from this page" next to the partition(s) the last send reached. */
  function landedChip(topic, partition) {
    const offsets = landed?.topic === topic ? landed.partitions.get(partition) : undefined;
    if (offsets === undefined) return '';
    const known = offsets.filter((offset) => offset !== '-1');
    const text =
      known.length === 0 ? '✉' : `✉ ${known.length === 1 ? known[0] : `${known[0]}…${known.at(-1)}`}`;
    return ` <span class="chip landed-chip" data-testid="landed-${esc(topic)}-${partition}" title="${esc(t('produce.history'))}">${esc(text)}</span>`;
  }

  async function createTopic() {
    const name = $('new-topic-name').value.trim();
    const partitions = Number($('new-topic-partitions').value);
    const replicationFactor = Number($('new-topic-rf').value);
    const button = $('create-topic');
    button.disabled = true;
    try {
      const created = await postJson('/api/topics', { name, partitions, replicationFactor });
      toast(t('topic.created', created), 'ok');
      $('new-topic').open = false;
      // The topic shows in the state with the next poll (or already did, before this answer): choose it
      // as soon as it is there.
      pendingTopic = name;
      choosePendingTopic();
    } catch (error) {
      toast(t('topic.failed', { message: error.message }), 'error');
    } finally {
      button.disabled = false;
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Consume

  function renderConsumeResult() {
    const box = $('consume-result');
    if (consumeError !== null) {
      box.innerHTML = `<p class="verdict bad">${esc(t('consume.failed', { message: consumeError }))}</p>`;
      return;
    }
    const result = lastConsume;
    if (!result) {
      box.innerHTML = '';
      return;
    }
    const mine = landed?.topic === result.topic ? (landed.partitions.get(result.partition) ?? []) : [];
    const summary = `<p class="muted" data-testid="consume-summary">${esc(
      t('consume.summary', {
        topic: result.topic,
        partition: result.partition,
        start: result.logStartOffset,
        hw: result.highWatermark,
        count: result.records.length,
      }),
    )}</p>`;
    if (result.records.length === 0) {
      box.innerHTML = `${summary}<p class="empty">${esc(t('consume.empty'))}</p>`;
      return;
    }
    box.innerHTML = `${summary}
      <table class="records" data-testid="consume-records">
        <thead><tr><th>${esc(t('consume.offset'))}</th><th>${esc(t('consume.key'))}</th><th>${esc(t('consume.value'))}</th><th>${esc(t('consume.time'))}</th></tr></thead>
        <tbody>${result.records
          .map(
            (
              record,
            ) => `<tr data-testid="record-${esc(record.offset)}" class="${mine.includes(record.offset) ? 'mine' : ''}">
              <td class="num">${esc(record.offset)}</td>
              <td>${record.key === null ? `<span class="muted">${esc(t('consume.nokey'))}</span>` : esc(record.key)}</td>
              <td class="value">${record.value === null ? '<span class="muted">null</span>' : esc(record.value)}</td>
              <td class="muted">${esc(new Date(Number(record.timestamp)).toLocaleTimeString())}</td></tr>`,
          )
          .join('')}</tbody>
      </table>`;
  }

  async function consume(event) {
    event?.preventDefault();
    const topic = $('consume-topic').value;
    const partition = Number($('consume-partition').value);
    if (topic === '' || $('consume-partition').value === '') return;
    try {
      lastConsume = await postJson('/api/consume', {
        topic,
        partition,
        from: $('consume-from').value,
        limit: 20,
      });
      consumeError = null;
    } catch (error) {
      consumeError = error.message;
    }
    renderConsumeResult();
  }

  // -------------------------------------------------------------------------------------------------
  // Consumer groups

  /**
   * A lag trend over time: `samples` [{at, value}], x from the first sample's time to the last's, over a
   * zero line (so a flat trend reads as "steady at some lag", not as nothing).
   */
  function sparkline(samples, { width = 90, height = 22, testid = '' } = {}) {
    if (samples.length < 2) return '';
    const max = Math.max(1, ...samples.map((sample) => sample.value));
    const first = samples[0].at;
    const span = Math.max(1, samples[samples.length - 1].at - first);
    const points = samples
      .map(
        ({ at, value }) =>
          `${(((at - first) / span) * width).toFixed(1)},${(height - (value / max) * (height - 2) - 1).toFixed(1)}`,
      )
      .join(' ');
    return `<svg class="sparkline" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-hidden="true"${testid ? ` data-testid="${esc(testid)}"` : ''} data-points="${samples.length}"><line class="baseline" x1="0" y1="${height - 0.5}" x2="${width}" y2="${height - 0.5}"/><polyline points="${points}"/></svg>`;
  }

  /** The group's total-lag trend, with how long it spans (a reload shows the same: the server keeps it). */
  function lagTrend(groupId) {
    const samples = lagHistory.groups[groupId] ?? [];
    if (samples.length < 2) return '';
    const seconds = Math.round((samples[samples.length - 1].at - samples[0].at) / 1000);
    const span =
      seconds < 60
        ? t('group.trend.seconds', { seconds })
        : t('group.trend.minutes', { minutes: Math.round(seconds / 60) });
    return `<span class="lag-trend" title="${esc(t('group.trend.help'))}">${sparkline(
      samples.map((sample) => ({ at: sample.at, value: sample.totalLag })),
      { testid: `group-lag-trend-${groupId}` },
    )}<span class="muted">${esc(span)}</span></span>`;
  }

  /** One partition's lag trend, small, in its row. */
  function partitionTrend(groupId, key) {
    const samples = (lagHistory.groups[groupId] ?? []).flatMap((sample) =>
      key in sample.partitions ? [{ at: sample.at, value: sample.partitions[key] }] : [],
    );
    return sparkline(samples, { width: 60, height: 16 });
  }

  function renderGroups() {
    const box = $('groups');
    if (!groups) {
      box.innerHTML = '';
      return;
    }
    const error = groups.error
      ? `<p class="stale">${esc(t('groups.error', { error: groups.error }))}</p>`
      : '';
    if (groups.groups.length === 0) {
      box.innerHTML = `${error}<p class="empty">${esc(t('groups.none'))}</p>`;
      return;
    }
    box.innerHTML =
      error +
      groups.groups
        .map((group) => {
          const ownerOf = new Map(group.members.map((member) => [member.memberId, member.clientId]));
          const members =
            group.members.length === 0
              ? `<p class="muted">${esc(t('group.nomembers'))}</p>`
              : `<ul class="members">${group.members
                  .map(
                    (
                      member,
                    ) => `<li><strong>${esc(member.clientId)}</strong> <code class="muted" title="memberId">${esc(member.memberId.slice(-12))}</code>
                      <span class="muted">${esc(member.clientHost)}</span> · ${esc(t('group.assigned'))}:
                      ${member.assignment.map((tp) => `<span class="chip tp">${esc(tp.topic)}-${tp.partition}</span>`).join(' ') || '—'}</li>`,
                  )
                  .join('')}</ul>`;
          const maxLag = Math.max(1, ...group.partitions.map((entry) => Number(entry.lag)));
          const rows = group.partitions
            .map(
              (
                entry,
              ) => `<tr data-testid="group-lag-${esc(group.groupId)}-${esc(entry.topic)}-${entry.partition}">
                <td>${esc(entry.topic)}-${entry.partition}</td>
                <td class="num">${entry.committedOffset === '-1' ? `<span class="muted">${esc(t('group.nocommit'))}</span>` : esc(entry.committedOffset)}</td>
                <td class="num">${esc(entry.logEndOffset)}</td>
                <td class="lag">${entry.lag === '0' ? '' : `<span class="lag-bar" style="width:${(100 * Number(entry.lag)) / maxLag}%"></span>`}<span class="num" data-testid="lag-value">${esc(entry.lag)}</span></td>
                <td class="trend">${partitionTrend(group.groupId, `${entry.topic}-${entry.partition}`)}</td>
                <td>${entry.memberId ? esc(ownerOf.get(entry.memberId) ?? entry.clientId ?? '') : '<span class="muted">—</span>'}</td></tr>`,
            )
            .join('');
          return `<article class="group state-${esc(group.state)}" data-testid="group-${esc(group.groupId)}" data-state="${esc(group.state)}">
            <header>
              <span class="node-name">${esc(group.groupId)}</span>
              <span class="role-badge group-state" title="${esc(t(`group.state.help.${group.state}`))}">${esc(group.state)}</span>
              <span class="muted">${esc(t('group.coordinator', { id: group.coordinatorId }))}</span>
              ${group.protocol ? `<span class="muted">${esc(t('group.assignor', { protocol: group.protocol }))}</span>` : ''}
              <span class="total-lag" data-testid="group-total-lag-${esc(group.groupId)}">${esc(t('group.totalLag', { lag: group.totalLag }))}</span>
              ${lagTrend(group.groupId)}
            </header>
            <h4>${esc(t('group.members', { count: group.members.length }))}</h4>
            ${members}
            ${
              rows === ''
                ? ''
                : `<table class="group-offsets"><thead><tr><th>${esc(t('group.partition'))}</th><th>${esc(t('group.committed'))}</th><th>${esc(t('group.logEnd'))}</th><th>${esc(t('group.lag'))}</th><th title="${esc(t('group.trend.help'))}">${esc(t('group.trend.column'))}</th><th>${esc(t('group.owner'))}</th></tr></thead><tbody>${rows}</tbody></table>`
            }
          </article>`;
        })
        .join('');
  }

  /** Extend the history with the samples the server just recorded, trimmed and pruned as it did. */
  function addSamples(samples) {
    const next = {};
    for (const [groupId, sample] of Object.entries(samples)) {
      const since = sample.at - lagHistory.windowMs;
      const kept = (lagHistory.groups[groupId] ?? []).filter((old) => old.at > since && old.at < sample.at);
      next[groupId] = [...kept, sample].slice(-lagHistory.capacity);
    }
    lagHistory = { ...lagHistory, groups: next };
  }

  function setGroups(next) {
    groups = next;
    // Only a poll's event carries samples (not the answer of GET /api/groups, which records none).
    if (next.error === null && next.samples) addSamples(next.samples);
    renderGroups();
  }

  function setLagHistory(history) {
    lagHistory = history;
    renderGroups();
  }

  // -------------------------------------------------------------------------------------------------

  $('produce-form').addEventListener('submit', (event) => void produce(event));
  $('consume-form').addEventListener('submit', (event) => void consume(event));
  $('create-topic').addEventListener('click', () => void createTopic());
  $('consume-topic').addEventListener('change', () => {
    renderPartitionChoices();
    clearConsume();
  });
  $('consume-partition').addEventListener('change', clearConsume);
  $('consume-from').addEventListener('change', clearConsume);
  $('produce-partitioner').addEventListener('change', renderExplain);
  $('produce-acks').addEventListener('change', renderExplain);
  void fetch('/api/groups')
    .then((response) => (response.ok ? response.json() : null))
    .then((answer) => {
      if (answer && groups === null) setGroups(answer);
    })
    .catch(() => {});

  return {
    landedChip,
    setGroups,
    setLagHistory,
    /** The topics changed: refresh the choices (and pick a topic just created). */
    renderTopicChoices() {
      renderTopicChoices();
      choosePendingTopic();
    },
    /** Everything, in the current language. */
    renderAll() {
      this.renderTopicChoices();
      renderExplain();
      renderProduceResult();
      renderConsumeResult();
      renderGroups();
    },
  };
}
