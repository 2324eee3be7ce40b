// Alert rules: list, create, edit, enable or disable, delete, and bring
// back the default rules a tenant lacks (members and above; viewers see
// the list only).
import { api, can } from '../lib/api.js';
import { $, fill, h } from '../lib/dom.js';
import { Pager, badge, confirmAction, done, empty, formError, inputError, loading, onSubmit, openDialog, showError, toast } from '../lib/ui.js';

export async function start() {
  const state = $('#rules-state');
  const tbody = $('#rules-table tbody');
  const pager = new Pager($('#rules-pager'), load);
  const dlg = $('#rule-dialog');
  const form = $('#rule-form');
  let editing = null;
  let agentsLoaded = false;

  async function load() {
    loading(state, 'Loading rules…');
    try {
      const r = await api('GET', '/api/v1/alert-rules', { query: { limit: 100, cursor: pager.cursor } });
      done(state);
      $('#rules-table').hidden = !r.items.length;
      if (!r.items.length) {
        empty(state, h('p', null, 'No alert rules yet.'), can('member') ? h('p', null, 'Start with ', h('button', { type: 'button', class: 'link', onclick: () => edit(example()) }, 'CPU above 90 % for 5 minutes'), '.') : null);
      }
      fill(tbody, r.items.map(row));
      pager.render(r.next_cursor);
    } catch (err) {
      showError(state, err, load);
    }
  }

  function row(r) {
    const cond = r.agg === 'silent' ? `sent nothing for ${r.op} ${r.threshold} reporting intervals`
      : `${r.agg}(${r.metric}${r.match || ''}) ${r.op} ${r.threshold} over ${r.window}` + (r.predict ? `, ${r.predict} ahead` : '') +
      (r.for && r.for !== '0s' ? `, for ${r.for}` : '');
    const scope = r.scope === 'fleet' ? 'every agent' : r.scope === 'tag' ? '#' + r.tag : h('a', { href: '/hosts/' + r.agent_id }, 'one agent');
    return h('tr', { dataset: { rule: r.id } },
      h('td', null, h('strong', null, r.name), r.builtin ? h('span', { class: 'tag', title: 'one of the default rules (' + r.builtin + ')' }, 'default') : null),
      h('td', { class: 'mono small wrap' }, cond),
      h('td', null, scope),
      h('td', null, badge(r.severity)),
      h('td', null, r.enabled ? badge('enabled', 'ok') : badge('disabled', 'idle')),
      h('td', { class: 'num' }, can('member') ? h('div', { class: 'row end' },
        h('button', { type: 'button', class: 'small', onclick: () => edit(r) }, 'Edit'),
        h('button', { type: 'button', class: 'small danger', onclick: () => remove(r) }, 'Delete')) : null));
  }

  async function remove(r) {
    if (!(await confirmAction(`Delete the rule “${r.name}”? Its open alerts are resolved.`, 'Delete rule'))) return;
    try {
      await api('DELETE', '/api/v1/alert-rules/' + r.id);
      toast('Rule deleted');
      load();
    } catch (err) {
      showError(state, err);
    }
  }

  async function loadChoices() {
    if (agentsLoaded) return;
    agentsLoaded = true;
    try {
      const [agents, names] = await Promise.all([api('GET', '/api/v1/agents', { query: { limit: 500 } }), api('GET', '/api/v1/metrics/names')]);
      fill($('#r-agent'), agents.items.map((a) => h('option', { value: a.id }, a.hostname)));
      fill($('#metric-names'), names.items.map((n) => h('option', { value: n.metric || n.name })));
    } catch (err) {
      agentsLoaded = false;
      formError(form, err);
    }
  }

  function syncScope() {
    // A silent rule reads no metric and covers the whole fleet: its
    // threshold is the allowance in reporting intervals.
    const silent = form.elements.agg.value === 'silent';
    if (silent) {
      form.elements.scope.value = 'fleet';
      form.elements.op.value = '>=';
    }
    const s = form.elements.scope.value;
    $('#r-scope-agent').hidden = s !== 'agent';
    $('#r-scope-tag').hidden = s !== 'tag';
    $('#r-predict-field').hidden = form.elements.agg.value !== 'predict_linear';
    $('#r-silent-hint').hidden = !silent;
    for (const id of ['#r-metric-row', '#r-window-row', '#r-scope-row']) $(id).hidden = silent;
    form.elements.metric.required = !silent;
    form.elements.op.disabled = silent;
  }

  function edit(r) {
    editing = r && r.id ? r : null;
    $('#rule-dialog-title').textContent = editing ? 'Edit alert rule' : 'New alert rule';
    form.reset();
    const v = r || {};
    for (const f of ['name', 'metric', 'match', 'agg', 'op', 'window', 'for', 'predict', 'severity', 'scope', 'tag']) if (v[f] != null) form.elements[f].value = v[f];
    if (v.threshold != null) form.elements.threshold.value = v.threshold;
    form.elements.enabled.checked = v.enabled !== false;
    syncScope();
    openDialog(dlg);
    loadChoices().then(() => v.agent_id && (form.elements.agent_id.value = v.agent_id));
  }

  form.elements.scope.addEventListener('change', syncScope);
  form.elements.agg.addEventListener('change', syncScope);
  onSubmit(form, async (v) => {
    const threshold = Number(v.threshold.replace(',', '.'));
    if (v.threshold === '' || !isFinite(threshold)) throw inputError('The threshold must be a number.', 'threshold', 'must be a number, e.g. 0.9 for 90 % of a ratio');
    const body = { name: v.name, metric: v.metric, match: v.match, agg: v.agg, op: v.op, threshold, window: v.window, for: v.for,
      severity: v.severity, scope: v.scope, enabled: v.enabled };
    if (v.agg === 'predict_linear') body.predict = v.predict;
    if (v.agg === 'silent') Object.assign(body, { metric: '', match: '', op: '>=', for: '0s', scope: 'fleet' });
    if (v.scope === 'agent') body.agent_id = v.agent_id;
    if (v.scope === 'tag') body.tag = v.tag;
    if (editing) await api('PUT', '/api/v1/alert-rules/' + editing.id, { body });
    else await api('POST', '/api/v1/alert-rules', { body });
    dlg.close();
    toast(editing ? 'Rule saved' : 'Rule created');
    load();
  });
  $('#rule-new').addEventListener('click', () => edit(null));
  $('#rule-defaults').addEventListener('click', async () => {
    try {
      const r = await api('POST', '/api/v1/alert-rules/defaults');
      toast(r.installed ? `Added ${r.installed} default rule${r.installed === 1 ? '' : 's'}` : 'Every default rule is here already');
      load();
    } catch (err) {
      showError(state, err);
    }
  });
  await load();
}

function example() {
  return { name: 'CPU busy', metric: 'cpu_usage_ratio', match: '{cpu="all"}', agg: 'avg', op: '>', threshold: 0.9, window: '5m', for: '5m', severity: 'warning', scope: 'fleet' };
}
