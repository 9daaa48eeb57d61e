# Thin entry points; the build itself is CMake.
#   make demo   set up, build (Release) and run the main job
#   make test   set up, build and run the whole test suite
#   make bench  run the benchmarks
#   make fuzz   build the libFuzzer targets (clang) and run each FUZZ_SECONDS
#   make test-asan  the test suite built with AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-asan-fast  its store, engine and endpoint part (what CI runs)
#   make test-tsan  the concurrency tests (store, endpoint, capture) under ThreadSanitizer
BUILD ?= build
JOBS ?= $(shell nproc)
# libtorch's OpenMP threads spin while waiting; on a loaded 2-core machine
# that makes training several times slower.
export OMP_WAIT_POLICY ?= PASSIVE

FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

# Sanitizer reports stop the test that caused them; leaks in libraries that
# are not ours are listed, with why, in tests/sanitizers/*.supp.
SANITIZER_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0 \
  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  TSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/tsan.supp:halt_on_error=1:second_deadlock_stack=1
# Tests too slow under the sanitizers: the longer trainings (their capture
# and store paths run in the shorter ones) and the installed-package build.
ASAN_SKIP = consumer_project|sweep_ranks|live_training|denseed|canned_queries|bench_store_smoke|fault_trainer

.PHONY: setup build demo test test-asan test-asan-fast test-tsan bench fuzz clean

setup:
	./scripts/setup.sh

build: setup
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)
	# The Python package for this user: `import torchprov` under /usr/bin/python3, from anywhere.
	cmake --install $(BUILD) --component python --prefix $(HOME)/.local > /dev/null

# The demo script sets up and builds by itself, naming each step.
demo:
	./scripts/demo.sh

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan: setup
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTORCHPROV_SANITIZE=address,undefined
	cmake --build build-asan -j $(JOBS)
	$(SANITIZER_ENV) ctest --test-dir build-asan --output-on-failure -j $(JOBS) -E '$(ASAN_SKIP)'

# What .ci/run runs under ASan + UBSan: the tests labelled sanitize-fast
# (store, engine, result formats, W3C suite and endpoint in process, fuzz
# replays); `make test-asan` is the whole suite, which costs CI too long.
test-asan-fast: setup
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTORCHPROV_SANITIZE=address,undefined
	cmake --build build-asan -j $(JOBS) --target sanitize_fast_tests
	$(SANITIZER_ENV) ctest --test-dir build-asan --output-on-failure -j $(JOBS) -L sanitize-fast -E 'w3c_sparql11_through'

test-tsan: setup
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTORCHPROV_SANITIZE=thread \
	  -DTORCHPROV_BUILD_EXAMPLES=OFF
	cmake --build build-tsan -j $(JOBS) --target store_concurrency_tests endpoint_concurrency_tests capture_core_tests
	$(SANITIZER_ENV) ctest --test-dir build-tsan --output-on-failure -j $(JOBS) -L concurrency

bench: build
	cmake --build $(BUILD) --target bench

fuzz:
	./tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) build-asan build-tsan
