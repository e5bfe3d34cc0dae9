# mk/lwip.mk: lwIP, the TCP/IP stack under net/, from Debian's `lwip` source
# package. Like newlib it is fetched and built in the build tree, never kept
# in the repository: scripts/deps.sh lwip-source runs `apt-get source lwip`
# (Debian's patches applied) into $(LWIP_DIR)/lwip once per build tree.
#
#   $(LWIP_KERNEL_LIB)   lwIP for keel.efi: the kernel's flags (-Oz, LTO,
#                        no SSE), linked into keel.efi with net/ and apps/
#   $(LWIP_HOSTED_LIB)   lwIP for the hosted unit tests (ASan + UBSan)
#   $(LWIP_BENCH_LIB)    lwIP for the benches (-O2)
# Configuration: net/lwipopts.h; port: net/arch/cc.h. lwIP's own sources are
# compiled without -Werror (their warnings are not ours to fix).

# Also usable with mk/hosted.mk alone (make -f mk/hosted.mk -f mk/lwip.mk
# test-unit), without mk/config.mk's quiet-mode variables.
say ?= printf '  %-7s %s\n'
# No built-in rules (the top-level Makefile says the same); alone, make
# would try to remake the included .d files from them.
.SUFFIXES:

# LWIP_FETCH_DIR holds the fetched source; the test image's tree
# ($(BUILD)/testhooks, mk/efi.mk) shares its parent's, as it shares newlib.
LWIP_DIR       := $(BUILD)/lwip
LWIP_FETCH_DIR ?= $(LWIP_DIR)
LWIP_SRC       := $(LWIP_FETCH_DIR)/lwip/src
LWIP_FETCHED   := $(LWIP_FETCH_DIR)/fetched
LWIP_INC     := -Inet -I$(LWIP_SRC)/include

# lwIP 2.1's core, IPv4, IPv6 and Ethernet files (its Filelists.mk
# COREFILES, CORE4FILES, CORE6FILES, netif/ethernet.c); what lwipopts.h
# turns off compiles to nothing.
LWIP_FILES := core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c \
	core/mem.c core/memp.c core/netif.c core/pbuf.c core/raw.c core/stats.c \
	core/sys.c core/tcp.c core/tcp_in.c core/tcp_out.c core/timeouts.c \
	core/udp.c \
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c \
	core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c \
	core/ipv6/ethip6.c core/ipv6/icmp6.c core/ipv6/inet6.c core/ipv6/ip6.c \
	core/ipv6/ip6_addr.c core/ipv6/ip6_frag.c core/ipv6/mld6.c \
	core/ipv6/nd6.c \
	netif/ethernet.c

$(LWIP_FETCHED):
	@$(say) FETCH "lwip (apt-get source, once per build tree)"
	$(Q)scripts/deps.sh lwip-source $(LWIP_FETCH_DIR)
	$(Q)touch $@

# lwIP's sources exist once it is fetched; never delete them as intermediates.
$(LWIP_SRC)/%.c: | $(LWIP_FETCHED) ;
.PRECIOUS: $(LWIP_SRC)/%.c

LWIP_THIRD_PARTY := -Wno-error -w

# ---- keel.efi -------------------------------------------------------------
LWIP_KERNEL_OBJS := $(LWIP_FILES:%.c=$(LWIP_DIR)/kobj/%.o)
LWIP_KERNEL_LIB  := $(LWIP_DIR)/liblwip-kernel.a

$(LWIP_DIR)/kobj/%.o: $(LWIP_SRC)/%.c net/lwipopts.h net/arch/cc.h \
		      $(BUILD)/gen/cflags $(NEWLIB_DIR)/built
	@mkdir -p $(@D)
	@$(say) CC lwip/$*.c
	$(Q)$(CC) $(KERNEL_CFLAGS) $(NOFP_CFLAGS) $(LWIP_INC) $(LWIP_THIRD_PARTY) -c $< -o $@

$(LWIP_KERNEL_LIB): $(LWIP_KERNEL_OBJS)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# net/ and apps/ see lwIP's headers; they are compiled only once it is fetched.
KERNEL_NET_OBJS := $(filter $(BUILD)/obj/net/% $(BUILD)/obj/apps/%,$(KERNEL_OBJS))
$(KERNEL_NET_OBJS): KERNEL_CFLAGS += $(LWIP_INC)
$(KERNEL_NET_OBJS): | $(LWIP_FETCHED)
$(BUILD)/keel.pass1.elf: $(LWIP_KERNEL_LIB)
# fetched once, by the parent, before the test image's sub-make needs it
$(TESTHOOKS_BUILD)/keel.img: $(LWIP_FETCHED)
KERNEL_LIBS += $(LWIP_KERNEL_LIB)

