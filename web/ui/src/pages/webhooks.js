// Webhook endpoints (admins) and each endpoint's delivery log.
import { api } from '../lib/api.js';
import { $, fill, h } from '../lib/dom.js';
import { time } from '../lib/format.js';
import { Pager, badge, confirmAction, copyBlock, done, empty, loading, onSubmit, openDialog, showError, toast } from '../lib/ui.js';

export async function start() {
  const state = $('#hooks-state');
  const list = $('#hooks-list');
  const dlg = $('#hook-dialog');
  const form = $('#hook-form');
  let selected = new URLSearchParams(location.search).get('endpoint') || '';

  async function load() {
    loading(state, 'Loading endpoints…');
    try {
      const r = await api('GET', '/api/v1/webhooks', { query: { limit: 100 } });
      done(state);
      if (!r.items.length) empty(state, h('p', null, 'No endpoints yet.'), h('p', { class: 'muted' }, 'Add one to receive alert events in chat, paging or ticketing tools.'));
      fill(list, r.items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
        h('caption', { class: 'visually-hidden' }, 'Webhook endpoints'),
        h('thead', null, h('tr', null, ['Endpoint', 'State', 'Created', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, r.items.map(row)))) : null);
      const pick = r.items.find((w) => w.id === selected);
      if (pick) deliveries(pick);
    } catch (err) {
      showError(state, err, load);
    }
  }

  function row(w) {
    const st = w.disabled_at ? badge('disabled', 'failed') : w.failing_since ? h('span', null, badge('failing', 'warning'), ' since ', time(w.failing_since, { relative: true })) : badge('ok');
    return h('tr', null,
      h('td', { class: 'wrap' }, h('div', { class: 'mono small' }, w.url), w.description ? h('div', { class: 'muted small' }, w.description) : null),
      h('td', null, st),
      h('td', null, time(w.created_at, { relative: true })),
      h('td', { class: 'num' }, h('div', { class: 'row end' },
        h('button', { type: 'button', class: 'small', onclick: () => deliveries(w) }, 'Deliveries'),
        h('button', { type: 'button', class: 'small danger', onclick: () => remove(w) }, 'Delete'))));
  }

  async function remove(w) {
    if (!(await confirmAction('Stop delivering to ' + w.url + '? Pending deliveries are dropped.', 'Delete endpoint'))) return;
    try {
      await api('DELETE', '/api/v1/webhooks/' + w.id);
      toast('Endpoint deleted');
      if (selected === w.id) $('#deliveries').hidden = true;
      load();
    } catch (err) {
      showError(state, err);
    }
  }

  const dState = $('#deliveries-state');
  const dPager = new Pager($('#deliveries-pager'), loadDeliveries);
  let current = null;
  function deliveries(w) {
    current = w;
    selected = w.id;
    history.replaceState(null, '', location.pathname + '?endpoint=' + w.id);
    $('#deliveries').hidden = false;
    $('#deliveries-title').textContent = 'Deliveries to ' + w.url;
    dPager.reset();
    loadDeliveries();
  }
  async function loadDeliveries() {
    loading(dState);
    try {
      const r = await api('GET', '/api/v1/webhooks/' + current.id + '/deliveries', { query: { status: $('#d-status').value, limit: 50, cursor: dPager.cursor } });
      done(dState);
      $('#deliveries-table').hidden = !r.items.length;
      if (!r.items.length) empty(dState, 'No deliveries yet: they start with the next alert event.');
      fill($('#deliveries-table tbody'), r.items.map((d) => h('tr', null,
        h('td', null, h('div', null, d.event_type), h('div', { class: 'muted small mono' }, d.message_id)),
        h('td', null, badge(d.status), d.next_attempt_at && d.status === 'pending' ? h('div', { class: 'muted small' }, 'next ', time(d.next_attempt_at, { relative: true })) : null),
        h('td', { class: 'num' }, d.attempts),
        h('td', { class: 'wrap small' }, d.last_status ? 'HTTP ' + d.last_status : '', d.last_error ? h('div', { class: 'muted' }, d.last_error) : null, d.last_attempt_at ? h('div', { class: 'muted' }, time(d.last_attempt_at, { relative: true })) : '–'),
        h('td', null, time(d.created_at)))));
      dPager.render(r.next_cursor);
    } catch (err) {
      showError(dState, err, loadDeliveries);
    }
  }
  $('#d-status').addEventListener('change', () => { dPager.reset(); loadDeliveries(); });

  $('#hook-new').addEventListener('click', () => {
    form.reset();
    openDialog(dlg);
  });
  onSubmit(form, async (v) => {
    const r = await api('POST', '/api/v1/webhooks', { body: { url: v.url, description: v.description } });
    dlg.close();
    fill($('#hook-created'), copyBlock('Signing secret of ' + r.url + ':', r.secret, 'Shown only now: verify each delivery\'s webhook-signature with it.'));
    load();
  });
  await load();
}
