# make soak: the long-run check of issue 6 (tests/soak/soak.py).  For
# SOAK_SECONDS (default 600) 20 viewers mixing encodings, pixel formats
# and transports come and go while the screen changes and a hostile client
# attacks; it reports crashes, RSS drift, fd and SHM counts, latency and
# connection counts, writes build/soak/report.txt and ends with
# "SOAK: PASS" or "SOAK: FAIL: ...".  SOAK_ARGS passes more options
# (--viewers N, --seed N, --hostile CMD; see soak.py --help).
SOAK_SECONDS ?= 600

soak: deps-test
	$(MAKE) xrfbshare $(BUILD)/tests/vnctest $(BUILD)/tests/vncwatch \
		$(BUILD)/tests/xdraw
	SOAK_SECONDS=$(SOAK_SECONDS) python3 tests/soak/soak.py $(SOAK_ARGS)

.PHONY: soak
