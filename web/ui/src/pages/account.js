// The signed-in person's account: profile and tenants, TOTP set-up with its
// QR code and recovery codes, and their sessions.
import { api } from '../lib/api.js';
import { $, fill, h } from '../lib/dom.js';
import { time } from '../lib/format.js';
import { badge, busy, confirmAction, copyBlock, done, formError, inputError, loading, onSubmit, showError, toast } from '../lib/ui.js';

export async function start(s) {
  profile(s);
  password();
  tenants();
  totp(s.totp_enabled);
  sessions();
}

function profile(s) {
  fill($('#account-facts'),
    h('dt', null, 'Name'), h('dd', null, s.user.name || '–'),
    h('dt', null, 'Email'), h('dd', null, s.user.email),
    h('dt', null, 'Tenant'), h('dd', null, s.tenant.name),
    h('dt', null, 'Role'), h('dd', null, badge(s.role, 'info')),
    h('dt', null, 'Session ends'), h('dd', null, time(s.expires_at)));
}

function password() {
  const form = $('#password-form');
  onSubmit(form, async (v) => {
    if (v.new_password !== v.again) throw inputError('The two new passwords differ.', 'again', 'must repeat the new password');
    await api('POST', '/api/v1/auth/change-password', { body: { current_password: v.current_password, new_password: v.new_password } });
    form.reset();
    toast('Password changed; your other sessions ended');
    sessions();
  });
}

async function tenants() {
  const box = $('#tenant-switch');
  try {
    const r = await api('GET', '/api/v1/auth/tenants');
    if (r.items.length < 2) return;
    const sel = h('select', { id: 'tenant-select' }, r.items.map((t) => h('option', { value: t.id, selected: t.current }, t.name + ' (' + t.role + ')')));
    fill(box, h('div', { class: 'field' }, h('label', { for: 'tenant-select' }, 'Switch tenant'), sel));
    sel.addEventListener('change', async () => {
      try {
        await api('POST', '/api/v1/auth/switch-tenant', { body: { tenant_id: sel.value } });
        location.assign('/');
      } catch (err) {
        showError(box, err);
      }
    });
  } catch (err) {
    showError(box, err);
  }
}

function codeForm(id, label, button, onCode) {
  const input = h('input', { id, name: 'code', autocomplete: 'one-time-code', inputmode: 'numeric', required: true, spellcheck: 'false' });
  const form = h('form', { class: 'stack', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: id }, label), input),
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, button)));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, async () => {
      try {
        await onCode(input.value.replace(/\s+/g, ''));
      } catch (err) {
        formError(form, err);
        input.select();
      }
    });
  });
  return form;
}

function totp(enabled) {
  const panel = $('#totp-panel');
  if (enabled) {
    fill(panel, h('p', null, badge('on', 'ok'), ' You sign in with a code from your authenticator app.'),
      h('details', null, h('summary', null, 'Turn two-factor authentication off'),
        codeForm('totp-off', 'Current code', 'Turn off', async (code) => {
          await api('POST', '/api/v1/auth/totp/disable', { body: { code } });
          toast('Two-factor authentication is off');
          totp(false);
        })));
    return;
  }
  const startBtn = h('button', { type: 'button', class: 'primary' }, 'Set up two-factor authentication');
  fill(panel, h('p', null, badge('off', 'idle'), ' Protect your account with a code from an authenticator app (TOTP) at every sign-in.'), startBtn);
  startBtn.addEventListener('click', async () => {
    startBtn.disabled = true;
    try {
      const r = await api('POST', '/api/v1/auth/totp/setup');
      fill(panel,
        h('p', null, 'Scan this code with your authenticator app, then enter the 6-digit code it shows.'),
        h('img', { class: 'qr', src: r.qr_code, alt: 'QR code of the TOTP secret', width: 200, height: 200 }),
        h('details', null, h('summary', null, 'Cannot scan? Enter the secret by hand'), copyBlock('Secret (base32):', r.secret)),
        codeForm('totp-code', 'Code from the app', 'Turn on', async (code) => {
          const v = await api('POST', '/api/v1/auth/totp/verify', { body: { code } });
          fill(panel, h('p', null, badge('on', 'ok'), ' Two-factor authentication is on.'),
            h('p', null, h('strong', null, 'Save these recovery codes now.'), ' Each works once, in place of a code, if you lose your phone. They are not shown again.'),
            h('ol', { class: 'codes', id: 'recovery-codes' }, v.recovery_codes.map((c) => h('li', null, c))),
            copyBlock('All codes:', v.recovery_codes.join('\n')),
            h('button', { type: 'button', onclick: () => totp(true) }, 'I saved them'));
        }));
    } catch (err) {
      startBtn.disabled = false;
      showError(panel, err);
    }
  });
}

async function sessions() {
  const state = $('#sessions-state');
  loading(state);
  try {
    const r = await api('GET', '/api/v1/sessions');
    done(state);
    fill($('#sessions-table tbody'), r.items.map((x) => h('tr', null,
      h('td', { class: 'wrap small' }, browserName(x.user_agent), x.current ? h('span', { class: 'tag' }, 'this browser') : null),
      h('td', { class: 'mono small' }, x.ip),
      h('td', null, time(x.created_at, { relative: true })),
      h('td', null, time(x.last_seen_at, { relative: true })),
      h('td', { class: 'num' }, h('button', { type: 'button', class: 'small danger', onclick: () => revoke(x) }, x.current ? 'Sign out' : 'End')))));
  } catch (err) {
    showError(state, err, sessions);
  }
}

async function revoke(x) {
  if (!x.current && !(await confirmAction('End this session? That browser has to sign in again.', 'End session'))) return;
  try {
    await api('DELETE', '/api/v1/sessions/' + x.id);
    if (x.current) location.assign('/login');
    else {
      toast('Session ended');
      sessions();
    }
  } catch (err) {
    showError($('#sessions-state'), err);
  }
}

// browserName shortens a user agent to what a person recognises.
function browserName(ua) {
  if (!ua) return 'unknown';
  const m = ua.match(/(Firefox|Edg|Chrome|Chromium|Safari|curl|Go-http-client)\/[\d.]+/);
  const os = ua.match(/\((?:X11; )?([^;)]+)/);
  return (m ? m[0].replace('Edg/', 'Edge/') : ua.slice(0, 60)) + (os ? ' on ' + os[1] : '');
}
