/**
 * The dashboard's one page: plain HTML, CSS and a small script (no build step, no dependency).
 * Views by URL hash: `#/` every trigger and scheduled action, `#/t/<id>` one of them (chart,
 * filterable runs, actions), `#/r/<workflowId>` one run, `#/log` the action log. It reads
 * `api/...` relative to itself, so the handler can be mounted under any path. Every value is
 * written as text (never as HTML).
 */
export function dashboardPage(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { background: #1d2330; color: #fff; padding: 10px 20px; display: flex; gap: 20px; align-items: center; }
  header a { color: #cfd8ff; text-decoration: none; } header h1 { font-size: 16px; margin: 0; }
  main { padding: 16px 20px; } table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
  th { font-weight: 600; background: #eef0f3; } .muted { color: #6b7280; } .bad { color: #b42318; } .ok { color: #067647; }
  .pill { display: inline-block; padding: 0 6px; border-radius: 8px; background: #eef0f3; margin: 0 2px 2px 0; font-size: 12px; }
  button { font: inherit; padding: 3px 10px; margin-right: 4px; border: 1px solid #9aa3af; background: #fff; border-radius: 4px; cursor: pointer; }
  button:disabled { color: #9aa3af; cursor: not-allowed; } #toast { position: fixed; right: 16px; bottom: 16px; background: #1d2330; color: #fff; padding: 8px 12px; border-radius: 4px; display: none; }
  form.filters input, form.filters select { margin-right: 6px; } svg { background: #fff; border: 1px solid #e3e6ea; }
  .live { font-size: 12px; color: #9fb0ff; margin-left: auto; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 320px; overflow: auto; margin: 0; font-size: 12px; }
</style></head>
<body>
<header><h1>${escapeHtml(title)}</h1><a href="#/">Triggers</a><a href="#/log">Action log</a><span class="live" id="live">connecting…</span></header>
<main id="view"></main><div id="toast" role="status"></div>
<script>
"use strict";
const base = location.href.split('#')[0].replace(/[^/]*$/, '');
const api = (p) => base + 'api/' + p;
const OUTCOME_COLORS = { running: '#2563eb', backoff: '#d97706', snoozed: '#7c3aed', success: '#16a34a', 'error-handled': '#0d9488', failure: '#dc2626', discard: '#9f1239', cancelled: '#6b7280' };
let me = { can: {} };
let overview = [];
const el = (tag, attrs = {}, ...kids) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== false) (k.startsWith('on') ? n.addEventListener(k.slice(2), v) : n.setAttribute(k, v === true ? '' : v));
  for (const k of kids.flat()) if (k !== undefined && k !== null) n.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return n;
};
const ago = (iso) => { if (!iso) return '-'; const s = Math.round((Date.now() - Date.parse(iso)) / 1000); return s < 0 ? 'in ' + fmtSecs(-s) : fmtSecs(s) + ' ago'; };
const fmtSecs = (s) => s < 90 ? s + ' s' : s < 5400 ? Math.round(s / 60) + ' min' : s < 172800 ? Math.round(s / 3600) + ' h' : Math.round(s / 86400) + ' days';
const counts = (c) => Object.entries(c || {}).filter(([, n]) => n > 0).map(([o, n]) => el('span', { class: 'pill', title: o }, el('span', { style: 'color:' + (OUTCOME_COLORS[o] || '#999') }, '● '), o + ' ' + n));
function toast(text) { const t = document.getElementById('toast'); t.textContent = text; t.style.display = 'block'; clearTimeout(toast.timer); toast.timer = setTimeout(() => (t.style.display = 'none'), 5000); }
async function get(p) { const r = await fetch(api(p)); const body = await r.json(); if (!r.ok) throw new Error(body.error ? body.error.message : r.statusText); return body; }
async function act(action, target, extra = {}, question) {
  if (!confirm(question || (action + ' ' + target + '?'))) return;
  const r = await fetch(api('actions'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action, target, ...extra }) });
  const body = await r.json().catch(() => ({}));
  toast(r.ok ? action + ': ' + (body.result || 'done') : 'refused: ' + (body.error ? body.error.message : r.statusText));
  route();
}
const button = (label, action, onclick, testid) => el('button', { 'data-testid': testid || action, disabled: !me.can[action], title: me.can[action] ? '' : 'not allowed: the dashboard is read-only for you (' + action + ')', onclick }, label);
function definitionActions(d) {
  return el('span', {},
    d.state === 'paused' ? button('Resume', 'resume', () => act('resume', d.id)) : button('Pause', 'pause', () => act('pause', d.id), 'pause'),
    button('Run now', 'run-now', () => act('run-now', d.id)),
    button('Backfill…', 'backfill', () => { const h = Number(prompt('Backfill the ticks of the last how many hours?', '1')); if (h > 0) act('backfill', d.id, { from: new Date(Date.now() - h * 3600e3).toISOString(), to: new Date().toISOString() }, 'backfill the last ' + h + ' h of ' + d.id + '?'); }));
}
function renderOverview() {
  const rows = overview.map((d) => el('tr', { 'data-testid': 'row-' + d.id },
    el('td', {}, el('a', { href: '#/t/' + encodeURIComponent(d.id) }, d.id), el('div', { class: 'muted' }, d.kind)),
    el('td', { 'data-testid': 'state-' + d.id, class: d.state === 'paused' ? 'bad' : '' }, d.state, d.note ? el('div', { class: 'muted' }, d.note) : null),
    el('td', {}, d.cron || 'on demand', d.timezone ? el('div', { class: 'muted' }, d.timezone) : null),
    el('td', {}, ago(d.lastTick), el('div', { class: 'muted' }, 'next ' + ago(d.nextTick))),
    el('td', { 'data-testid': 'inflight-' + d.id }, d.inFlight),
    el('td', {}, d.matching === undefined ? '-' : d.matching),
    el('td', { 'data-testid': 'hour-' + d.id }, counts(d.outcomes1h)),
    el('td', {}, counts(d.outcomes24h)),
    el('td', { class: 'bad' }, d.lastError ? el('a', { href: '#/r/' + encodeURIComponent(d.lastError.workflowId) }, d.lastError.message || d.lastError.outcome) : ''),
    el('td', {}, definitionActions(d))));
  return el('table', { 'data-testid': 'overview' }, el('tr', {}, ['Trigger', 'State', 'Cron', 'Last / next tick', 'In flight', 'Matching now', 'Last hour', 'Last day', 'Last error', 'Actions'].map((h) => el('th', {}, h))), rows);
}
function chartSvg(c) {
  const w = 720, h = 140, n = c.minutes.length, bw = w / n;
  const totals = c.minutes.map((_, i) => Object.values(c.series).reduce((a, s) => a + s[i], 0));
  const max = Math.max(1, ...totals);
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('width', w); svg.setAttribute('height', h + 20); svg.setAttribute('data-testid', 'chart');
  c.minutes.forEach((m, i) => { let y = h; for (const [o, s] of Object.entries(c.series)) { if (!s[i]) continue; const bh = (s[i] / max) * h; y -= bh; const r = document.createElementNS(svg.namespaceURI, 'rect'); r.setAttribute('x', i * bw + 1); r.setAttribute('y', y); r.setAttribute('width', bw - 2); r.setAttribute('height', bh); r.setAttribute('fill', OUTCOME_COLORS[o] || '#999'); const t = document.createElementNS(svg.namespaceURI, 'title'); t.textContent = m.slice(11, 16) + ' ' + o + ': ' + s[i]; r.append(t); svg.append(r); } });
  const label = document.createElementNS(svg.namespaceURI, 'text'); label.setAttribute('x', 4); label.setAttribute('y', h + 15); label.setAttribute('font-size', 11); label.textContent = 'runs per minute, last hour (max ' + max + ')'; svg.append(label);
  return svg;
}
async function renderTrigger(id, params) {
  const d = overview.find((x) => x.id === id) || (await get('definitions/' + encodeURIComponent(id)));
  const q = new URLSearchParams(params);
  const [c, runs] = await Promise.all([get('definitions/' + encodeURIComponent(id) + '/chart'), get('definitions/' + encodeURIComponent(id) + '/runs?' + q)]);
  const selected = new Set();
  const form = el('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); const f = new FormData(e.target); const p = new URLSearchParams(); for (const [k, v] of f) if (v) p.set(k, v); location.hash = '#/t/' + encodeURIComponent(id) + '?' + p; } },
    el('select', { name: 'outcome', 'data-testid': 'filter-outcome' }, el('option', { value: '' }, 'any outcome'), Object.keys(OUTCOME_COLORS).map((o) => el('option', { value: o, selected: q.get('outcome') === o }, o))),
    el('input', { name: 'record', placeholder: 'record id', value: q.get('record') || '' }), el('input', { name: 'tenant', placeholder: 'tenant', value: q.get('tenant') || '' }),
    el('input', { name: 'tag', placeholder: 'tag', value: q.get('tag') || '' }), el('input', { name: 'since', type: 'datetime-local', value: q.get('since') || '' }), el('button', { type: 'submit' }, 'Filter'));
  const runRows = runs.runs.map((r) => el('tr', { 'data-testid': 'run' },
    el('td', {}, el('input', { type: 'checkbox', 'data-testid': 'select-run', onchange: (e) => (e.target.checked ? selected.add(r.workflowId) : selected.delete(r.workflowId)) })),
    el('td', {}, el('a', { href: '#/r/' + encodeURIComponent(r.workflowId) }, r.recordId || r.workflowId)),
    el('td', { style: 'color:' + (OUTCOME_COLORS[r.outcome] || 'inherit') }, r.outcome || r.status), el('td', {}, r.tenant || ''), el('td', {}, r.tags.map((t) => el('span', { class: 'pill' }, t))),
    el('td', {}, ago(r.startTime)), el('td', {}, r.closeTime ? ago(r.closeTime) : 'open'), el('td', {}, runs.temporalUi ? el('a', { href: runs.temporalUi + encodeURIComponent(r.workflowId) + '/' + r.runId + '/history', target: '_blank' }, 'Temporal UI') : '')));
  const batch = (action) => () => (selected.size ? act(action, [...selected].join(','), { workflowIds: [...selected] }, action + ' ' + selected.size + ' run(s)?') : toast('select runs first'));
  return el('div', {},
    el('h2', {}, id, ' ', el('span', { class: 'muted', 'data-testid': 'trigger-state' }, d.state)), definitionActions(d),
    el('p', {}, 'In flight ', d.inFlight, ' · matching now ', d.matching === undefined ? '-' : d.matching, ' · last tick ', ago(d.lastTick), ' · next ', ago(d.nextTick)),
    chartSvg(c), el('div', { class: 'muted' }, Object.keys(c.series).map((o) => el('span', { class: 'pill' }, el('span', { style: 'color:' + (OUTCOME_COLORS[o] || '#999') }, '● '), o))), el('h3', {}, 'Runs'), form,
    el('p', {}, button('Cancel selected', 'cancel', batch('cancel'), 'cancel-selected'), button('Retry selected', 'retry', batch('retry'), 'retry-selected')),
    el('table', { 'data-testid': 'runs' }, el('tr', {}, ['', 'Record', 'Outcome', 'Tenant', 'Tags', 'Started', 'Closed', ''].map((h) => el('th', {}, h))), runRows));
}
async function renderRun(workflowId) {
  const r = await get('runs/' + encodeURIComponent(workflowId));
  const line = (k, v) => el('tr', {}, el('th', {}, k), el('td', {}, v === undefined ? '-' : typeof v === 'object' ? el('pre', {}, JSON.stringify(v, null, 2)) : String(v)));
  return el('div', {}, el('h2', {}, 'Run ', r.recordId ? 'of record ' + r.recordId : workflowId),
    el('table', { 'data-testid': 'run-detail' }, line('workflow id', r.workflowId), line('trigger', r.trigger), line('kind', r.kind), line('record', r.recordId), line('tenant', r.tenant), line('outcome', r.outcome || r.status),
      line('attempts started', r.attemptsStarted), line('timers (snoozes, backoffs)', r.timers), line('history events', r.historyEvents), line('started', r.startTime), line('closed', r.closeTime),
      line('error', r.error), line('result', r.result), r.hidden ? line('payloads', r.hidden) : null,
      r.temporalUi ? el('tr', {}, el('th', {}, 'Temporal UI'), el('td', {}, el('a', { href: r.temporalUi, target: '_blank' }, 'open'))) : null));
}
async function renderBuilds() {
  const { deployment, builds } = await get('builds');
  return el('div', {}, el('h3', {}, 'Builds of ', deployment),
    el('table', { 'data-testid': 'builds' }, el('tr', {}, ['Build', 'Current', 'Open runs', 'Drainage'].map((h) => el('th', {}, h))),
      builds.map((b) => el('tr', {}, el('td', {}, b.buildId), el('td', {}, b.current ? 'current' : ''), el('td', {}, b.openRuns), el('td', {}, b.openRuns === 0 && !b.current ? 'no open run: its workers may stop' : b.drainage)))));
}
async function renderLog() {
  const { entries } = await get('actions');
  return el('table', { 'data-testid': 'action-log' }, el('tr', {}, ['When', 'Action', 'Target', 'Allowed', 'Result', 'By'].map((h) => el('th', {}, h))),
    entries.map((e) => el('tr', {}, el('td', {}, e.at), el('td', {}, e.action), el('td', {}, e.target), el('td', { class: e.allowed ? 'ok' : 'bad' }, e.allowed ? 'yes' : 'refused'), el('td', {}, e.result || ''), el('td', {}, e.by))));
}
async function route() {
  const [path, query] = location.hash.slice(1).split('?');
  const view = document.getElementById('view');
  try {
    let node;
    if (path && path.startsWith('/t/')) node = await renderTrigger(decodeURIComponent(path.slice(3)), query || '');
    else if (path && path.startsWith('/r/')) node = await renderRun(decodeURIComponent(path.slice(3)));
    else if (path === '/log') node = await renderLog();
    else node = el('div', {}, renderOverview(), me.deployment ? await renderBuilds() : null);
    view.replaceChildren(node);
  } catch (err) { view.replaceChildren(el('p', { class: 'bad', 'data-testid': 'error' }, err.message)); }
}
async function start() {
  me = await get('me');
  overview = (await get('definitions')).definitions;
  route();
  window.addEventListener('hashchange', route);
  const live = document.getElementById('live');
  const events = new EventSource(api('events'));
  events.addEventListener('overview', (e) => { overview = JSON.parse(e.data).definitions; live.textContent = 'live · ' + new Date().toLocaleTimeString(); if (!location.hash.startsWith('#/r/') && !location.hash.startsWith('#/log') && !document.activeElement.closest('form')) route(); });
  events.onerror = () => (live.textContent = 'reconnecting…');
}
start().catch((err) => document.getElementById('view').replaceChildren(el('p', { class: 'bad' }, err.message)));
</script></body></html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
