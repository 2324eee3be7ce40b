// The tenant's people: roles changed and people removed by admins (never
// above their own role), invitations by mail, and (admins) the pending
// invitations, which can be revoked.
import { api, can, currentSession, roleOptions } from '../lib/api.js';
import { $, fill, h } from '../lib/dom.js';
import { time } from '../lib/format.js';
import { Pager, badge, confirmAction, done, empty, loading, onSubmit, openDialog, showError, toast } from '../lib/ui.js';

export async function start() {
  const state = $('#people-state');
  const pager = new Pager($('#people-pager'), load);
  const me = currentSession();

  async function load() {
    loading(state, 'Loading people…');
    try {
      const r = await api('GET', '/api/v1/members', { query: { limit: 100, cursor: pager.cursor } });
      done(state);
      fill($('#people-table tbody'), r.items.map(row));
      pager.render(r.next_cursor);
    } catch (err) {
      showError(state, err, load);
    }
  }

  function row(m) {
    const self = m.user_id === me.user.id;
    let role = badge(m.role, 'info');
    if (can('admin') && !self && roleOptions().includes(m.role)) {
      const sel = h('select', { 'aria-label': 'Role of ' + (m.name || m.email) }, roleOptions().map((r) => h('option', { value: r, selected: r === m.role }, r)));
      sel.addEventListener('change', async () => {
        try {
          await api('PATCH', '/api/v1/members/' + m.user_id, { body: { role: sel.value } });
          toast((m.name || m.email) + ' is now ' + sel.value);
        } catch (err) {
          sel.value = m.role;
          showError(state, err);
        }
      });
      role = sel;
    }
    return h('tr', null,
      h('td', null, m.name || '–', self ? h('span', { class: 'muted' }, ' (you)') : null, m.totp_enabled ? h('span', { class: 'tag', title: 'signs in with a second factor' }, '2FA') : null),
      h('td', null, m.email),
      h('td', null, role),
      h('td', null, time(m.joined_at, { relative: true })),
      h('td', { class: 'num' }, can('admin') && !self && roleOptions().includes(m.role)
        ? h('button', { type: 'button', class: 'small danger', onclick: () => remove(m) }, 'Remove') : null));
  }

  async function remove(m) {
    if (!(await confirmAction(`Remove ${m.name || m.email} from this tenant? Their sessions here end.`, 'Remove'))) return;
    try {
      await api('DELETE', '/api/v1/members/' + m.user_id);
      toast('Removed ' + (m.name || m.email));
      load();
    } catch (err) {
      showError(state, err);
    }
  }

  const invState = $('#invites-state');
  async function loadInvites() {
    if (!can('admin')) return;
    loading(invState, 'Loading invitations…');
    try {
      const r = await api('GET', '/api/v1/invitations', { query: { limit: 100 } });
      if (r.items.length === 0) empty(invState, 'No invitation is waiting to be accepted.');
      else done(invState);
      fill($('#invites-table tbody'), r.items.map(inviteRow));
    } catch (err) {
      showError(invState, err, loadInvites);
    }
  }

  function inviteRow(inv) {
    return h('tr', null,
      h('td', null, inv.email),
      h('td', null, badge(inv.role, 'info')),
      h('td', null, time(inv.created_at, { relative: true })),
      h('td', null, time(inv.expires_at)),
      h('td', { class: 'num' }, h('button', { type: 'button', class: 'small danger', onclick: () => revoke(inv) }, 'Revoke')));
  }

  async function revoke(inv) {
    if (!(await confirmAction(`Revoke the invitation of ${inv.email}? The link they were sent stops working.`, 'Revoke'))) return;
    try {
      await api('DELETE', '/api/v1/invitations/' + inv.id);
      toast('Revoked the invitation of ' + inv.email);
      loadInvites();
    } catch (err) {
      showError(invState, err);
    }
  }

  const dlg = $('#invite-dialog');
  const form = $('#invite-form');
  fill($('#iv-role'), roleOptions().map((r) => h('option', { value: r, selected: r === 'viewer' }, r)));
  $('#invite-new').addEventListener('click', () => {
    form.reset();
    openDialog(dlg);
  });
  onSubmit(form, async (v) => {
    const r = await api('POST', '/api/v1/invitations', { body: { email: v.email, role: v.role, expires_in_hours: Number(v.expires_in_hours) || 72 } });
    dlg.close();
    toast('Invitation mailed to ' + r.email + '; the link works until ' + new Date(r.expires_at).toLocaleString());
    loadInvites();
  });
  await Promise.all([load(), loadInvites()]);
}
