// Vulnerabilities: the fleet's findings by CVE and package with counts by
// severity, one CVE's affected hosts, and exceptions (admins add and
// remove them).
import { api, can } from '../lib/api.js';
import { $, fill, formValues, h } from '../lib/dom.js';
import { time } from '../lib/format.js';
import { Pager, badge, confirmAction, done, empty, inputError, loading, onSubmit, openDialog, setQuery, showError, toast } from '../lib/ui.js';

const severities = ['critical', 'high', 'medium', 'low', 'unknown'];

function severityBadge(sev, score) {
  return h('span', { class: 'sev' }, badge(sev, 'sev-' + sev), score != null ? h('span', { class: 'muted small mono' }, ' ' + score.toFixed(1)) : null);
}

export async function start() {
  const form = $('#vuln-filters');
  const state = $('#vuln-state');
  const table = $('#vuln-table');
  const params = new URLSearchParams(location.search);
  for (const name of ['severity', 'fixed', 'package', 'q']) if (params.get(name)) form.elements[name].value = params.get(name);
  const agentID = params.get('agent_id') || '';
  const pager = new Pager($('#vuln-pager'), load);

  async function load() {
    const v = formValues(form);
    const q = { severity: v.severity, fixed: v.fixed, package: v.package.trim(), q: v.q.trim(), agent_id: agentID };
    setQuery({ ...q, cursor: pager.cursor, cve: shown || '' });
    loading(state, 'Loading findings…');
    try {
      const r = await api('GET', '/api/v1/inventory/cves', { query: { ...q, limit: 50, cursor: pager.cursor, counts: pager.cursor ? '' : 'true' } });
      done(state);
      if (r.counts) summary(r.counts);
      table.hidden = !r.items.length;
      if (!r.items.length) {
        empty(state, h('p', null, v.severity || v.fixed || v.package || v.q ? 'No finding matches these filters.' : 'No known vulnerability in the installed packages.'),
          h('p', { class: 'muted' }, 'Findings appear once OSV data is imported (monsys cve import, or MONSYS_CVE_DIR) and agents have sent their packages.'));
      }
      fill($('tbody', table), r.items.map(row));
      pager.render(r.next_cursor);
    } catch (err) {
      showError(state, err, load);
    }
  }

  function summary(counts) {
    const by = Object.fromEntries(counts.map((c) => [c.severity, c]));
    const chosen = form.elements.severity.value;
    fill($('#vuln-summary'), severities.filter((s) => by[s]).map((s) => h('button', {
      type: 'button', class: 'link', 'aria-pressed': String(chosen === s), title: by[s].agents + ' hosts',
      onclick: () => { form.elements.severity.value = chosen === s ? '' : s; pager.reset(); load(); },
    }, badge(by[s].findings + ' ' + s, 'sev-' + s))), counts.length ? null : h('span', null, 'Nothing found'));
  }

  function row(f) {
    return h('tr', null,
      h('td', null, h('button', { type: 'button', class: 'link mono', onclick: () => detail(f.cve) }, f.cve),
        h('div', { class: 'muted small wrap clamp' }, f.summary)),
      h('td', null, severityBadge(f.severity, f.cvss_score)),
      h('td', null, h('div', { class: 'mono' }, f.package), f.source_package ? h('div', { class: 'muted small' }, 'from ' + f.source_package) : null),
      h('td', { class: 'mono small ver' }, f.installed_versions.join(', ')),
      h('td', { class: 'mono small ver' }, f.fixed_versions.length ? f.fixed_versions.join(', ') : badge('no fix yet', 'warning')),
      h('td', { class: 'num' }, f.agents_affected));
  }

  let shown = params.get('cve') || '';
  async function detail(cve) {
    shown = cve;
    const sec = $('#cve-detail');
    sec.hidden = false;
    $('#cve-title').textContent = cve;
    const body = $('#cve-body');
    loading(body);
    try {
      const d = await api('GET', '/api/v1/inventory/cves/' + encodeURIComponent(cve));
      done(body);
      setQuery({ ...Object.fromEntries(new URLSearchParams(location.search)), cve });
      fill(body,
        d.advisories.map((a) => h('div', { class: 'advisory' },
          h('p', null, severityBadge(a.severity, a.cvss_score), ' ', h('span', { class: 'mono small' }, a.id), ' · ', a.summary),
          a.cvss_vector ? h('p', { class: 'muted small mono' }, a.cvss_vector) : null)),
        h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'cve-hosts' },
          h('caption', { class: 'visually-hidden' }, 'Hosts affected by ' + cve),
          h('thead', null, h('tr', null, ['Host', 'Package', 'Installed', 'Fixed in', 'Since', ''].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, d.hosts.map((x) => h('tr', { class: x.hidden ? 'dim' : '' },
            h('td', null, h('a', { class: 'host-link', href: '/hosts/' + x.agent_id + '?tab=inventory' }, x.hostname), x.hidden ? h('span', null, ' ', badge('excepted', 'info')) : null),
            h('td', { class: 'mono' }, x.package),
            h('td', { class: 'mono small' }, x.installed_version),
            h('td', { class: 'mono small' }, x.fixed_version || '–'),
            h('td', null, time(x.first_seen, { relative: true })),
            h('td', { class: 'num' }, can('admin') && !x.hidden ? h('button', { type: 'button', class: 'small', onclick: () => except(cve, x) }, 'Add exception') : null)))))),
        d.hosts.length ? null : h('p', { class: 'muted' }, 'No host of this tenant has an affected package.'));
      sec.scrollIntoView({ block: 'start' });
    } catch (err) {
      showError(body, err, () => detail(cve));
    }
  }

  const dlg = $('#exc-dialog');
  const excForm = $('#exc-form');
  const scope = excForm.elements.scope;
  scope.addEventListener('change', () => ($('#e-tag-field').hidden = scope.value !== 'tag'));
  function except(cve, host) {
    excForm.reset();
    excForm.elements.cve.value = cve;
    excForm.elements.package.value = host.package;
    excForm.elements.agent_id.value = host.agent_id;
    $('#e-tag-field').hidden = true;
    const in30 = new Date(Date.now() + 30 * 864e5);
    excForm.elements.expires.value = in30.toISOString().slice(0, 10);
    openDialog(dlg);
  }
  onSubmit(excForm, async (v) => {
    if (!v.reason.trim()) throw inputError('Say why the finding may wait.', 'reason', 'required');
    if (!v.expires) throw inputError('Choose when the exception ends.', 'expires', 'required');
    const body = { cve: v.cve.trim(), package: v.package.trim(), reason: v.reason.trim(), expires_at: new Date(v.expires + 'T23:59:59').toISOString() };
    if (v.scope === 'agent') body.agent_id = v.agent_id;
    if (v.scope === 'tag') body.tag = v.tag.trim();
    await api('POST', '/api/v1/inventory/cves/exceptions', { body });
    dlg.close();
    toast('Exception added: hidden until ' + v.expires);
    pager.reset();
    await Promise.all([load(), exceptions(), shown ? detail(shown) : null]);
  });

  async function exceptions() {
    const st = $('#exceptions-state');
    loading(st);
    try {
      const r = await api('GET', '/api/v1/inventory/cves/exceptions', { query: { limit: 100 } });
      done(st);
      if (!r.items.length) empty(st, 'No exception: every finding shows.');
      fill($('#exceptions-list'), r.items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'exceptions-table' },
        h('caption', { class: 'visually-hidden' }, 'Exceptions in force'),
        h('thead', null, h('tr', null, ['CVE', 'Package', 'Hosts', 'Reason', 'Expires', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, r.items.map((e) => h('tr', null,
          h('td', { class: 'mono' }, e.cve),
          h('td', { class: 'mono' }, e.package || 'every package'),
          h('td', null, e.agent_id ? h('a', { href: '/hosts/' + e.agent_id }, 'one host') : e.tag ? 'tag ' + e.tag : 'every host'),
          h('td', { class: 'wrap' }, e.reason),
          h('td', null, time(e.expires_at, { relative: true })),
          h('td', { class: 'num' }, can('admin') ? h('button', { type: 'button', class: 'small danger', onclick: () => removeException(e) }, 'Remove') : null)))))) : null);
    } catch (err) {
      showError(st, err, exceptions);
    }
  }
  async function removeException(e) {
    if (!(await confirmAction('Show ' + e.cve + ' again wherever this exception hid it?', 'Remove exception'))) return;
    try {
      await api('DELETE', '/api/v1/inventory/cves/exceptions/' + e.id);
      toast('Exception removed');
      await Promise.all([load(), exceptions(), shown ? detail(shown) : null]);
    } catch (err) {
      showError($('#exceptions-state'), err);
    }
  }

  if (agentID) {
    const host = $('#vuln-host');
    host.hidden = false;
    fill(host, 'One host only. ', h('a', { href: '/vulnerabilities' }, 'Show the whole fleet'));
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    pager.reset();
    load();
  });
  await Promise.all([load(), exceptions()]);
  if (shown) detail(shown);
}
