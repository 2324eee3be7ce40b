// The fleet: every agent with its status and latest CPU, memory and disk,
// filtered, sorted and paged by the API (GET /api/v1/fleet), refreshed
// every 15 seconds while the tab is visible.
import { api, can } from '../lib/api.js';
import { $, $$, h, fill, formValues } from '../lib/dom.js';
import { percent, time } from '../lib/format.js';
import { sparkline } from '../lib/spark.js';
import { Pager, badge, copyBlock, done, loading, setQuery, showError } from '../lib/ui.js';

const refreshMs = 15000;
const pageSize = 50;

export async function start() {
  const form = $('#fleet-filters');
  const params = new URLSearchParams(location.search);
  for (const name of ['q', 'status', 'environment', 'tag']) form.elements[name].value = params.get(name) || '';
  let sort = params.get('sort') || 'hostname';
  const state = $('#fleet-state');
  const tbody = $('#fleet-table tbody');
  const pager = new Pager($('#fleet-pager'), () => load(true));
  let timer = 0;
  let seq = 0;

  async function load(showSpinner) {
    clearTimeout(timer);
    const filters = formValues(form);
    setQuery({ ...filters, sort: sort === 'hostname' ? '' : sort, cursor: pager.cursor });
    const mine = ++seq;
    if (showSpinner) loading(state, 'Loading the fleet…');
    try {
      const r = await api('GET', '/api/v1/fleet', { query: { ...filters, sort, limit: pageSize, cursor: pager.cursor } });
      if (mine !== seq) return; // a newer request is on its way
      done(state);
      render(r, filters);
    } catch (err) {
      if (mine === seq) showError(state, err, () => load(true));
    }
    if (mine === seq) timer = setTimeout(() => !document.hidden && load(false), refreshMs);
  }

  function render(r, filters) {
    const filtered = Object.values(filters).some((v) => v);
    const all = r.counts.online + r.counts.offline + r.counts.pending;
    $('#fleet-empty').hidden = all > 0 || filtered;
    $('.table-wrap').hidden = r.total === 0;
    fill($('#fleet-summary'),
      h('span', null, all + (all === 1 ? ' agent' : ' agents')),
      ['online', 'offline', 'pending'].filter((s) => r.counts[s]).map((s) =>
        h('button', { type: 'button', class: 'link', 'aria-pressed': filters.status === s ? 'true' : 'false', onclick: () => {
          form.elements.status.value = filters.status === s ? '' : s;
          pager.reset();
          load(true);
        } }, badge(r.counts[s] + ' ' + s, s))));
    if (r.total === 0 && filtered) {
      fill(state, h('div', { class: 'empty' }, h('p', null, 'No agent matches these filters.'),
        h('button', { type: 'button', onclick: () => { form.reset(); pager.reset(); load(true); } }, 'Clear filters')));
    }
    fill(tbody, r.items.map(row));
    for (const th of $$('#fleet-table th[data-sort]')) {
      const col = th.dataset.sort;
      const active = sort === col || sort === '-' + col;
      if (active) th.setAttribute('aria-sort', sort.startsWith('-') ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
      $('.arrow', th).textContent = active ? (sort.startsWith('-') ? ' ↓' : ' ↑') : '';
    }
    // The benchmark reads when the first rows were on screen.
    if (!performance.getEntriesByName('monsys:fleet-drawn').length) performance.mark('monsys:fleet-drawn');
    const first = r.items.length ? r.offset + 1 : 0;
    pager.render(r.next_cursor, r.total ? `${first}–${first + r.items.length - 1} of ${r.total}` : '');
  }

  // Sort buttons are made once: a refresh only updates their state.
  for (const th of $$('#fleet-table th[data-sort]')) {
    const col = th.dataset.sort;
    fill(th, h('button', { type: 'button', class: 'sort', onclick: () => {
      sort = sort === col ? '-' + col : col;
      pager.reset();
      load(true);
    } }, th.textContent, h('span', { class: 'arrow', 'aria-hidden': 'true' })));
  }

  let debounce = 0;
  form.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      pager.reset();
      load(true);
    }, 250);
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  document.addEventListener('visibilitychange', () => !document.hidden && load(false));
  if (can('admin')) enrollButton();
  await load(true);
}

function row(a) {
  return h('tr', { dataset: { agent: a.id } },
    h('td', { class: 'host-cell' },
      h('a', { class: 'host-link', href: '/hosts/' + a.id }, a.hostname),
      h('div', null, a.environment ? h('span', { class: 'tag' }, a.environment) : null, (a.tags || []).map((t) => h('span', { class: 'tag' }, '#' + t)))),
    h('td', { class: 'status-cell' }, badge(a.status)),
    h('td', { class: 'seen-cell', 'data-label': 'Last seen' }, time(a.last_seen_at, { relative: true })),
    h('td', { class: 'os-cell' }, [a.os, a.arch].filter(Boolean).join(' · ') || '–'),
    h('td', { class: 'num', 'data-label': 'CPU' }, meter(a.cpu_ratio)),
    h('td', { class: 'num', 'data-label': 'Memory' }, meter(a.memory_ratio)),
    h('td', { class: 'num', 'data-label': 'Disk' }, meter(a.disk_ratio)),
    h('td', { class: 'spark-cell' }, sparkline(a.cpu_last_hour)));
}

function meter(ratio) {
  if (ratio == null) return h('span', { class: 'muted', title: 'no sample in the last 10 minutes' }, '–');
  const fillEl = h('span', { class: 'meter-fill' + (ratio >= 0.9 ? ' crit' : ratio >= 0.75 ? ' warn' : '') });
  fillEl.style.width = Math.max(0, Math.min(100, ratio * 100)).toFixed(0) + '%';
  return h('span', { class: 'meter' }, h('span', null, percent(ratio)), h('span', { class: 'meter-bar', 'aria-hidden': 'true' }, fillEl));
}

// enrollButton lets an admin of an empty fleet make a token and see the
// install command at once.
function enrollButton() {
  $('#fleet-enroll').addEventListener('click', async (e) => {
    e.target.disabled = true;
    const box = $('#fleet-enroll-command');
    try {
      const t = await api('POST', '/api/v1/enrollment-tokens', { body: { name: 'first agents' } });
      fill(box, installCommands(t));
    } catch (err) {
      showError(box, err);
      e.target.disabled = false;
    }
  });
}

// installCommands shows a new token's install line and the agent command.
export function installCommands(t) {
  const hub = document.body.dataset.publicUrl || location.origin;
  return h('div', { class: 'stack' },
    copyBlock('Install the agent on a Linux server (as root):', `curl -fsSL '${hub}/api/v1/agent/install.sh?token=${t.token}' | sudo sh`,
      'The token is shown only now. Agents it enrolls keep working after it expires.'),
    copyBlock('Or, with monsys-agent already installed:', t.command));
}
