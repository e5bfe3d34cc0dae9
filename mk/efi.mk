# mk/efi.mk: $(BUILD)/keel.efi, the PE32+ EFI application as shipped: the
# zboot loader carrying $(BUILD)/keel-kernel.efi, the kernel image, as an
# LZ4 frame (the "zboot" paragraph below).
#
# boot/*.c is compiled against gnu-efi's headers; everything else in the
# image (kernel/, vmbus/, drivers/, lib/, subfolders included) against
# newlib's. hosted/ is never part of the image.
#
# Two-pass link for backtrace symbols (kernel/ksyms.h):
#   pass 1  keel.pass1.elf, .ksyms empty
#   gen     scripts/ksyms-gen.sh: pass 1's text symbols -> ksyms-table.S
#           (offsets from the image base and a string blob, no relocations)
#   pass 2  keel.elf = the same objects + the table, which linker.ld puts
#           last, so every other symbol keeps its address; scripts/
#           ksyms-check.sh compares both passes' nm output and fails the
#           build if anything moved.
#   check   scripts/reloc-check.sh: every relocation lands in .data.
# Then GNU objcopy writes keel-kernel.efi, without a COFF symbol table (--strip-all:
# 10 KiB that nothing reads; backtraces use .ksyms, debuggers keel.elf).

