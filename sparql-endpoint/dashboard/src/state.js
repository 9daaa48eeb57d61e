// Shared state of the dashboard and a tiny event bus.
export const state = {
  runs: [],            // rows of the runs query, one per run (see queries.runsQuery)
  runColor: new Map(), // run IRI -> colour, stable while the page lives
  selected: new Set(), // run IRIs plotted under Curves
  view: 'runs',
  lastQuery: null,     // { view, label, text }: the query behind the view the user last looked at
  live: true,
};

const listeners = new Map();
export function on(event, fn) {
  if (!listeners.has(event)) listeners.set(event, []);
  listeners.get(event).push(fn);
}
export function emit(event, ...args) {
  for (const fn of listeners.get(event) ?? []) fn(...args);
}

/** Records the query of the view the user looks at (sent as informed_by_query when steering). */
export function lookedAt(view, label, text) {
  state.lastQuery = { view, label, text };
  emit('lastQuery', state.lastQuery);
}
