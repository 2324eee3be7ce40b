// The host's containers, under its charts: name, image, CPU (the share of
// one core over the last minutes) and memory, from the agent's container_*
// series. Hidden when the agent reports no container.
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { bytes, percent } from '../lib/format.js';
import { showError } from '../lib/ui.js';

// window is how far back the newest values are looked for (several of an
// agent's intervals, so a rate has two buckets to compare).
const lookback = 30 * 60;

function latest(series) {
  const out = new Map();
  for (const s of series) {
    const last = s.points.filter((p) => p[1] != null).pop();
    if (last) out.set(s.labels.container, { value: last[1], image: s.labels.image });
  }
  return out;
}

export async function containersSection(section, agentID) {
  const now = Math.floor(Date.now() / 1000);
  const path = '/api/v1/agents/' + encodeURIComponent(agentID) + '/metrics';
  const base = { from: now - lookback, to: now, interval: 'auto' };
  let cpu, memory;
  try {
    [cpu, memory] = await Promise.all([
      api('GET', path, { query: { ...base, metric: 'container_cpu_seconds_total', fn: 'rate' } }),
      api('GET', path, { query: { ...base, metric: 'container_memory_bytes', agg: 'last' } }),
    ]);
  } catch (err) {
    section.hidden = false;
    const box = h('div', { class: 'state' });
    fill(section, h('h2', null, 'Containers'), box);
    showError(box, err, () => containersSection(section, agentID));
    return;
  }
  const cpuBy = latest(cpu.series);
  const memBy = latest(memory.series);
  const names = [...new Set([...cpuBy.keys(), ...memBy.keys()])];
  section.hidden = names.length === 0;
  if (!names.length) return;
  const rows = names.map((name) => ({
    name,
    image: (cpuBy.get(name) || memBy.get(name)).image || '',
    cpu: cpuBy.has(name) ? cpuBy.get(name).value : null,
    memory: memBy.has(name) ? memBy.get(name).value : null,
  }));
  rows.sort((a, b) => (b.cpu ?? -1) - (a.cpu ?? -1) || a.name.localeCompare(b.name));
  fill(section,
    h('h2', null, 'Containers'),
    h('p', { class: 'muted hint' }, 'Newest values of the last 30 minutes; CPU is the share of one core.'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'containers-table' },
      h('caption', { class: 'visually-hidden' }, 'Containers'),
      h('thead', null, h('tr', null, ['Container', 'Image', 'CPU', 'Memory'].map((t, i) =>
        h('th', { scope: 'col', class: i >= 2 ? 'num' : null }, t)))),
      h('tbody', null, rows.map((r) => h('tr', { dataset: { container: r.name } },
        h('td', null, r.name),
        h('td', { class: 'mono small' }, r.image || '–'),
        h('td', { class: 'num' }, r.cpu == null ? '–' : percent(r.cpu)),
        h('td', { class: 'num' }, r.memory == null ? '–' : bytes(r.memory))))))));
}
