// Shared state of the dashboard and a tiny event bus.
import { PALETTE, shortId } from './util.js';

export const state = {
  runs: [],            // rows of the runs table's current page (see queries.runsQuery)
  known: new Map(),    // run IRI -> runs-query row, for every run seen (page, selected, running)
  runColor: new Map(), // run IRI -> colour, stable while the page lives
  selected: new Set(), // run IRIs plotted under Curves
  brush: null,         // { experiment, runs: Set of run IRIs }: the parallel coordinates' selection
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

/** A run's colour: given the first time it is asked for, kept while the page lives. */
export function colorOf(run) {
  if (!state.runColor.has(run)) state.runColor.set(run, PALETTE[state.runColor.size % PALETTE.length]);
  return state.runColor.get(run);
}

/** Short name of a run for legends (its run id's first characters). */
export function runLabel(run) {
  const row = state.known.get(run);
  return shortId(row?.runId ?? String(run).split('/').pop());
}

/** Label and colour per run, as the charts want them. */
export function chartRuns(runs) {
  return new Map([...runs].map((r) => [r, { label: runLabel(r), color: colorOf(r) }]));
}
