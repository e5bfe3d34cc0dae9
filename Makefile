# Keel: the top-level Makefile. It includes one fragment per area (mk/*.mk).
#
#   make            build $(BUILD)/keel.efi
#   make images     keel.img (raw GPT), keel.vhdx (Hyper-V), keel-azure.vhd
#   make run        boot keel.img in QEMU + OVMF, serial on the terminal
#                   (CMDLINE="..." replaces keel.cfg in a copy,
#                   build/run/keel.img; QEMU_ARGS="..." adds)
#   make testhooks  the test image build/testhooks/keel.{efi,img}
#                   (KEEL_TEST_HOOKS; mk/efi.mk)
#   make test       every suite in TEST_TARGETS, then the `N passed, N failed` line
#   make bench      every row in BENCH_TARGETS
#   make V=1 ...    show the commands
#
# Contract for fragments (docs/architecture.md "Build contract"):
#   TEST_TARGETS += test-<suite>   a phony target that runs one suite and
#                                  writes $(BUILD)/results/<suite>.txt with
#                                  `PASS <name>` / `FAIL <name>` lines; it
#                                  should exit 0 even when tests fail.
#   BENCH_TARGETS += bench-<x>     prints its rows.
#   SOAK_TARGETS += soak-<x>
# Everything goes under $(BUILD): `make BUILD=build-x` is a separate tree.

BUILD ?= build

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

TEST_TARGETS  :=
BENCH_TARGETS :=
SOAK_TARGETS  :=

MK_OWN := mk/config.mk mk/deps.mk mk/newlib.mk mk/efi.mk mk/images.mk \
	  mk/boot-tests.mk
# mk/fuzz.mk last: it builds on the source lists of mk/hosted.mk and mk/sim.mk.
MK_LAST := mk/fuzz.mk
include $(MK_OWN)
include $(sort $(filter-out $(MK_OWN) $(MK_LAST),$(wildcard mk/*.mk)))
include $(MK_LAST)

.PHONY: all images run run-bare test bench soak clean distclean FORCE
FORCE:

all: $(BUILD)/keel.efi

# Each suite in its own make so one failing suite does not stop the others;
# a suite that exits non-zero also records a FAIL line of its own.
test: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD) all
	@rm -rf $(BUILD)/results && mkdir -p $(BUILD)/results
	@for t in $(TEST_TARGETS); do \
	  echo "== $$t"; \
	  $(MAKE) --no-print-directory BUILD=$(BUILD) $$t || \
	    echo "FAIL $$t (make target failed)" >> $(BUILD)/results/make.txt; \
	done
	@scripts/test-summary.sh $(BUILD)/results $(patsubst test-%,%,$(TEST_TARGETS))

# Every bench runs even if one fails; the exit status says whether all ran.
bench: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD) all
	@st=0; for t in $(BENCH_TARGETS); do \
	  $(MAKE) --no-print-directory BUILD=$(BUILD) $$t || { echo "bench: $$t failed"; st=1; }; \
	done; exit $$st

soak: deps
	@for t in $(SOAK_TARGETS); do \
	  $(MAKE) --no-print-directory BUILD=$(BUILD) $$t || exit 1; \
	done

clean:
	rm -rf $(BUILD)/obj $(BUILD)/gen $(BUILD)/*.elf $(BUILD)/*.efi \
	       $(BUILD)/*.img $(BUILD)/*.vhdx $(BUILD)/*.vhd $(BUILD)/tests \
	       $(BUILD)/results $(BUILD)/testhooks $(BUILD)/run \
	       $(BUILD)/fuzz $(BUILD)/fuzz-obj

# Also drops the cached newlib build.
distclean:
	rm -rf $(BUILD)
