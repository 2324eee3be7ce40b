// The emergency console of one host: a reason and a fresh authenticator
// code open a recorded shell (POST /agents/:id/console/start), shown in
// xterm.js over the console WebSocket; emergency grants for agents in
// --console=emergency mode are made and revoked here too.
import { api } from '../lib/api.js';
import { $, fill, h } from '../lib/dom.js';
import { time } from '../lib/format.js';
import { badge, confirmAction, done, empty, loading, onSubmit, openDialog, showError, toast } from '../lib/ui.js';

export async function start() {
  const id = location.pathname.split('/')[2];
  const state = $('#console-state');
  let agent;
  try {
    agent = await api('GET', '/api/v1/agents/' + encodeURIComponent(id));
  } catch (err) {
    showError(state, err, () => location.reload());
    return;
  }
  document.title = 'Console · ' + agent.hostname + ' · monsys';
  $('#console-title').textContent = 'Emergency console on ' + agent.hostname;
  const hostLink = $('#host-link');
  hostLink.textContent = agent.hostname;
  hostLink.href = '/hosts/' + agent.id;

  const form = $('#console-form');
  onSubmit(form, async (v) => {
    const term = await openTerminal();
    const r = await api('POST', '/api/v1/agents/' + agent.id + '/console/start', {
      body: { reason: v.reason, code: v.code, cols: term.cols, rows: term.rows, max_minutes: Number(v.max_minutes) || 60 },
    });
    form.hidden = true;
    $('#grants').hidden = true;
    connect(term, r);
  });

  let xterm = null;
  async function openTerminal() {
    if (xterm) return xterm;
    const [{ Terminal }, { FitAddon }] = await Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]);
    const el = $('#terminal');
    el.hidden = false;
    xterm = new Terminal({ cursorBlink: true, fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 14, scrollback: 5000 });
    const fit = new FitAddon();
    xterm.loadAddon(fit);
    xterm.open(el);
    fit.fit();
    xterm.fit = fit;
    return xterm;
  }

  function status(text, kind) {
    fill($('#console-status'), badge(text, kind));
  }

  function connect(term, started) {
    const ws = new WebSocket(started.ws_url.replace(/^wss?:\/\/[^/]+/, (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host));
    ws.binaryType = 'arraybuffer';
    const enc = new TextEncoder();
    status('connecting', 'pending');
    ws.onopen = () => {
      status('live', 'firing');
      $('#console-help').hidden = false;
      term.focus();
    };
    ws.onmessage = (e) => {
      if (typeof e.data !== 'string') {
        term.write(new Uint8Array(e.data));
        return;
      }
      const m = JSON.parse(e.data);
      if (m.type === 'ended') {
        const exit = m.exit_status != null ? ', exit status ' + m.exit_status : '';
        status(m.state, m.state === 'ended' ? 'resolved' : 'failed');
        term.write('\r\n\x1b[2m[session ' + m.state + ': ' + m.reason + exit + ']\x1b[0m\r\n');
        fill($('#console-help'), 'Session ', m.state, ' (', m.reason + exit, '). ',
          h('a', { href: '/consoles?session=' + started.session_id }, 'Play the recording'));
      }
    };
    ws.onclose = () => {
      term.options.disableStdin = true;
    };
    term.onData((d) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(enc.encode(d));
    });
    term.onResize(({ cols, rows }) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'resize', cols, rows }));
    });
    window.addEventListener('resize', () => term.fit.fit());
    $('#console-close').onclick = () => ws.close(1000, 'closed by the person');
  }

  // Emergency grants.
  const gState = $('#grants-state');
  async function loadGrants() {
    loading(gState, 'Loading grants…');
    try {
      const r = await api('GET', '/api/v1/agents/' + agent.id + '/emergency');
      done(gState);
      if (!r.items.length) empty(gState, 'No emergency grants for this host.');
      fill($('#grants-list'), r.items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
        h('caption', { class: 'visually-hidden' }, 'Emergency grants'),
        h('thead', null, h('tr', null, ['Reason', 'Window', 'State', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, r.items.map(grantRow)))) : null);
    } catch (err) {
      showError(gState, err, loadGrants);
    }
  }
  function grantRow(g) {
    const live = !g.revoked_at && new Date(g.not_after) > new Date();
    return h('tr', null,
      h('td', { class: 'wrap' }, g.reason),
      h('td', null, time(g.not_before), ' – ', time(g.not_after)),
      h('td', null, g.revoked_at ? badge('revoked', 'failed') : live ? badge('valid', 'firing') : badge('expired')),
      h('td', { class: 'num' }, live ? h('button', { type: 'button', class: 'small danger', onclick: () => revoke(g) }, 'Revoke') : null));
  }
  async function revoke(g) {
    if (!(await confirmAction('Revoke this grant? The agent stops accepting consoles under it at once.', 'Revoke grant'))) return;
    try {
      await api('DELETE', '/api/v1/agents/' + agent.id + '/emergency/' + g.id);
      toast('Grant revoked');
      loadGrants();
    } catch (err) {
      showError(gState, err);
    }
  }
  const dlg = $('#grant-dialog');
  $('#grant-open').addEventListener('click', () => {
    $('#grant-form').reset();
    openDialog(dlg);
  });
  onSubmit($('#grant-form'), async (v) => {
    const g = await api('POST', '/api/v1/agents/' + agent.id + '/emergency', { body: { reason: v.reason, minutes: Number(v.minutes), code: v.code } });
    dlg.close();
    toast(g.delivered ? 'Grant delivered to the agent' : 'Grant stored; the agent has not taken it: ' + (g.refusal || ''), g.delivered ? 'ok' : 'warning');
    loadGrants();
  });
  await loadGrants();
}
