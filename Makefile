# Thin entry points; the build itself is CMake.
#   make demo   set up, build (Release) and run the main job
#   make test   set up, build and run the whole test suite
#   make bench  run the benchmarks
#   make fuzz   build the libFuzzer targets (clang) and run each FUZZ_SECONDS
BUILD ?= build
JOBS ?= $(shell nproc)
# libtorch's OpenMP threads spin while waiting; on a loaded 2-core machine
# that makes training several times slower.
export OMP_WAIT_POLICY ?= PASSIVE

FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: setup build demo test bench fuzz clean

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

bench: build
	cmake --build $(BUILD) --target bench

fuzz:
	./tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
