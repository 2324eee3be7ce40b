// Every alert of the tenant, newest first, filtered by state, severity and
// source; the filters are in the URL.
import { $, formValues } from '../lib/dom.js';
import { alertList } from '../lib/alertlist.js';
import { setQuery } from '../lib/ui.js';

export async function start() {
  const form = $('#alert-filters');
  const params = new URLSearchParams(location.search);
  for (const name of ['state', 'severity', 'source']) form.elements[name].value = params.get(name) || '';
  const panel = $('#alerts-list');
  let view;
  const load = () => {
    const q = formValues(form);
    setQuery(q);
    view = alertList(panel, q, { pagerEl: $('#alerts-pager') });
    return view.ready;
  };
  form.addEventListener('change', () => {
    if (view) view.pager.reset();
    load();
  });
  await load();
}
