# Thin wrapper over CMake + Ninja + ccache. `make test` and `make demo` work on a fresh Debian 12.
BUILD   ?= build
PYTHON  ?= /usr/bin/python3
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test unit pytest demo bench clean

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

pytest: build
	PYTHONPATH=$(CURDIR)/$(BUILD)/python $(PYTHON) -m pytest -q -p no:cacheprovider tests/python sim/scenarios

test: unit pytest

demo: build
	PYTHONPATH=$(CURDIR)/$(BUILD)/python $(PYTHON) examples/demo.py

bench: build
	PYTHONPATH=$(CURDIR)/$(BUILD)/python $(PYTHON) bench/run.py

clean:
	rm -rf $(BUILD)
