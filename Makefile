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
	DESTDIR=$(DESTDIR) meson install -C $(BUILD) --no-rebuild

clean:
	rm -rf $(BUILD)
