// Sign in: password, then (when the account has TOTP) a code or a
// recovery code; then back to where the person was going.
import { api } from '../lib/api.js';
import { $, formValues } from '../lib/dom.js';
import { busy, formError } from '../lib/ui.js';

// next is where to go after signing in: only a path of this hub.
function next() {
  const n = new URLSearchParams(location.search).get('next') || '/';
  return n.startsWith('/') && !n.startsWith('//') ? n : '/';
}

export async function start() {
  const login = $('#login-form');
  // The hub accepts sign-ins only from its own address (CSRF protection):
  // say so before the person types, rather than after a refusal.
  const home = document.body.dataset.publicUrl;
  if (home && new URL(home).origin !== location.origin) {
    const note = $('.form-error', login);
    note.textContent = '';
    note.append('This hub is set up to be used at ', Object.assign(document.createElement('a'), { href: home + location.pathname + location.search, textContent: home }),
      ': sign in there (or set MONSYS_PUBLIC_URL to this address).');
    note.hidden = false;
  }
  const totp = $('#totp-form');
  let challenge = '';
  login.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(login);
    if (!v.email || !v.password) {
      formError(login, { message: 'Enter your email and password.', fields: [] });
      return;
    }
    busy(login, async () => {
      try {
        const r = await api('POST', '/api/v1/auth/login', { body: { email: v.email, password: v.password } });
        formError(login, null);
        if (r.totp_required) {
          challenge = r.challenge;
          login.hidden = true;
          totp.hidden = false;
          $('#code').focus();
          return;
        }
        location.assign(next());
      } catch (err) {
        formError(login, err);
        $('#password').select();
      }
    });
  });
  totp.addEventListener('submit', (e) => {
    e.preventDefault();
    const code = formValues(totp).code.replace(/\s+/g, '');
    if (!code) {
      formError(totp, { message: 'Enter the code.', fields: [] });
      return;
    }
    busy(totp, async () => {
      try {
        await api('POST', '/api/v1/auth/totp/challenge', { body: { challenge, code } });
        location.assign(next());
      } catch (err) {
        formError(totp, err);
        $('#code').select();
      }
    });
  });
}
