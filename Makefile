# xrfbshare top-level Makefile.
#
# It bootstraps itself: on a fresh checkout `make`, `make run` and
# `make check` install missing Debian packages (contrib/install-deps.sh),
# generate and run configure, then build.  Packagers can instead run
# `autoreconf -fi && ./configure && make && make install DESTDIR=...`;
# configure writes config.mk, which this file includes.

SHELL := /bin/bash
.DEFAULT_GOAL := all
NOCONF_GOALS := clean distclean deps-build deps-run deps-test deps-fuzz deps-bench

ifeq ($(filter $(NOCONF_GOALS),$(MAKECMDGOALS)),)
include config.mk
endif

# GNU make remakes included makefiles first: this is the bootstrap.
config.mk: config.mk.in configure
	./configure $(CONFIGURE_FLAGS)

configure: configure.ac | deps-build
	autoreconf -fi

deps-build deps-run deps-test deps-fuzz deps-bench:
	contrib/install-deps.sh $(@:deps-%=%)

BUILD := build
WARN := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -Isrc $(WARN) $(X11_CFLAGS) \
	$(CORE_CFLAGS) $(PAM_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
ALL_LIBS = $(X11_LIBS) $(CORE_LIBS) $(PAM_LIBS) -lpthread -lm

LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c src/*/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libxrfbshare.a

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SUPPORT_SRC := $(wildcard tests/support/*.c)
SUPPORT_BIN := $(SUPPORT_SRC:tests/support/%.c=$(BUILD)/tests/%)

all: xrfbshare

xrfbshare: $(BUILD)/src/main.o $(LIB)
	$(CC) $(LDFLAGS) $(EXTRA_LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(LIB): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) $(EXTRA_LDFLAGS) \
		-o $@ $< $(LIB) $(ALL_LIBS)

# Test programs: X clients and a libvncclient viewer.
$(BUILD)/tests/%: tests/support/%.c $(wildcard tests/support/*.h) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(VNCCLIENT_CFLAGS) $(LDFLAGS) $(EXTRA_LDFLAGS) \
		-o $@ $< $(VNCCLIENT_LIBS) $(LIB) $(ALL_LIBS)

tests-build: xrfbshare $(UNIT_BIN) $(SUPPORT_BIN)

check: deps-test
	$(MAKE) tests-build
	tests/run.sh $(TESTS)

# Encoder ratio and speed on recorded screens; not part of check.
bench-encoders: deps-test
	$(MAKE) $(BUILD)/bench/bench_encoders $(BUILD)/tests/xdraw
	tests/bench/run.sh $(BENCH_ARGS)

$(BUILD)/bench/bench_encoders: tests/bench/bench_encoders.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(EXTRA_LDFLAGS) -o $@ $< $(LIB) \
		$(ALL_LIBS)

run: deps-run
	$(MAKE) all
	contrib/run.sh $(RUN_ARGS)

install: xrfbshare
	install -D -m 0755 xrfbshare $(DESTDIR)$(bindir)/xrfbshare
	install -D -m 0644 doc/xrfbshare.1 $(DESTDIR)$(mandir)/man1/xrfbshare.1
	install -D -m 0644 contrib/xrfbshare.service \
		$(DESTDIR)$(prefix)/lib/systemd/user/xrfbshare.service
	install -D -m 0644 contrib/xrfbshare.socket \
		$(DESTDIR)$(prefix)/lib/systemd/user/xrfbshare.socket

uninstall:
	rm -f $(DESTDIR)$(bindir)/xrfbshare \
		$(DESTDIR)$(mandir)/man1/xrfbshare.1 \
		$(DESTDIR)$(prefix)/lib/systemd/user/xrfbshare.service \
		$(DESTDIR)$(prefix)/lib/systemd/user/xrfbshare.socket

clean:
	rm -rf $(BUILD) xrfbshare tests/out

distclean: clean
	rm -rf config.mk config.log config.status configure aclocal.m4 \
		autom4te.cache

.PHONY: all check run install uninstall clean distclean tests-build \
	deps-build deps-run deps-test bench-encoders

# Further targets (fuzzing, sanitizers, soak, benchmarks), one file each.
include $(sort $(wildcard mk/*.mk))

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
