// Set a new password with the token of a mailed reset link
// (/reset-password?token=…).
import { api } from '../lib/api.js';
import { $ } from '../lib/dom.js';
import { formError, inputError, onSubmit } from '../lib/ui.js';

export async function start() {
  const form = $('#reset-form');
  const token = new URLSearchParams(location.search).get('token') || '';
  // The token has done its job in the address bar: keep it out of history.
  history.replaceState(null, '', location.pathname);
  if (!token) {
    formError(form, { message: 'This link has no reset token. Ask for a new link on the sign-in page.', fields: [] });
    form.querySelector('button[type=submit]').disabled = true;
    return;
  }
  onSubmit(form, async (v) => {
    if (v.password !== v.password2) throw inputError('The two passwords differ.', 'password2', 'must repeat the new password');
    await api('POST', '/api/v1/auth/reset-password', { body: { token, password: v.password } });
    form.hidden = true;
    $('#reset-done').hidden = false;
  });
}
