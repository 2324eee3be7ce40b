// The one way the dashboard reads and changes data: the hub's /api/v1 with
// the session cookie, and the session's CSRF token on every state change.
// Errors are the API's RFC 9457 problems, shown with their detail.

let session = null;

export class Problem extends Error {
  constructor(status, body) {
    const detail = (body && (body.detail || body.title)) || 'the hub answered ' + status;
    super(detail);
    this.status = status;
    this.body = body || {};
    this.fields = this.body.errors || [];
    this.requestId = this.body.request_id || '';
  }
}

// api calls the API. path starts with /api/v1; query is an object whose
// empty values are left out.
export async function api(method, path, { body, query } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (Array.isArray(v)) v.forEach((x) => url.searchParams.append(k, x));
    else if (v !== '' && v != null) url.searchParams.set(k, v);
  }
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session) headers['X-CSRF-Token'] = session.csrf_token;
  let resp;
  try {
    resp = await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new Problem(0, { detail: 'The hub cannot be reached: ' + err.message });
  }
  if (resp.status === 401 && session && !path.startsWith('/api/v1/auth/')) {
    toLogin();
  }
  const text = resp.status === 204 ? '' : await resp.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.slice(0, 200) };
    }
  }
  if (!resp.ok) throw new Problem(resp.status, data);
  return data;
}

// toLogin sends the browser to sign in, back here afterwards.
export function toLogin() {
  const next = location.pathname + location.search;
  location.assign('/login' + (next !== '/' ? '?next=' + encodeURIComponent(next) : ''));
}

// loadSession reads who is signed in, or goes to the sign-in page.
export async function loadSession() {
  try {
    session = await api('GET', '/api/v1/auth/session');
  } catch (err) {
    if (err.status === 401) {
      toLogin();
      return new Promise(() => {}); // the page is leaving
    }
    throw err;
  }
  document.body.dataset.role = session.role;
  return session;
}

export function currentSession() {
  return session;
}

const ranks = { viewer: 1, member: 2, admin: 3, owner: 4 };

// can reports whether the signed-in person has at least role (the API
// decides anyway; this only hides controls that would be refused).
export function can(role) {
  return !!session && ranks[session.role] >= ranks[role];
}

// roleOptions are the roles someone may hand out: up to their own.
export function roleOptions() {
  return Object.keys(ranks).filter((r) => can(r));
}
