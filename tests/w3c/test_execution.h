// Running one W3C test against the engine and judging its answer.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "manifest.h"

namespace torchprov::w3c {

// passed: the answer is the expected one with literals compared by lexical
// form; passed_by_value: only when numbers and booleans compare by value, as
// the W3C test pages allow ("1.0e6" for "1.0E6"^^xsd:double).
enum class Verdict { passed, failed, skipped, passed_by_value };

struct Outcome {
  Verdict verdict = Verdict::failed;
  std::string reason;  // why it failed or was skipped
};

// Why the test is not run here at all (entailment, federation, HTTP, ...),
// or nullopt when it should run.  Cheap: decided from the manifest and the
// query text.
std::optional<std::string> skip_reason(const TestCase& test);

// Runs the test in this process, through the library the way the command
// line does: the data imported into a scratch Store with import_file (the
// import path of `torchprov import`, RDF/XML included), the query or update
// run with the file's IRI as its base IRI and the default graph read as the
// SPARQL spec reads it.  Exceptions become failed outcomes.  `timeout`
// bounds each query / update through QueryOptions.
Outcome run_test(const TestCase& test, std::chrono::milliseconds timeout);

// "aggregates#agg01": the test's folder and local name, the key of the
// verdict files (tests/w3c/verdicts/*.tsv).
std::string test_id(const TestCase& test);

}  // namespace torchprov::w3c
