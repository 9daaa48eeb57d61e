// The engine against Jena ARQ on generated cases (tests/fuzz/differential.sh).
//
//   differential_check generate DIR COUNT SEED   DIR/NNNNN/{data.trig,query.rq}
//   differential_check compare DIR [KNOWN]       our answers against DIR/NNNNN/jena.srj
//
// KNOWN lists the disagreements studied and found to be Jena's reading, not
// the spec's: one line per case, "DIGEST reason", where DIGEST (printed
// with each disagreement) identifies the data and the query.  Those are
// printed but do not fail the comparison.
//
// Answers compare as the W3C tests compare them: solution multisets with
// blank nodes up to renaming, terms by their RDF identity.  A case where one
// side answers and the other refuses counts as a disagreement too.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "dataset.h"
#include "differential_cases.h"
#include "isomorphism.h"
#include "rdf_io.h"
#include "results/result_readers.h"
#include "sparql/engine.h"

namespace fs = std::filesystem;
using namespace torchprov;
using namespace torchprov::triplestore;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

int generate(const fs::path& dir, int count, unsigned seed) {
  fs::create_directories(dir);
  for (int i = 0; i < count; ++i) {
    std::mt19937 rng(seed * 100003u + unsigned(i));
    std::vector<std::uint8_t> bytes(512);
    for (auto& b : bytes) b = std::uint8_t(rng());
    fuzz::Bytes in(bytes.data(), bytes.size());
    const auto c = fuzz::make_differential_case(in);
    char name[16];
    std::snprintf(name, sizeof name, "%05d", i);
    fs::create_directories(dir / name);
    std::ofstream(dir / name / "data.trig") << c.data;
    std::ofstream(dir / name / "query.rq") << c.query << "\n";
  }
  return 0;
}

// Our answer to one case, or the error that refused it.
struct Answer {
  std::optional<sparql::QueryResult> result;
  std::string error;
};

Answer ours(const fs::path& c) {
  Answer a;
  try {
    Dataset dataset;
    std::vector<Quad> quads;
    rdf_io::parse_text(read(c / "data.trig"), RdfFormat::trig, [&](const Statement& s) {
      const TermId g = s.graph.empty() ? default_graph_id : dataset.intern(Term::iri(s.graph));
      quads.push_back({dataset.intern(s.subject), dataset.intern(s.predicate), dataset.intern(s.object), g});
    });
    dataset.insert_bulk(std::move(quads));
    sparql::QueryOptions options;
    options.union_default_graph = false;
    options.timeout = std::chrono::seconds(20);
    a.result = sparql::execute_query(dataset, read(c / "query.rq"), options);
  } catch (const std::exception& e) {
    a.error = e.what();
  }
  return a;
}

Answer jena(const fs::path& c) {
  Answer a;
  if (fs::exists(c / "jena.error")) {
    a.error = read(c / "jena.error");
    return a;
  }
  try {
    a.result = results::read_json_results(read(c / "jena.srj"));
  } catch (const std::exception& e) {
    a.error = std::string("unreadable jena.srj: ") + e.what();
  }
  return a;
}

// FNV-1a of the case's data and query: a name for it that does not depend
// on where it falls in a generated batch.
std::string case_digest(const fs::path& c) {
  std::uint64_t h = 1469598103934665603ull;
  for (const std::string& text : {read(c / "data.trig"), read(c / "query.rq")})
    for (const unsigned char byte : text) h = (h ^ byte) * 1099511628211ull;
  char digest[17];
  std::snprintf(digest, sizeof digest, "%016llx", static_cast<unsigned long long>(h));
  return digest;
}

// DIGEST -> why the spec's answer is ours.
std::map<std::string, std::string> read_known(const fs::path& file) {
  std::map<std::string, std::string> known;
  if (file.empty()) return known;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.find(' ');
    known[line.substr(0, space)] = space == std::string::npos ? "" : line.substr(space + 1);
  }
  return known;
}

int compare(const fs::path& dir, const fs::path& known_file) {
  const auto known = read_known(known_file);
  std::size_t listed = 0;
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory()) cases.push_back(entry.path());
  std::sort(cases.begin(), cases.end());
  std::size_t agree = 0, both_refuse = 0, differ = 0;
  for (const auto& c : cases) {
    const Answer a = ours(c), b = jena(c);
    std::string difference;
    if (!a.result && !b.result) {
      ++both_refuse;
      continue;
    }
    if (!a.result || !b.result) {
      difference = a.result ? "Jena refuses: " + b.error : "we refuse: " + a.error;
    } else if (a.result->form != b.result->form) {
      difference = "the forms differ";
    } else if (a.result->form == sparql::QueryForm::ask) {
      if (a.result->boolean != b.result->boolean)
        difference = std::string("ASK: we say ") + (a.result->boolean ? "true" : "false");
    } else {
      // Columns in Jena's order.
      std::vector<std::size_t> map;
      for (const auto& v : b.result->variables) {
        const auto it = std::find(a.result->variables.begin(), a.result->variables.end(), v);
        map.push_back(it == a.result->variables.end() ? std::size_t(-1) : std::size_t(it - a.result->variables.begin()));
      }
      std::vector<w3c::Row> rows;
      for (const auto& row : a.result->rows) {
        w3c::Row r;
        for (std::size_t m : map) r.push_back(m == std::size_t(-1) ? std::nullopt : row[m]);
        rows.push_back(std::move(r));
      }
      if (a.result->variables.size() != b.result->variables.size()) {
        difference = "the variables differ";
      } else {
        const auto comparison = w3c::compare_row_multisets(b.result->rows, rows);
        if (!comparison.equal) difference = comparison.difference;
      }
    }
    if (difference.empty()) {
      ++agree;
    } else if (const auto it = known.find(case_digest(c)); it != known.end()) {
      ++listed;
      std::printf("KNOWN %s (%s): %s\n  the spec's reading: %s\n", c.filename().c_str(), it->first.c_str(),
                  difference.c_str(), it->second.c_str());
    } else {
      ++differ;
      std::printf("DIFFERS %s (%s): %s\n", c.filename().c_str(), case_digest(c).c_str(), difference.c_str());
    }
  }
  std::printf("%zu cases: %zu agree, %zu refused by both, %zu differ as listed in %s, %zu differ\n", cases.size(),
              agree, both_refuse, listed, known_file.empty() ? "(no list)" : known_file.c_str(), differ);
  return differ == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string verb = argc > 1 ? argv[1] : "";
  if (verb == "generate" && argc == 5) return generate(argv[2], std::atoi(argv[3]), unsigned(std::atoi(argv[4])));
  if (verb == "compare" && (argc == 3 || argc == 4)) return compare(argv[2], argc == 4 ? argv[3] : "");
  std::fprintf(stderr, "usage: differential_check generate DIR COUNT SEED | compare DIR [KNOWN]\n");
  return 2;
}
