// The host's inventory, kind by kind, and what changed between snapshots.
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { time } from '../lib/format.js';
import { kinds, itemName } from '../lib/inventory.js';
import { Pager, done, empty, loading, showError } from '../lib/ui.js';

export async function inventoryTab(panel, agentID) {
  const state = h('div', { class: 'state' });
  const picker = h('div', { class: 'kind-list', role: 'group', 'aria-label': 'Inventory kind' });
  const filter = h('input', { id: 'inv-q', type: 'search', placeholder: 'name', 'aria-label': 'Filter by name' });
  const note = h('p', { class: 'muted small' });
  const table = h('table', { class: 'grid' });
  const wrap = h('div', { class: 'table-wrap' }, table);
  const pagerEl = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  fill(panel, picker, h('div', { class: 'filters' }, h('div', { class: 'field grow' }, h('label', { for: 'inv-q' }, 'Filter'), filter)), note, state, wrap, pagerEl);
  let current = '';
  const pager = new Pager(pagerEl, () => loadKind());
  pager.reset();

  loading(state);
  let summary;
  try {
    summary = await api('GET', `/api/v1/agents/${encodeURIComponent(agentID)}/inventory`);
    done(state);
  } catch (err) {
    showError(state, err);
    return;
  }
  const reported = summary.kinds.filter((k) => kinds[k.kind]);
  if (!reported.length) {
    wrap.hidden = true;
    empty(state, 'This agent has not sent any inventory yet. Agents send it at start, on change and hourly.');
    return;
  }
  fill(picker, reported.map((k) => h('button', { type: 'button', dataset: { kind: k.kind }, onclick: () => select(k.kind) },
    kinds[k.kind].label, h('span', { class: 'muted' }, ' ' + k.items))));
  const select = (kind) => {
    current = kind;
    for (const b of picker.children) b.setAttribute('aria-pressed', String(b.dataset.kind === kind));
    pager.reset();
    loadKind();
  };
  let t = 0;
  filter.addEventListener('input', () => {
    clearTimeout(t);
    t = setTimeout(() => {
      pager.reset();
      loadKind();
    }, 250);
  });

  async function loadKind() {
    const k = kinds[current];
    const meta = reported.find((x) => x.kind === current);
    fill(note, 'Collected ', time(meta.collected_at, { relative: true }), ', last sent ', time(meta.seen_at, { relative: true }), meta.error ? ' · error: ' + meta.error : '');
    loading(state);
    try {
      const r = await api('GET', `/api/v1/agents/${encodeURIComponent(agentID)}/inventory/${k.segment}`, { query: { q: filter.value.trim(), limit: 100, cursor: pager.cursor } });
      done(state);
      fill(table, h('caption', { class: 'visually-hidden' }, k.label),
        h('thead', null, h('tr', null, k.cols.map(([t]) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, r.items.map((it) => h('tr', null, k.cols.map(([, f]) => h('td', { class: 'wrap' }, f(it)))))));
      wrap.hidden = !r.items.length;
      if (!r.items.length) empty(state, 'Nothing matches.');
      pager.render(r.next_cursor);
    } catch (err) {
      showError(state, err, loadKind);
    }
  }
  select(reported[0].kind);
}

export async function changesTab(panel, agentID) {
  const state = h('div', { class: 'state' });
  const kindSel = h('select', { id: 'chg-kind' }, h('option', { value: '' }, 'Every kind'),
    Object.entries(kinds).map(([k, v]) => h('option', { value: k }, v.label)));
  const sinceSel = h('select', { id: 'chg-since' }, [['now-1d', 'Last day'], ['now-7d', 'Last 7 days'], ['now-30d', 'Last 30 days'], ['now-365d', 'Last year']]
    .map(([v, t]) => h('option', { value: v, selected: v === 'now-30d' }, t)));
  const list = h('div');
  const pagerEl = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  fill(panel, h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() },
    h('div', { class: 'field' }, h('label', { for: 'chg-kind' }, 'Kind'), kindSel),
    h('div', { class: 'field' }, h('label', { for: 'chg-since' }, 'Since'), sinceSel)), state, list, pagerEl);
  const pager = new Pager(pagerEl, load);
  pager.reset();

  async function load() {
    loading(state);
    try {
      const r = await api('GET', `/api/v1/agents/${encodeURIComponent(agentID)}/inventory/changes`, { query: { kind: kindSel.value, since: sinceSel.value, limit: 20, cursor: pager.cursor } });
      done(state);
      // newest first reads better; the API pages oldest first
      const items = r.items.slice().reverse();
      fill(list, items.map((c) => h('details', { class: 'change', open: items.length <= 5 },
        h('summary', null, (kinds[c.kind] ? kinds[c.kind].label : c.kind) + ': ',
          c.added.length ? h('span', { class: 'change-added' }, '+' + c.added.length + ' ') : null,
          c.removed.length ? h('span', { class: 'change-removed' }, '−' + c.removed.length + ' ') : null,
          c.changed.length ? h('span', { class: 'change-changed' }, '~' + c.changed.length + ' ') : null,
          h('span', { class: 'muted' }, ' ', time(c.collected_at))),
        h('ul', null,
          c.added.map((i) => h('li', { class: 'change-added' }, '+ ' + itemName(c.kind, i))),
          c.removed.map((i) => h('li', { class: 'change-removed' }, '− ' + itemName(c.kind, i))),
          c.changed.map((x) => h('li', { class: 'change-changed' }, '~ ' + itemName(c.kind, x.before) + ' → ' + itemName(c.kind, x.after)))))));
      if (!r.items.length) empty(state, 'No changes in this period. The first inventory of a kind is its baseline, not a change.');
      pager.render(r.next_cursor);
    } catch (err) {
      showError(state, err, load);
    }
  }
  kindSel.addEventListener('change', () => { pager.reset(); load(); });
  sinceSel.addEventListener('change', () => { pager.reset(); load(); });
  load();
}
