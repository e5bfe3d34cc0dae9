# mk/net-e2e.mk: Keel's network end to end against real Linux tools
# (root: a network namespace, a TAP device and dnsmasq; scripts/net-ns.sh)
#
#   test-net       tests/net/e2e.sh: keel.img with app=httpd in QEMU beside
#                  keel-host --tap; DHCP lease, ping, full-MTU ping, curl /,
#                  /stats, /download/N byte for byte and by SHA-256, a tshark
#                  capture without malformed frames, a NIC rescind and
#                  re-offer (tests/net/rescind.scn); then a boot with
#                  app=iperf3 against the real iperf3 client (both
#                  directions, a busy server, UDP refused)
#                  -> $(BUILD)/results/net.txt
#                  (SKIP without root or /dev/net/tun)
#   bench-net-e2e  HTTP download throughput through the same path
#   bench-net-iperf3  iperf3 -c and -c -R for 10 s each: Mbit/s both ways
#   run-net        `make run` on such a network (also `make run NET=tap`):
#                  prints Keel's address and a curl command; APP=httpd
#                  serves the page (README)

NET_E2E_DEPS := $(BUILD)/keel.img $(KEELHOST_BIN)

.PHONY: test-net bench-net-e2e bench-net-iperf3 run-net
test-net: $(NET_E2E_DEPS)
	@tests/net/e2e.sh $(BUILD)

bench-net-e2e: $(NET_E2E_DEPS)
	@tests/net/e2e.sh $(BUILD) --bench

bench-net-iperf3: $(NET_E2E_DEPS)
	@tests/net/e2e.sh $(BUILD) --bench-iperf3

run-net: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD) $(RUN_IMG) $(KEELHOST_BIN)
	@if [ -t 0 ]; then t=0; else t=120; fi; \
	  scripts/run-net.sh --timeout $$t --build $(BUILD) --image $(RUN_IMG) \
	  $(RUN_STACK_ARGS) -- $(QEMU_ARGS)

TEST_TARGETS  += test-net
BENCH_TARGETS += bench-net-e2e bench-net-iperf3
