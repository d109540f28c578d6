# Makefile: a thin wrapper over CMake, so that `make build|test|run|bench|clean`
# works from a fresh Debian 12 checkout. The real build is CMakeLists.txt.
#
#   make build   RelWithDebInfo build in build/
#   make test    deps; gcc build in build/ and clang-14 ASan+UBSan build in
#                build-asan/; ctest in both, side by side (MNS_TEST_SERIAL=1:
#                one after the other); last line "N passed, N failed"
#   make run     deps, build, then the daemon in dev mode on ./demo-data
#                (or $MNSAFE_DEMO_DIR)
#   make bench   deps, build, then bench/run-all (or every benchmark found)
#   make clean   remove build/ and build-asan/
#
# Knobs (mostly for working on one module while others are mid-edit):
#   TARGETS="mns_core test_core_mynumber"  build only these CMake targets
#   CTEST_ARGS="-R core"                   extra ctest arguments (filters)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

NPROC := $(shell nproc 2>/dev/null || echo 2)
BUILD_DIR := build
ASAN_DIR := build-asan
TARGETS ?=
CTEST_ARGS ?=
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
           UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

.PHONY: build build-only asan-only deps test run bench clean

deps:
	bash scripts/install-deps

build: deps build-only

build-only:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	$(MAKE) -C $(BUILD_DIR) -j$(NPROC) $(TARGETS)

# CMAKE_C_COMPILER as well as CC: CC is only read when a build dir is first
# configured, and this build exists to prove the code is clean under clang.
asan-only:
	CC=clang-14 cmake -S . -B $(ASAN_DIR) -DCMAKE_C_COMPILER=clang-14 \
	    -DMNS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	$(MAKE) -C $(ASAN_DIR) -j$(NPROC) $(TARGETS)

# Both test runs always happen (a failure in the first does not hide the
# second), at the same time: each runs one test at a time, and a test keeps
# about one core busy (a daemon, curl, bash), so the two halves fill two
# cores (MNS_TEST_SERIAL=1 runs them one after the other). The ASan half's
# output is shown after the gcc half's. Each log is parsed for ctest's "P%
# tests passed, F tests failed out of T" line. A run that printed no such
# line (ctest itself failed) counts as one failure. The exit status is
# non-zero if anything failed.
test: deps
	$(MAKE) --no-print-directory build-only
	$(MAKE) --no-print-directory asan-only
	@rc=0; start=$$(date +%s); \
	if [[ "$${MNS_TEST_SERIAL:-0}" = 1 ]]; then \
	    (cd $(BUILD_DIR) && ctest --output-on-failure $(CTEST_ARGS)) 2>&1 \
	        | tee $(BUILD_DIR)/ctest.log || rc=1; \
	    (cd $(ASAN_DIR) && $(SAN_ENV) ctest --output-on-failure $(CTEST_ARGS)) 2>&1 \
	        | tee $(ASAN_DIR)/ctest.log || rc=1; \
	else \
	    echo "ASan+UBSan half running beside this one; its output follows this one's"; \
	    (cd $(ASAN_DIR) && $(SAN_ENV) ctest --output-on-failure $(CTEST_ARGS) >ctest.log 2>&1) & asan=$$!; \
	    (cd $(BUILD_DIR) && ctest --output-on-failure $(CTEST_ARGS)) 2>&1 \
	        | tee $(BUILD_DIR)/ctest.log || rc=1; \
	    wait $$asan || rc=1; \
	    echo "---- $(ASAN_DIR): ASan+UBSan+LSan ----"; \
	    cat $(ASAN_DIR)/ctest.log; \
	fi; \
	echo "both halves took $$(( $$(date +%s) - start )) s"; \
	passed=0; failed=0; \
	for log in $(BUILD_DIR)/ctest.log $(ASAN_DIR)/ctest.log; do \
	    line=$$(grep -E '^[0-9]+% tests? passed, [0-9]+ tests? failed out of [0-9]+' "$$log" | tail -n 1 || true); \
	    if [[ -n "$$line" ]]; then \
	        f=$$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$$line"); \
	        t=$$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$$line"); \
	        passed=$$((passed + t - f)); failed=$$((failed + f)); \
	    elif grep -q 'No tests were found' "$$log"; then \
	        echo "$$log: no tests were found"; \
	    else \
	        echo "$$log: ctest printed no summary; counted as 1 failure"; \
	        failed=$$((failed + 1)); \
	    fi; \
	done; \
	if [[ $$rc -ne 0 && $$failed -eq 0 ]]; then \
	    echo "ctest exited non-zero without a failed test; counted as 1 failure"; \
	    failed=1; \
	fi; \
	echo "$$passed passed, $$failed failed"; \
	[[ $$failed -eq 0 ]]

run: build
	exec ./$(BUILD_DIR)/src/mnsafe serve --dev --data "$${MNSAFE_DEMO_DIR:-./demo-data}"

# bench/run-all, when present, runs every benchmark itself. Without it, every
# executable built into build/bench/ and every executable script in bench/ runs.
bench: build
	@export MNS_BUILD_DIR="$(CURDIR)/$(BUILD_DIR)"; \
	if [[ -x bench/run-all ]]; then \
	    exec bench/run-all; \
	elif [[ -f bench/run-all ]]; then \
	    exec bash bench/run-all; \
	fi; \
	rc=0; n=0; \
	for b in $(BUILD_DIR)/bench/* bench/*; do \
	    [[ -f "$$b" && -x "$$b" ]] || continue; \
	    n=$$((n + 1)); echo "== $$b"; \
	    "./$$b" || { echo "$$b failed"; rc=1; }; \
	done; \
	[[ $$n -gt 0 ]] || echo "no benchmarks found"; \
	exit $$rc

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