# The test image, $(BUILD)/testhooks/keel.efi and keel.img: the same sources
# with KEEL_TEST_HOOKS (guest switches from keel-host, the boot-time transport
# measurement, test drivers), for the keel-host tests and bench that need
# them. A sub-make builds it in its own tree, sharing newlib; TEST_HOOKS_CFLAGS
# is accepted in that tree only (EXTRA_CFLAGS never takes KEEL_TEST_HOOKS,
# mk/config.mk), so the product keel.efi cannot be built with test behaviour.
TESTHOOKS_BUILD := $(BUILD)/testhooks
TEST_HOOKS_CFLAGS ?=
ifneq ($(TEST_HOOKS_CFLAGS),)
ifneq ($(notdir $(BUILD)),testhooks)
$(error TEST_HOOKS_CFLAGS is for the test image's tree only: use `make testhooks`)
endif
KERNEL_CFLAGS += $(TEST_HOOKS_CFLAGS)
endif

.PHONY: testhooks
testhooks: $(TESTHOOKS_BUILD)/keel.img
$(TESTHOOKS_BUILD)/keel.img: $(NEWLIB_DIR)/built FORCE
	+@$(MAKE) --no-print-directory BUILD=$(TESTHOOKS_BUILD) NEWLIB_DIR=$(NEWLIB_DIR) \
	  LWIP_FETCH_DIR=$(LWIP_FETCH_DIR) \
	  TEST_HOOKS_CFLAGS=-DKEEL_TEST_HOOKS=1 $@

# For experiments: other folders, sources added or left out.
KERNEL_DIRS       ?= kernel vmbus drivers lib net apps
EXTRA_KERNEL_SRCS ?=
EXCLUDE_SRCS      ?=
# The serial shell (apps/shell/, about 9 KiB) is linked in by default;
# KEEL_SHELL=0 leaves it out. keel.cfg turns it on (`shell=on`, which
# `make run` adds; the image's own keel.cfg leaves it off).
KEEL_SHELL        ?= 1
ifneq ($(KEEL_SHELL),1)
EXCLUDE_SRCS      += $(wildcard apps/shell/*.c)
endif

# The virtual PCI bus (drivers/vpci*.c, drivers/pci*.c) is part of keel.efi
# (about 14 KiB; its MMIO ranges come from ACPI, kernel/x86/acpi_crs.c);
# make KEEL_VPCI=0 leaves it out. keelsim and the unit tests always build it.
KEEL_VPCI ?= 1
ifneq ($(KEEL_VPCI),1)
EXCLUDE_SRCS += $(wildcard drivers/vpci*.c drivers/pci*.c drivers/nvme*.c)
KERNEL_CFLAGS += -DKEEL_NO_VPCI=1
endif

BOOT_SRCS   := $(sort $(wildcard boot/*.c))
KERNEL_SRCS := $(filter-out $(EXCLUDE_SRCS),$(if $(KERNEL_DIRS),$(sort \
		 $(shell find $(KERNEL_DIRS) \( -name '*.c' -o -name '*.S' \) \
		 -type f 2>/dev/null)))) $(EXTRA_KERNEL_SRCS)
BOOT_OBJS   := $(BOOT_SRCS:%=$(BUILD)/obj/%.o)
KERNEL_OBJS := $(KERNEL_SRCS:%=$(BUILD)/obj/%.o)
KEEL_OBJS   := $(BOOT_OBJS) $(KERNEL_OBJS)

# crt0 first (docs/protocols/toolchain.md). Neither libefi.a (its init.o defines memset/
# memcpy that collide with newlib's; the loader calls firmware services
# directly) nor libgnuefi.a (boot/relocate.c replaces its _relocate to read
# packed DT_RELR relocations) is linked.
EFI_CRT0 := $(EFI_LIB)/crt0-efi-x86_64.o

# The version in the banner: git describe, else a VERSION file, else unknown.
KEEL_VERSION := $(shell git describe --always --dirty 2>/dev/null || \
		  cat VERSION 2>/dev/null || echo unknown)

# Rewritten only when their text changes (gen-file, mk/config.mk), so
# dependents rebuild only then. Flags are part of every object's inputs.
GEN_VERSION := \#define KEEL_VERSION "$(KEEL_VERSION)"
GEN_CFLAGS  := $(KERNEL_CFLAGS) | $(BOOT_CFLAGS) | $(NOFP_CFLAGS)
GEN_LDFLAGS := $(LDFLAGS) | $(PE_SECTIONS) | $(PE_FLAGS) | shell=$(KEEL_SHELL)
$(eval $(call gen-file,$(BUILD)/gen/version.h,GEN_VERSION))
$(eval $(call gen-file,$(BUILD)/gen/cflags,GEN_CFLAGS))
$(eval $(call gen-file,$(BUILD)/gen/ldflags,GEN_LDFLAGS))

# boot/: gnu-efi headers; version.h is generated first.
$(BUILD)/obj/boot/%.c.o: boot/%.c $(BUILD)/gen/cflags | $(BUILD)/gen/version.h
	@mkdir -p $(@D)
	@$(say) CC $<
	$(Q)$(CC) $(BOOT_CFLAGS) -c $< -o $@

# Everything else: newlib headers, no SSE except in *_fp.c.
$(BUILD)/obj/%.c.o: %.c $(BUILD)/gen/cflags $(NEWLIB_DIR)/built
	@mkdir -p $(@D)
	@$(say) CC $<
	$(Q)$(CC) $(KERNEL_CFLAGS) $(if $(filter %_fp.c,$<),,$(NOFP_CFLAGS)) -c $< -o $@

$(BUILD)/obj/%.S.o: %.S $(BUILD)/gen/cflags $(NEWLIB_DIR)/built
	@mkdir -p $(@D)
	@$(say) AS $<
	$(Q)$(CC) $(KERNEL_CFLAGS) $(NOFP_CFLAGS) -c $< -o $@

# KERNEL_LIBS: libraries other fragments build for the image (mk/lwip.mk).
KEEL_LINK_INPUTS = $(EFI_CRT0) $(KEEL_OBJS) $(KERNEL_LIBS) $(NEWLIB_LIBS)

$(BUILD)/keel.pass1.elf: $(KEEL_OBJS) linker.ld $(BUILD)/gen/ldflags $(NEWLIB_DIR)/built
	@$(say) LD "$@ (pass 1)"
	$(Q)$(LD) $(LDFLAGS) $(KEEL_LINK_INPUTS) -o $@

$(BUILD)/gen/ksyms-table.S: $(BUILD)/keel.pass1.elf scripts/ksyms-gen.sh
	@$(say) KSYMS $@
	$(Q)NM=$(NM) scripts/ksyms-gen.sh $< > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/ksyms-table.o: $(BUILD)/gen/ksyms-table.S
	@$(say) AS $<
	$(Q)$(CC) $(KERNEL_TARGET) -c $< -o $@

$(BUILD)/keel.elf: $(BUILD)/keel.pass1.elf $(BUILD)/obj/ksyms-table.o \
		  scripts/ksyms-check.sh scripts/reloc-check.sh
	@$(say) LD "$@ (pass 2)"
	$(Q)$(LD) $(LDFLAGS) $(KEEL_LINK_INPUTS) $(BUILD)/obj/ksyms-table.o -o $@.tmp
	$(Q)NM=$(NM) scripts/ksyms-check.sh $(BUILD)/keel.pass1.elf $@.tmp
	$(Q)NM=$(NM) scripts/reloc-check.sh $@.tmp
	$(Q)mv $@.tmp $@

# The kernel image, uncompressed: what the tools that read sections, .ksyms
# or PE headers look at, and what the zboot loader below carries.
$(BUILD)/keel-kernel.efi: $(BUILD)/keel.elf $(BUILD)/gen/ldflags
	@$(say) OBJCOPY $@
	$(Q)$(OBJCOPY) $(addprefix -j ,$(PE_SECTIONS)) $(PE_FLAGS) $< $@.tmp
	$(Q)mv $@.tmp $@

# keel.efi as shipped (docs/architecture.md "Bare-metal core"): the zboot loader
# (boot/zboot/, a few KiB) with the kernel image as one LZ4 frame in its
# .rodata; at boot it decompresses the frame and starts the kernel image
# through the firmware's LoadImage/StartImage. lz4 -12 (the best ratio; its
# decoding is as fast as any level's) with the content size in the header,
# which the loader allocates by, and the content checksum (the default).
# It links the loader's console and relocator from boot/, not the kernel.
ZBOOT_PAYLOAD := $(BUILD)/keel-kernel.efi.lz4
ZBOOT_SRCS    := $(sort $(wildcard boot/zboot/*.c)) boot/console.c boot/relocate.c
ZBOOT_OBJS    := $(ZBOOT_SRCS:%=$(BUILD)/obj/%.o) $(BUILD)/obj/boot/zboot/payload.S.o
ZBOOT_PE_SECTIONS := $(filter-out .ksyms,$(PE_SECTIONS))

$(ZBOOT_PAYLOAD): $(BUILD)/keel-kernel.efi
	@$(say) LZ4 $@
	$(Q)$(LZ4) -q -f -12 --content-size $< $@.tmp
	$(Q)touch $@.tmp     # lz4 gives its output the input's time
	$(Q)mv $@.tmp $@

$(BUILD)/obj/boot/zboot/payload.S.o: boot/zboot/payload.S $(ZBOOT_PAYLOAD)
	@mkdir -p $(@D)
	@$(say) AS $<
	$(Q)$(CC) $(BOOT_CFLAGS) -DZBOOT_PAYLOAD='"$(ZBOOT_PAYLOAD)"' -c $< -o $@

$(BUILD)/keel-zboot.elf: $(ZBOOT_OBJS) linker.ld $(BUILD)/gen/ldflags scripts/reloc-check.sh
	@$(say) LD $@
	$(Q)$(LD) $(LDFLAGS) $(EFI_CRT0) $(ZBOOT_OBJS) -o $@.tmp
	$(Q)NM=$(NM) scripts/reloc-check.sh $@.tmp
	$(Q)mv $@.tmp $@

$(BUILD)/keel.efi: $(BUILD)/keel-zboot.elf
	@$(say) OBJCOPY $@
	$(Q)$(OBJCOPY) $(addprefix -j ,$(ZBOOT_PE_SECTIONS)) $(PE_FLAGS) $< $@.tmp
	$(Q)mv $@.tmp $@

-include $(KEEL_OBJS:.o=.d) $(ZBOOT_OBJS:.o=.d)
