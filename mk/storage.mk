# mk/storage.mk: the storage tests and bench (docs/scenarios.md
# "Storage device"). The storage fault scenarios are tests/scenarios/
# storvsc-*.scn, run by test-sim (mk/sim.mk) like every scenario.
#
#   $(BUILD)/storage/data.img  the data disk (test-images/mkdata.sh: GPT,
#                              FAT with a few files, a scratch partition)
#   data-disk                  builds it
#   test-storage               $(BUILD)/tests/storage-unit (SCSI target and
#                              store unit tests), then
#                              tests/storage/e2e.sh: keelsim with LUN 0
#                              (e2e.scn, sd0) and then an NVMe namespace
#                              (nvme-file.scn, file=, nvme0n1) on a copy of
#                              the data disk; partitions, SHA-256 and a
#                              pattern write checked against sgdisk,
#                              sha256sum and the image file
#                              (tests/storage/diskcheck.sh)
#                              -> $(BUILD)/results/storage.txt
#   bench-storage              tests/storage/bench.sh: 4 KiB random reads and
#                              writes at QD 1 and 32, 1 MiB sequential reads
#                              (IOPS, MB/s per CPU second, keelsim -O2) on a
#                              memory LUN and a memory NVMe namespace, and
#                              guest instructions per 4 KiB I/O (callgrind on
#                              $(BUILD)/host/keelsim-cg-oz, keel.efi's -Oz:
#                              mk/sim_net.mk builds it); fails when any run
#                              fails
#
# keelsim-cg: valgrind 3.19 cannot read clang 14's DWARF 5, so the
# bench binary is built once more with -gdwarf-4 into $(BUILD)/cg-obj
# (-O2; bench-ic uses it).

STORAGE_DIR      := $(BUILD)/storage
STORAGE_DATA_IMG := $(STORAGE_DIR)/data.img
STORAGE_DATA_MIB ?= 32

# Unit tests of the SCSI target and stores (ASan+UBSan, hosted.mk's rules).
STORAGE_UNIT_SRCS := tests/storage/test_scsi_disk.c tests/storage/test_storvsc_host.c \
		     $(SIM_HOST_SRCS)
STORAGE_UNIT_OBJS := $(STORAGE_UNIT_SRCS:%=$(HOSTED_OBJ)/%.o)
STORAGE_UNIT_BIN  := $(BUILD)/tests/storage-unit

STORAGE_CG_OBJ  := $(BUILD)/cg-obj
STORAGE_CG_BIN  := $(BUILD)/host/keelsim-cg
STORAGE_CG_OBJS := $(SIM_SRCS:%=$(STORAGE_CG_OBJ)/%.o) \
		   $(HOSTED_CORE_SRCS:%=$(STORAGE_CG_OBJ)/%.o)

# The same POSIX names as keelsim-bench (mk/sim.mk): strtok_r, strdup, ...
$(STORAGE_CG_OBJS): BENCH_CFLAGS += -D_DEFAULT_SOURCE

$(STORAGE_DATA_IMG): test-images/mkdata.sh
	@mkdir -p $(@D)
	$(HQ)test-images/mkdata.sh $@ $(STORAGE_DATA_MIB)

$(STORAGE_CG_OBJ)/%.c.o: %.c
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(BENCH_CFLAGS) -gdwarf-4 -c $< -o $@
$(STORAGE_CG_OBJ)/%.S.o: %.S
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(BENCH_CFLAGS) -gdwarf-4 -c $< -o $@

$(STORAGE_CG_BIN): $(STORAGE_CG_OBJS)
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(STORAGE_CG_OBJS) -o $@

$(STORAGE_UNIT_BIN): $(STORAGE_UNIT_OBJS)
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(HOSTED_LDFLAGS) $(STORAGE_UNIT_OBJS) -o $@

-include $(STORAGE_CG_OBJS:.o=.d) $(STORAGE_UNIT_OBJS:.o=.d)

.PHONY: data-disk test-storage bench-storage
data-disk: $(STORAGE_DATA_IMG)

# Exit 0 even when checks fail (the summary counts them); a script that
# dies before writing anything leaves a FAIL line.
test-storage: $(SIM_BIN) $(STORAGE_DATA_IMG) $(STORAGE_UNIT_BIN)
	@mkdir -p $(BUILD)/results
	@rm -f $(BUILD)/results/storage.txt
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(STORAGE_UNIT_BIN) --results $(BUILD)/results/storage.txt || \
	  echo "FAIL storage/unit (runner failed)" >> $(BUILD)/results/storage.txt
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  tests/storage/e2e.sh $(SIM_BIN) $(STORAGE_DATA_IMG) $(STORAGE_DIR)/e2e \
	    $(BUILD)/results/storage.txt || true
	@[ -s $(BUILD)/results/storage.txt ] || \
	  echo "FAIL storage (e2e.sh wrote no results)" > $(BUILD)/results/storage.txt

bench-storage: $(SIM_BENCH_BIN) $(BUILD)/host/keelsim-cg-oz
	@tests/storage/bench.sh $(SIM_BENCH_BIN) $(BUILD)/host/keelsim-cg-oz $(STORAGE_DIR)/bench

TEST_TARGETS  += test-storage
BENCH_TARGETS += bench-storage
