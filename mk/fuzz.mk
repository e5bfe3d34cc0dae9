# mk/fuzz.mk: libFuzzer targets for every parser of host input
# (tests/fuzz/; docs/architecture.md "Fuzzing").
#
#   $(BUILD)/fuzz/bin/NAME  one harness per parser, clang
#                           -fsanitize=fuzzer,address,undefined; the guest
#                           code under it is built again with coverage
#                           instrumentation into $(BUILD)/fuzz-obj
#   fuzz          every harness for FUZZ_TIME seconds (default 300) from
#                 tests/fuzz/corpus/NAME/; new inputs go to
#                 $(BUILD)/fuzz/corpus/NAME, crashes to $(BUILD)/fuzz/artifacts/
#                 (FUZZ_NAMES="ring gpt" picks harnesses; FUZZ_ARGS="-fork=2
#                 -ignore_crashes=1" adds libFuzzer flags)
#   test-fuzz     every committed input replayed (a finding-* file that
#                 still crashes is a FAIL), then each harness for
#                 FUZZ_TEST_TIME seconds (default 10); any crash fails
#                 -> $(BUILD)/results/fuzz.txt
#   bench-fuzz    executions per second of each harness
#   fuzz-prove    the ring and vmbus_msg harnesses against copies of
#                 vmbus/ring.c and vmbus/msg.c with one length check removed
#                 each: they must crash (prints time and executions)
#
# Source lists are the hosted build's (mk/hosted.mk HOSTED_CORE_SRCS, the
# vmbus/drivers/lib/host lists keelsim uses in mk/sim.mk); the objects are
# separate because coverage instrumentation changes every one of them.

FUZZ_TIME      ?= 300
FUZZ_TEST_TIME ?= 10
FUZZ_BENCH_TIME ?= 5
FUZZ_ALL   := vmbus_msg ring storvsc gpt cmdline mailbox msgpath netvsc netvsc_rx ic vpci net \
	      netpeer lz4 iperf3
FUZZ_NAMES ?= $(FUZZ_ALL)

FUZZ_OBJ := $(BUILD)/fuzz-obj
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_BIN := $(FUZZ_DIR)/bin
FUZZ_CFLAGS  := $(HOSTED_CFLAGS) -D_DEFAULT_SOURCE -fsanitize=fuzzer-no-link
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined

$(FUZZ_OBJ)/%.c.o: %.c
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_OBJ)/%.S.o: %.S
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(FUZZ_CFLAGS) -c $< -o $@

# lwIP's own sources (mk/lwip.mk) under the fuzzer's flags: its parsers
# are what the net harness is after, so they get coverage too; its
# warnings are not ours to fix.
$(FUZZ_OBJ)/$(LWIP_SRC)/%.c.o: $(LWIP_SRC)/%.c | $(LWIP_FETCHED)
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(FUZZ_CFLAGS) $(LWIP_INC) $(LWIP_THIRD_PARTY) -c $< -o $@

# The work-queue core and the hosted platform, as an archive: a harness
# pulls in only what it uses.
FUZZ_CORE_LIB := $(FUZZ_OBJ)/libkeel-fuzz.a
FUZZ_CORE_OBJS := $(HOSTED_CORE_SRCS:%=$(FUZZ_OBJ)/%.o)
$(FUZZ_CORE_LIB): $(FUZZ_CORE_OBJS)
	$(HQ)rm -f $@ && ar rcs $@ $^

# The whole guest and the simulated host: keelsim's list without sim/ (the
# harness drives guest and host itself).
# The NIC drivers attach to keelsim's stand-in interface (sim/netdev_sim.c).
FUZZ_GUEST_SRCS := $(filter-out sim/%,$(SIM_SRCS)) $(SIM_NETDEV_SRCS)

FUZZ_SRCS_ring      := tests/fuzz/fuzz_ring.c vmbus/ring.c
FUZZ_SRCS_gpt       := tests/fuzz/fuzz_gpt.c drivers/gpt.c lib/crc32.c
FUZZ_SRCS_cmdline   := tests/fuzz/fuzz_cmdline.c net/config.c apps/app.c
FUZZ_SRCS_storvsc   := tests/fuzz/fuzz_storvsc.c drivers/storvsc_scsi.c
FUZZ_SRCS_mailbox   := tests/fuzz/fuzz_mailbox.c drivers/pci_mmio.c kernel/x86/ivshmem_trace.c
FUZZ_SRCS_vmbus_msg := tests/fuzz/fuzz_vmbus_msg.c tests/fuzz/fuzz_guest.c $(FUZZ_GUEST_SRCS)
FUZZ_SRCS_msgpath   := tests/fuzz/fuzz_msgpath.c tests/fuzz/fuzz_guest.c $(FUZZ_GUEST_SRCS)
FUZZ_SRCS_netvsc    := tests/fuzz/fuzz_netvsc.c drivers/netvsc_parse.c
FUZZ_SRCS_netvsc_rx := tests/fuzz/fuzz_netvsc_rx.c drivers/netvsc_rx.c drivers/netvsc_rndis.c \
		       drivers/netvsc_nvsp.c drivers/netvsc_parse.c
FUZZ_SRCS_vpci      := tests/fuzz/fuzz_vpci.c drivers/vpci_parse.c
FUZZ_SRCS_nvme      := tests/fuzz/fuzz_nvme.c drivers/nvme_parse.c drivers/nvme_queue.c \
		       drivers/nvme_ctrl.c
