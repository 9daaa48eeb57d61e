// SPARQL 1.1 Protocol client for the same-origin endpoint.
const NUMERIC = new Set(['integer', 'decimal', 'double', 'float', 'long', 'int', 'short', 'byte',
  'nonNegativeInteger', 'positiveInteger', 'unsignedLong', 'unsignedInt']);
const XSD = 'http://www.w3.org/2001/XMLSchema#';

/** Absolute URL of the endpoint (relative to the page, so the dashboard works under any prefix). */
export const SPARQL_URL = new URL('sparql', document.baseURI).href;

function convert(term) {
  if (term.type === 'literal' && term.datatype && term.datatype.startsWith(XSD)) {
    const local = term.datatype.slice(XSD.length);
    if (NUMERIC.has(local)) return Number(term.value);
    if (local === 'boolean') return term.value === 'true';
  }
  return term.value;
}

/** Runs a SELECT query and returns rows as plain objects (numbers for numeric literals). */
export async function select(query) {
  const res = await fetch(SPARQL_URL, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/sparql-results+json' },
    body: new URLSearchParams({ query }),
  });
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    throw new Error(`SPARQL endpoint answered ${res.status}: ${text.slice(0, 300)}`);
  }
  const json = await res.json();
  return json.results.bindings.map((b) => {
    const row = {};
    for (const [k, v] of Object.entries(b)) row[k] = convert(v);
    return row;
  });
}
