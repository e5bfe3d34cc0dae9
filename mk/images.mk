# mk/images.mk: the boot disks (test-images/, gen2-platform.md §12) and
# `make run`.
#   $(BUILD)/keel.img        raw GPT disk, ESP with BOOTX64.EFI + keel.cfg
#   $(BUILD)/keel.vhdx       the same for Hyper-V (dynamic VHDX)
#   $(BUILD)/keel-azure.vhd  the same for Azure (fixed VHD, size in MiB)
# CMDLINE is keel.cfg's line: `make run CMDLINE="console=serial test=heap"`;
# APP=NAME adds app=NAME to it (`make run APP=httpd`, apps/conn.h).

CMDLINE   ?= console=both
APP       ?=
KEEL_CFG  := $(strip $(CMDLINE) $(if $(APP),app=$(APP)))
IMAGE_MIB ?= 64
# `make run QEMU_ARGS="..."` passes more arguments to QEMU; RUN_OPTS to
# scripts/run-qemu.sh (e.g. --display, --timeout 60).
QEMU_ARGS ?=
RUN_OPTS  ?=

$(BUILD)/gen/cmdline: FORCE
	$(call write-if-changed,'$(KEEL_CFG) $(IMAGE_MIB)')

$(BUILD)/keel.img: $(BUILD)/keel.efi $(BUILD)/gen/cmdline test-images/mkimg.sh
	@$(say) IMG $@
	$(Q)test-images/mkimg.sh $@ $< '$(KEEL_CFG)' $(IMAGE_MIB)

$(BUILD)/keel.vhdx: $(BUILD)/keel.img test-images/convert.sh
	@$(say) VHDX $@
	$(Q)test-images/convert.sh vhdx $< $@

$(BUILD)/keel-azure.vhd: $(BUILD)/keel.img test-images/convert.sh
	@$(say) VHD $@
	$(Q)test-images/convert.sh vhd $< $@

images: $(BUILD)/keel.img $(BUILD)/keel.vhdx $(BUILD)/keel-azure.vhd

# `make run` is the whole stack: keel-host beside QEMU with a data disk
# (run-stack, mk/keelhost.mk). `make run-bare` boots keel.img alone: Keel
# says it found no Hyper-V and no keel-host and boots on. Interactive: serial
# on this terminal (Ctrl-A x quits). Without a terminal (scripts, CI) QEMU is
# stopped after 120 s.
run: run-stack

run-bare: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD) $(BUILD)/keel.img
	@if [ -t 0 ]; then t=0; else t=120; fi; \
	  scripts/run-qemu.sh --timeout $$t $(RUN_OPTS) $(BUILD)/keel.img -- $(QEMU_ARGS)
