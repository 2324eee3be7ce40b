// Loading, error and empty states, toasts, dialogs, pagers and copy
// buttons: the parts every page shares.
import { h, fill, $, formValues } from './dom.js';
import { Problem } from './api.js';

export function loading(el, what = 'Loading…') {
  el.dataset.state = 'loading';
  fill(el, h('p', { class: 'loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), what));
}

export function done(el) {
  delete el.dataset.state;
  el.replaceChildren();
}

// showError says what went wrong, with the problem's detail, its field
// errors and request id (for the hub's log).
export function showError(el, err, retry) {
  el.dataset.state = 'error';
  const p = err instanceof Problem ? err : new Problem(0, { detail: String(err && err.message ? err.message : err) });
  fill(el, h('div', { class: 'error-box', role: 'alert' },
    h('strong', null, p.status ? 'The hub answered ' + p.status + ': ' : 'Error: '), p.message,
    p.fields.length ? h('ul', null, p.fields.map((f) => h('li', null, f.field + ': ' + f.message))) : null,
    p.requestId ? h('p', { class: 'muted small' }, 'request id ' + p.requestId) : null,
    retry ? h('p', null, h('button', { type: 'button', onclick: retry }, 'Try again')) : null));
}

export function empty(el, ...children) {
  el.dataset.state = 'empty';
  fill(el, h('div', { class: 'empty' }, ...children));
}

// formError shows a problem inside a form, next to its fields.
export function formError(form, err) {
  const box = $('.form-error', form);
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  if (!err) {
    box.hidden = true;
    return;
  }
  const fields = err.fields || [];
  for (const f of fields) {
    const input = form.elements[f.field];
    if (input && input.setAttribute) input.setAttribute('aria-invalid', 'true');
  }
  fill(box, err.message, fields.length ? h('ul', null, fields.map((f) => h('li', null, f.field + ': ' + f.message))) : null);
  box.hidden = false;
}

// onSubmit runs fn with the form's values (formValues) when it is
// submitted: the button is disabled meanwhile, and a problem fn throws
// (from the API, or inputError) shows in the form.
export function onSubmit(form, fn) {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, async () => {
      try {
        formError(form, null);
        await fn(formValues(form));
      } catch (err) {
        formError(form, err);
      }
    });
  });
}

// inputError is a problem found before asking the API.
export function inputError(message, field, fieldMessage) {
  return Object.assign(new Error(message), { fields: field ? [{ field, message: fieldMessage }] : [] });
}

// busy disables a form's submit button while its request runs.
export async function busy(form, fn) {
  const btn = form.querySelector('button[type=submit]');
  if (btn) btn.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    if (btn) btn.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

export function toast(message, kind = 'ok') {
  const box = document.getElementById('toasts');
  if (!box) return;
  const t = h('div', { class: 'toast ' + kind }, message);
  box.append(t);
  setTimeout(() => t.remove(), 5000);
}

// dialog opens a <dialog> holding a form; Cancel and Escape close it.
export function openDialog(dlg) {
  for (const b of dlg.querySelectorAll('button.cancel')) b.onclick = () => dlg.close();
  const form = dlg.querySelector('form');
  if (form) formError(form, null);
  dlg.showModal();
  const first = dlg.querySelector('input:not([type=hidden]), select, textarea');
  if (first) first.focus();
}

// confirmAction asks before something that cannot be undone; it resolves
// to true when the person confirms.
export function confirmAction(message, action = 'Confirm') {
  return new Promise((resolve) => {
    const yes = h('button', { type: 'button', class: 'danger' }, action);
    const no = h('button', { type: 'button' }, 'Cancel');
    const dlg = h('dialog', { class: 'confirm', 'aria-label': 'Confirm' }, h('p', null, message), h('div', { class: 'row end' }, no, yes));
    const finish = (v) => {
      dlg.close();
      dlg.remove();
      resolve(v);
    };
    yes.onclick = () => finish(true);
    no.onclick = () => finish(false);
    dlg.addEventListener('cancel', () => finish(false));
    document.body.append(dlg);
    dlg.showModal();
    no.focus();
  });
}

// copyBlock shows a secret or a command once, with a button that copies it.
export function copyBlock(label, text, note) {
  const code = h('code', null, text);
  const btn = h('button', { type: 'button', class: 'copy' }, 'Copy');
  btn.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      btn.textContent = 'Copied';
    } catch {
      const r = document.createRange();
      r.selectNodeContents(code);
      getSelection().removeAllRanges();
      getSelection().addRange(r);
      btn.textContent = 'Selected: press Ctrl+C';
    }
    setTimeout(() => (btn.textContent = 'Copy'), 2500);
  });
  return h('div', { class: 'secret' }, h('p', { class: 'secret-label' }, label), h('div', { class: 'secret-body' }, h('pre', null, code), btn),
    note ? h('p', { class: 'muted small' }, note) : null);
}

// Pager walks a cursor-paged list: it keeps the cursors of the pages
// before, so Previous works, and puts the cursor in the URL (deep links).
export class Pager {
  constructor(el, onChange) {
    this.el = el;
    this.onChange = onChange;
    this.stack = [];
    this.cursor = new URLSearchParams(location.search).get('cursor') || '';
  }
  reset() {
    this.stack = [];
    this.cursor = '';
  }
  render(next, summary) {
    const prev = h('button', { type: 'button', disabled: this.stack.length === 0 && !this.cursor }, '← Previous');
    const nextBtn = h('button', { type: 'button', disabled: !next }, 'Next →');
    prev.onclick = () => {
      this.cursor = this.stack.pop() || '';
      this.onChange();
    };
    nextBtn.onclick = () => {
      this.stack.push(this.cursor);
      this.cursor = next;
      this.onChange();
    };
    fill(this.el, summary ? h('span', { class: 'muted' }, summary) : null, prev, nextBtn);
    this.el.hidden = !next && !this.cursor && this.stack.length === 0;
  }
}

// setQuery puts the view's state in the address bar, so a copied URL
// opens the same view; empty values are left out.
export function setQuery(values) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== '' && v != null && v !== false) q.set(k, v);
  const s = q.toString();
  history.replaceState(null, '', location.pathname + (s ? '?' + s : ''));
}

export function badge(text, kind) {
  return h('span', { class: 'badge ' + (kind || text) }, text);
}
