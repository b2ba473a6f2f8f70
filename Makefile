# Thin wrapper over CMake + Ninja + ccache. `make test` and `make demo` work on a fresh Debian 12.
BUILD   ?= build
PYTHON  ?= /usr/bin/python3
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test unit peers pytest demo bench bench-fixture pip-check clean fuzz-build fuzz fuzz-long asan-configure asan asan-quick

all: build

deps:
	bash scripts/install-deps.sh

# Re-running cmake on a configured tree costs about a second and keeps the options true.
configure: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMXLAB_PYTHON=ON \
	  -DPython_EXECUTABLE=$(PYTHON) -DCMAKE_CXX_COMPILER_LAUNCHER=ccache $(CMAKE_FLAGS) > /dev/null

build: configure
	cmake --build $(BUILD) -j $(JOBS)

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Postfix's smtp-sink for the foreign-peer tests (they skip when the download is impossible).
peers:
	bash scripts/install-bench-tools.sh $(BUILD)/peers || echo "peers: smtp-sink unavailable, foreign-peer tests skip"

pytest: build peers
	PYTHONPATH=$(CURDIR)/$(BUILD)/python $(PYTHON) -m pytest -q -p no:cacheprovider -m "not pip" tests/python sim/scenarios

# `pip install .` into a venv, then a test project outside the tree (slow: kept out of `make test`).
pip-check: build
	PYTHONPATH=$(CURDIR)/$(BUILD)/python MXLAB_CMAKE_BUILD_DIR=$(CURDIR)/$(BUILD) $(PYTHON) -m pytest -q \
	  -p no:cacheprovider -m pip tests/python/test_pip_install.py

test: unit pytest

demo: build
	PYTHONPATH=$(CURDIR)/$(BUILD)/python $(PYTHON) examples/demo.py

bench: build
	PYTHONPATH=$(CURDIR)/$(BUILD)/python $(PYTHON) bench/run.py

# One test topology's cost: in-process on tmpfs / on disk, and as separate processes.
bench-fixture: build
	MXLAB_BUILD_DIR=$(CURDIR)/$(BUILD) $(PYTHON) bench/fixture_bench.py

# libFuzzer targets (clang, ASan+UBSan) in their own CMake project and build directory:
# `make fuzz` runs each for FUZZ_SECONDS (30 s); `make fuzz-long` for an hour each.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 30
fuzz-build:
	bash scripts/install-fuzz-deps.sh
	cmake -S fuzz -B $(FUZZ_BUILD) -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_COMPILER_LAUNCHER=ccache > /dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) bash scripts/run-fuzz.sh $(FUZZ_SECONDS)

fuzz-long: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) bash scripts/run-fuzz.sh 3600

# ASan + UBSan (MXLAB_SANITIZE) in their own build directory, without the Python module:
# `make asan` builds everything and runs every GoogleTest binary plus the scenario files through
# the instrumented fakemx; `make asan-quick` builds and runs only the protocol, server (hostile
# SMTP included) and config tests. docs/RELIABILITY.md has their timings.
ASAN_BUILD ?= build-asan
ASAN_QUICK_TESTS ?= protocol_test server_test hostile_smtp_test config_test
ASAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
asan-configure: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMXLAB_PYTHON=OFF -DMXLAB_SANITIZE=ON \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache > /dev/null

# The scenarios run the sanitized fakemx binary; the Python plugin that drives them comes from
# the normal build (the sanitized build has no Python module).
asan: asan-configure build
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && $(ASAN_ENV) ctest --output-on-failure -j $(JOBS)
	$(ASAN_ENV) PYTHONPATH=$(CURDIR)/$(BUILD)/python MXLAB_BUILD_DIR=$(CURDIR)/$(ASAN_BUILD) $(PYTHON) -m pytest -q \
	  -p no:cacheprovider -n $(JOBS) sim/scenarios

asan-quick: asan-configure
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target $(ASAN_QUICK_TESTS)
	set -e; for t in $(ASAN_QUICK_TESTS); do echo "== $$t"; $(ASAN_ENV) $(ASAN_BUILD)/tests/$$t --gtest_brief=1; done

clean:
	rm -rf $(BUILD)
