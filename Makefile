# A thin front door to meson (build dir: build/). See README.md.
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
WERROR   ?= 0
MESON_SETUP_OPTS = --prefix=$(PREFIX) $(if $(filter 1,$(WERROR)),-Dwerror=true)

.PHONY: all deps build unit check demo install clean

all: build

deps:
	@scripts/deps build

$(BUILD)/build.ninja:
	@scripts/deps build
	meson setup $(BUILD) $(MESON_SETUP_OPTS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Pure unit tests: no root, no network, seconds.
unit: build
	meson test -C $(BUILD) --suite unit --print-errorlogs

# Every test the project has; installs test dependencies first when run as root.
check:
	@scripts/deps test
	@$(MAKE) --no-print-directory build
	@rc=0; meson test -C $(BUILD) --print-errorlogs || rc=$$?; \
	  scripts/test-summary $(BUILD)/meson-logs/testlog.json; exit $$rc

# The main job on an embedded default: a two-node failover in network namespaces (root).
demo:
	@if [ "$$(id -u)" -ne 0 ]; then echo "make demo needs root (network namespaces): sudo make demo" >&2; exit 1; fi
	@scripts/deps demo
	@$(MAKE) --no-print-directory build
	@scripts/demo.sh $(BUILD)/floatd

install: build
	meson configure $(BUILD) --prefix=$(PREFIX)
	ninja -C $(BUILD)
	DESTDIR=$(DESTDIR) meson install -C $(BUILD) --no-rebuild

clean:
	rm -rf $(BUILD)

# libFuzzer targets (clang, build dir build-fuzz/, tests/fuzz/run.sh): replays the saved
# reproducers in tests/fuzz/regressions/, then fuzzes each target for FUZZ_SECONDS from a
# scratch copy of its seeds, FUZZ_JOBS targets at a time. Exits non-zero on a crash; the input
# is kept in build-fuzz/crashes/.
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
.PHONY: fuzz fuzz-build fuzz-long build-asan check-asan
# Only the build (CI compiles it while other suites run).
fuzz-build:
	@scripts/deps fuzz
	@FUZZ_BUILD_ONLY=1 tests/fuzz/run.sh

fuzz:
	@scripts/deps fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) tests/fuzz/run.sh

# Issue 15: every target for FUZZ_LONG_SECONDS (30 min), as many at once as there are CPUs
# (6 targets on 2 CPUs: 90 min), not in CI. Writes build-fuzz/fuzz-long.md (execs, coverage at
# the start and the end, corpus growth) and copies a crash's input into tests/fuzz/regressions/.
FUZZ_LONG_SECONDS ?= 1800
fuzz-long:
	@scripts/deps fuzz
	@FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) FUZZ_JOBS=$$(nproc) FUZZ_KEEP_CRASHES=1 \
	  FUZZ_REPORT=build-fuzz/fuzz-long.md tests/fuzz/run.sh

# The unit, golden and netns suites built with ASan + UBSan (gcc, build dir build-asan/).
# -O1 with line tables only (-g1): a third of the compile time of -O2 -g (54 s against 18 s
# of CPU for daemon.cpp), and the sanitizers' reports still name file and line.
build-asan:
	@scripts/deps test
	@[ -f build-asan/build.ninja ] || \
	  meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
	    -Doptimization=1 -Ddebug=false -Dcpp_args=-g1 >/dev/null
	@ninja -C build-asan

check-asan: build-asan
	@rc=0; FLOATD_SANITIZED=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C build-asan --suite unit --suite golden --suite netns --print-errorlogs || rc=$$?; \
	  scripts/test-summary build-asan/meson-logs/testlog.json; exit $$rc

# floatd vs keepalived side by side in network namespaces (root; bench/run.sh): writes
# bench/RESULTS.md and bench/data/ in about 80 min on 2 cores (45 of them the 4,000-instance
# holds; SCALE_HOLD=S shortens them). BENCH_QUICK=1: few repetitions in about 10 minutes,
# into bench/RESULTS-quick.md and bench/data-quick/ (to check the scripts).
BENCH_QUICK ?= 0
.PHONY: bench
bench: build
	@scripts/deps bench
	@BENCH_QUICK=$(BENCH_QUICK) bench/run.sh $(BUILD)/floatd

# The soak (issue 15; root): SOAK_INSTANCES instances at advert_int 0.1 on each of two floatd
# nodes in network namespaces for SOAK_MINUTES, under a driver of random churn (reloads, link
# flaps, deleted interfaces and VIPs, failing and hanging checks, control client storms,
# handovers, maintenance); writes soak/REPORT.md and the raw data in soak/data/
# (tests/soak/soak.sh). Not part of make check: tests/netns/t_soak.sh is its two-minute version.
SOAK_MINUTES ?= 60
SOAK_INSTANCES ?= 1000
.PHONY: soak
soak:
	@if [ "$$(id -u)" -ne 0 ]; then echo "make soak needs root (network namespaces): sudo make soak" >&2; exit 1; fi
	@scripts/deps test
	@$(MAKE) --no-print-directory build
	@SOAK_MINUTES=$(SOAK_MINUTES) SOAK_INSTANCES=$(SOAK_INSTANCES) tests/soak/soak.sh $(BUILD)/floatd soak/REPORT.md
