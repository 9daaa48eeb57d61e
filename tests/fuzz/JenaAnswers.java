// Jena ARQ's answers to the differential cases: for each folder CASE under
// the folder given, CASE/data.trig and CASE/query.rq in, CASE/jena.srj (or
// CASE/jena.error) out.  One JVM for all cases.
//
// usage: tests/tools/jena.sh tests/fuzz/JenaAnswers.java CASES_DIR
import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.apache.jena.query.Dataset;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryExecutionFactory;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.riot.RDFDataMgr;

public class JenaAnswers {
  public static void main(String[] args) throws Exception {
    File[] cases = new File(args[0]).listFiles(File::isDirectory);
    Arrays.sort(cases);
    for (File c : cases) {
      File answer = new File(c, "jena.srj");
      try {
        Dataset dataset = RDFDataMgr.loadDataset(new File(c, "data.trig").getPath());
        Query query = QueryFactory.read(new File(c, "query.rq").getPath());
        try (QueryExecution execution = QueryExecutionFactory.create(query, dataset)) {
          execution.setTimeout(20, TimeUnit.SECONDS);
          try (OutputStream out = new FileOutputStream(answer)) {
            if (query.isAskType()) ResultSetFormatter.outputAsJSON(out, execution.execAsk());
            else ResultSetFormatter.outputAsJSON(out, execution.execSelect());
          }
        }
      } catch (Exception e) {
        answer.delete();
        Files.write(new File(c, "jena.error").toPath(), String.valueOf(e).getBytes(StandardCharsets.UTF_8));
      }
    }
  }
}
