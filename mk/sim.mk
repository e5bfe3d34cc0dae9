# mk/sim.mk: keelsim, the deterministic simulator (host/ + sim/ + the guest's
# portable code on the hosted platform), its scenario suite, soak and bench.
#
#   $(BUILD)/host/keelsim        ASan+UBSan build (make test)
#   $(BUILD)/host/keelsim-bench  -O2, no sanitizers (make bench, make soak)
#   test-sim    every tests/scenarios/*.scn over its seeds (>= 500 each),
#               then tests/sim/parse-errors.sh (files that must not parse
#               or must fail), then tests/sim/timeline.sh (the pictures
#               of docs/timeline.md, checked) -> $(BUILD)/results/sim.txt
#   docs-pictures  those pictures, $(BUILD)/docs/*.svg, and nothing else
#   soak-sim    every scenario over seeds 1..$(SOAK_SEEDS) (default 100000)
#   bench-sim   seeds per second for the 10-echo-channel scenario
#   bench-vpci  vPCI bring-up times in virtual time (tests/vpci/bench.sh)
#
# SIM_GUEST=test builds keelsim without vmbus/ and drivers/ (the TEST-ONLY
# guest in sim/testguest.c runs every scenario). Uses the object rules and
# libraries of mk/hosted.mk (HOSTED_OBJ, BENCH_OBJ, HOSTED_LIB, BENCH_LIB).

