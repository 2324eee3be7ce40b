// The host's latest top processes, by CPU or memory.
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { bytes, percent, time } from '../lib/format.js';
import { done, empty, loading, showError } from '../lib/ui.js';

export function processesTab(panel, agentID) {
  const state = h('div', { class: 'state' });
  const sortSel = h('select', { id: 'proc-sort', name: 'sort' }, h('option', { value: 'cpu' }, 'CPU'), h('option', { value: 'memory' }, 'Memory'));
  const filter = h('input', { id: 'proc-q', name: 'q', type: 'search', placeholder: 'name or command' });
  const note = h('p', { class: 'muted small' });
  const tbody = h('tbody');
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
    h('caption', { class: 'visually-hidden' }, 'Top processes'),
    h('thead', null, h('tr', null, ['PID', 'Name', 'User', 'CPU', 'Memory', 'Threads', 'Started', 'Command'].map((t, i) =>
      h('th', { scope: 'col', class: i === 3 || i === 4 || i === 5 ? 'num' : null }, t)))), tbody));
  fill(panel, h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() },
    h('div', { class: 'field' }, h('label', { for: 'proc-sort' }, 'Sort by'), sortSel),
    h('div', { class: 'field grow' }, h('label', { for: 'proc-q' }, 'Search'), filter)), note, state, table);

  async function load() {
    loading(state);
    try {
      const r = await api('GET', `/api/v1/agents/${encodeURIComponent(agentID)}/processes`, { query: { sort: sortSel.value, q: filter.value.trim(), limit: 100 } });
      done(state);
      fill(note, r.collected_at ? ['As the agent saw them ', time(r.collected_at, { relative: true }), '. CPU is the share of one core.'] : '');
      if (r.error) fill(note, 'The agent could not list processes: ' + r.error);
      table.hidden = r.items.length === 0;
      if (!r.items.length) {
        empty(state, r.collected_at ? 'No process matches.' : 'This agent has not sent its processes yet.');
        return;
      }
      fill(tbody, r.items.map((p) => h('tr', null,
        h('td', { class: 'mono' }, p.pid), h('td', null, p.name), h('td', null, p.user || '–'),
        h('td', { class: 'num' }, percent(p.cpu_ratio)), h('td', { class: 'num' }, bytes(p.rss_bytes)),
        h('td', { class: 'num' }, p.num_threads || '–'),
        h('td', null, p.started_at ? time(new Date(p.started_at * 1000).toISOString(), { relative: true }) : '–'),
        h('td', { class: 'mono wrap small' }, p.cmdline || ''))));
    } catch (err) {
      showError(state, err, load);
    }
  }
  sortSel.addEventListener('change', load);
  let t = 0;
  filter.addEventListener('input', () => {
    clearTimeout(t);
    t = setTimeout(load, 250);
  });
  load();
}
