# mk/vmbus.mk: the VMBus bench. Reuses the object rules and
# the optimised library of mk/hosted.mk (BENCH_OBJ, BENCH_LIB, BENCH_CFLAGS);
# the vmbus/host objects are the same ones keelsim-bench uses.
#
#   bench-vmbus   ring send+receive vs a bare copy loop (64 B, 4 KiB), guest
#                 CPU time to 64 echo devices ready, virtual time to 8 devices
#                 ready with 10 ms host latency

BENCH_VMBUS_SRCS := tests/bench/bench_vmbus.c \
	$(sort $(wildcard vmbus/*.c drivers/*.c lib/*.c host/*.c))
BENCH_VMBUS_OBJS := $(BENCH_VMBUS_SRCS:%=$(BENCH_OBJ)/%.o)
BENCH_VMBUS_BIN  := $(BUILD)/tests/bench-vmbus

$(BENCH_VMBUS_BIN): $(BENCH_VMBUS_OBJS) $(BENCH_LIB)
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(BENCH_VMBUS_OBJS) $(BENCH_LIB) -o $@

-include $(BENCH_VMBUS_OBJS:.o=.d)

.PHONY: bench-vmbus
bench-vmbus: $(BENCH_VMBUS_BIN)
	@$(BENCH_VMBUS_BIN)

BENCH_TARGETS += bench-vmbus
