# mk/config.mk: tools, flags and the quiet/verbose switch shared by every
# fragment. docs/protocols/toolchain.md has the facts behind each flag.

CC      := clang
LD      := ld.lld
# GNU objcopy writes PE32+; llvm-objcopy 14 cannot (docs/protocols/toolchain.md).
OBJCOPY := objcopy
NM      := llvm-nm
AR      := llvm-ar
QEMU    := qemu-system-x86_64
# keel.efi carries the kernel image as an LZ4 frame (mk/efi.mk "zboot").
LZ4     := lz4

# newlib, built by mk/newlib.mk into the build tree.
NEWLIB_DIR  := $(BUILD)/newlib
NEWLIB_INC  := $(NEWLIB_DIR)/install/x86_64-elf/include
NEWLIB_LIBS := $(NEWLIB_DIR)/install/x86_64-elf/lib/libc.a \
	       $(NEWLIB_DIR)/install/x86_64-elf/lib/libm.a

# $(eval $(call gen-file,FILE,VAR)): FILE holds $(VAR)'s text and is
# rewritten only when that text changed, so its dependents rebuild only then.
# Whether it is stale is decided while the makefiles are read (FORCE only
# then), so `make -n` on an up-to-date tree runs and prints nothing.
same-text = $(and $(findstring x$1x,x$2x),$(findstring x$2x,x$1x))
define gen-file
$1: $(if $(call same-text,$(file <$1),$($2)),,FORCE)
	@mkdir -p $$(@D)
	@printf '%s\n' '$$(subst ','\'',$$($2))' > $$@
endef

# `make V=1` prints every command; otherwise one short line per step.
V ?= 0
ifeq ($(V),1)
Q :=
say = :
else
Q := @
say = printf '  %-7s %s\n'
endif

# ---- bare-metal C (kernel/, vmbus/, drivers/, lib/) ------------------------
# -mgeneral-regs-only: no SSE/x87 in compiled kernel code, so an interrupt
# never clobbers vector state it did not save. Only files named *_fp.c are
# compiled with SSE (UEFI leaves CR4.OSFXSR on); newlib itself uses SSE for
# its double ABI (printf %f, libm), see README "Floating point".
# -mstack-protector-guard=global: the guard is the kernel's __stack_chk_guard.
# -D_DEFAULT_SOURCE: newlib's POSIX names (strnlen, ...) under -std=c11;
# -D__LINUX_ERRNO_EXTENSIONS__: newlib's full errno set (ESHUTDOWN, ...).
KERNEL_TARGET := --target=x86_64-unknown-none-elf
WARNFLAGS     := -Wall -Wextra -Werror
# keel.efi has a size budget (README "Size"): -Oz, function/data sections with
# --gc-sections and --icf=all, newlib's nano malloc and no float printf
# and 8-byte symbol entries keep it there; -O2 without them made 161 KiB.
# Speed is measured in the hosted build (make bench), which uses -O2.
BASE_CFLAGS   := $(KERNEL_TARGET) -std=c11 $(WARNFLAGS) -Oz -g \
		 -ffunction-sections -fdata-sections \
		 -ffreestanding -mno-red-zone -fpic \
		 -fvisibility=hidden -fno-strict-aliasing \
		 -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
		 -fno-asynchronous-unwind-tables -fno-unwind-tables \
		 -MMD -MP
# Link-time optimisation across kernel, vmbus, drivers and lib (not boot/,
# whose -fshort-wchar differs), for keel.efi's budget.
KERNEL_LTO    ?= -flto
KERNEL_CFLAGS := $(BASE_CFLAGS) -fstack-protector-strong \
		 -mstack-protector-guard=global \
		 -nostdlibinc -isystem $(NEWLIB_INC) -I. -Iinclude \
		 -D_DEFAULT_SOURCE -D__LINUX_ERRNO_EXTENSIONS__ \
		 -DKEEL_BARE_METAL=1 $(KERNEL_LTO) $(EXTRA_CFLAGS)
NOFP_CFLAGS   := -mgeneral-regs-only
ifneq ($(findstring KEEL_TEST_HOOKS,$(EXTRA_CFLAGS)),)
$(error KEEL_TEST_HOOKS is for the hosted builds only; keel.efi never has test behaviour)
endif

# ---- boot/ (gnu-efi headers only, runs before ExitBootServices) -------------
# GNU_EFI_USE_MS_ABI makes EFIAPI ms_abi, so firmware calls are direct.
# No stack protector: the loader runs before the kernel sets up its guard.
EFI_INC      := /usr/include/efi
EFI_LIB      := /usr/lib
BOOT_CFLAGS  := $(BASE_CFLAGS) -fno-stack-protector -fshort-wchar \
		-nostdlibinc -I$(EFI_INC) -I$(EFI_INC)/x86_64 \
		-DGNU_EFI_USE_MS_ABI -I. -I$(BUILD)/gen $(NOFP_CFLAGS) \
		$(EXTRA_CFLAGS)

# ---- link (docs/protocols/toolchain.md "EFI application with gnu-efi, clang and ld.lld") --
# --apply-dynamic-relocs: the relocator adds the base to the stored value.
# --pack-dyn-relocs=relr: relative relocations as DT_RELR, which our own
# _relocate (boot/relocate.c) applies; gnu-efi's reads only DT_RELA.
# --no-undefined: -shared would otherwise accept missing symbols.
# --exclude-libs=ALL: newlib's symbols stay out of .dynsym.
# --gc-sections: drops what nothing reaches from _start (roots: the entry,
# .dynsym, KEEP() in linker.ld). -z norelro: .dynamic may follow .bss.
# --icf=all folds identical functions and -O2 merges string tails ("lo" inside
# "hello"), both for keel.efi's size budget.
LDFLAGS := --icf=all -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined \
	   --apply-dynamic-relocs --pack-dyn-relocs=relr \
	   --exclude-libs=ALL --gc-sections --hash-style=sysv \
	   --build-id=none -z max-page-size=4096 -z norelro -O2 -T linker.ld

# Sections the PE32+ keeps (.rodata and .ksyms are Keel's own, see linker.ld).
# .dynsym and .dynstr stay out: nothing at run time looks a symbol up (every
# relocation is relative, scripts/reloc-check.sh), and each PE section costs
# at least 512 bytes of the file.
PE_FLAGS    := --target=efi-app-x86_64 --subsystem=10 --strip-all
PE_SECTIONS := .text .rodata .data .bss .dynamic .rela .relr .reloc .ksyms
