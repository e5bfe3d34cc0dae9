# mk/sim_net.mk: the netvsc bench on keelsim (after mk/sim.mk, whose
# SIM_SRCS and SIM_BENCH_BIN it uses).
#
#   bench-netvsc   frames per CPU second received and sent (64 B, 1514 B)
#                  and guest instructions per 1514 B frame each way
#                  (tests/bench/bench-netvsc.sh)

# The callgrind build is keelsim with
# keel.efi's -Oz (mk/config.mk BASE_CFLAGS) in place of the bench's -O2,
# -gdwarf-4 for valgrind 3.19 (as mk/storage.mk's keelsim-cg).
NETVSC_CG_OBJ  := $(BUILD)/cg-oz-obj
NETVSC_CG_BIN  := $(BUILD)/host/keelsim-cg-oz
NETVSC_CG_OBJS := $(SIM_SRCS:%=$(NETVSC_CG_OBJ)/%.o) \
		  $(HOSTED_CORE_SRCS:%=$(NETVSC_CG_OBJ)/%.o)
NETVSC_CG_CFLAGS = $(filter-out -O2,$(BENCH_CFLAGS)) -Oz -fno-strict-aliasing \
		   -fno-omit-frame-pointer -gdwarf-4 -D_DEFAULT_SOURCE

$(NETVSC_CG_OBJ)/%.c.o: %.c
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(NETVSC_CG_CFLAGS) -c $< -o $@
$(NETVSC_CG_OBJ)/%.S.o: %.S
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(NETVSC_CG_CFLAGS) -c $< -o $@

$(NETVSC_CG_BIN): $(NETVSC_CG_OBJS)
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(NETVSC_CG_OBJS) -o $@

-include $(NETVSC_CG_OBJS:.o=.d)

.PHONY: bench-netvsc
bench-netvsc: $(SIM_BENCH_BIN) $(NETVSC_CG_BIN)
	@tests/bench/bench-netvsc.sh $(SIM_BENCH_BIN) $(NETVSC_CG_BIN) $(BUILD)/bench-netvsc

BENCH_TARGETS += bench-netvsc
