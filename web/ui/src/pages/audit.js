// The audit log (admins), newest first, with the hash-chain check.
import { api } from '../lib/api.js';
import { $, fill, formValues, h } from '../lib/dom.js';
import { number, time } from '../lib/format.js';
import { Pager, badge, done, empty, loading, setQuery, showError } from '../lib/ui.js';

export async function start() {
  const form = $('#audit-filters');
  const state = $('#audit-state');
  const params = new URLSearchParams(location.search);
  for (const name of ['type', 'actor', 'since', 'until']) form.elements[name].value = params.get(name) || '';
  const pager = new Pager($('#audit-pager'), load);

  async function load() {
    const v = formValues(form);
    setQuery({ ...v, cursor: pager.cursor });
    const q = { type: v.type, actor: v.actor, limit: 50, cursor: pager.cursor };
    if (v.since) q.since = new Date(v.since + 'T00:00:00').toISOString();
    if (v.until) q.until = new Date(v.until + 'T23:59:59').toISOString();
    loading(state, 'Loading the audit log…');
    try {
      const r = await api('GET', '/api/v1/audit-log', { query: q });
      done(state);
      $('#audit-table').hidden = !r.items.length;
      if (!r.items.length) empty(state, 'No events match.');
      fill($('#audit-table tbody'), r.items.map((e) => h('tr', null,
        h('td', null, time(e.occurred_at)),
        h('td', null, h('span', { class: 'mono' }, e.event_type)),
        h('td', { class: 'small' }, e.actor_type, e.actor_id ? h('div', { class: 'mono muted' }, e.actor_id) : null, e.ip ? h('div', { class: 'muted' }, e.ip) : null),
        h('td', { class: 'small' }, e.target_type || '–', e.target_id ? h('div', { class: 'mono muted' }, e.target_id) : null),
        h('td', { class: 'mono small wrap' }, e.details && Object.keys(e.details).length ? JSON.stringify(e.details) : ''))));
      pager.render(r.next_cursor);
    } catch (err) {
      showError(state, err, load);
    }
  }
  form.addEventListener('change', () => {
    pager.reset();
    load();
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  $('#audit-verify').addEventListener('click', async (e) => {
    const out = $('#verify-result');
    e.target.disabled = true;
    loading(out, 'Recomputing the hash chain…');
    try {
      const r = await api('GET', '/api/v1/audit-log/verify');
      fill(out, h('div', { class: 'card', role: 'status' }, r.ok
        ? [badge('intact', 'ok'), ' Every one of the ', number(r.checked, 0), ' events hashes to the next: nothing was changed or removed.']
        : [badge('broken', 'broken'), ' The chain breaks at event ', r.first_broken ? r.first_broken.seq : '?', ' after ', number(r.checked, 0), ' checked: ', r.first_broken ? r.first_broken.reason || '' : '']));
      delete out.dataset.state;
    } catch (err) {
      showError(out, err);
    } finally {
      e.target.disabled = false;
    }
  });
  await load();
}
