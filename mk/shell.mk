# mk/shell.mk: the serial shell (apps/shell/), linked into keel.efi unless
# KEEL_SHELL=0 (mk/efi.mk).
#
#   $(BUILD)/shell/keel.img   keel.img with the shell, in its own tree
#                             (a sub-make, sharing newlib, like testhooks)
#   make run                  the whole stack with shell=on and the serial
#                             port on the terminal in both directions
#   test-shell                tests/shell/run.sh: boots that image against
#                             keel-host, types each command through a socket
#                             -> $(BUILD)/results/shell.txt

SHELL_BUILD := $(BUILD)/shell

.PHONY: shell-image test-shell
shell-image: $(SHELL_BUILD)/keel.img
$(SHELL_BUILD)/keel.img: $(NEWLIB_DIR)/built FORCE
	+@$(MAKE) --no-print-directory BUILD=$(SHELL_BUILD) NEWLIB_DIR=$(NEWLIB_DIR) \
	  LWIP_FETCH_DIR=$(LWIP_FETCH_DIR) KEEL_SHELL=1 $@

test-shell: $(SHELL_BUILD)/keel.img $(KEELHOST_BIN) $(KEELHOST_DATA)
	@tests/shell/run.sh $(BUILD)

TEST_TARGETS += test-shell
