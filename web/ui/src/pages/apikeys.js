// API keys: create (shown once), list, revoke.
import { api, roleOptions } from '../lib/api.js';
import { $, fill, h } from '../lib/dom.js';
import { time } from '../lib/format.js';
import { Pager, badge, confirmAction, copyBlock, done, empty, loading, onSubmit, openDialog, showError, toast } from '../lib/ui.js';

export async function start() {
  const state = $('#keys-state');
  const pager = new Pager($('#keys-pager'), load);
  async function load() {
    loading(state, 'Loading keys…');
    try {
      const r = await api('GET', '/api/v1/api-keys', { query: { limit: 100, cursor: pager.cursor } });
      done(state);
      $('#keys-table').hidden = !r.items.length;
      if (!r.items.length) empty(state, 'No API keys yet.');
      fill($('#keys-table tbody'), r.items.map((k) => h('tr', null,
        h('td', null, h('strong', null, k.name)),
        h('td', null, badge(k.role, 'info')),
        h('td', null, time(k.created_at, { relative: true })),
        h('td', null, time(k.last_used_at, { relative: true })),
        h('td', null, k.expires_at ? time(k.expires_at) : h('span', { class: 'muted' }, 'never')),
        h('td', { class: 'num' }, h('button', { type: 'button', class: 'small danger', onclick: () => revoke(k) }, 'Revoke')))));
      pager.render(r.next_cursor);
    } catch (err) {
      showError(state, err, load);
    }
  }
  async function revoke(k) {
    if (!(await confirmAction(`Revoke the key “${k.name}”? Tools using it stop working at once.`, 'Revoke key'))) return;
    try {
      await api('DELETE', '/api/v1/api-keys/' + k.id);
      toast('Key revoked');
      load();
    } catch (err) {
      showError(state, err);
    }
  }
  const dlg = $('#key-dialog');
  const form = $('#key-form');
  fill($('#k-role'), roleOptions().map((r) => h('option', { value: r, selected: r === 'viewer' }, r)));
  $('#key-new').addEventListener('click', () => {
    form.reset();
    openDialog(dlg);
  });
  onSubmit(form, async (v) => {
    const body = { name: v.name, role: v.role };
    if (v.expires_at) body.expires_at = new Date(v.expires_at + 'T23:59:59').toISOString();
    const r = await api('POST', '/api/v1/api-keys', { body });
    dlg.close();
    fill($('#key-created'), copyBlock('New key “' + r.name + '”:', r.key, 'Shown only now. Send it as Authorization: Bearer ' + r.key.slice(0, 8) + '…'));
    load();
  });
  await load();
}
