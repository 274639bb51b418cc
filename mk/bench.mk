# `make bench`: xrfbshare, x11vnc and x0vncserver side by side on the same
# scripted workloads (tests/bench/compare.sh, doc/performance.md).  Not
# part of `make check`, which only runs a short smoke test of the harness
# (tests/integration/bench_smoke.sh).  BENCH_SECONDS, BENCH_SERVERS,
# BENCH_ENCODINGS, BENCH_WORKLOADS, BENCH_GEOM: see compare.sh.
BENCH_BIN := $(BUILD)/bench/benchclient $(BUILD)/bench/benchdraw

$(BUILD)/bench/benchclient: tests/bench/benchclient.c tests/bench/marker.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(VNCCLIENT_CFLAGS) $(LDFLAGS) $(EXTRA_LDFLAGS) \
		-o $@ $< $(VNCCLIENT_LIBS) $(ALL_LIBS)

$(BUILD)/bench/benchdraw: tests/bench/benchdraw.c tests/bench/marker.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(EXTRA_LDFLAGS) -o $@ $< $(ALL_LIBS)

# the smoke test in make check runs them
tests-build: $(BENCH_BIN)

# check-asan: like the other test tools, their leaks at exit are not ours
ifeq ($(BUILD),$(ASAN_BUILD))
$(BENCH_BIN): $(BUILD)/tests/asan/noleaks.o
$(BENCH_BIN): override EXTRA_LDFLAGS += $(BUILD)/tests/asan/noleaks.o
endif

bench: deps-bench
	$(MAKE) xrfbshare $(BENCH_BIN)
	tests/bench/compare.sh

.PHONY: bench
