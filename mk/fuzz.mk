# Fuzzing (doc/fuzzing.md).  `make fuzz` builds every fuzz/fuzz_NAME.c
# with clang and libFuzzer, ASan and UBSan into build-fuzz/ (the normal
# build/ is untouched) and runs each for FUZZ_SECONDS, one at a time.
# `make check` replays fuzz/regress/NAME and fuzz/corpus/NAME through the
# same targets built with $(CC), ASan, UBSan and fuzz/replay.c:
# build/tests/test_fuzz_NAME.
# ./configure --enable-fuzzing checks for a working libFuzzer and makes
# plain `make` build the fuzz targets too.

FUZZ_CC := $(or $(FUZZ_CC),clang)
FUZZ_BUILD := build-fuzz
FUZZ_SECONDS ?= 60
# libFuzzer options for every run, e.g. FUZZ_ARGS=-jobs=1 -rss_limit_mb=1024
FUZZ_ARGS ?=
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -std=gnu11 -D_GNU_SOURCE -Isrc $(WARN) $(X11_CFLAGS) \
	$(CORE_CFLAGS) $(PAM_CFLAGS) $(CPPFLAGS) -g -O1 \
	-fno-omit-frame-pointer $(FUZZ_SAN)
# Deterministic VNC challenges and Plain checks that finish before the
# harness goes on (fuzz/session.h); the code under test is unchanged.
FUZZ_WRAP := -Wl,--wrap=getrandom,--wrap=pthread_detach

FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_NAMES := $(FUZZ_SRC:fuzz/fuzz_%.c=%)
FUZZ_BIN := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_HDR := $(wildcard fuzz/*.h tests/unit/*.h)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_LIB := $(FUZZ_BUILD)/libxrfbshare.a
FUZZ_REPLAY_BIN := $(FUZZ_NAMES:%=$(BUILD)/tests/test_fuzz_%)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP \
		-c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_HDR) $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Ifuzz -Itests/unit \
		-o $@ $< $(FUZZ_LIB) $(ALL_LIBS) $(FUZZ_WRAP)

# The replay programs: the same targets built with $(CC), ASan and UBSan
# over a library built the same way (build/fuzz-replay/), so that an
# input that once read a byte too far fails `make check` too.
REPLAY_BUILD := $(BUILD)/fuzz-replay
REPLAY_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
REPLAY_LIB := $(REPLAY_BUILD)/libxrfbshare.a

$(REPLAY_BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(REPLAY_SAN) -MMD -MP -c -o $@ $<

$(REPLAY_LIB): $(LIB_SRC:%.c=$(REPLAY_BUILD)/%.o)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tests/test_fuzz_%: fuzz/fuzz_%.c fuzz/replay.c $(FUZZ_HDR) \
		$(REPLAY_LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(REPLAY_SAN) -Ifuzz -Itests/unit \
		-DFUZZ_NAME='"$*"' $(LDFLAGS) $(EXTRA_LDFLAGS) -o $@ $< \
		fuzz/replay.c $(REPLAY_LIB) $(ALL_LIBS) $(FUZZ_WRAP)

tests-build: $(FUZZ_REPLAY_BIN)

fuzz-build: deps-fuzz
	$(MAKE) $(FUZZ_BIN)

# One target at a time (the machine may be shared): FUZZ_TARGETS=NAME...
# picks some.  New corpus entries go to build-fuzz/corpus/NAME, crashes
# to build-fuzz/crash/NAME/ (copy them to fuzz/regress/NAME/).
FUZZ_TARGETS ?= $(FUZZ_NAMES)
fuzz: fuzz-build
	@set -e; for n in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$n $(FUZZ_BUILD)/crash/$$n; \
		dict=; [ -f fuzz/$$n.dict ] && dict=-dict=fuzz/$$n.dict; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		$(FUZZ_BUILD)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 $$dict \
			-artifact_prefix=$(FUZZ_BUILD)/crash/$$n/ $(FUZZ_ARGS) \
			$(FUZZ_BUILD)/corpus/$$n fuzz/corpus/$$n \
			2>$(FUZZ_BUILD)/$$n.log || \
			{ tail -n 60 $(FUZZ_BUILD)/$$n.log; \
			  echo "fuzz: $$n failed, see $(FUZZ_BUILD)/$$n.log"; \
			  exit 1; }; \
		grep -E '^#[0-9]+[[:space:]]+DONE|stat::(number_of_executed_units|average_exec_per_sec)' \
			$(FUZZ_BUILD)/$$n.log | sed "s/^/fuzz: $$n: /"; \
	done

ifeq ($(ENABLE_FUZZING),yes)
all: fuzz-build
endif

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

clean: fuzz-clean

.PHONY: fuzz fuzz-build fuzz-clean

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
