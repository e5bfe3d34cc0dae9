# mk/hosted.mk: the hosted build (portable code as a Linux program), its unit
# tests and the work-queue bench. Included by the top-level Makefile; also
# usable alone with the network stack's fragment, which the unit tests link:
# make -f mk/hosted.mk -f mk/lwip.mk BUILD=build-x test-unit
#
#   $(HOSTED_LIB)              the work-queue core + hosted platform, built
#                              with ASan+UBSan (other fragments link it:
#                              keelsim adds its own sources on top)
#   $(BUILD)/tests/unit-tests  the unit-test runner (tests/unit/*.c)
#   test-unit                  runs it -> $(BUILD)/results/unit.txt
#   bench-wq                   work-queue bench rows (-O2, no sanitizers)

BUILD ?= build
HOSTED_CC ?= clang
V ?= 0
ifeq ($(V),1)
HQ :=
else
HQ := @
endif

# KEEL_TEST_HOOKS: test-only behaviour (switches that restore old designs,
# fault modes, test drivers) is compiled only where it is defined: the hosted
# builds here, never keel.efi (mk/config.mk refuses it in EXTRA_CFLAGS).
# Same sources as the kernel image; only the platform/log/stack files differ.
WQ_SRCS := kernel/wq.c kernel/wait.c kernel/flush.c kernel/completion.c kernel/wallclock.c \
	   kernel/mutex.c kernel/deadlock.c kernel/timer.c kernel/fiber.c \
	   kernel/fiber_switch.S
HOSTED_PLATFORM_SRCS := hosted/platform_hosted.c hosted/log.c hosted/stack.c
HOSTED_CORE_SRCS := $(WQ_SRCS) $(HOSTED_PLATFORM_SRCS)

HOSTED_WARN   := -Wall -Wextra -Werror
HOSTED_CFLAGS := -std=c11 $(HOSTED_WARN) -g -O1 -fno-omit-frame-pointer \
		 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		 -I. -Iinclude -DKEEL_HOSTED=1 -DKEEL_TEST_HOOKS=1 -MMD -MP
HOSTED_LDFLAGS := -fsanitize=address,undefined
# The bench: same code, optimised, no sanitizers.
BENCH_CFLAGS  := -std=c11 $(HOSTED_WARN) -g -O2 -I. -Iinclude -DKEEL_HOSTED=1 \
		 -DKEEL_TEST_HOOKS=1 -MMD -MP

HOSTED_OBJ := $(BUILD)/hosted-obj
BENCH_OBJ  := $(BUILD)/bench-obj
HOSTED_LIB := $(BUILD)/hosted-obj/libkeel-hosted.a
BENCH_LIB  := $(BUILD)/bench-obj/libkeel-bench.a

# keel-host's built-in network peer (host/netpeer*.c) is tested hosted
# against Keel's own stack (tests/unit/net_peer_test.c).
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c)) $(sort $(wildcard host/netpeer*.c))
UNIT_BIN  := $(BUILD)/tests/unit-tests
# Other fragments add objects and libraries to the runner (mk/lwip.mk).
UNIT_EXTRA_LINK ?=
BENCH_WQ_SRCS := tests/bench/bench_wq.c
BENCH_WQ_BIN  := $(BUILD)/tests/bench-wq

HOSTED_CORE_OBJS := $(HOSTED_CORE_SRCS:%=$(HOSTED_OBJ)/%.o)
UNIT_OBJS        := $(UNIT_SRCS:%=$(HOSTED_OBJ)/%.o)
BENCH_CORE_OBJS  := $(HOSTED_CORE_SRCS:%=$(BENCH_OBJ)/%.o)
BENCH_WQ_OBJS    := $(BENCH_WQ_SRCS:%=$(BENCH_OBJ)/%.o)

$(HOSTED_OBJ)/%.c.o: %.c
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(HOSTED_CFLAGS) -c $< -o $@
$(HOSTED_OBJ)/%.S.o: %.S
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(HOSTED_CFLAGS) -c $< -o $@
$(BENCH_OBJ)/%.c.o: %.c
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(BENCH_CFLAGS) -c $< -o $@
$(BENCH_OBJ)/%.S.o: %.S
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(BENCH_CFLAGS) -c $< -o $@

$(HOSTED_LIB): $(HOSTED_CORE_OBJS)
	$(HQ)rm -f $@ && ar rcs $@ $^
$(BENCH_LIB): $(BENCH_CORE_OBJS)
	$(HQ)rm -f $@ && ar rcs $@ $^

$(UNIT_BIN): $(UNIT_OBJS) $(HOSTED_LIB)
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(HOSTED_LDFLAGS) $(UNIT_OBJS) $(UNIT_EXTRA_LINK) $(HOSTED_LIB) -o $@

$(BENCH_WQ_BIN): $(BENCH_WQ_OBJS) $(BENCH_LIB)
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(BENCH_WQ_OBJS) $(BENCH_LIB) -o $@

-include $(HOSTED_CORE_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) \
	 $(BENCH_CORE_OBJS:.o=.d) $(BENCH_WQ_OBJS:.o=.d)

.PHONY: hosted unit-tests test-unit bench-wq
hosted: $(HOSTED_LIB)
unit-tests: $(UNIT_BIN)

# Exit 0 even when tests fail (the summary counts them); a runner that dies
# before writing anything leaves a FAIL line so the suite is never "missing".
test-unit: $(UNIT_BIN)
	@mkdir -p $(BUILD)/results
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(UNIT_BIN) --results $(BUILD)/results/unit.txt || true
	@[ -s $(BUILD)/results/unit.txt ] || \
	  echo "FAIL unit-tests (runner wrote no results)" > $(BUILD)/results/unit.txt

bench-wq: $(BENCH_WQ_BIN)
	@$(BENCH_WQ_BIN)

TEST_TARGETS  += test-unit
BENCH_TARGETS += bench-wq
