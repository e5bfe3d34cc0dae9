# mk/newlib.mk: newlib (libc, libm) for the freestanding x86_64 kernel, built
# with clang from Debian's newlib-source tarball (docs/protocols/toolchain.md "newlib for the
# kernel"; Debian's libnewlib-dev is configured for ARM and unusable).
#
# Built once per build tree (about 45 s on 2 cores) and rebuilt only when the
# signature below changes: $(NEWLIB_DIR)/flags holds it and is rewritten only
# when it differs, so its timestamp moves only then.

NEWLIB_TARBALL := $(firstword $(wildcard /usr/src/newlib/newlib-*.tar.*))
# -fPIC: the image is a relocatable PE; non-PIC objects do not link.
# Frame pointers so that backtraces walk through libc frames too.
NEWLIB_CFLAGS  := -Oz -g -ffreestanding -fPIC -mno-red-zone \
		  -fno-omit-frame-pointer -ffunction-sections -fdata-sections
NEWLIB_CONFIG  := --target=x86_64-elf --disable-multilib --disable-nls \
		  --disable-newlib-supplied-syscalls \
		  --enable-newlib-io-long-long --enable-newlib-io-c99-formats \
		  --disable-newlib-multithread --enable-newlib-nano-malloc \
		  --disable-newlib-io-float
NEWLIB_SIG     := $(NEWLIB_TARBALL) $(NEWLIB_CFLAGS) $(NEWLIB_CONFIG) \
		  $(shell $(CC) --version 2>/dev/null | head -n1)

$(eval $(call gen-file,$(NEWLIB_DIR)/flags,NEWLIB_SIG))

$(NEWLIB_DIR)/built: $(NEWLIB_DIR)/flags
	@test -n "$(NEWLIB_TARBALL)" || \
	  { echo "newlib: no tarball in /usr/src/newlib (package newlib-source)"; exit 1; }
	@$(say) NEWLIB "$(NEWLIB_TARBALL) (once per build tree, ~45 s)"
	$(Q)rm -rf $(NEWLIB_DIR)/src $(NEWLIB_DIR)/obj $(NEWLIB_DIR)/install $@
	$(Q)mkdir -p $(NEWLIB_DIR)/src $(NEWLIB_DIR)/obj
	$(Q)tar -xf $(NEWLIB_TARBALL) -C $(NEWLIB_DIR)/src --strip-components=1
	$(Q)cd $(NEWLIB_DIR)/obj && ../src/configure $(NEWLIB_CONFIG) \
	  --prefix=$(abspath $(NEWLIB_DIR))/install \
	  CC_FOR_TARGET="$(CC) --target=x86_64-elf" \
	  CFLAGS_FOR_TARGET="$(NEWLIB_CFLAGS)" \
	  AS_FOR_TARGET="$(CC) --target=x86_64-elf -c" \
	  AR_FOR_TARGET=llvm-ar RANLIB_FOR_TARGET=llvm-ranlib \
	  NM_FOR_TARGET=llvm-nm OBJDUMP_FOR_TARGET=llvm-objdump \
	  LD_FOR_TARGET=ld.lld >../configure.log 2>&1 || \
	  { tail -n 30 ../configure.log; echo "newlib: configure failed, see $(NEWLIB_DIR)/configure.log"; exit 1; }
	$(Q)+$(MAKE) -C $(NEWLIB_DIR)/obj all-target-newlib >$(NEWLIB_DIR)/build.log 2>&1 || \
	  { tail -n 30 $(NEWLIB_DIR)/build.log; echo "newlib: build failed, see $(NEWLIB_DIR)/build.log"; exit 1; }
	$(Q)$(MAKE) -C $(NEWLIB_DIR)/obj install-target-newlib >$(NEWLIB_DIR)/install.log 2>&1 || \
	  { tail -n 30 $(NEWLIB_DIR)/install.log; echo "newlib: install failed"; exit 1; }
	$(Q)rm -rf $(NEWLIB_DIR)/src $(NEWLIB_DIR)/obj
	$(Q)touch $@

$(NEWLIB_LIBS): $(NEWLIB_DIR)/built ;

.PHONY: newlib
newlib: $(NEWLIB_DIR)/built
