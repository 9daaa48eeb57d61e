import Yasgui from '@triply/yasgui';
import '@triply/yasgui/build/yasgui.min.css';
import { SPARQL_URL } from '../sparql.js';
import { lookedAt } from '../state.js';

// The canned analysis queries of ontology/queries/ (the repository's, shared with the CLI and the
// tests), bundled at build time; each file starts with a one-line "# question".
const files = import.meta.glob('../../../../ontology/queries/*.rq', { query: '?raw', import: 'default', eager: true });
export const CANNED = Object.entries(files).sort(([a], [b]) => a.localeCompare(b)).map(([path, text]) => {
  const base = path.split('/').pop().replace(/\.rq$/, '');
  const question = (/^#\s*(.*)/.exec(text) ?? [])[1] ?? base;
  const name = base.replace(/^\d+-/, '').replace(/-/g, ' ');
  return { file: base, name: name.charAt(0).toUpperCase() + name.slice(1), question, text };
});

let yasgui = null;
const viewTabs = new Map(); // view name -> tab id

export function ensureYasgui() {
  if (yasgui) return yasgui;
  // Offline: no prefix.cc / LOV look-ups, and only this server in the endpoint list.
  Yasgui.Yasqe.defaults.autocompleters = ['variables'];
  // Results table: plain values (no datatype suffixes), like the dashboard's own tables.
  const table = Yasgui.Yasr.plugins?.table;
  if (table?.defaults) table.defaults.compact = true;
  yasgui = new Yasgui(document.getElementById('yasgui'), {
    requestConfig: { endpoint: SPARQL_URL, method: 'POST', acceptHeaderSelect: 'application/sparql-results+json' },
    endpointCatalogueOptions: { getData: () => [{ endpoint: SPARQL_URL }] },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    autoAddOnInit: false,
    autofocus: false,
    yasqe: { autocompleters: ['variables'], persistenceId: null, resizeable: true, editorHeight: '320px' },
    yasr: { persistenceId: null },
  });
  const first = yasgui.getTab();
  CANNED.forEach((q, i) => {
    yasgui.addTab(i === 0, { name: q.name, yasqe: { value: q.text } });
  });
  // Drop the empty default tab, if YASGUI made one.
  if (first && !CANNED.some((q) => q.text === first.getQuery())) yasgui.getTab(first.getId())?.close();
  yasgui.on('query', (instance, tab) => lookedAt('sparql', `YASGUI: ${tab.getName()}`, tab.getQuery()));
  return yasgui;
}

/** Opens a view's query in its own YASGUI tab (re-used for that view) and runs it. */
export function openInYasgui(view, label, query) {
  const y = ensureYasgui();
  let tab = viewTabs.has(view) ? y.getTab(viewTabs.get(view)) : undefined;
  if (!tab) {
    tab = y.addTab(true, { name: label, yasqe: { value: query } });
    viewTabs.set(view, tab.getId());
  } else {
    y.selectTabId(tab.getId());
    tab.setQuery(query);
  }
  tab.show();
  setTimeout(() => tab.getYasqe()?.query().catch(() => {}), 50);
  lookedAt(view, label, query);
}
