// Accept an invitation from its mailed link (/accept-invite?token=…).
import { api } from '../lib/api.js';
import { $ } from '../lib/dom.js';
import { formError, onSubmit } from '../lib/ui.js';

export async function start() {
  const form = $('#invite-form');
  const token = new URLSearchParams(location.search).get('token') || '';
  history.replaceState(null, '', location.pathname);
  if (!token) {
    formError(form, { message: 'This link has no invitation token. Ask the person who invited you for a new invitation.', fields: [] });
    form.querySelector('button[type=submit]').disabled = true;
    return;
  }
  onSubmit(form, async (v) => {
    const r = await api('POST', '/api/v1/auth/accept-invite', { body: { token, name: v.name, password: v.password } });
    $('#invite-message').textContent = (r.account_created ? 'Your account was created. ' : 'The invitation was added to your account. ') +
      'You are ' + (r.role === 'admin' || r.role === 'owner' ? 'an ' : 'a ') + r.role + ' of ' + r.tenant.name + '.';
    form.hidden = true;
    $('#invite-done').hidden = false;
  });
}
