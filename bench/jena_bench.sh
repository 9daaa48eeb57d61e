#!/bin/bash
# Jena side of `torchprov bench store`: loads the same N-Quads into an
# in-memory Jena dataset (TIM, DatasetGraphFactory.createTxnMem) in one JVM
# and runs the same queries with ARQ, the union of the named graphs as the
# default graph (as torchprov and Oxigraph are asked to), or the default
# graph itself when the data has no named graphs.
#
#   bench/jena_bench.sh DATA.nq QUERY_DIR REPEAT OUT.jsonl
#
# Same protocol as bench/oxigraph/bench.mjs: QUERY_DIR/list.txt holds
# "ID VAR..." lines, OUT.jsonl gets the load line then one line per query.
# The classpath is the one tests/tools/jena.sh builds (with its repairs to
# Debian's Jena); the small Java program below is compiled once into a cache.
set -euo pipefail
if [ $# -ne 4 ]; then
  echo "usage: $0 DATA.nq QUERY_DIR REPEAT OUT.jsonl" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
launcher="$here/../tests/tools/jena.sh"
cache=${TORCHPROV_JENA_BENCH_CACHE:-${TMPDIR:-/tmp}/torchprov-jena-bench-$(id -u)}
mkdir -p "$cache"

# Ask jena.sh for its classpath: a stand-in `java` prints it instead of running.
fake="$cache/fake-java"
mkdir -p "$fake"
printf '#!/bin/sh\nprintf "%%s" "$2"\n' > "$fake/java"
chmod +x "$fake/java"
classpath=$(PATH="$fake:$PATH" "$launcher" none)

src="$cache/JenaStoreBench.java"
cat > "$src.new" <<'JAVA'
import java.io.*;
import java.nio.file.*;
import java.util.*;
import org.apache.jena.query.*;
import org.apache.jena.rdf.model.RDFNode;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.sparql.core.DatasetGraph;
import org.apache.jena.sparql.core.DatasetGraphFactory;
import org.apache.jena.system.Txn;

public class JenaStoreBench {
  static long rss() throws IOException {
    for (String line : Files.readAllLines(Paths.get("/proc/self/status")))
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    return 0;
  }

  static String json(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  static String lexical(RDFNode n) {
    if (n == null) return null;
    if (n.isLiteral()) return n.asLiteral().getLexicalForm();
    if (n.isURIResource()) return n.asResource().getURI();
    return n.asResource().getId().getLabelString();
  }

  public static void main(String[] args) throws Exception {
    String data = args[0], dir = args[1];
    int repeat = Math.max(1, Integer.parseInt(args[2]));
    PrintWriter out = new PrintWriter(new FileWriter(args[3]), true);

    System.gc();
    long rssBefore = rss();
    DatasetGraph dsg = DatasetGraphFactory.createTxnMem();
    long t0 = System.nanoTime();
    Txn.executeWrite(dsg, () -> RDFDataMgr.read(dsg, data, Lang.NQUADS));
    double loadMs = (System.nanoTime() - t0) / 1e6;
    long quads = Txn.calculateRead(dsg, () -> {
      long n = 0;
      for (Iterator<?> it = dsg.find(); it.hasNext(); it.next()) ++n;
      return n;
    });
    System.gc();
    out.println("{\"engine\":\"jena\",\"load_ms\":" + loadMs + ",\"quads\":" + quads + ",\"rss_before\":" + rssBefore
                + ",\"rss_after\":" + rss() + "}");

    // The default graph of the queries is the union of the named graphs, or
    // the default graph when the data has no named graphs (N-Triples).
    boolean named = Txn.calculateRead(dsg, () -> dsg.listGraphNodes().hasNext());
    Dataset union = named ? DatasetFactory.wrap(DatasetGraphFactory.wrap(dsg.getUnionGraph())) : DatasetFactory.wrap(dsg);
    for (String line : Files.readAllLines(Paths.get(dir, "list.txt"))) {
      String[] words = line.trim().split("\\s+");
      if (words.length == 0 || words[0].isEmpty()) continue;
      String id = words[0];
      String text = Files.readString(Paths.get(dir, id + ".rq"));
      List<Double> ms = new ArrayList<>();
      List<List<String>> cells = new ArrayList<>();
      try {
        for (int r = -1; r < repeat; ++r) {  // r = -1: warm-up (JIT), untimed
          cells.clear();
          long start = System.nanoTime();
          dsg.begin(ReadWrite.READ);
          try (QueryExecution qe = QueryExecutionFactory.create(QueryFactory.create(text), union)) {
            qe.setTimeout(20, java.util.concurrent.TimeUnit.SECONDS);
            ResultSet rs = qe.execSelect();
            while (rs.hasNext()) {
              QuerySolution s = rs.next();
              List<String> row = new ArrayList<>();
              for (int i = 1; i < words.length; ++i) row.add(lexical(s.get(words[i])));
              cells.add(row);
            }
          } finally {
            dsg.end();
          }
          double took = (System.nanoTime() - start) / 1e6;
          if (r >= 0 || took > 5000) ms.add(took);
          if (took > 5000) break;  // a query this slow is measured once (its warm-up run)
        }
        StringBuilder b = new StringBuilder();
        b.append("{\"id\":").append(json(id)).append(",\"ms\":").append(ms).append(",\"rows\":").append(cells.size());
        b.append(",\"cells\":[");
        for (int i = 0; i < cells.size(); ++i) {
          if (i > 0) b.append(',');
          b.append('[');
          List<String> row = cells.get(i);
          for (int j = 0; j < row.size(); ++j) b.append(j > 0 ? "," : "").append(json(row.get(j)));
          b.append(']');
        }
        out.println(b.append("]}"));
      } catch (Exception e) {
        out.println("{\"id\":" + json(id) + ",\"ms\":" + ms + ",\"error\":" + json(String.valueOf(e)) + "}");
      }
    }
    out.close();
  }
}
JAVA
if [ ! -f "$cache/classes/JenaStoreBench.class" ] || ! cmp -s "$src.new" "$src"; then
  mv "$src.new" "$src"
  rm -rf "$cache/classes" && mkdir -p "$cache/classes"
  javac -nowarn -cp "$classpath" -d "$cache/classes" "$src"
else
  rm -f "$src.new"
fi
exec java -Xmx${TORCHPROV_JENA_HEAP:-12g} -cp "$classpath:$cache/classes" JenaStoreBench "$@"