# ---- hosted (unit tests) and bench -----------------------------------------
NET_SRCS := $(sort $(wildcard net/*.c apps/*.c))
LWIP_HOSTED_OBJS := $(LWIP_FILES:%.c=$(LWIP_DIR)/hobj/%.o)
LWIP_HOSTED_LIB  := $(LWIP_DIR)/liblwip-hosted.a
LWIP_BENCH_OBJS  := $(LWIP_FILES:%.c=$(LWIP_DIR)/bobj/%.o)
LWIP_BENCH_LIB   := $(LWIP_DIR)/liblwip-bench.a
NET_HOSTED_OBJS  := $(NET_SRCS:%=$(HOSTED_OBJ)/%.o)
NET_BENCH_OBJS   := $(NET_SRCS:%=$(BENCH_OBJ)/%.o)

$(LWIP_DIR)/hobj/%.o: $(LWIP_SRC)/%.c net/lwipopts.h net/arch/cc.h
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(HOSTED_CFLAGS) $(LWIP_INC) $(LWIP_THIRD_PARTY) -c $< -o $@
$(LWIP_DIR)/bobj/%.o: $(LWIP_SRC)/%.c net/lwipopts.h net/arch/cc.h
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(BENCH_CFLAGS) $(LWIP_INC) $(LWIP_THIRD_PARTY) -c $< -o $@

$(LWIP_HOSTED_LIB): $(LWIP_HOSTED_OBJS)
	$(HQ)rm -f $@ && ar rcs $@ $^
$(LWIP_BENCH_LIB): $(LWIP_BENCH_OBJS)
	$(HQ)rm -f $@ && ar rcs $@ $^

NET_TEST_OBJS := $(filter $(HOSTED_OBJ)/tests/unit/net_%,$(UNIT_OBJS))
$(NET_HOSTED_OBJS) $(NET_BENCH_OBJS) $(NET_TEST_OBJS): HOSTED_CFLAGS += $(LWIP_INC)
$(NET_BENCH_OBJS): BENCH_CFLAGS += $(LWIP_INC)
$(NET_HOSTED_OBJS) $(NET_BENCH_OBJS) $(NET_TEST_OBJS): | $(LWIP_FETCHED)

# The unit-test runner links the stack, the apps and lwIP (mk/hosted.mk).
$(UNIT_BIN): $(NET_HOSTED_OBJS) $(LWIP_HOSTED_LIB)
UNIT_EXTRA_LINK += $(NET_HOSTED_OBJS) $(LWIP_HOSTED_LIB)

-include $(LWIP_KERNEL_OBJS:.o=.d) $(LWIP_HOSTED_OBJS:.o=.d) \
	 $(LWIP_BENCH_OBJS:.o=.d) $(NET_HOSTED_OBJS:.o=.d) $(NET_BENCH_OBJS:.o=.d)

.PHONY: lwip
lwip: $(LWIP_KERNEL_LIB) $(LWIP_HOSTED_LIB)

# ---- bench-net: the stack's CPU cost per MiB (tests/bench/bench_net.c) -----
BENCH_NET_SRCS := tests/bench/bench_net.c tests/unit/net_fake.c
BENCH_NET_OBJS := $(BENCH_NET_SRCS:%=$(BENCH_OBJ)/%.o)
BENCH_NET_BIN  := $(BUILD)/tests/bench-net

$(BENCH_NET_OBJS): BENCH_CFLAGS += $(LWIP_INC)
$(BENCH_NET_OBJS): | $(LWIP_FETCHED)

$(BENCH_NET_BIN): $(BENCH_NET_OBJS) $(NET_BENCH_OBJS) $(LWIP_BENCH_LIB) $(BENCH_LIB)
	@mkdir -p $(@D)
	$(HQ)$(HOSTED_CC) $(BENCH_NET_OBJS) $(NET_BENCH_OBJS) $(LWIP_BENCH_LIB) $(BENCH_LIB) -o $@

-include $(BENCH_NET_OBJS:.o=.d)

.PHONY: bench-net
bench-net: $(BENCH_NET_BIN)
	@$(BENCH_NET_BIN)

BENCH_TARGETS += bench-net
