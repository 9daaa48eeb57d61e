// Runs one test in a child process, so that a crash (a signal) or a hang
// that ignores the engine's own timeout fails that test alone instead of
// taking the whole conformance run down.
#pragma once

#include <chrono>
#include <functional>

#include "test_execution.h"

namespace torchprov::w3c {

// `work` runs in a forked child; its Outcome comes back through a pipe.
// After `hard_limit` the child is killed and the test fails.
Outcome run_isolated(const std::function<Outcome()>& work, std::chrono::milliseconds hard_limit);

}  // namespace torchprov::w3c
