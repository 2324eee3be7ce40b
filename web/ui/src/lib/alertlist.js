// A list of alerts with their state, severity and host; members resolve
// them by hand with a note. Used by the alerts page and the host page.
import { api, can } from './api.js';
import { fill, h } from './dom.js';
import { time } from './format.js';
import { Pager, badge, done, empty, loading, showError, toast } from './ui.js';

const sources = { agent: 'agent', rule: 'rule', system: 'hub' };

// alertList fills panel with the alerts that query selects.
export function alertList(panel, query, { showHost = true, pagerEl } = {}) {
  const state = h('div', { class: 'state' });
  const list = h('div', { class: 'alerts' });
  const pagerNav = pagerEl || h('nav', { class: 'pager', 'aria-label': 'Pages' });
  fill(panel, state, list, pagerEl ? null : pagerNav);
  const pager = new Pager(pagerNav, load);
  if (!pagerEl) pager.reset();

  async function load() {
    loading(state, 'Loading alerts…');
    try {
      const r = await api('GET', '/api/v1/alerts', { query: { ...query, limit: 50, cursor: pager.cursor } });
      done(state);
      fill(list, r.items.map((a) => item(a, showHost, load)));
      if (!r.items.length) empty(state, h('p', null, 'No alerts here. '), h('p', { class: 'muted' }, 'Alerts come from agents, from ', h('a', { href: '/alert-rules' }, 'alert rules'), ' and from the hub (silent agents).'));
      pager.render(r.next_cursor);
    } catch (err) {
      showError(state, err, load);
    }
  }
  return { ready: load(), reload: () => { pager.reset(); load(); }, pager };
}

function item(a, showHost, reload) {
  const actions = h('div', { class: 'alert-actions' });
  if (a.state !== 'resolved' && can('member')) {
    actions.append(h('button', { type: 'button', class: 'small', onclick: () => resolveDialog(a, reload) }, 'Resolve'));
  }
  return h('article', { class: 'alert-item ' + a.severity + ' ' + a.state, dataset: { alert: a.id }, 'aria-label': a.summary },
    h('div', null, badge(a.state)),
    h('div', null,
      h('div', { class: 'alert-summary' }, a.summary || a.key),
      h('div', { class: 'alert-meta' },
        badge(a.severity),
        showHost && a.agent_id ? h('a', { href: '/hosts/' + a.agent_id }, a.hostname || 'host') : null,
        h('span', null, 'from ' + (sources[a.source] || a.source)),
        h('span', { class: 'mono' }, a.key),
        h('span', null, 'since ', time(a.started_at, { relative: true })),
        a.resolved_at ? h('span', null, 'resolved ', time(a.resolved_at, { relative: true }), a.resolve_note ? ': “' + a.resolve_note + '”' : '') : null)),
    actions);
}

function resolveDialog(a, reload) {
  const note = h('textarea', { id: 'resolve-note', name: 'note', rows: 3, maxlength: 1000 });
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const form = h('form', { method: 'dialog', class: 'stack' },
    h('h2', null, 'Resolve alert'), h('p', null, a.summary || a.key),
    h('div', { class: 'field' }, h('label', { for: 'resolve-note' }, 'Note ', h('span', { class: 'muted' }, '(optional)')), note),
    h('p', { class: 'muted small' }, 'A rule or the hub raises it again if its condition still holds.'),
    err,
    h('div', { class: 'row end' }, h('button', { type: 'button', class: 'cancel', onclick: () => dlg.close() }, 'Cancel'), h('button', { type: 'submit', class: 'primary' }, 'Resolve')));
  const dlg = h('dialog', { 'aria-label': 'Resolve alert' }, form);
  dlg.addEventListener('close', () => dlg.remove());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('PATCH', '/api/v1/alerts/' + a.id + '/resolve', { body: { note: note.value.trim() } });
      dlg.close();
      toast('Alert resolved');
      reload();
    } catch (x) {
      fill(err, x.message);
      err.hidden = false;
    }
  });
  document.body.append(dlg);
  dlg.showModal();
  note.focus();
}
