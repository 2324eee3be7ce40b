// Ask for a password-reset link by mail.
import { api } from '../lib/api.js';
import { $, formValues } from '../lib/dom.js';
import { busy, formError } from '../lib/ui.js';

export async function start() {
  const form = $('#forgot-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const { email } = formValues(form);
    busy(form, async () => {
      try {
        const r = await api('POST', '/api/v1/auth/forgot-password', { body: { email } });
        $('#forgot-message').textContent = r.status.charAt(0).toUpperCase() + r.status.slice(1) + '.';
        form.hidden = true;
        $('#forgot-done').hidden = false;
      } catch (err) {
        formError(form, err);
      }
    });
  });
}
