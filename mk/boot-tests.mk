# mk/boot-tests.mk: the QEMU boot tests (tests/boot/boot-tests.txt, run two
# at a time by scripts/boot-tests.sh) and the boot benchmark.
#   make test-boot                 the suite -> $(BUILD)/results/boot.txt
#                                  (disk kind testhooks boots the test image,
#                                  $(BUILD)/testhooks/keel.img)
#   make test-boot BOOT_TESTS="ready test-wx"   only those, no image or UX
#                                  checks -> $(BUILD)/results/boot-partial.txt
#                                  (boot.txt keeps the last full run)
#   make bench-boot                keel.efi and kernel image sizes, ready time,
#                                  zboot LZ4 decompression time (median of 5)

BOOT_TESTS ?=

.PHONY: test-boot bench-boot
TEST_TARGETS  += test-boot
BENCH_TARGETS += bench-boot

test-boot: $(BUILD)/keel.efi $(BUILD)/keel.img $(BUILD)/keel.vhdx $(BUILD)/keel-azure.vhd \
	   $(TESTHOOKS_BUILD)/keel.img
	@scripts/boot-tests.sh $(BUILD) $(BOOT_TESTS)

bench-boot: $(BUILD)/keel.efi $(BUILD)/keel.img
	@scripts/bench-boot.sh $(BUILD) 5
