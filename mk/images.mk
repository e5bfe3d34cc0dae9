# mk/images.mk: the boot disks (test-images/, docs/protocols/gen2-platform.md §12) and
# `make run`.
#   $(BUILD)/keel.img        raw GPT disk, ESP with BOOTX64.EFI + keel.cfg
#   $(BUILD)/keel.vhdx       the same for Hyper-V (dynamic VHDX)
#   $(BUILD)/keel-azure.vhd  the same for Azure (fixed VHD, size in MiB)
#   $(BUILD)/run/keel.img    what `make run` boots: keel.img with CMDLINE as
#                            its keel.cfg line, so that
#                            `make run CMDLINE="console=serial test=heap"`
#                            leaves keel.img (and the tests using it) alone;
#                            APP=NAME adds app=NAME to that line
#                            (`make run APP=httpd`, apps/conn.h; httpd
#                            by default, whose page the built-in peer
#                            fetches; `APP=` for none);
#                            KEEL_SHELL=1 adds shell=on (mk/shell.mk)

IMAGE_CMDLINE ?= console=both
CMDLINE       ?= $(IMAGE_CMDLINE)
APP           ?= httpd
RUN_CMDLINE   := $(strip $(CMDLINE) $(if $(APP),app=$(APP)) \
		   $(if $(filter 1,$(KEEL_SHELL)),shell=on))
IMAGE_MIB     ?= 64
RUN_IMG       := $(BUILD)/run/keel.img
# `make run QEMU_ARGS="..."` passes more arguments to QEMU; RUN_OPTS to
# scripts/run-qemu.sh (e.g. --display, --timeout 60).
QEMU_ARGS ?=
RUN_OPTS  ?=

GEN_IMAGE := $(IMAGE_CMDLINE) $(IMAGE_MIB)
GEN_RUN   := $(RUN_CMDLINE)
$(eval $(call gen-file,$(BUILD)/gen/cmdline,GEN_IMAGE))
$(eval $(call gen-file,$(BUILD)/gen/run-cmdline,GEN_RUN))

$(BUILD)/keel.img: $(BUILD)/keel.efi $(BUILD)/gen/cmdline test-images/mkimg.sh
	@$(say) IMG $@
	$(Q)test-images/mkimg.sh $@ $< '$(IMAGE_CMDLINE)' $(IMAGE_MIB)

$(RUN_IMG): $(BUILD)/keel.img $(BUILD)/gen/run-cmdline test-images/setcfg.sh
	@mkdir -p $(@D)
	@$(say) IMG "$@ ($(RUN_CMDLINE))"
	$(Q)test-images/setcfg.sh $< $@ '$(RUN_CMDLINE)'

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
# stopped after 120 s. Keel's NIC is wired to keel-host's built-in peer
# (DHCP lease, ping, GET /; RUN_NIC in mk/keelhost.mk). NET=tap (root):
# the NIC on a TAP device in a network namespace with dnsmasq instead
# (run-net, mk/net-e2e.mk).
NET ?=
ifeq ($(NET),tap)
run: run-net
else
run: run-stack
endif

run-bare: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD) $(RUN_IMG)
	@if [ -t 0 ]; then t=0; else t=120; fi; \
	  scripts/run-qemu.sh --timeout $$t $(RUN_OPTS) $(RUN_IMG) -- $(QEMU_ARGS)
