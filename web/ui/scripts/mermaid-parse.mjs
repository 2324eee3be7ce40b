// Parses Mermaid sources with the real mermaid package, for Go tests
// (topology's TestMermaidParses): reads a JSON array of sources on stdin
// and prints a JSON array of {ok, type, error}. Rendering needs a layout
// engine and is checked in the browser (TestDashboard); parsing only
// needs a DOM for DOMPurify, which happy-dom provides.
import { Window } from 'happy-dom';

const w = new Window();
globalThis.window = w;
globalThis.document = w.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

let input = '';
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const src of JSON.parse(input)) {
  try {
    const r = await mermaid.parse(src);
    out.push({ ok: true, type: r.diagramType });
  } catch (e) {
    out.push({ ok: false, error: String(e.message ?? e) });
  }
}
process.stdout.write(JSON.stringify(out));
await w.happyDOM.close();
