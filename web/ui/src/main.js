// The dashboard's entry: the page's module (data-page on <body>) fills the
// server-rendered frame from /api/v1. One bundle, cached for a year under
// its content hash, so every page after the first loads no script.
import 'uplot/dist/uPlot.min.css';
import '@xterm/xterm/css/xterm.css';
import 'asciinema-player/dist/bundle/asciinema-player.css';
import './app.css';
import { loadSession, api, currentSession } from './lib/api.js';
import { $, h, fill } from './lib/dom.js';
import { showError } from './lib/ui.js';
import * as login from './pages/login.js';
import * as forgot from './pages/forgot.js';
import * as reset from './pages/reset.js';
import * as invite from './pages/invite.js';
import * as fleet from './pages/fleet.js';
import * as host from './pages/host.js';
import * as alerts from './pages/alerts.js';
import * as rules from './pages/rules.js';
import * as inventory from './pages/inventory.js';
import * as vulns from './pages/vulns.js';
import * as webhooks from './pages/webhooks.js';
import * as notifications from './pages/notifications.js';
import * as people from './pages/people.js';
import * as apikeys from './pages/apikeys.js';
import * as enrollment from './pages/enrollment.js';
import * as audit from './pages/audit.js';
import * as account from './pages/account.js';
import * as security from './pages/security.js';
import * as console_ from './pages/console.js';
import * as consoles from './pages/consoles.js';
import * as topology from './pages/topology.js';

const modules = { login, forgot, reset, invite, fleet, host, alerts, rules, inventory, vulns, webhooks, notifications, people, apikeys, enrollment, audit, account, security,
  console: console_, consoles, topology };

// chrome fills the navigation bar with the signed-in person.
function chrome(s) {
  const who = $('#whoami');
  fill(who, h('span', { class: 'who-name' }, s.user.name || s.user.email), h('span', { class: 'who-tenant' }, s.tenant.name));
  who.title = s.user.email + ' · ' + s.role + ' of ' + s.tenant.name;
  $('#sign-out').addEventListener('click', async () => {
    try {
      await api('POST', '/api/v1/auth/logout');
    } finally {
      location.assign('/login');
    }
  });
  // The menu is open on wide screens and folds behind a button on narrow ones.
  const menu = document.querySelector('details.menu');
  const wide = window.matchMedia('(min-width: 861px)');
  // Settings opens on demand on wide screens; on narrow ones its pages are
  // part of the folded menu's list.
  const settings = document.querySelector('details.submenu');
  const sync = () => {
    menu.open = wide.matches;
    if (settings) settings.open = !wide.matches;
  };
  if (settings) {
    document.addEventListener('click', (e) => {
      if (wide.matches && settings.open && !settings.contains(e.target)) settings.open = false;
    });
  }
  wide.addEventListener('change', sync);
  sync();
}

async function boot() {
  const name = document.body.dataset.page;
  const mod = modules[name];
  try {
    if (document.body.classList.contains('chrome')) chrome(await loadSession());
    if (mod) await mod.start(currentSession());
    document.body.dataset.ready = 'true'; // the page's first data is on screen (tests wait for this)
  } catch (err) {
    console.error('page failed to start', err);
    const main = document.getElementById('main');
    const box = h('div', { class: 'state' });
    main.prepend(box);
    showError(box, err, () => location.reload());
  }
}

boot();
