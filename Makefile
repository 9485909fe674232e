# Strata: a thin wrapper over CMake.  `make check` and `make demo` work on a
# fresh Debian 12 machine: they install what is missing first.

BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
PREFIX     ?= /usr/local

.PHONY: all deps build build-asan build-tsan check test demo fuzz bench install clean format

all: build

deps:
	@scripts/install-deps

$(BUILD)/CMakeCache.txt:
	@cmake -S . -B $(BUILD) -DSTRATA_WERROR=ON -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

$(ASAN_BUILD)/CMakeCache.txt:
	@CC=clang cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSTRATA_WERROR=ON \
		-DSTRATA_SANITIZE=ON -DSTRATA_FUZZ=ON -DSTRATA_BENCH=OFF >/dev/null

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	@cmake --build $(ASAN_BUILD) -j $(JOBS) -- --no-print-directory

$(TSAN_BUILD)/CMakeCache.txt:
	@CC=clang cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_WERROR=ON \
		-DSTRATA_TSAN=ON -DSTRATA_BENCH=ON >/dev/null

build-tsan: deps $(TSAN_BUILD)/CMakeCache.txt
	@cmake --build $(TSAN_BUILD) -j $(JOBS) -- --no-print-directory

# The whole suite on SQLite and PostgreSQL (the pool's also through
# pgbouncer), then again under ASan+UBSan, the pool stress test under
# ThreadSanitizer, then each fuzz target for a short while.
check: build build-asan deps $(TSAN_BUILD)/CMakeCache.txt
	@cmake -S . -B $(TSAN_BUILD) -DSTRATA_BENCH=ON >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target bench_pool -- --no-print-directory
	@STRATA_TSAN_BUILD=$(TSAN_BUILD) scripts/check $(BUILD) $(ASAN_BUILD)

# Only the normal build's tests (a PostgreSQL server is started for them).
test: build
	@scripts/check --quick $(BUILD)

demo: build
	@scripts/demo $(BUILD)

fuzz: build-asan
	@scripts/fuzz --merge $(ASAN_BUILD) $(FUZZ_SECONDS)

bench: deps
	@scripts/install-deps --bench
	@cmake -S . -B $(BUILD) -DSTRATA_WERROR=ON >/dev/null && cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory
	@scripts/bench $(BUILD)

install: build
	@cmake --install $(BUILD)

# The generator's golden files are its output byte for byte: never formatted.
FORMAT_FILES = $$(git ls-files '*.c' '*.h' | grep -v '/golden/')
format:
	@clang-format -i $(FORMAT_FILES)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) demo-out
