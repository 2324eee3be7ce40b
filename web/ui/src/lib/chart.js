// Time-series charts on uPlot: one chart per API answer, colours from the
// theme, cursors synced across a page's charts, drag to select a range.
import uPlot from 'uplot';
import { h } from './dom.js';
import { bytes, bytesPerSecond, localDateTime, number, percent } from './format.js';

const formatters = {
  ratio: (v) => percent(v),
  bytes: (v) => bytes(v),
  'bytes/s': (v) => bytesPerSecond(v),
  number: (v) => number(v),
};

// byteSteps are axis increments for bytes: powers of two of each unit, so
// ticks read 4 GiB, 8 GiB rather than 9.3 GiB.
const byteSteps = [];
for (let u = 1; u <= 2 ** 50; u *= 1024) for (const m of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]) byteSteps.push(m * u);

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// toColumns turns the API's series into uPlot's aligned columns: one
// time axis (seconds) that is the union of every series' bucket starts,
// and one value column per series with null where it has no bucket.
export function toColumns(series) {
  const times = new Set();
  for (const s of series) for (const p of s.points) times.add(p[0]);
  const xs = Array.from(times).sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const cols = series.map((s) => {
    const col = new Array(xs.length).fill(null);
    for (const [t, v] of s.points) col[index.get(t)] = v;
    return col;
  });
  return [xs.map((t) => t / 1000), ...cols];
}

// Chart draws one answer into el. onSelect(fromSec, toSec) is called when
// the person drags across it.
export class Chart {
  constructor(el, { unit, labels, onSelect, syncKey, height = 210 }) {
    this.el = el;
    this.unit = unit;
    this.labels = labels;
    this.onSelect = onSelect;
    this.syncKey = syncKey;
    this.height = height;
    this.plot = null;
  }

  // draw replaces the chart's data; series are the API's.
  draw(series, range) {
    const fmt = formatters[this.unit] || formatters.number;
    const data = toColumns(series);
    const palette = [1, 2, 3, 4, 5, 6].map((i) => cssVar('--chart-' + i));
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--border'), width: 1 }, ticks: { stroke: cssVar('--border'), width: 1 } };
    const opts = {
      width: Math.max(240, this.el.clientWidth),
      height: this.height,
      cursor: { sync: { key: this.syncKey }, drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: true, min: range.from, max: range.to }, y: this.unit === 'ratio' ? { range: [0, 1] } : { range: (u, lo, hi) => [Math.min(0, lo), hi > 0 ? hi * 1.1 : 1] } },
      axes: [
        { ...axis },
        { ...axis, size: 70, values: (u, vals) => vals.map((v) => fmt(v)), incrs: this.unit.startsWith('bytes') ? byteSteps : undefined },
      ],
      legend: { live: true },
      series: [
        { value: (u, v) => (v == null ? '–' : localDateTime(v * 1000)) },
        ...series.map((s, i) => ({
          label: this.labels(s),
          stroke: palette[i % palette.length],
          width: 1.6,
          fill: series.length === 1 ? palette[0] + '22' : undefined,
          spanGaps: false,
          points: { show: false },
          value: (u, v) => (v == null ? '–' : fmt(v)),
        })),
      ],
      hooks: {
        setSelect: [(u) => {
          if (u.select.width < 4) return;
          const from = u.posToVal(u.select.left, 'x');
          const to = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, width: 0 }, false);
          if (this.onSelect) this.onSelect(Math.floor(from), Math.ceil(to));
        }],
      },
    };
    this.destroy();
    this.el.replaceChildren();
    this.plot = new uPlot(opts, data, this.el);
    // What was drawn, for the browser test to hold against the API's answer.
    const drawn = this.plot.data.slice(1).flatMap((col) => col.filter((v) => v != null));
    this.el.dataset.points = String(drawn.length);
    this.el.dataset.sum = drawn.reduce((a, v) => a + v, 0).toPrecision(12);
    this.el.dataset.series = String(series.length);
    if (!this.resize) {
      this.resize = new ResizeObserver(() => this.plot && this.plot.setSize({ width: Math.max(240, this.el.clientWidth), height: this.height }));
      this.resize.observe(this.el);
    }
  }

  destroy() {
    if (this.plot) this.plot.destroy();
    this.plot = null;
  }
}

// chartCard is the frame of one chart: title, source note and body.
export function chartCard(id, title) {
  const body = h('div', { class: 'chart-body', id: 'chart-' + id });
  const note = h('span', { class: 'muted', id: 'chart-note-' + id });
  return { card: h('figure', { class: 'chart-card', dataset: { chart: id } }, h('figcaption', null, h('span', null, title), note), body), body, note };
}
