// The security view: explain a log line, silent agents, and (admins) the
// open integrity anomalies.
import { api, can } from '../lib/api.js';
import { $, fill, h } from '../lib/dom.js';
import { duration, metricValue, time } from '../lib/format.js';
import { badge, done, empty, inputError, loading, onSubmit, showError, toast } from '../lib/ui.js';

export async function start() {
  const hosts = new Map();
  await Promise.all([loadHosts(hosts), loadSilent(), can('admin') ? loadAnomalies(hosts) : null]);
  const form = $('#explain-form');
  const params = new URLSearchParams(location.search);
  if (params.get('log')) form.elements.log.value = params.get('log');
  if (params.get('agent_id')) form.elements.agent_id.value = params.get('agent_id');
  onSubmit(form, async (v) => {
    if (!v.log.trim()) throw inputError('Paste the log line to explain.', 'log', 'is required');
    const out = $('#explain-answer');
    loading(out, 'Reading the line…');
    const r = await api('GET', '/api/v1/ai/explain', { query: { log: v.log.trim(), agent_id: v.agent_id, lang: v.lang } });
    done(out);
    fill(out, answer(r));
  });
}

async function loadHosts(hosts) {
  try {
    const r = await api('GET', '/api/v1/agents', { query: { limit: 500 } });
    const sel = $('#ex-agent');
    for (const a of r.items) {
      hosts.set(a.id, a.hostname);
      sel.append(h('option', { value: a.id }, a.hostname));
    }
  } catch {
    // the form still works without the list of hosts
  }
}

function answer(r) {
  const head = [];
  if (r.rule) head.push(badge(r.rule.severity, r.rule.severity), ' ', h('span', { class: 'mono' }, r.rule.id), ' · ', r.rule.category);
  else head.push(badge('no rule', 'pending'));
  head.push(h('span', { class: 'muted small' }, ' · answered by ', r.source === 'model' ? 'the model ' + (r.model || '') : 'the rule library'));
  const ctx = r.context || {};
  return h('div', { class: 'explain-answer', id: 'explain-result' },
    h('p', null, ...head),
    h('dl', { class: 'facts-list' },
      h('dt', null, 'Meaning'), h('dd', { id: 'explain-meaning' }, ...withCode(r.meaning)),
      h('dt', null, 'Likely cause'), h('dd', null, ...withCode(r.cause || '–')),
      h('dt', null, 'What to do'), h('dd', null, ...withCode(r.action || '–'))),
    ctx.metrics && ctx.metrics.length ? h('div', null, h('h3', null, 'On ', (ctx.host && ctx.host.hostname) || 'the host', ' now'),
      h('ul', { class: 'plain' }, ctx.metrics.map((m) => h('li', null, h('span', { class: 'mono' }, m.name, labels(m.labels)), ': ', metricValue(m.name, m.value))))) : null,
    ctx.alerts && ctx.alerts.length ? h('div', null, h('h3', null, 'Firing alerts'),
      h('ul', { class: 'plain' }, ctx.alerts.map((a) => h('li', null, badge(a.severity, a.severity), ' ', a.title)))) : null,
    (r.warnings || []).map((w) => h('p', { class: 'muted small warning' }, w)));
}

// withCode shows `backquoted` commands of an answer as code.
function withCode(text) {
  return text.split('`').map((part, i) => (i % 2 ? h('code', null, part) : part));
}

function labels(l) {
  const keys = Object.keys(l || {}).sort();
  return keys.length ? '{' + keys.map((k) => k + '=' + l[k]).join(',') + '}' : '';
}

async function loadSilent() {
  const state = $('#silent-state');
  loading(state, 'Loading silent agents…');
  try {
    const r = await api('GET', '/api/v1/security');
    done(state);
    showDecoys(r.decoys);
    const kinds = Object.entries(r.integrity.by_kind).sort();
    fill($('#integrity-summary'), r.integrity.open
      ? [badge(r.integrity.open + ' open', 'warning'), ' ', ...kinds.map(([k, n]) => h('span', { class: 'mono small' }, k + ' ' + n + ' '))]
      : [badge('none open', 'ok')]);
    const items = r.silent_agents.items;
    $('#silent-table').hidden = !items.length;
    if (!items.length) return empty(state, 'Every agent that reported before is reporting.');
    fill($('#silent-table tbody'), items.map((a) => h('tr', null,
      h('td', null, h('a', { href: '/hosts/' + a.agent_id }, a.hostname)),
      h('td', null, time(a.last_seen_at, { relative: true })),
      h('td', null, time(a.silent_since)),
      h('td', null, duration(a.heartbeat_interval_s)))));
  } catch (err) {
    showError(state, err, loadSilent);
  }
}

function showDecoys(d) {
  const state = $('#decoys-state');
  $('#sources-table').hidden = !d.sources.length;
  $('#decoy-events-table').hidden = !d.recent.length;
  if (!d.recent.length) {
    empty(state, 'No decoy was touched in the last 7 days.');
    return;
  }
  done(state);
  fill($('#sources-table tbody'), d.sources.map((s) => h('tr', null,
    h('td', { class: 'mono' }, s.source_ip),
    h('td', null, String(s.agents)),
    h('td', null, String(s.events)),
    h('td', { class: 'mono small' }, s.ports.join(', ')),
    h('td', null, time(s.last_seen, { relative: true })))));
  fill($('#decoy-events-table tbody'), d.recent.map((e) => h('tr', null,
    h('td', null, time(e.at)),
    h('td', null, h('a', { href: '/hosts/' + e.agent_id }, e.hostname)),
    h('td', null, e.kind === 'canary' ? [badge('canary', 'critical'), ' ', h('span', { class: 'mono small' }, e.path), ' ', e.access]
      : [badge('honeypot', 'warning'), ' ', h('span', { class: 'mono small' }, e.proto + '/' + e.port)]),
    h('td', { class: 'mono small' }, e.source_ip ? e.source_ip + ':' + e.source_port : '–'),
    h('td', { class: 'mono small wrap' }, e.first_bytes || ''))));
}

async function loadAnomalies(hosts) {
  const state = $('#anomalies-state');
  loading(state, 'Loading integrity anomalies…');
  try {
    const r = await api('GET', '/api/v1/integrity-anomalies', { query: { limit: 100 } });
    done(state);
    $('#anomalies-table').hidden = !r.items.length;
    if (!r.items.length) return empty(state, 'No open anomalies.');
    fill($('#anomalies-table tbody'), r.items.map((a) => {
      const resolve = h('button', { type: 'button', class: 'small' }, 'Resolve');
      resolve.addEventListener('click', async () => {
        resolve.disabled = true;
        try {
          await api('PATCH', '/api/v1/integrity-anomalies/' + a.id + '/resolve');
          toast('Anomaly resolved.');
          await loadAnomalies(hosts);
        } catch (err) {
          resolve.disabled = false;
          toast(err.message, 'error');
        }
      });
      return h('tr', null,
        h('td', null, time(a.created_at)),
        h('td', null, h('span', { class: 'mono' }, a.kind)),
        h('td', null, a.agent_id ? h('a', { href: '/hosts/' + a.agent_id }, hosts.get(a.agent_id) || a.agent_id) : '–'),
        h('td', { class: 'mono small' }, a.source_ip || '–'),
        h('td', { class: 'mono small wrap' }, a.detail ? JSON.stringify(a.detail) : ''),
        h('td', null, resolve));
    }));
  } catch (err) {
    showError(state, err, () => loadAnomalies(hosts));
  }
}