SIM_GUEST  ?= keel
SOAK_SEEDS ?= 100000
# Scenario files run in parallel child processes (sim/main.c).
SIM_JOBS ?= 2
SIM_SCENARIOS := $(sort $(wildcard tests/scenarios/*.scn))
SIM_BENCH_SCENARIO := tests/scenarios/bench-echo10.scn

SIM_HOST_SRCS := $(sort $(wildcard host/*.c))
SIM_CORE_SRCS := sim/main.c sim/sched.c sim/scenario.c sim/trace.c sim/testguest.c \
		 sim/timeline.c sim/timeline_svg.c
# keelsim does not link the network stack: NIC drivers attach to the
# stand-in sim/netdev_sim.c (net/netdev.h), which can ping the host's peer.
SIM_NETDEV_SRCS := sim/netdev_sim.c
ifeq ($(SIM_GUEST),keel)
SIM_GUEST_SRCS := sim/guest_keel.c sim/blkload.c $(SIM_NETDEV_SRCS) $(sort $(wildcard vmbus/*.c drivers/*.c lib/*.c))
else
SIM_GUEST_SRCS := sim/guest_none.c $(sort $(wildcard lib/*.c))
endif
# SIM_EXCLUDE: patterns to leave out (e.g. a driver that does not link yet).
SIM_EXCLUDE ?=
SIM_SRCS := $(filter-out $(SIM_EXCLUDE),$(SIM_CORE_SRCS) $(SIM_HOST_SRCS) $(SIM_GUEST_SRCS))

SIM_BIN       := $(BUILD)/host/keelsim
SIM_BENCH_BIN := $(BUILD)/host/keelsim-bench
SIM_OBJS       := $(SIM_SRCS:%=$(HOSTED_OBJ)/%.o)
SIM_BENCH_OBJS := $(SIM_SRCS:%=$(BENCH_OBJ)/%.o)

# The host library and keelsim get the POSIX names the kernel build gets too
# (mk/config.mk KERNEL_CFLAGS has -D_DEFAULT_SOURCE): strtok_r, strdup, ...
$(SIM_OBJS): HOSTED_CFLAGS += -D_DEFAULT_SOURCE
$(SIM_BENCH_OBJS): BENCH_CFLAGS += -D_DEFAULT_SOURCE

$(SIM_BIN): $(SIM_OBJS) $(HOSTED_LIB)
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(HOSTED_LDFLAGS) $(SIM_OBJS) $(HOSTED_LIB) -o $@

$(SIM_BENCH_BIN): $(SIM_BENCH_OBJS) $(BENCH_LIB)
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(SIM_BENCH_OBJS) $(BENCH_LIB) -o $@

-include $(SIM_OBJS:.o=.d) $(SIM_BENCH_OBJS:.o=.d)

.PHONY: keelsim keelsim-bench test-sim soak-sim bench-sim bench-vpci test-vpci-lspci docs-pictures
# Keel's vPCI listing of each dump in test-images/pci/ vs lspci -F DUMP
# (also run by test-sim, into its results).
test-vpci-lspci: $(SIM_BIN)
	@tests/vpci/lspci.sh $(BUILD)
keelsim: $(SIM_BIN)
keelsim-bench: $(SIM_BENCH_BIN)

# Exit 0 even when scenarios fail (the summary counts them); a keelsim that
# dies before writing anything leaves a FAIL line.
test-sim: $(SIM_BIN)
	@mkdir -p $(BUILD)/results
	@rm -f $(BUILD)/results/sim.txt
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(SIM_BIN) $(SIM_SCENARIOS) --jobs $(SIM_JOBS) --results $(BUILD)/results/sim.txt; \
	  rc=$$?; [ $$rc -le 1 ] || \
	  echo "FAIL sim (keelsim died, status $$rc: later scenarios did not run)" \
	    >> $(BUILD)/results/sim.txt
	@[ -s $(BUILD)/results/sim.txt ] || \
	  echo "FAIL sim (keelsim wrote no results)" > $(BUILD)/results/sim.txt
	@tests/sim/parse-errors.sh $(SIM_BIN) > $(BUILD)/results/sim-errors.log; \
	  grep '^FAIL' $(BUILD)/results/sim-errors.log || true; \
	  cat $(BUILD)/results/sim-errors.log >> $(BUILD)/results/sim.txt
	@tests/sim/timeline.sh $(SIM_BIN) $(BUILD)/docs > $(BUILD)/results/sim-timeline.log; \
	  grep '^FAIL' $(BUILD)/results/sim-timeline.log || true; \
	  cat $(BUILD)/results/sim-timeline.log >> $(BUILD)/results/sim.txt
	@tests/vpci/lspci.sh $(BUILD) > $(BUILD)/results/vpci-lspci.log 2>&1; \
	  grep -E '^(FAIL|SKIP)' $(BUILD)/results/vpci-lspci.log || true; \
	  grep -q -E '^(PASS|FAIL|SKIP)' $(BUILD)/results/vpci-lspci.log || \
	    echo "FAIL vpci/lspci: tests/vpci/lspci.sh printed no result" >> $(BUILD)/results/vpci-lspci.log; \
	  cat $(BUILD)/results/vpci-lspci.log >> $(BUILD)/results/sim.txt

docs-pictures: $(SIM_BIN)
	@tests/sim/timeline.sh $(SIM_BIN) $(BUILD)/docs
	@ls $(BUILD)/docs/*.svg

# One keelsim per scenario file, SOAK_JOBS at a time; fails if any fails.
SOAK_JOBS ?= 2
soak-sim: $(SIM_BENCH_BIN)
	@printf '%s\n' $(SIM_SCENARIOS) | \
	  xargs -P $(SOAK_JOBS) -I{} $(SIM_BENCH_BIN) {} --seeds 1-$(SOAK_SEEDS)

# vPCI bring-up in virtual time (tests/vpci/bench.sh): 1 function, 8
# functions with 10 ms per request against 1, 3 buses; and the wall time
# of one config space read through the seam.
bench-vpci: $(SIM_BENCH_BIN)
	@tests/vpci/bench.sh $(BUILD)

bench-sim: $(SIM_BENCH_BIN)
	@$(SIM_BENCH_BIN) $(SIM_BENCH_SCENARIO) --seeds 1-3000 --bench | grep '^bench-sim'

TEST_TARGETS  += test-sim
SOAK_TARGETS  += soak-sim
BENCH_TARGETS += bench-sim bench-vpci
