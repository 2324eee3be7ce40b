// Sparklines: a small SVG line of ratio points (0 to 1) over a fixed hour,
// cheap enough for a table of hundreds of rows.
import { svg } from './dom.js';
import { percent } from './format.js';

export function sparkline(points, { width = 120, height = 28, windowMs = 3600e3 } = {}) {
  const end = Date.now();
  const start = end - windowMs;
  const el = svg('svg', { class: 'spark', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  if (!points || points.length === 0) {
    el.setAttribute('aria-label', 'no CPU samples in the last hour');
    el.append(svg('line', { x1: 0, x2: width, y1: height - 1, y2: height - 1, stroke: 'currentColor', 'stroke-opacity': '.25', 'stroke-dasharray': '2 3' }));
    return el;
  }
  const x = (t) => ((t - start) / windowMs) * (width - 2) + 1;
  const y = (v) => height - 2 - Math.max(0, Math.min(1, v)) * (height - 4);
  let d = '';
  let prev = null;
  for (const [t, v] of points) {
    if (v == null) {
      prev = null;
      continue;
    }
    // a gap of more than three steps breaks the line instead of bridging it
    d += (prev === null || t - prev > 6 * 60e3 ? 'M' : 'L') + x(t).toFixed(1) + ' ' + y(v).toFixed(1);
    prev = t;
  }
  const values = points.map((p) => p[1]).filter((v) => v != null);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  el.setAttribute('aria-label', `CPU over the last hour, from ${percent(lo)} to ${percent(hi)}`);
  el.append(svg('title', null, document.createTextNode(`CPU, last hour: ${percent(lo)} – ${percent(hi)}`)));
  el.append(svg('path', { d, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5, 'stroke-linejoin': 'round' }));
  return el;
}
