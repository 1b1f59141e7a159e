// The learner-facing part of `kzlab bench quorum`: the one-paragraph explanation of why a 5-server
// ensemble costs writes and what it buys (English and Korean, with this run's numbers), and a
// self-contained HTML page (inline SVG, no scripts, no network) with one bar chart per metric —
// kzlab vs Apache ZooKeeper, 3 vs 5 — min–max whiskers, our targets, CPU split and the raw runs.

import type { Spread } from './histogram.ts';
import {
  IMPL_LABEL,
  formatMetricValue,
  targetLabel,
  type CpuSummary,
  type MetricDef,
  type MetricKey,
  type QuorumBenchResult,
  type QuorumTarget,
} from './quorum-bench.ts';
import type { ZooKeeperImpl } from '../cluster/spec.ts';

// ---------------------------------------------------------------------------------------------
// The explanation

function median(result: QuorumBenchResult, impl: ZooKeeperImpl, size: number, key: MetricKey): number {
  return result.summary.metrics[`${impl}-${size}`]?.[key]?.median ?? Number.NaN;
}

function change(from: number, to: number): string {
  if (!Number.isFinite(from) || !Number.isFinite(to) || from === 0) return '';
  const pct = Math.round((100 * (to - from)) / from);
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct)} %`;
}

function num(value: number, unit: MetricDef['unit']): string {
  return formatMetricValue(value, unit);
}

/**
 * One paragraph: why the larger ensemble costs writes and what it buys, with the run's medians filled
 * in (smallest vs largest size; ours first, Apache's in parentheses when it ran).
 */
export function explainQuorumCost(result: QuorumBenchResult, lang: 'en' | 'ko'): string {
  const sizes = [...result.config.sizes].sort((a, b) => a - b);
  const small = sizes[0];
  const large = sizes[sizes.length - 1];
  const deepest = Math.max(...result.config.outstanding);
  const writeKey = `write@${deepest}` as MetricKey;
  const impls = [...new Set(result.targets.map((t) => t.impl))];
  const majority = (n: number): number => Math.floor(n / 2) + 1;
  const tolerated = (n: number): number => n - majority(n);

  const figure = (impl: ZooKeeperImpl, key: MetricKey, unit: MetricDef['unit']): string => {
    const a = median(result, impl, small, key);
    const b = median(result, impl, large, key);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return '';
    const c = change(a, b);
    return `${num(a, unit)} → ${num(b, unit)}${unit === 'ops/s' ? ' ops/s' : unit === 'ms' ? ' ms' : ''}${c === '' ? '' : `, ${c}`}`;
  };
  const both = (key: MetricKey, unit: MetricDef['unit'], apacheWord: string): string => {
    const ours = figure('kzlab', key, unit);
    const theirs = impls.includes('apache') ? figure('apache', key, unit) : '';
    if (ours === '' && theirs === '') return '';
    if (theirs === '') return ours;
    if (ours === '') return `${theirs} ${apacheWord}`;
    return `${ours} (${apacheWord}: ${theirs})`;
  };
  const survived = (impl: ZooKeeperImpl, n: number): string => {
    const v = median(result, impl, n, 'failuresSurvived');
    return Number.isFinite(v) ? num(v, 'servers') : '?';
  };
  const haveTwo = sizes.length >= 2;

  if (lang === 'en') {
    const parts: string[] = [];
    parts.push(
      `Every ZooKeeper write goes through the leader: it sends a PROPOSAL to every follower and commits once a majority, itself included, has logged the transaction to disk — ${majority(small)} of ${small} servers, ${majority(large)} of ${large}.`,
    );
    if (haveTwo) {
      parts.push(
        `With ${large} servers the leader sends and receives more messages for each write, waits for a larger majority, and on this one machine (${result.environment.cpus} cores) ${large} server processes share the CPU that ${small} shared.`,
      );
      const lat = both('writeP50Ms', 'ms', 'ZooKeeper 3.8');
      const thr = both(writeKey, 'ops/s', 'ZooKeeper 3.8');
      if (lat !== '' || thr !== '') {
        parts.push(
          `Measured here for kzlab, ${small} → ${large} servers: one-at-a-time write latency (p50) ${lat || 'n/a'}, pipelined writes at ${deepest} outstanding ${thr || 'n/a'}.`,
        );
      }
    }
    parts.push(
      'Reads never touch the quorum: each server answers from its own copy of the tree, so on separate machines read capacity grows with every server added (here every server and the client share the same cores, so it cannot).',
    );
    if (haveTwo) {
      parts.push(
        `What the extra servers buy is fault tolerance: a majority of ${large} survives ${tolerated(large)} failed server${tolerated(large) === 1 ? '' : 's'}, a majority of ${small} only ${tolerated(small)} (measured: ${survived('kzlab', large)} and ${survived('kzlab', small)}), so with ${large} servers you can take one down for an upgrade and still ride out a crash.`,
      );
      const outage = both('outageMs', 'ms', 'ZooKeeper 3.8');
      if (outage !== '') {
        parts.push(
          `Losing the leader costs a short write outage at either size while the survivors elect a new one; measured for kzlab, ${small} → ${large} servers: ${outage}.`,
        );
      }
    }
    return parts.join(' ');
  }

  const parts: string[] = [];
  parts.push(
    `ZooKeeper의 모든 쓰기는 리더를 거칩니다. 리더는 모든 팔로워에게 PROPOSAL을 보내고, 자기 자신을 포함한 과반수가 그 트랜잭션을 디스크에 기록하면 커밋합니다 — 서버 ${small}대에서는 ${majority(small)}대, ${large}대에서는 ${majority(large)}대입니다.`,
  );
  if (haveTwo) {
    parts.push(
      `서버가 ${large}대이면 쓰기 하나마다 리더가 주고받는 메시지가 늘고, 더 큰 과반수를 기다려야 하며, 이 머신 한 대(${result.environment.cpus}코어)에서는 ${small}개가 나눠 쓰던 CPU를 ${large}개의 서버 프로세스가 나눠 씁니다.`,
    );
    const lat = both('writeP50Ms', 'ms', 'ZooKeeper 3.8');
    const thr = both(writeKey, 'ops/s', 'ZooKeeper 3.8');
    if (lat !== '' || thr !== '') {
      parts.push(
        `여기서 kzlab을 ${small}대 → ${large}대로 측정한 결과, 한 번에 하나씩 보내는 쓰기의 지연(p50)은 ${lat || '측정 없음'}, 요청 ${deepest}개를 동시에 띄운 파이프라인 쓰기는 ${thr || '측정 없음'}입니다.`,
      );
    }
  }
  parts.push(
    '읽기는 쿼럼을 거치지 않습니다. 각 서버가 자기 트리 복사본으로 바로 답하므로, 서버들이 서로 다른 머신에 있다면 서버를 늘릴수록 읽기 용량이 커집니다(여기서는 모든 서버와 클라이언트가 같은 코어를 나눠 쓰므로 그렇게 되지 않습니다).',
  );
  if (haveTwo) {
    parts.push(
      `서버를 늘려서 얻는 것은 장애 내성입니다. ${large}대의 과반수는 서버 ${tolerated(large)}대가 죽어도 유지되지만 ${small}대는 ${tolerated(small)}대까지만 견딥니다(측정: ${survived('kzlab', large)}대, ${survived('kzlab', small)}대). 그래서 ${large}대라면 한 대를 업그레이드하느라 내려 둔 동안에도 또 한 대의 장애를 견딜 수 있습니다.`,
    );
    const outage = both('outageMs', 'ms', 'ZooKeeper 3.8');
    if (outage !== '') {
      parts.push(
        `리더를 잃으면 어느 크기든 남은 서버들이 새 리더를 뽑는 동안 짧게 쓰기가 멈춥니다. kzlab을 ${small}대 → ${large}대로 측정한 결과는 ${outage}입니다.`,
      );
    }
  }
  return parts.join(' ');
}

// ---------------------------------------------------------------------------------------------
// SVG charts

const COLORS: Readonly<Record<ZooKeeperImpl, string>> = { kzlab: '#2563eb', apache: '#ea580c' };
const TARGET_COLOR = '#b91c1c';

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** Axis maximum and tick step: 1, 2, 2.5 or 5 × 10^k, four to six ticks. */
export function niceScale(max: number): { max: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, step: 0.25 };
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  return { max: Math.ceil(max / step - 1e-9) * step, step };
}

function shortValue(value: number, unit: MetricDef['unit']): string {
  if (!Number.isFinite(value)) return '–';
  if (unit === 'ops/s')
    return value >= 1000 ? `${(value / 1000).toFixed(value >= 10_000 ? 0 : 1)}k` : `${Math.round(value)}`;
  return formatMetricValue(value, unit);
}

function isWhole(value: number): boolean {
  return Math.abs(value - Math.round(value)) < 1e-9;
}

/** An axis label: as few decimals as the tick step needs. */
export function tickLabel(value: number, step: number, unit: MetricDef['unit']): string {
  if (unit === 'ops/s')
    return value >= 1000 ? `${+(value / 1000).toFixed(step >= 1000 ? 0 : 1)}k` : `${Math.round(value)}`;
  const decimals = step >= 1 ? 0 : isWhole(step * 10) ? 1 : isWhole(step * 100) ? 2 : 3;
  return value.toFixed(decimals);
}

/** One metric: groups by ensemble size, one bar per implementation, min–max whiskers, kzlab targets. */
export function metricChartSvg(result: QuorumBenchResult, metric: MetricDef): string {
  const width = 360;
  const height = 230;
  const m = { left: 52, right: 12, top: 16, bottom: 36 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const sizes = [...result.config.sizes];
  const impls = [...new Set(result.targets.map((t) => t.impl))];
  const get = (impl: ZooKeeperImpl, size: number): Spread | undefined =>
    result.summary.metrics[`${impl}-${size}`]?.[metric.key];
  let top = 0;
  for (const size of sizes) {
    for (const impl of impls) {
      const s = get(impl, size);
      if (s !== undefined && Number.isFinite(s.max)) top = Math.max(top, s.max);
    }
    const goal = metric.target?.[size];
    if (goal !== undefined && impls.includes('kzlab')) top = Math.max(top, goal);
  }
  const scale = niceScale(top * 1.08);
  const y = (v: number): number => m.top + plotH - (plotH * Math.max(0, v)) / scale.max;
  const groupW = plotW / sizes.length;
  const barW = Math.min(46, (groupW * 0.7) / impls.length);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(metric.label)}">`,
  );
  for (let i = 0; i * scale.step <= scale.max + 1e-9; i++) {
    const v = i * scale.step;
    const yy = y(v).toFixed(1);
    out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${yy}" y2="${yy}" stroke="#e5e7eb"/>`);
    out.push(
      `<text x="${m.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="10" fill="#6b7280">${escapeHtml(tickLabel(v, scale.step, metric.unit))}</text>`,
    );
  }
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#9ca3af"/>`);
  sizes.forEach((size, g) => {
    const groupX = m.left + g * groupW;
    const barsW = barW * impls.length + 6 * (impls.length - 1);
    const start = groupX + (groupW - barsW) / 2;
    out.push(
      `<text x="${(groupX + groupW / 2).toFixed(1)}" y="${height - 14}" text-anchor="middle" font-size="11" fill="#111827">${size} servers</text>`,
    );
    impls.forEach((impl, i) => {
      const x = start + i * (barW + 6);
      const s = get(impl, size);
      if (s === undefined || !Number.isFinite(s.median)) {
        out.push(
          `<text x="${(x + barW / 2).toFixed(1)}" y="${(m.top + plotH - 4).toFixed(1)}" text-anchor="middle" font-size="9" fill="#9ca3af">n/a</text>`,
        );
        return;
      }
      const yTop = y(s.median);
      const title = `${IMPL_LABEL[impl]}, ${size} servers: median ${formatMetricValue(s.median, metric.unit)} ${metric.unit}, min ${formatMetricValue(s.min, metric.unit)}, max ${formatMetricValue(s.max, metric.unit)}, n=${s.n}`;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${yTop.toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.max(0.5, m.top + plotH - yTop).toFixed(1)}" fill="${COLORS[impl]}" fill-opacity="0.85"><title>${escapeHtml(title)}</title></rect>`,
      );
      if (s.n > 1 && s.max > s.min) {
        const cx = (x + barW / 2).toFixed(1);
        const y1 = y(s.min).toFixed(1);
        const y2 = y(s.max).toFixed(1);
        const capL = (x + barW / 2 - 6).toFixed(1);
        const capR = (x + barW / 2 + 6).toFixed(1);
        out.push(
          `<g stroke="#111827" stroke-width="1.2"><line x1="${cx}" x2="${cx}" y1="${y1}" y2="${y2}"/><line x1="${capL}" x2="${capR}" y1="${y1}" y2="${y1}"/><line x1="${capL}" x2="${capR}" y1="${y2}" y2="${y2}"/></g>`,
        );
      }
      const labelY = Math.max(m.top + 9, (s.n > 1 ? Math.min(yTop, y(s.max)) : yTop) - 4);
      out.push(
        `<text x="${(x + barW / 2).toFixed(1)}" y="${labelY.toFixed(1)}" text-anchor="middle" font-size="10" fill="#111827">${escapeHtml(shortValue(s.median, metric.unit))}</text>`,
      );
      const goal = metric.target?.[size];
      if (impl === 'kzlab' && goal !== undefined) {
        const yy = y(goal).toFixed(1);
        out.push(
          `<line x1="${(x - 4).toFixed(1)}" x2="${(x + barW + 4).toFixed(1)}" y1="${yy}" y2="${yy}" stroke="${TARGET_COLOR}" stroke-width="2" stroke-dasharray="4 3"><title>kzlab target: ${metric.better === 'lower' ? '≤' : '≥'} ${escapeHtml(formatMetricValue(goal, metric.unit))} ${metric.unit}</title></line>`,
        );
      }
    });
  });
  out.push('</svg>');
  return out.join('');
}

