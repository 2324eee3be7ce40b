// The host's charts: CPU, load, memory, disk space, disk I/O and network,
// each one GET /agents/:id/metrics with interval=auto, so the hub picks the
// tier (raw, 1m, 1h) for the range. Drag to zoom; the range is in the URL.
import { api } from '../lib/api.js';
import { $, $$, fill, h } from '../lib/dom.js';
import { localDateTime } from '../lib/format.js';
import { Chart, chartCard } from '../lib/chart.js';
import { showError } from '../lib/ui.js';
import { containersSection } from './host_containers.js';

const presets = { '1h': 3600, '6h': 6 * 3600, '24h': 86400, '7d': 7 * 86400, '30d': 30 * 86400 };

const rw = (s) => (s.metric.includes('receive') || s.metric.includes('read') ? 'in ' : 'out ');

const definitions = [
  { id: 'cpu', title: 'CPU', unit: 'ratio', query: { metric: ['cpu_usage_ratio'], match: ['{cpu="all"}'] }, label: () => 'used' },
  { id: 'load', title: 'Load average', unit: 'number', query: { metric: ['load1', 'load5', 'load15'] }, label: (s) => s.metric.replace('load', '') + ' min' },
  { id: 'memory', title: 'Memory', unit: 'bytes', query: { metric: ['memory_used_bytes', 'memory_cached_bytes', 'memory_total_bytes'] },
    label: (s) => s.metric.replace('memory_', '').replace('_bytes', '') },
  { id: 'filesystems', title: 'Disk space used', unit: 'ratio', query: { metric: ['filesystem_used_ratio'] }, label: (s) => s.labels.mount || s.labels.device || 'filesystem' },
  { id: 'diskio', title: 'Disk I/O', unit: 'bytes/s', query: { metric: ['disk_read_bytes_total', 'disk_written_bytes_total'], fn: 'rate' },
    label: (s) => (s.metric.includes('read') ? 'read ' : 'write ') + (s.labels.device || '') },
  { id: 'network', title: 'Network', unit: 'bytes/s', query: { metric: ['network_receive_bytes_total', 'network_transmit_bytes_total'], fn: 'rate' },
    label: (s) => rw(s) + (s.labels.interface || '') },
];

export function chartsTab(panel, agentID) {
  const params = new URLSearchParams(location.search);
  let range = params.get('range') || '24h';
  let zoom = params.get('from') && params.get('to') ? { from: +params.get('from'), to: +params.get('to') } : null;
  if (!presets[range]) range = '24h';
  const grid = $('#charts', panel);
  const charts = definitions.map((d) => {
    const { card, body, note } = chartCard(d.id, d.title);
    grid.append(card);
    return { d, body, note, chart: new Chart(body, { unit: d.unit, labels: d.label, syncKey: 'host-' + agentID, onSelect: (from, to) => {
      zoom = { from, to };
      load();
    } }) };
  });
  let seq = 0;

  async function load() {
    const mine = ++seq;
    const now = Math.floor(Date.now() / 1000);
    const win = zoom || { from: now - presets[range], to: now };
    writeURL();
    for (const b of $$('.range-picker button', panel)) b.setAttribute('aria-pressed', String(!zoom && b.dataset.range === range));
    $('#zoom-reset', panel).hidden = !zoom;
    $('#range-label', panel).textContent = localDateTime(win.from * 1000) + ' – ' + localDateTime(win.to * 1000);
    panel.dataset.loading = 'true';
    const started = performance.now();
    await Promise.all(charts.map(async (c) => {
      try {
        const path = '/api/v1/agents/' + encodeURIComponent(agentID) + '/metrics';
        const query = { ...c.d.query, from: win.from, to: win.to, interval: 'auto' };
        const r = await api('GET', path, { query });
        if (mine !== seq) return;
        c.body.dataset.query = path + '?' + new URLSearchParams(Object.entries(query).flatMap(([k, v]) => [].concat(v).map((x) => [k, x])));
        c.note.textContent = r.source + (r.source === 'raw' ? '' : ' rollup') + ' · every ' + r.interval;
        c.body.dataset.source = r.source;
        c.body.dataset.interval = r.interval;
        if (!r.series.length) {
          c.chart.destroy();
          fill(c.body, h('p', { class: 'chart-empty' }, 'No samples in this range'));
          c.body.dataset.points = '0';
          return;
        }
        // in the order the definition names the metrics, then by labels
        const rank = (x) => c.d.query.metric.indexOf(x.metric);
        r.series.sort((a, b) => rank(a) - rank(b) || c.d.label(a).localeCompare(c.d.label(b)));
        c.chart.draw(r.series, { from: Math.floor(Date.parse(r.from) / 1000), to: Math.ceil(Date.parse(r.to) / 1000) });
      } catch (err) {
        if (mine !== seq) return;
        c.chart.destroy();
        const box = h('div', { class: 'state' });
        fill(c.body, box);
        showError(box, err, load);
      }
    }));
    if (mine !== seq) return;
    // The browser test and the benchmark read how long the last range took
    // from request to drawn charts.
    panel.dataset.drawMs = String(Math.round(performance.now() - started));
    panel.dataset.draws = String(Number(panel.dataset.draws || 0) + 1);
    delete panel.dataset.loading;
  }

  function writeURL() {
    const q = new URLSearchParams(location.search);
    q.delete('range');
    q.delete('from');
    q.delete('to');
    if (zoom) {
      q.set('from', zoom.from);
      q.set('to', zoom.to);
    } else if (range !== '24h') q.set('range', range);
    history.replaceState(null, '', location.pathname + (q.toString() ? '?' + q : ''));
  }

  for (const b of $$('.range-picker button', panel)) {
    b.addEventListener('click', () => {
      range = b.dataset.range;
      zoom = null;
      load();
    });
  }
  $('#zoom-reset', panel).addEventListener('click', () => {
    zoom = null;
    load();
  });
  // Colours come from the theme: redraw when it changes.
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', load);
  load();
  containersSection($('#host-containers', panel), agentID);
}
