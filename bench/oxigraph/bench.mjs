// Oxigraph side of `torchprov bench store`: loads the same N-Quads into an
// in-memory Oxigraph store and runs the same queries.
//
//   node bench.mjs DATA.nq QUERY_DIR REPEAT OUT.jsonl
//
// QUERY_DIR/list.txt has one line per query: "ID VAR1 VAR2 ..."; the query
// text is QUERY_DIR/ID.rq.  One JSON object per line goes to OUT.jsonl as
// soon as it is known (the load first, then each query), so a query that
// runs past the caller's time limit loses only itself and what follows.
import fs from "node:fs";
import { performance } from "node:perf_hooks";
import "./webcrypto.mjs";
import oxigraph from "oxigraph";

const [data, queryDir, repeatText, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error("usage: node bench.mjs DATA.nq QUERY_DIR REPEAT OUT.jsonl");
  process.exit(2);
}
const repeat = Math.max(1, Number(repeatText) || 1);
const out = fs.openSync(outPath, "w");
const emit = (object) => fs.writeSync(out, JSON.stringify(object) + "\n");

function rss() {
  const status = fs.readFileSync("/proc/self/status", "utf8");
  const m = status.match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

// The file in 8 MiB pieces cut at line ends (N-Quads is line based).
function* chunks(path) {
  const fd = fs.openSync(path, "r");
  const size = 8 << 20;
  let carry = Buffer.alloc(0);
  try {
    while (true) {
      const buffer = Buffer.allocUnsafe(size);
      const n = fs.readSync(fd, buffer, 0, size, null);
      if (n === 0) break;
      const piece = Buffer.concat([carry, buffer.subarray(0, n)]);
      const cut = piece.lastIndexOf(10) + 1;
      carry = Buffer.from(piece.subarray(cut));
      if (cut > 0) yield piece.subarray(0, cut);
    }
    if (carry.length) yield carry;
  } finally {
    fs.closeSync(fd);
  }
}

function lexical(term) {
  if (!term) return null;
  return term.value;
}

const rssBefore = rss();
const store = new oxigraph.Store();
let t0 = performance.now();
store.load(chunks(data), { format: "application/n-quads", no_transaction: true });
const loadMs = performance.now() - t0;
const quads = store.size;
if (global.gc) global.gc();
emit({ engine: "oxigraph", load_ms: loadMs, quads, rss_before: rssBefore, rss_after: rss() });

const list = fs.readFileSync(`${queryDir}/list.txt`, "utf8").split("\n").filter((l) => l.trim());
for (const line of list) {
  const [id, ...vars] = line.trim().split(/\s+/);
  const text = fs.readFileSync(`${queryDir}/${id}.rq`, "utf8");
  const ms = [];
  let rows = null;
  try {
    // Warm-up, untimed unless it is so slow that it is the only measurement.
    t0 = performance.now();
    rows = store.query(text, { use_default_graph_as_union: true });
    const warm = performance.now() - t0;
    if (warm > 5000) ms.push(warm); // a query this slow is measured once
    for (let i = 0; i < repeat && warm <= 5000; ++i) {
      t0 = performance.now();
      const result = store.query(text, { use_default_graph_as_union: true });
      ms.push(performance.now() - t0);
      rows = result;
      if (ms[ms.length - 1] > 5000) break;
    }
    const cells = rows.map((solution) => vars.map((v) => lexical(solution.get(v))));
    emit({ id, ms, rows: rows.length, cells });
  } catch (error) {
    emit({ id, ms, error: String(error && error.message ? error.message : error) });
  }
}
fs.closeSync(out);
