// Numbers with their units and times in the viewer's zone (UTC on hover).
import { h } from './dom.js';

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function bytes(n) {
  if (n == null || !isFinite(n)) return '–';
  let i = 0;
  let v = Math.abs(n);
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return (n < 0 ? '-' : '') + (i === 0 ? String(Math.round(v)) : v.toFixed(v < 10 ? 1 : 0)) + ' ' + units[i];
}

export function bytesPerSecond(n) {
  return n == null ? '–' : bytes(n) + '/s';
}

export function percent(ratio) {
  if (ratio == null || !isFinite(ratio)) return '–';
  const p = ratio * 100;
  return (p > 0 && p < 10 ? p.toFixed(1) : Math.round(p)) + ' %';
}

export function number(n, digits = 2) {
  if (n == null || !isFinite(n)) return '–';
  return n.toLocaleString(undefined, { maximumFractionDigits: digits });
}

export function perSecond(n) {
  return n == null ? '–' : number(n, n < 10 ? 2 : 0) + '/s';
}

// duration says a number of seconds as people do: 3 d 4 h, 5 min, 12 s.
export function duration(s) {
  if (s == null || !isFinite(s)) return '–';
  s = Math.round(s);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min';
  if (s < 86400) return Math.floor(s / 3600) + ' h ' + (Math.floor(s / 60) % 60) + ' min';
  return Math.floor(s / 86400) + ' d ' + (Math.floor(s / 3600) % 24) + ' h';
}

const localFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const utcFmt = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });

// time is a <time> in the viewer's zone with UTC in its tooltip; with
// relative it says "3 min ago" instead.
export function time(iso, { relative = false } = {}) {
  if (!iso) return h('span', { class: 'muted' }, 'never');
  const d = new Date(iso);
  const text = relative ? ago(d) : localFmt.format(d);
  return h('time', { datetime: d.toISOString(), title: utcFmt.format(d) + ' UTC' + (relative ? ' · ' + localFmt.format(d) : '') }, text);
}

export function ago(d) {
  const s = (Date.now() - d.getTime()) / 1000;
  if (s < 0) return 'in ' + duration(-s);
  if (s < 10) return 'just now';
  return duration(s) + ' ago';
}

export function localDateTime(ms) {
  return localFmt.format(new Date(ms));
}

// metricValue formats a value by its metric's unit suffix (Prometheus
// naming): _ratio as a percentage, _bytes in binary multiples.
export function metricValue(name, v) {
  if (name.endsWith('_ratio')) return percent(v);
  if (name.endsWith('_bytes')) return bytes(v);
  if (name.endsWith('_seconds')) return duration(v);
  return number(v);
}
