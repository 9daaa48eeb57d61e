// Running one W3C test against the engine and judging its answer.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "manifest.h"

namespace torchprov::w3c {

enum class Verdict { passed, failed, skipped };

struct Outcome {
  Verdict verdict = Verdict::failed;
  std::string reason;  // why it failed or was skipped
};

// Why the test is not run here at all (entailment, federation, HTTP, ...),
// or nullopt when it should run.  Cheap: decided from the manifest and the
// query text.
std::optional<std::string> skip_reason(const TestCase& test);

// Runs the test in this process; exceptions from the engine become failed
// outcomes.  `timeout` bounds each query / update through QueryOptions.
Outcome run_test(const TestCase& test, std::chrono::milliseconds timeout);

}  // namespace torchprov::w3c
