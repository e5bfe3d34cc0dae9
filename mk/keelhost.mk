# mk/keelhost.mk: keel-host, the simulated host as its own process serving
# keel.efi in QEMU (keelhost/, include/keelhost/mailbox.h), and the
# QEMU boot tests against it.
#
#   $(BUILD)/host/keel-host   -O2 with UBSan (a long-running real-time
#                             process: no ASan slowdown in the event loop)
#   run-stack       keel-host + QEMU + the default data disk and a NIC whose
#                   wire is keel-host's built-in peer (RUN_NIC=peer; empty:
#                   no NIC), serial on the terminal: `make run`
#   test-keelhost   tests/keelhost/*.scn booted in QEMU against keel-host
#                   -> $(BUILD)/results/keelhost.txt; each test boots the
#                   product keel.img or the test image (KEEL_TEST_HOOKS,
#                   $(BUILD)/testhooks/keel.img) as tests.txt says,
#                   then ic-control.sh and nic-peer.sh (the built-in peer)
#   bench-keelhost  wall time to ready under QEMU: firmware and Keel (the
#                   test image: it measures the transport at boot)
#
# Reuses the host library (host/*.c) and the scenario parser (sim/scenario.c)
# as keelsim builds them, without the guest side.

KEELHOST_SRCS := $(sort $(wildcard keelhost/*.c)) $(sort $(wildcard host/*.c)) \
		 sim/scenario.c sim/timeline_svg.c $(sort $(wildcard lib/*.c))
KEELHOST_OBJ  := $(BUILD)/keelhost-obj
KEELHOST_OBJS := $(KEELHOST_SRCS:%=$(KEELHOST_OBJ)/%.o)
KEELHOST_BIN  := $(BUILD)/host/keel-host
KEELHOST_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -O2 -fno-omit-frame-pointer \
		   -fsanitize=undefined -fno-sanitize-recover=undefined \
		   -D_DEFAULT_SOURCE -I. -Iinclude -DKEEL_HOSTED=1 -MMD -MP
KEELHOST_DATA := $(BUILD)/keelhost/data.img

$(KEELHOST_OBJ)/%.c.o: %.c
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(KEELHOST_CFLAGS) -c $< -o $@

# keel-ctl: the control socket's client (keelhost/ctl/keel-ctl.c).
KEELCTL_BIN := $(BUILD)/keelhost/keel-ctl
$(KEELCTL_BIN): $(KEELHOST_OBJ)/keelhost/ctl/keel-ctl.c.o
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) -fsanitize=undefined $< -o $@
-include $(KEELHOST_OBJ)/keelhost/ctl/keel-ctl.c.d

$(KEELHOST_BIN): $(KEELHOST_OBJS)
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) -fsanitize=undefined $(KEELHOST_OBJS) -o $@

-include $(KEELHOST_OBJS:.o=.d)

$(KEELHOST_DATA): test-images/mkdata.sh
	@mkdir -p $(@D)
	$(HQ)test-images/mkdata.sh $@

.PHONY: keel-host run-stack test-keelhost bench-keelhost
keel-host: $(KEELHOST_BIN) $(KEELCTL_BIN)

# The built-in peer (keelhost/peer.c) leases Keel 10.0.2.15, pings it and
# fetches its page: networking without root or a TAP device.
RUN_NIC ?= peer
# Like `make run` (mk/images.mk), with keel-host and the data disk: no
# timeout on a terminal, 120 s otherwise; QEMU_ARGS go to QEMU, RUN_OPTS
# (e.g. --display, --timeout 60) to scripts/run-stack.sh. NVME=IMG (or a
# list) adds an NVMe data disk per raw image on a vPCI bus (--nvme); VPCI=DUMP
# (or a list) a vPCI bus per lspci -xxxx dump, e.g. test-images/pci/*.txt.
run-stack: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD) $(RUN_IMG) $(KEELHOST_BIN) \
	  $(KEELHOST_DATA) $(KEELCTL_BIN)
	@if [ -t 0 ]; then t=0; else t=120; fi; \
	  scripts/run-stack.sh --timeout $$t --build $(BUILD) --image $(RUN_IMG) \
	  --disk $(KEELHOST_DATA) --control $(BUILD)/run/keel.ctl $(foreach f,$(NVME),--nvme $(f)) \
	  $(foreach f,$(VPCI),--vpci $(f)) \
	  $(if $(RUN_NIC),--nic $(RUN_NIC)) \
	  $(if $(filter 1,$(KEEL_SHELL)),--interactive) \
	  $(RUN_OPTS) $(RUN_STACK_ARGS) -- $(QEMU_ARGS)

KEELHOST_TESTS ?=
test-keelhost: $(BUILD)/keel.img $(TESTHOOKS_BUILD)/keel.img $(KEELHOST_BIN) $(KEELHOST_DATA) \
	       $(KEELCTL_BIN)
	@tests/keelhost/run-tests.sh $(BUILD) $(KEELHOST_TESTS)

bench-keelhost: $(TESTHOOKS_BUILD)/keel.img $(KEELHOST_BIN) $(KEELHOST_DATA)
	@tests/keelhost/bench.sh $(BUILD)

TEST_TARGETS  += test-keelhost
BENCH_TARGETS += bench-keelhost

# bench-ic: shutdown request -> power-off in virtual time (keelsim) and guest
# instructions per heartbeat (callgrind); tests/keelhost/bench-ic.sh. The
# binaries' rules are in mk/sim.mk and mk/storage.mk.
.PHONY: bench-ic
bench-ic: $(BUILD)/host/keelsim-bench $(BUILD)/host/keelsim-cg
	@tests/keelhost/bench-ic.sh $(BUILD)/host/keelsim-bench $(BUILD)/host/keelsim-cg \
	  $(BUILD)/bench-ic
BENCH_TARGETS += bench-ic

# The transport without QEMU: a fake ivshmem client (tests/keelhost/protocol.c).
KEELHOST_PROTO_BIN := $(BUILD)/tests/keelhost-protocol
$(KEELHOST_PROTO_BIN): $(KEELHOST_OBJ)/tests/keelhost/protocol.c.o
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) -fsanitize=undefined $< -o $@
-include $(KEELHOST_OBJ)/tests/keelhost/protocol.c.d
test-keelhost bench-keelhost: $(KEELHOST_PROTO_BIN)
