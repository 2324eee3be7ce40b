// Fleet-wide inventory search: which hosts hold an item, in which version.
import { api } from '../lib/api.js';
import { $, fill, formValues, h } from '../lib/dom.js';
import { time } from '../lib/format.js';
import { itemName } from '../lib/inventory.js';
import { Pager, done, empty, loading, setQuery, showError } from '../lib/ui.js';

export async function start() {
  const form = $('#inv-search');
  const state = $('#inv-state');
  const table = $('#inv-table');
  const params = new URLSearchParams(location.search);
  for (const name of ['kind', 'name', 'version']) if (params.get(name)) form.elements[name].value = params.get(name);
  form.elements.match.checked = params.get('match') === 'prefix';
  const pager = new Pager($('#inv-pager'), search);

  async function search() {
    const v = formValues(form);
    const q = { kind: v.kind, name: v.name, version: v.version, match: v.match ? 'prefix' : '' };
    setQuery({ ...q, cursor: pager.cursor });
    if (!v.name) {
      table.hidden = true;
      empty(state, 'Name a package, unit, user, group, container, key fingerprint, sudo principal or port, e.g. ', h('strong', null, 'openssl'), '.');
      return;
    }
    loading(state, 'Searching…');
    try {
      const r = await api('GET', '/api/v1/inventory/search', { query: { ...q, limit: 50, cursor: pager.cursor } });
      done(state);
      table.hidden = !r.items.length;
      if (!r.items.length) empty(state, 'No host holds ', h('strong', null, v.name), v.version ? ' in version ' + v.version : '', '.');
      fill($('tbody', table), r.items.map((x) => h('tr', null,
        h('td', null, h('a', { class: 'host-link', href: '/hosts/' + x.agent_id + '?tab=inventory' }, x.hostname)),
        h('td', null, x.name),
        h('td', { class: 'mono' }, x.version || '–'),
        h('td', { class: 'muted small wrap' }, itemName(x.kind, x.item), ' · collected ', time(x.collected_at, { relative: true })))));
      pager.render(r.next_cursor);
    } catch (err) {
      showError(state, err, search);
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    pager.reset();
    search();
  });
  search();
}
