// Console sessions: who opened a shell where and why, how it ended, and
// its recording played back with asciinema-player; search by what was
// typed or shown.
import { api } from '../lib/api.js';
import { $, fill, h } from '../lib/dom.js';
import { bytes, time } from '../lib/format.js';
import { badge, confirmAction, done, empty, loading, setQuery, showError, toast } from '../lib/ui.js';

const stateKind = { pending: 'pending', active: 'firing', ended: 'resolved', terminated: 'warning', failed: 'failed' };

export async function start() {
  const state = $('#sessions-state');
  const params = new URLSearchParams(location.search);
  $('#f-state').value = params.get('state') || '';
  $('#f-q').value = params.get('q') || '';
  const hosts = new Map();
  const people = new Map();
  try {
    const r = await api('GET', '/api/v1/members', { query: { limit: 500 } });
    for (const m of r.items) people.set(m.user_id, m.name || m.email);
  } catch {
    // names fall back to ids
  }

  async function hostname(id) {
    if (!hosts.has(id)) hosts.set(id, api('GET', '/api/v1/agents/' + id).then((a) => a.hostname, () => id.slice(0, 8)));
    return hosts.get(id);
  }

  async function load() {
    loading(state, 'Loading sessions…');
    const q = $('#f-q').value.trim();
    const st = $('#f-state').value;
    setQuery({ state: st, q });
    try {
      const r = q.length >= 2
        ? await api('GET', '/api/v1/console/search', { query: { q, limit: 100 } })
        : await api('GET', '/api/v1/console/sessions', { query: { state: st, limit: 100 } });
      const items = q.length >= 2 && st ? r.items.filter((s) => s.state === st) : r.items;
      done(state);
      $('#sessions-table').hidden = !items.length;
      if (!items.length) empty(state, q ? 'No session typed or showed “' + q + '”.' : 'No console sessions yet. Open one from a host’s page.');
      const rows = await Promise.all(items.map(async (s) => row(s, await hostname(s.agent_id))));
      fill($('#sessions-table tbody'), rows);
      const pick = items.find((s) => s.id === params.get('session'));
      if (pick) play(pick, await hostname(pick.agent_id));
    } catch (err) {
      showError(state, err, load);
    }
  }

  function row(s, host) {
    const exit = s.exit_status != null ? 'exit ' + s.exit_status : '';
    return h('tr', null,
      h('td', null, h('a', { href: '/hosts/' + s.agent_id }, host)),
      h('td', null, time(s.created_at), h('div', { class: 'muted small' }, 'by ' + (people.get(s.user_id) || s.user_id.slice(0, 8)))),
      h('td', { class: 'wrap' }, s.reason, s.end_reason ? h('div', { class: 'muted small' }, s.end_reason) : null),
      h('td', null, badge(s.state, stateKind[s.state]), exit ? h('div', { class: 'muted small' }, exit) : null),
      h('td', { class: 'num' }, bytes(s.bytes_in), ' / ', bytes(s.bytes_out)),
      h('td', { class: 'num' }, h('div', { class: 'row end' },
        s.state === 'active' || s.state === 'pending' ? h('button', { type: 'button', class: 'small danger', onclick: () => terminate(s) }, 'Terminate') : null,
        s.state !== 'pending' ? h('button', { type: 'button', class: 'small', onclick: () => play(s, host) }, 'Play') : null)));
  }

  async function terminate(s) {
    if (!(await confirmAction('Terminate this session? The agent kills the shell and everything it started.', 'Terminate'))) return;
    try {
      await api('DELETE', '/api/v1/console/sessions/' + s.id);
      toast('Session terminated');
      setTimeout(load, 500);
    } catch (err) {
      showError(state, err);
    }
  }

  let player = null;
  async function play(s, host) {
    const section = $('#playback');
    section.hidden = false;
    fill($('#playback-title'), 'Recording of ' + host + ', ', time(s.created_at));
    fill($('#playback-facts'), 'Checking the recording against the audit log…');
    const [{ create }, v] = await Promise.all([
      import('asciinema-player'),
      api('GET', '/api/v1/console/sessions/' + s.id + '/recording', { query: { verify: 1 } }).catch((err) => ({ error: err })),
    ]);
    fill($('#playback-facts'), v.error ? 'Not verified: ' + v.error.message
      : v.ok ? h('span', null, badge('verified', 'resolved'), ' SHA-256 ', h('code', null, v.computed_sha256.slice(0, 16) + '…'), ' matches the audit log')
        : h('span', null, badge('tampered', 'failed'), ' the stored recording does not match the hash in the audit log'));
    if (player) player.dispose();
    const box = $('#player');
    box.replaceChildren();
    player = create('/api/v1/console/sessions/' + s.id + '/recording', box, { fit: 'both', idleTimeLimit: 2, theme: 'asciinema', poster: 'npt:0:3' });
    section.scrollIntoView({ block: 'start' });
  }

  $('#f-state').addEventListener('change', load);
  let timer = null;
  $('#f-q').addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(load, 300);
  });
  $('#console-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  await load();
}
