#include "fuzz_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <system_error>

#include "dataset.h"
#include "rdf_io.h"

namespace torchprov::fuzz {

std::string Bytes::text(std::size_t max) {
  const std::size_t n = std::min<std::size_t>(below(max + 1), size_ - std::min(at_, size_));
  std::string out(reinterpret_cast<const char*>(data_ + at_), n);
  at_ += n;
  return out;
}

void finding(const std::string& what) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

namespace {

struct ScratchRoot {
  std::filesystem::path path;
  ScratchRoot() {
    std::error_code ec;
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    path = base / ("torchprov-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path, ec);
    std::filesystem::create_directories(path);
  }
  ~ScratchRoot() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

std::filesystem::path scratch_dir(std::string_view name) {
  static ScratchRoot root;
  const std::filesystem::path dir = root.path / name;
  std::filesystem::create_directories(dir);
  return dir;
}

const std::string_view small_dataset_trig = R"(
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dl: <https://w3id.org/torchprov/dl#> .

ex:a ex:p ex:b ; ex:q 1 , 2.5 , "3"^^xsd:integer ; ex:name "Alice"@en , "alice" ; ex:knows ex:b , _:x .
ex:b ex:p ex:c ; ex:q -7 , 1.0e3 , "0.1"^^xsd:float ; ex:name "Bob" ; ex:knows ex:c .
ex:c ex:p ex:a ; ex:q "x"^^xsd:integer ; ex:date "2024-02-29T12:00:00Z"^^xsd:dateTime ; ex:knows ex:a .
_:x ex:p _:y ; ex:name "blank" ; ex:q true .
_:y ex:p ex:a ; ex:list ( 1 2 "three" ) .
ex:d ex:q "2024-01-01"^^xsd:date , "P1D"^^xsd:duration , "abc"^^ex:custom , "\u00e9t\u00e9 \"q\"\n"@fr-BE .

ex:g1 { ex:a ex:p ex:g1a . ex:run1 a dl:TrainingRun ; dl:epoch 3 ; prov:startedAtTime "2024-01-01T00:00:00Z"^^xsd:dateTime . }
ex:g2 { ex:b ex:p ex:g2b . ex:run1 dl:epoch 4 . _:z ex:p "in g2" . }
)";

std::vector<Statement> small_dataset_statements() {
  std::vector<Statement> statements;
  triplestore::rdf_io::parse_text(small_dataset_trig, triplestore::RdfFormat::trig,
                                  [&](const Statement& s) { statements.push_back(s); }, "small dataset");
  return statements;
}

void load_small_dataset(triplestore::Dataset& dataset) {
  std::vector<triplestore::Quad> quads;
  for (const Statement& s : small_dataset_statements()) {
    const triplestore::TermId g =
        s.graph.empty() ? triplestore::default_graph_id
                        : dataset.intern(s.graph.starts_with("_:") ? Term::blank(s.graph.substr(2)) : Term::iri(s.graph));
    quads.push_back({dataset.intern(s.subject), dataset.intern(s.predicate), dataset.intern(s.object), g});
  }
  dataset.insert_bulk(std::move(quads));
}

}  // namespace torchprov::fuzz
