// Notification channels (admins): each kind's form builds the shoutrrr URL
// (or mailto:) the API seals; routing, quiet hours, grouping; a test
// button; each channel's delivery log.
import { api } from '../lib/api.js';
import { $, fill, h } from '../lib/dom.js';
import { time } from '../lib/format.js';
import { Pager, badge, confirmAction, done, empty, inputError, loading, onSubmit, openDialog, showError, toast } from '../lib/ui.js';
import { kinds, kindLabel } from './notification_kinds.js';

export async function start() {
  const state = $('#channels-state');
  const list = $('#channels-list');
  const dlg = $('#channel-dialog');
  const form = $('#channel-form');
  const kindSel = $('#c-kind');
  let editing = null;
  let selected = new URLSearchParams(location.search).get('channel') || '';

  fill(kindSel, Object.entries(kinds).map(([k, v]) => h('option', { value: k }, v.label)));
  function showKind() {
    const k = kinds[kindSel.value];
    fill($('#c-kind-fields'), k.fields.map((f) => h('div', { class: 'field' },
      h('label', { for: 'k-' + f.name }, f.label, f.hint ? h('span', { class: 'muted' }, ' (' + f.hint + ')') : null),
      h('input', { id: 'k-' + f.name, name: 'k_' + f.name, type: f.type || 'text', placeholder: f.placeholder || '', spellcheck: 'false', autocomplete: 'off' }))));
  }
  kindSel.addEventListener('change', showKind);

  async function load() {
    loading(state, 'Loading channels…');
    try {
      const r = await api('GET', '/api/v1/notification-channels', { query: { limit: 100 } });
      done(state);
      if (!r.items.length) empty(state, h('p', null, 'No channels yet.'), h('p', { class: 'muted' }, 'Add one to get alerts by e-mail, in chat or as push notifications.'));
      fill(list, r.items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'channels-table' },
        h('caption', { class: 'visually-hidden' }, 'Notification channels'),
        h('thead', null, h('tr', null, ['Channel', 'Routing', 'Quiet hours', 'State', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, r.items.map(row)))) : null);
      const pick = r.items.find((c) => c.id === selected);
      if (pick) showLog(pick);
    } catch (err) {
      showError(state, err, load);
    }
  }

  function routing(r) {
    const parts = [];
    if (r.severities.length) parts.push(r.severities.join(', '));
    if (r.sources.length) parts.push('from ' + r.sources.join(', '));
    if (r.tags.length) parts.push('tags ' + r.tags.join(', '));
    if (r.environments.length) parts.push('in ' + r.environments.join(', '));
    return parts.length ? parts.join(' · ') : 'every alert';
  }

  function row(c) {
    const q = c.quiet_hours;
    return h('tr', { 'data-channel': c.name },
      h('td', { class: 'wrap' }, h('div', null, h('strong', null, c.name), ' ', h('span', { class: 'muted small' }, kindLabel(c.kind))),
        h('div', { class: 'mono small muted' }, c.target)),
      h('td', { class: 'wrap small' }, routing(c.routing), h('div', { class: 'muted' }, c.group_window_s ? 'grouped over ' + c.group_window_s + ' s' : 'not grouped')),
      h('td', { class: 'small' }, q.start ? q.start + '–' + q.end + ' ' + (q.time_zone || 'UTC') : '–'),
      h('td', null, c.enabled ? badge('enabled', 'ok') : badge('disabled', 'idle')),
      h('td', { class: 'num' }, h('div', { class: 'row end' },
        h('button', { type: 'button', class: 'small', onclick: (e) => test(c, e.currentTarget) }, 'Send test'),
        h('button', { type: 'button', class: 'small', onclick: () => showLog(c) }, 'Log'),
        h('button', { type: 'button', class: 'small', onclick: () => edit(c) }, 'Edit'),
        h('button', { type: 'button', class: 'small danger', onclick: () => remove(c) }, 'Delete'))));
  }

  async function test(c, btn) {
    btn.disabled = true;
    try {
      const d = await api('POST', '/api/v1/notification-channels/' + c.id + '/test');
      if (d.status === 'delivered') toast('Test message sent to ' + c.name);
      else toast('Test to ' + c.name + ' failed: ' + d.last_error, 'error');
      if (current && current.id === c.id) { logPager.reset(); loadLog(); }
    } catch (err) {
      showError(state, err);
    } finally {
      btn.disabled = false;
    }
  }

  async function remove(c) {
    if (!(await confirmAction('Stop sending alerts to ' + c.name + '? Messages waiting for it are dropped; its log stays.', 'Delete channel'))) return;
    try {
      await api('DELETE', '/api/v1/notification-channels/' + c.id);
      toast('Channel deleted');
      if (selected === c.id) $('#channel-log').hidden = true;
      load();
    } catch (err) {
      showError(state, err);
    }
  }

  const logState = $('#channel-log-state');
  const logPager = new Pager($('#channel-log-pager'), loadLog);
  let current = null;
  function showLog(c) {
    current = c;
    selected = c.id;
    history.replaceState(null, '', location.pathname + '?channel=' + c.id);
    $('#channel-log').hidden = false;
    $('#channel-log-title').textContent = 'Delivery log of ' + c.name;
    logPager.reset();
    loadLog();
  }
  async function loadLog() {
    loading(logState);
    try {
      const r = await api('GET', '/api/v1/notification-channels/' + current.id + '/deliveries', { query: { status: $('#cl-status').value, limit: 50, cursor: logPager.cursor } });
      done(logState);
      $('#channel-log-table').hidden = !r.items.length;
      if (!r.items.length) empty(logState, 'Nothing sent yet: messages start with the next alert, or send a test.');
      fill($('#channel-log-table tbody'), r.items.map((d) => h('tr', null,
        h('td', { class: 'wrap' }, h('div', null, d.title), h('div', { class: 'muted small' }, d.purpose === 'test' ? 'test message' : d.events + (d.events === 1 ? ' alert event' : ' alert events'))),
        h('td', null, badge(d.status), d.next_attempt_at ? h('div', { class: 'muted small' }, 'next ', time(d.next_attempt_at, { relative: true })) : null),
        h('td', { class: 'num' }, d.attempts),
        h('td', { class: 'wrap small' }, d.last_error ? h('div', { class: 'muted' }, d.last_error) : null, d.last_attempt_at ? time(d.last_attempt_at, { relative: true }) : '–'),
        h('td', null, time(d.created_at)))));
      logPager.render(r.next_cursor);
    } catch (err) {
      showError(logState, err, loadLog);
    }
  }
  $('#cl-status').addEventListener('change', () => { logPager.reset(); loadLog(); });

  function openForm(c) {
    editing = c;
    form.reset();
    kindSel.value = c ? (kinds[c.kind] ? c.kind : 'url') : 'ntfy';
    kindSel.disabled = false;
    showKind();
    $('#channel-dialog-title').textContent = c ? 'Edit ' + c.name : 'Add a notification channel';
    $('#channel-save').textContent = c ? 'Save' : 'Add channel';
    $('#c-url-note').hidden = !c;
    if (c) {
      form.elements.name.value = c.name;
      for (const s of c.routing.severities) form.elements['sev_' + s].checked = true;
      for (const s of c.routing.sources) form.elements['src_' + s].checked = true;
      form.elements['routing.tags'].value = c.routing.tags.join(', ');
      form.elements['routing.environments'].value = c.routing.environments.join(', ');
      form.elements['quiet_hours.start'].value = c.quiet_hours.start;
      form.elements['quiet_hours.end'].value = c.quiet_hours.end;
      form.elements['quiet_hours.time_zone'].value = c.quiet_hours.time_zone;
      form.elements.group_window_s.value = c.group_window_s;
      form.elements.enabled.checked = c.enabled;
    } else {
      form.elements['quiet_hours.time_zone'].value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    }
    openDialog(dlg);
  }
  function edit(c) { openForm(c); }
  $('#channel-new').addEventListener('click', () => openForm(null));

  const words = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
  onSubmit(form, async (v) => {
    const k = kinds[v.kind];
    const given = k.fields.some((f) => v['k_' + f.name]);
    let url;
    if (!editing || given) {
      url = k.build(Object.fromEntries(k.fields.map((f) => [f.name, v['k_' + f.name]])));
      if (!url) throw inputError('Fill in the ' + k.label + ' fields.', 'url', k.fields.map((f) => f.label).join(', ') + ' needed');
    }
    const quiet = { start: v['quiet_hours.start'], end: v['quiet_hours.end'], time_zone: v['quiet_hours.start'] ? v['quiet_hours.time_zone'] : '' };
    const body = {
      name: v.name,
      routing: {
        severities: ['critical', 'warning', 'info'].filter((s) => v['sev_' + s]),
        sources: ['agent', 'rule', 'system'].filter((s) => v['src_' + s]),
        tags: words(v['routing.tags']),
        environments: words(v['routing.environments']),
      },
      quiet_hours: quiet,
      group_window_s: Number(v.group_window_s || 0),
      enabled: v.enabled,
    };
    if (url) body.url = url;
    if (editing) await api('PATCH', '/api/v1/notification-channels/' + editing.id, { body });
    else await api('POST', '/api/v1/notification-channels', { body });
    dlg.close();
    toast(editing ? 'Channel saved' : 'Channel added: send a test to check it');
    load();
  });
  await load();
}
