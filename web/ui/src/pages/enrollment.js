// Enrollment tokens (admins) with the command that installs an agent.
import { api } from '../lib/api.js';
import { $, fill, h } from '../lib/dom.js';
import { time } from '../lib/format.js';
import { Pager, confirmAction, done, empty, loading, onSubmit, openDialog, showError, toast } from '../lib/ui.js';
import { installCommands } from './fleet.js';

export async function start() {
  const state = $('#tokens-state');
  const pager = new Pager($('#tokens-pager'), load);
  async function load() {
    loading(state, 'Loading tokens…');
    try {
      const r = await api('GET', '/api/v1/enrollment-tokens', { query: { limit: 100, cursor: pager.cursor } });
      done(state);
      $('#tokens-table').hidden = !r.items.length;
      if (!r.items.length) empty(state, 'No live enrollment tokens. Create one to enroll agents.');
      fill($('#tokens-table tbody'), r.items.map((t) => h('tr', null,
        h('td', null, h('strong', null, t.name)),
        h('td', null, t.uses + (t.max_uses ? ' of ' + t.max_uses : '')),
        h('td', null, time(t.created_at, { relative: true })),
        h('td', null, t.expires_at ? time(t.expires_at) : h('span', { class: 'muted' }, 'never')),
        h('td', { class: 'num' }, h('button', { type: 'button', class: 'small danger', onclick: () => revoke(t) }, 'Revoke')))));
      pager.render(r.next_cursor);
    } catch (err) {
      showError(state, err, load);
    }
  }
  async function revoke(t) {
    if (!(await confirmAction(`Revoke “${t.name}”? Agents it enrolled keep working; no new ones can register with it.`, 'Revoke token'))) return;
    try {
      await api('DELETE', '/api/v1/enrollment-tokens/' + t.id);
      toast('Token revoked');
      load();
    } catch (err) {
      showError(state, err);
    }
  }
  const dlg = $('#token-dialog');
  const form = $('#token-form');
  $('#token-new').addEventListener('click', () => {
    form.reset();
    openDialog(dlg);
  });
  onSubmit(form, async (v) => {
    const body = { name: v.name };
    const daysValid = Number(v.days);
    if (daysValid > 0) body.expires_at = new Date(Date.now() + daysValid * 86400e3).toISOString();
    if (v.max_uses) body.max_uses = Number(v.max_uses);
    const t = await api('POST', '/api/v1/enrollment-tokens', { body });
    dlg.close();
    fill($('#token-created'), installCommands(t));
    load();
  });
  await load();
}
