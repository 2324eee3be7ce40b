// The host's governance record: who owns it, how critical it is, its tags
// and maintenance windows (which silence alert rules). Admins edit it.
import { api, can } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { time } from '../lib/format.js';
import { done, loading, onSubmit, showError, toast } from '../lib/ui.js';

const choices = {
  environment: ['production', 'staging', 'development', 'test'],
  criticality: ['low', 'medium', 'high', 'critical'],
  data_classification: ['public', 'internal', 'confidential', 'restricted'],
};
const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export async function governanceTab(panel, agentID) {
  const state = h('div', { class: 'state' });
  fill(panel, state);
  loading(state);
  let rec;
  try {
    rec = await api('GET', `/api/v1/agents/${encodeURIComponent(agentID)}/governance`);
    done(state);
  } catch (err) {
    showError(state, err);
    return;
  }
  if (can('admin')) panel.append(editor(agentID, rec));
  else panel.append(view(rec));
}

function view(r) {
  const dash = (v) => v || h('span', { class: 'muted' }, 'not set');
  return h('div', { class: 'card' }, h('dl', { class: 'facts-list' },
    h('dt', null, 'Owner'), h('dd', null, dash(r.owner)),
    h('dt', null, 'Environment'), h('dd', null, dash(r.environment)),
    h('dt', null, 'Criticality'), h('dd', null, dash(r.criticality)),
    h('dt', null, 'Data classification'), h('dd', null, dash(r.data_classification)),
    h('dt', null, 'Tags'), h('dd', null, r.tags.length ? r.tags.map((t) => h('span', { class: 'tag' }, '#' + t)) : dash('')),
    h('dt', null, 'Maintenance windows'), h('dd', null, r.maintenance_windows.length ? h('ul', null, r.maintenance_windows.map((w) => h('li', null, describe(w)))) : dash(''))),
  h('p', { class: 'muted small' }, 'Admins can change this record; every change is in the audit log.'));
}

function describe(w) {
  if (w.type === 'weekly') return [(w.days || []).join(', ') + ' ' + w.start + '–' + w.end + ' (' + w.time_zone + ')', w.comment ? ' · ' + w.comment : ''];
  return [time(w.starts_at), ' – ', time(w.ends_at), w.comment ? ' · ' + w.comment : ''];
}

function select(name, label, value) {
  return h('div', { class: 'field' }, h('label', { for: 'g-' + name }, label),
    h('select', { id: 'g-' + name, name }, h('option', { value: '' }, 'not set'), choices[name].map((c) => h('option', { value: c, selected: c === value }, c))));
}

function editor(agentID, rec) {
  const windows = h('div', { class: 'stack', id: 'g-windows' });
  const addWindow = (w) => windows.append(windowRow(w));
  rec.maintenance_windows.forEach(addWindow);
  const form = h('form', { class: 'card stack', id: 'governance-form', novalidate: true },
    h('div', { class: 'grid-2' },
      h('div', { class: 'field' }, h('label', { for: 'g-owner' }, 'Owner'), h('input', { id: 'g-owner', name: 'owner', value: rec.owner, maxlength: 200 })),
      select('environment', 'Environment', rec.environment)),
    h('div', { class: 'grid-2' }, select('criticality', 'Criticality', rec.criticality), select('data_classification', 'Data classification', rec.data_classification)),
    h('div', { class: 'field' }, h('label', { for: 'g-tags' }, 'Tags ', h('span', { class: 'muted' }, '(space or comma separated; a-z 0-9 . _ : / -)')),
      h('input', { id: 'g-tags', name: 'tags', value: rec.tags.join(' '), spellcheck: 'false' })),
    h('fieldset', { class: 'stack' }, h('legend', null, 'Maintenance windows ', h('span', { class: 'muted small' }, '(alert rules are not evaluated inside them)')), windows,
      h('div', { class: 'row' },
        h('button', { type: 'button', onclick: () => addWindow({ type: 'weekly', days: ['sat'], start: '22:00', end: '02:00', time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone }) }, 'Add weekly window'),
        h('button', { type: 'button', onclick: () => addWindow({ type: 'once' }) }, 'Add one-off window'))),
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'row end' }, h('button', { type: 'submit', class: 'primary' }, 'Save governance')));
  onSubmit(form, async (v) => {
    const body = {
      owner: v.owner, environment: v.environment, criticality: v.criticality, data_classification: v.data_classification,
      tags: v.tags.split(/[\s,]+/).filter(Boolean),
      maintenance_windows: Array.from(windows.children).map(readWindow),
    };
    await api('PUT', `/api/v1/agents/${encodeURIComponent(agentID)}/governance`, { body });
    toast('Governance saved');
  });
  return form;
}

let rowSeq = 0;

function windowRow(w) {
  const n = ++rowSeq;
  const remove = h('button', { type: 'button', class: 'small danger' }, 'Remove');
  const comment = h('div', { class: 'field' }, h('label', { for: 'w-c' + n }, 'Comment'), h('input', { id: 'w-c' + n, dataset: { f: 'comment' }, value: w.comment || '' }));
  let body;
  if (w.type === 'weekly') {
    body = [
      h('div', { class: 'row', role: 'group', 'aria-label': 'Days' }, days.map((d) => h('label', { class: 'check' }, h('input', { type: 'checkbox', dataset: { day: d }, checked: (w.days || []).includes(d) }), d))),
      h('div', { class: 'grid-4' },
        h('div', { class: 'field' }, h('label', { for: 'w-s' + n }, 'Start'), h('input', { id: 'w-s' + n, type: 'time', dataset: { f: 'start' }, value: w.start })),
        h('div', { class: 'field' }, h('label', { for: 'w-e' + n }, 'End'), h('input', { id: 'w-e' + n, type: 'time', dataset: { f: 'end' }, value: w.end })),
        h('div', { class: 'field' }, h('label', { for: 'w-z' + n }, 'Time zone'), h('input', { id: 'w-z' + n, dataset: { f: 'time_zone' }, value: w.time_zone })),
        comment),
    ];
  } else {
    const local = (iso) => (iso ? new Date(new Date(iso).getTime() - new Date().getTimezoneOffset() * 60e3).toISOString().slice(0, 16) : '');
    body = [h('div', { class: 'grid-4' },
      h('div', { class: 'field' }, h('label', { for: 'w-a' + n }, 'Starts'), h('input', { id: 'w-a' + n, type: 'datetime-local', dataset: { f: 'starts_at' }, value: local(w.starts_at) })),
      h('div', { class: 'field' }, h('label', { for: 'w-b' + n }, 'Ends'), h('input', { id: 'w-b' + n, type: 'datetime-local', dataset: { f: 'ends_at' }, value: local(w.ends_at) })),
      comment)];
  }
  const row = h('div', { class: 'card', dataset: { type: w.type } }, h('div', { class: 'row' }, h('strong', null, w.type === 'weekly' ? 'Weekly' : 'One-off'), h('span', { class: 'muted small' }, w.type === 'weekly' ? 'an end at or before the start runs into the next day' : 'at most 31 days'), remove), body);
  remove.onclick = () => row.remove();
  return row;
}

function readWindow(row) {
  const w = { type: row.dataset.type };
  for (const el of row.querySelectorAll('[data-f]')) {
    const f = el.dataset.f;
    if (f === 'starts_at' || f === 'ends_at') w[f] = el.value ? new Date(el.value).toISOString() : null;
    else if (el.value) w[f] = el.value;
  }
  if (w.type === 'weekly') w.days = Array.from(row.querySelectorAll('[data-day]')).filter((c) => c.checked).map((c) => c.dataset.day);
  return w;
}
