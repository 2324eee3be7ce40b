// Building the page without innerHTML: every value from the API lands in a
// text node or an attribute, never in markup, so nothing it holds can run.

// h creates an element. attrs: class, dataset (object), on<event>
// handlers, boolean and string attributes; children: nodes, strings,
// numbers, arrays of them; null and false are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value' || k === 'checked' || k === 'selected') el[k] = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// svg creates an SVG element (sparklines, icons).
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c);
  return el;
}

// $ finds one element; it throws when a template lost it, which the
// browser tests see as a console error.
export function $(sel, root = document) {
  const el = root.querySelector(sel);
  if (!el) throw new Error('missing element ' + sel);
  return el;
}

export function $$(sel, root = document) {
  return Array.from(root.querySelectorAll(sel));
}

// fill replaces el's children.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// formValues reads a form's named fields as strings (checkboxes as booleans).
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    out[el.name] = el.type === 'checkbox' ? el.checked : el.value.trim();
  }
  return out;
}