/** Stacked bars: where the cores went during one load phase, per target. */
export function cpuChartSvg(result: QuorumBenchResult, phase: string): string {
  const parts: { key: keyof CpuSummary; label: string; color: string }[] = [
    { key: 'client', label: 'client', color: '#6b7280' },
    { key: 'leader', label: 'leader', color: '#7c3aed' },
    { key: 'followers', label: 'followers', color: '#a78bfa' },
    { key: 'other', label: 'other tenants', color: '#d1d5db' },
  ];
  const targets = result.targets;
  const rowH = 22;
  const m = { left: 118, right: 44, top: 8, bottom: 24 };
  const width = 420;
  const height = m.top + m.bottom + rowH * targets.length;
  const plotW = width - m.left - m.right;
  const full = Math.max(100, result.environment.cpus * 100);
  const x = (pct: number): number => (plotW * pct) / full;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="CPU during ${escapeHtml(phase)}">`,
  ];
  for (let v = 0; v <= full; v += 50) {
    const xx = (m.left + x(v)).toFixed(1);
    out.push(`<line x1="${xx}" x2="${xx}" y1="${m.top}" y2="${height - m.bottom}" stroke="#e5e7eb"/>`);
    out.push(
      `<text x="${xx}" y="${height - m.bottom + 12}" text-anchor="middle" font-size="9" fill="#6b7280">${v}%</text>`,
    );
  }
  targets.forEach((t, i) => {
    const c = result.summary.cpu[t.name]?.[phase];
    const yy = m.top + i * rowH + 3;
    out.push(
      `<text x="${m.left - 6}" y="${yy + 12}" text-anchor="end" font-size="11" fill="${COLORS[t.impl]}">${escapeHtml(targetLabel(t))}</text>`,
    );
    if (c === undefined) return;
    let at = 0;
    let total = 0;
    for (const p of parts) {
      const v = c[p.key].median;
      if (!Number.isFinite(v) || v <= 0) continue;
      out.push(
        `<rect x="${(m.left + x(at)).toFixed(1)}" y="${yy}" width="${Math.max(0.5, x(v)).toFixed(1)}" height="${rowH - 6}" fill="${p.color}"><title>${escapeHtml(`${targetLabel(t)}, ${p.label}: ${Math.round(v)} % of a core`)}</title></rect>`,
      );
      at += v;
      total += v;
    }
    out.push(
      `<text x="${(m.left + x(Math.min(at, full)) + 4).toFixed(1)}" y="${yy + 12}" font-size="10" fill="#111827">${Math.round(total)}%</text>`,
    );
  });
  out.push('</svg>');
  const legend = parts
    .map(
      (p) =>
        `<span class="key"><span class="swatch" style="background:${p.color}"></span>${escapeHtml(p.label)}</span>`,
    )
    .join(' ');
  return `${out.join('')}<div class="legend">${legend}</div>`;
}

// ---------------------------------------------------------------------------------------------
// The page

function spreadText(s: Spread | undefined, unit: MetricDef['unit']): string {
  if (s === undefined || s.n === 0) return '–';
  const med = formatMetricValue(s.median, unit);
  if (s.n === 1 || s.min === s.max) return med;
  return `${med} <span class="range">[${formatMetricValue(s.min, unit)}–${formatMetricValue(s.max, unit)}]</span>`;
}

function resultTableHtml(result: QuorumBenchResult): string {
  const targets: QuorumTarget[] = result.targets;
  const head = `<tr><th>metric</th><th>unit</th>${targets.map((t) => `<th style="color:${COLORS[t.impl]}">${escapeHtml(targetLabel(t))}</th>`).join('')}<th>kzlab target</th></tr>`;
  const rows = result.metrics.map((metric) => {
    const cells = targets.map((t) => {
      const check = result.summary.checks.find(
        (c) => c.metric === metric.key && c.size === t.size && t.impl === 'kzlab',
      );
      const mark =
        check === undefined || check.met === null
          ? ''
          : check.met
            ? ' <span class="ok">✓</span>'
            : ' <span class="miss">✗</span>';
      return `<td>${spreadText(result.summary.metrics[t.name]?.[metric.key], metric.unit)}${mark}</td>`;
    });
    const kzSizes = result.config.sizes.filter((s) =>
      targets.some((t) => t.impl === 'kzlab' && t.size === s),
    );
    const goals = kzSizes.map((s) => metric.target?.[s]);
    const goal = goals.every((g) => g === undefined)
      ? ''
      : `${metric.better === 'lower' ? '≤' : '≥'} ${goals.map((g) => (g === undefined ? '–' : formatMetricValue(g, metric.unit))).join(' / ')}`;
    return `<tr><td>${escapeHtml(metric.label)}</td><td>${escapeHtml(metric.unit)}</td>${cells.join('')}<td>${escapeHtml(goal)}</td></tr>`;
  });
  return `<table class="results"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function runsTableHtml(result: QuorumBenchResult): string {
  const rows = result.runs.map((r) => {
    const outages = r.outages
      .map((o) => `${o.killed}: ${o.outageMs === null ? 'no write' : `${Math.round(o.outageMs)} ms`}`)
      .join(', ');
    const err = r.error === null ? '' : `<span class="miss">${escapeHtml(r.error.split('\n')[0])}</span>`;
    return (
      `<tr><td>${r.repetition + 1}.${r.order + 1}</td><td>${escapeHtml(`${IMPL_LABEL[r.impl]} ${r.size}`)}</td>` +
      `<td>${r.startToServingMs === null ? '–' : Math.round(r.startToServingMs)}</td><td>${escapeHtml(r.leader ?? '–')}</td>` +
      `<td>${escapeHtml(r.follower ?? '–')}</td><td>${escapeHtml(outages || '–')}</td>` +
      `<td>${r.failuresSurvived ?? '–'}</td><td>${err}</td></tr>`
    );
  });
  return (
    '<table class="runs"><thead><tr><th>rep.order</th><th>target</th><th>start ms</th><th>leader</th><th>session on</th>' +
    `<th>leader kills → outage</th><th>failures survived</th><th>error</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

export function renderQuorumHtml(result: QuorumBenchResult): string {
  const env = result.environment;
  const c = result.config;
  const impls = [...new Set(result.targets.map((t) => t.impl))];
  const legend = impls
    .map(
      (impl) =>
        `<span class="key"><span class="swatch" style="background:${COLORS[impl]}"></span>${escapeHtml(IMPL_LABEL[impl])}</span>`,
    )
    .join(' ');
  const targetKey = impls.includes('kzlab')
    ? `<span class="key"><span class="dash"></span>kzlab target</span>`
    : '';
  const charts = result.metrics
    .map(
      (metric) =>
        `<figure><figcaption>${escapeHtml(metric.label)} <span class="unit">(${escapeHtml(metric.unit)}, ${metric.better} is better)</span></figcaption>` +
        `${metricChartSvg(result, metric)}<p class="note">${escapeHtml(metric.note)}</p></figure>`,
    )
    .join('\n');
  const cpuPhases = c.phases.filter((p) => p !== 'setData-seq');
  const cpuCharts = cpuPhases
    .map(
      (phase) =>
        `<figure><figcaption>${escapeHtml(phase)}</figcaption>${cpuChartSvg(result, phase)}</figure>`,
    )
    .join('\n');
  const checks = result.summary.checks;
  const checkItems = checks
    .map((check) => {
      const unit = result.metrics.find((m) => m.key === check.metric)?.unit ?? 'ms';
      const mark =
        check.met === null
          ? '–'
          : check.met
            ? '<span class="ok">✓ met</span>'
            : '<span class="miss">✗ missed</span>';
      return `<li>${mark} ${escapeHtml(check.label)}, ${check.size} servers: ${escapeHtml(formatMetricValue(check.median, unit))} ${escapeHtml(unit)} (target ${check.better === 'lower' ? '≤' : '≥'} ${escapeHtml(formatMetricValue(check.target, unit))})</li>`;
    })
    .join('');
  const failures = result.runs.filter((r) => r.error !== null).length;
  const la = (v: number[]): string => v.map((x) => x.toFixed(1)).join(' / ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kzlab bench quorum — ${escapeHtml(c.sizes.join(' vs '))} servers</title>
<style>
  body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans KR", "Apple SD Gothic Neo", sans-serif; margin: 24px auto; max-width: 1180px; padding: 0 16px; color: #111827; }
  h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
  .meta { color: #4b5563; font-size: 12px; }
  .explain { background: #f9fafb; border-left: 4px solid #2563eb; padding: 10px 14px; margin: 10px 0; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(370px, 1fr)); gap: 14px; }
  figure { margin: 0; border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px; background: #fff; }
  figcaption { font-weight: 600; font-size: 13px; } .unit { font-weight: normal; color: #6b7280; }
  .note { font-size: 12px; color: #4b5563; margin: 4px 0 0; }
  .legend { font-size: 12px; margin: 6px 0; } .key { margin-right: 14px; white-space: nowrap; }
  .swatch { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; margin-right: 4px; border-radius: 2px; }
  .dash { display: inline-block; width: 18px; border-top: 2px dashed ${TARGET_COLOR}; vertical-align: 4px; margin-right: 4px; }
  table { border-collapse: collapse; font-size: 12px; margin: 8px 0; } th, td { border: 1px solid #e5e7eb; padding: 3px 7px; text-align: right; }
  th:first-child, td:first-child { text-align: left; } .range { color: #6b7280; }
  .ok { color: #15803d; font-weight: 600; } .miss { color: ${TARGET_COLOR}; font-weight: 600; }
</style>
</head>
<body>
<h1>ZooKeeper ensembles: ${escapeHtml(c.sizes.join(' vs '))} servers</h1>
<p class="meta">kzlab bench quorum · ${escapeHtml(result.startedAt)} · ${escapeHtml(env.hostname)} · ${env.cpus} × ${escapeHtml(env.cpuModel)} · Node ${escapeHtml(env.node)} · node-zookeeper-client ${escapeHtml(env.nodeZookeeperClient)} · load average ${escapeHtml(la(env.loadavgStart))} → ${escapeHtml(la(env.loadavgEnd))}<br>
${c.repeat} repetition${c.repeat === 1 ? '' : 's'} of fresh ensembles, sizes and implementations interleaved; bars are medians, whiskers min–max${c.kills > 0 ? ` (leader-kill figures pool ${c.kills} kill${c.kills === 1 ? '' : 's'} per run)` : ''}.
forceSync=${c.forceSync ? 'yes' : 'no'}, tickTime ${c.tickTimeMs} ms, ${c.valueBytes}-byte values, one session on a follower unless stated, pre-warm ${c.prewarmSeconds} s, ${c.seconds} s windows after ${c.warmupSeconds} s.${failures > 0 ? ` <span class="miss">${failures} run${failures === 1 ? '' : 's'} failed (see the runs below).</span>` : ''}</p>

<h2>Why 5 servers cost writes, and what they buy</h2>
<div class="explain" lang="en"><p>${escapeHtml(explainQuorumCost(result, 'en'))}</p></div>
<h2 lang="ko">왜 서버 5대는 쓰기를 비싸게 만들고, 무엇을 사 주는가</h2>
<div class="explain" lang="ko"><p>${escapeHtml(explainQuorumCost(result, 'ko'))}</p></div>

<h2>Measurements</h2>
<div class="legend">${legend} ${targetKey} <span class="key">│ whiskers: min–max over repetitions</span></div>
<div class="grid">
${charts}
</div>
${checks.length > 0 ? `<h2>kzlab targets</h2><ul>${checkItems}</ul>` : ''}

<h2>Where the CPU went</h2>
<p class="note">Medians, % of one core (${env.cpus} cores = ${env.cpus * 100} %). Client = the benchmark process (near 100 % it, not the servers, was the limit: it is single-threaded); other tenants = everything else busy on the machine.</p>
<div class="grid">
${cpuCharts}
</div>

<h2>All figures</h2>
${resultTableHtml(result)}

<h2>Runs</h2>
${runsTableHtml(result)}
</body>
</html>
`;
}
