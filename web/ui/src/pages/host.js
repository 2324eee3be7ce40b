// One host: its facts, and tabs for charts, processes, inventory, changes,
// governance and alerts. The tab, range and zoom live in the URL, so a
// copied link opens the same view.
import { api } from '../lib/api.js';
import { $, $$, h, fill } from '../lib/dom.js';
import { bytes, duration, time } from '../lib/format.js';
import { badge, done, loading, showError } from '../lib/ui.js';
import { chartsTab } from './host_charts.js';
import { processesTab } from './host_processes.js';
import { inventoryTab, changesTab } from './host_inventory.js';
import { governanceTab } from './host_governance.js';
import { alertList } from '../lib/alertlist.js';

const tabs = {
  charts: chartsTab,
  processes: processesTab,
  inventory: inventoryTab,
  changes: changesTab,
  governance: governanceTab,
  alerts: (panel, id) => alertList(panel, { agent_id: id }, { showHost: false }),
};

export async function start() {
  const id = location.pathname.split('/')[2];
  const state = $('#host-state');
  loading(state, 'Loading the host…');
  let agent;
  try {
    agent = await api('GET', '/api/v1/agents/' + encodeURIComponent(id));
    done(state);
  } catch (err) {
    showError(state, err, () => location.reload());
    return;
  }
  document.title = agent.hostname + ' · monsys';
  $('#open-console').href = '/hosts/' + encodeURIComponent(agent.id) + '/console';
  $('#host-name').textContent = agent.hostname;
  $('#host-blast').href = '/topology?blast=' + encodeURIComponent(agent.id);
  const hw = agent.host;
  fill($('#host-facts'),
    badge(agent.status),
    h('span', null, [hw && hw.os_name ? hw.os_name + (hw.os_version ? ' ' + hw.os_version : '') : agent.os, agent.arch].filter(Boolean).join(' · ')),
    hw && hw.kernel ? h('span', { title: 'kernel' }, hw.kernel) : null,
    hw && hw.cpu_cores ? h('span', { title: hw.cpu_model || 'CPU' }, hw.cpu_cores + ' CPU' + (hw.cpu_cores === 1 ? '' : 's')) : null,
    hw && hw.memory_bytes ? h('span', null, bytes(hw.memory_bytes) + ' memory') : null,
    hw && hw.virtualization ? h('span', null, hw.virtualization) : null,
    hw && hw.addresses && hw.addresses.length ? h('span', { class: 'mono', title: 'primary addresses' }, hw.addresses.join(', ')) : null,
    agent.agent_version ? h('span', null, 'agent ' + agent.agent_version) : null,
    agent.uptime_s != null ? h('span', null, 'up ' + duration(agent.uptime_s)) : null,
    h('span', null, 'last seen ', time(agent.last_seen_at, { relative: true })));

  const opened = new Set();
  const show = (name) => {
    if (!tabs[name]) name = 'charts';
    for (const a of $$('.tabs a')) {
      if (a.dataset.tab === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    for (const key of Object.keys(tabs)) $('#tab-' + key).hidden = key !== name;
    if (!opened.has(name)) {
      opened.add(name);
      tabs[name]($('#tab-' + name), agent.id, agent);
    }
  };
  for (const a of $$('.tabs a')) {
    a.addEventListener('click', (e) => {
      e.preventDefault();
      const q = new URLSearchParams(location.search);
      q.set('tab', a.dataset.tab);
      if (a.dataset.tab === 'charts') q.delete('tab');
      history.replaceState(null, '', location.pathname + (q.toString() ? '?' + q : ''));
      show(a.dataset.tab);
    });
  }
  show(new URLSearchParams(location.search).get('tab') || 'charts');
}
