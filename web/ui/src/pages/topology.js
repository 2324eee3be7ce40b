// The topology map (Mermaid, drawn in the browser from the hub's export),
// detected connections and unmatched peers, and a host's blast radius
// (?blast=<agent id>, linked from the host page).
import { api, can } from '../lib/api.js';
import { $, fill, h } from '../lib/dom.js';
import { time } from '../lib/format.js';
import { done, empty, loading, showError, toast } from '../lib/ui.js';

let mermaidLib = null;
let renders = 0;

// draw renders Mermaid source into el. Mermaid is a chunk of its own,
// loaded the first time a diagram is drawn (never from a CDN).
async function draw(el, source) {
  if (!mermaidLib) {
    mermaidLib = (await import('mermaid')).default;
    const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    mermaidLib.initialize({ startOnLoad: false, securityLevel: 'strict', theme: dark ? 'dark' : 'default', flowchart: { useMaxWidth: true } });
  }
  renders += 1;
  const { svg } = await mermaidLib.render('mermaid-' + renders, source);
  // The SVG comes from mermaid's strict mode, labels escaped by the hub;
  // DOMParser keeps it inert until it is adopted.
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  fill(el, document.importNode(doc.documentElement, true));
  el.dataset.rendered = 'true';
}

function end(name, agent, peer) {
  if (agent) return h('a', { href: '/hosts/' + agent }, name || agent);
  return h('span', { class: 'mono' }, peer);
}

function seen(d) {
  return h('div', { class: 'small' }, time(d.last_seen, { relative: true }),
    h('div', { class: 'muted' }, d.seen_count + '× since ', time(d.first_seen, { relative: true })));
}

export async function start() {
  const params = new URLSearchParams(location.search);
  const zoneSel = $('#t-zone');
  if (!can('member')) $('#topo-snapshot').hidden = true;

  async function loadZones() {
    const r = await api('GET', '/api/v1/topology/zones');
    for (const z of r.items) zoneSel.append(h('option', { value: z.id, selected: z.id === params.get('zone') }, z.name + ' (' + z.kind + ')'));
  }

  async function loadMap() {
    const state = $('#map-state');
    loading(state, 'Drawing the map…');
    try {
      const query = zoneSel.value ? '?zone=' + encodeURIComponent(zoneSel.value) : '';
      $('#topo-export').href = '/api/v1/topology/export/mermaid' + query;
      const res = await fetch('/api/v1/topology/export/mermaid' + query, { credentials: 'same-origin' });
      if (!res.ok) throw new Error('the map could not be read (HTTP ' + res.status + ')');
      const source = await res.text();
      done(state);
      if (source.trim() === 'flowchart LR') {
        fill($('#topo-map'));
        empty(state, 'Nothing on the map yet: connections appear once agents report their sockets.');
        return;
      }
      await draw($('#topo-map'), source);
    } catch (err) {
      showError(state, err, loadMap);
    }
  }

  async function loadDetected(unmatched) {
    const which = unmatched ? 'unmatched' : 'detected';
    const state = $('#' + which + '-state');
    const table = $('#' + which + '-table');
    loading(state);
    try {
      const r = await api('GET', '/api/v1/topology/detected', { query: { unmatched: unmatched ? '1' : '', limit: 200 } });
      done(state);
      table.hidden = !r.items.length;
      if (!r.items.length) empty(state, unmatched ? 'Every peer is a known agent.' : 'No connections between agents detected yet.');
      fill(table.querySelector('tbody'), r.items.map((d) => h('tr', null,
        h('td', null, end(d.from_name, d.from_agent, d.peer)),
        h('td', null, end(d.to_name, d.to_agent, d.peer)),
        h('td', null, h('span', null, d.service), h('div', { class: 'muted small mono' }, d.proto + '/' + d.port + (d.nat ? ' · NAT' : ''))),
        h('td', { class: 'num' }, d.flows),
        h('td', null, seen(d)),
        h('td', { class: 'num' }, can('member') ? h('button', { type: 'button', class: 'small', onclick: () => promote(d) }, 'Promote') : null))));
    } catch (err) {
      showError(state, err, () => loadDetected(unmatched));
    }
  }

  async function promote(d) {
    try {
      await api('POST', '/api/v1/topology/detected/' + d.id + '/promote');
      toast('Added to the map');
      loadMap();
    } catch (err) {
      showError($('#detected-state'), err);
    }
  }

  async function loadBlast(agent) {
    const state = $('#blast-state');
    $('#blast').hidden = false;
    loading(state, 'Following the evidence…');
    try {
      const r = await api('GET', '/api/v1/blast-radius/' + encodeURIComponent(agent), { query: { depth: $('#b-depth').value } });
      done(state);
      const table = $('#blast-table');
      table.hidden = !r.reached.length;
      if (!r.reached.length) {
        fill($('#blast-map'));
        empty(state, 'Nothing reachable: no connections, shared keys or users tie this host to another.');
        return;
      }
      fill(table.querySelector('tbody'), r.reached.map((x) => h('tr', null,
        h('td', null, h('a', { href: '/hosts/' + x.agent }, x.name)),
        h('td', { class: 'num' }, Math.round(x.score * 100) + '%'),
        h('td', { class: 'wrap' }, x.path.map((hop) => h('div', { class: 'hop' },
          h('div', null, hop.from_name + ' → ' + hop.to_name + ' (' + Math.round(hop.score * 100) + '%)'),
          h('ul', { class: 'evidence small' }, hop.evidence.map((e) => h('li', null, h('strong', null, e.kind.replaceAll('_', ' ')), ': ', e.detail)))))))));
      await draw($('#blast-map'), r.mermaid);
    } catch (err) {
      showError(state, err, () => loadBlast(agent));
    }
  }

  zoneSel.addEventListener('change', () => {
    const q = new URLSearchParams(location.search);
    if (zoneSel.value) q.set('zone', zoneSel.value); else q.delete('zone');
    history.replaceState(null, '', location.pathname + (q.toString() ? '?' + q : ''));
    loadMap();
  });
  $('#topo-snapshot').addEventListener('click', async () => {
    try {
      const r = await api('POST', '/api/v1/topology/snapshots', { body: { name: 'Snapshot ' + new Date().toISOString().slice(0, 16).replace('T', ' ') } });
      toast('Snapshot taken: ' + r.map.nodes.length + ' nodes, ' + r.map.links.length + ' links');
    } catch (err) {
      showError($('#map-state'), err);
    }
  });
  const blast = params.get('blast');
  if (blast) $('#b-depth').addEventListener('change', () => loadBlast(blast));
  await loadZones().catch((err) => showError($('#map-state'), err));
  await Promise.all([blast ? loadBlast(blast) : null, loadMap(), loadDetected(false), loadDetected(true)]);
}
