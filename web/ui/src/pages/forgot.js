// Ask for a password-reset link by mail.
import { api } from '../lib/api.js';
import { $ } from '../lib/dom.js';
import { onSubmit } from '../lib/ui.js';

export async function start() {
  const form = $('#forgot-form');
  onSubmit(form, async ({ email }) => {
    const r = await api('POST', '/api/v1/auth/forgot-password', { body: { email } });
    $('#forgot-message').textContent = r.status.charAt(0).toUpperCase() + r.status.slice(1) + '.';
    form.hidden = true;
    $('#forgot-done').hidden = false;
  });
}