FUZZ_ALL            += nvme
FUZZ_SRCS_ic        := tests/fuzz/fuzz_ic.c tests/fuzz/fuzz_guest.c $(FUZZ_GUEST_SRCS)
FUZZ_SRCS_netpeer   := tests/fuzz/fuzz_netpeer.c $(sort $(wildcard host/netpeer*.c))
FUZZ_SRCS_lz4       := tests/fuzz/fuzz_lz4.c boot/zboot/lz4.c boot/zboot/xxh32.c
FUZZ_SRCS_iperf3    := tests/fuzz/fuzz_iperf3.c apps/iperf3_msg.c apps/iperf3_json.c
FUZZ_SRCS_net       := tests/fuzz/fuzz_net.c tests/unit/net_fake.c $(NET_SRCS) \
		       $(LWIP_FILES:%=$(LWIP_SRC)/%)

FUZZ_NET_OBJS := $(filter-out $(FUZZ_OBJ)/$(LWIP_SRC)/%,$(FUZZ_SRCS_net:%=$(FUZZ_OBJ)/%.o))
$(FUZZ_NET_OBJS): FUZZ_CFLAGS += $(LWIP_INC)
$(FUZZ_NET_OBJS): | $(LWIP_FETCHED)

define FUZZ_template
FUZZ_OBJS_$(1) := $$(FUZZ_SRCS_$(1):%=$$(FUZZ_OBJ)/%.o)
$$(FUZZ_BIN)/$(1): $$(FUZZ_OBJS_$(1)) $$(FUZZ_CORE_LIB)
	@mkdir -p $$(@D)
	$$(HQ)$$(HOSTED_CC) $$(FUZZ_LDFLAGS) $$(FUZZ_OBJS_$(1)) $$(FUZZ_CORE_LIB) -o $$@
-include $$(FUZZ_OBJS_$(1):.o=.d)
endef
$(foreach f,$(FUZZ_ALL),$(eval $(call FUZZ_template,$(f))))
-include $(FUZZ_CORE_OBJS:.o=.d)

FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_BIN)/%)
FUZZ_RUN  := tests/fuzz/run.sh

# fuzz-prove: two harnesses built over a planted bug each, which they must
# find. ring: vmbus/ring.c without the check that a packet fits in the
# bytes the host published (Linux checks the same in hv_pkt_iter_first).
# vmbus_msg: vmbus/msg.c without the check that a SynIC message's
# payload_size is at most 240 bytes.
FUZZ_PROVE := $(FUZZ_DIR)/prove
$(FUZZ_PROVE)/ring.c: vmbus/ring.c
	@mkdir -p $(@D)
	$(HQ)sed 's/(int64_t)len + VMBUS_PKT_TRAILER_SIZE > avail/0/' $< > $@
	$(HQ)! cmp -s $< $@ || { echo "fuzz-prove: the planted edit no longer applies to $<"; exit 1; }
$(FUZZ_PROVE)/msg.c: vmbus/msg.c
	@mkdir -p $(@D)
	$(HQ)sed 's/len > HV_MESSAGE_PAYLOAD_BYTES || len < sizeof/len < sizeof/' $< > $@
	$(HQ)! cmp -s $< $@ || { echo "fuzz-prove: the planted edit no longer applies to $<"; exit 1; }
$(FUZZ_BIN)/ring-planted: tests/fuzz/fuzz_ring.c $(FUZZ_PROVE)/ring.c
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(FUZZ_CFLAGS) -Wno-unused-parameter $(FUZZ_LDFLAGS) $^ -o $@
$(FUZZ_PROVE)/msg.o: $(FUZZ_PROVE)/msg.c
	$(HQ)$(HOSTED_CC) $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_BIN)/vmbus_msg-planted: $(filter-out %/vmbus/msg.c.o,$(FUZZ_OBJS_vmbus_msg)) \
			       $(FUZZ_PROVE)/msg.o $(FUZZ_CORE_LIB)
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(FUZZ_LDFLAGS) $^ -o $@

.PHONY: fuzz fuzz-bins test-fuzz bench-fuzz fuzz-prove
fuzz-bins: $(FUZZ_BINS)

FUZZ_ARGS ?=
export FUZZ_ARGS
fuzz: $(FUZZ_BINS)
	@$(FUZZ_RUN) fuzz $(FUZZ_DIR) $(FUZZ_TIME) $(FUZZ_NAMES)

# Exit 0 even when a harness crashes (the summary counts FAIL lines).
test-fuzz: $(FUZZ_BINS)
	@mkdir -p $(BUILD)/results
	@$(FUZZ_RUN) test $(FUZZ_DIR) $(FUZZ_TEST_TIME) $(FUZZ_NAMES) \
	  > $(BUILD)/results/fuzz.txt 2> $(FUZZ_DIR)/test.log || true
	@cat $(BUILD)/results/fuzz.txt
	@[ -s $(BUILD)/results/fuzz.txt ] || \
	  echo "FAIL fuzz (run.sh wrote no results; see $(FUZZ_DIR)/test.log)" \
	    > $(BUILD)/results/fuzz.txt

bench-fuzz: $(FUZZ_BINS)
	@$(FUZZ_RUN) bench $(FUZZ_DIR) $(FUZZ_BENCH_TIME) $(FUZZ_NAMES)

fuzz-prove: $(FUZZ_BIN)/ring-planted $(FUZZ_BIN)/vmbus_msg-planted
	@$(FUZZ_RUN) prove $(FUZZ_DIR) 300 ring-planted vmbus_msg-planted

TEST_TARGETS  += test-fuzz
BENCH_TARGETS += bench-fuzz
