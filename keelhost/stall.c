/*
 * keel-host's ring stall watch. A host->guest ring whose data the guest
 * leaves unread while its interrupt_mask is clear means a signal was lost:
 * the host signals only when the ring goes from empty to non-empty with the
 * mask clear, and the guest re-checks the ring after it unmasks
 * (docs/protocols/vmbus.md §5.5, §5.6), so one side missed the other's
 * store and nothing will ever wake the guest for that channel again. Every
 * KH_STALL_LOOK_NS the watch reads each open channel's read_index and mask;
 * one that stays stalled with the same read_index for KH_STALL_NS is logged
 * once ("ring stall", which tests/net/e2e.sh fails on) and counted in the
 * summary. It only observes: a stalled channel stays stalled.
 *
 * Why it exists: QEMU 7.2's TCG with one vCPU translates the guest's fences
 * to nothing (no other vCPU to order against), so the guest's store of its
 * read_index and mask could pass its reload of our write_index in the host
 * CPU's store buffer; scripts/run-qemu.sh gives QEMU a second, absent CPU
 * slot (maxcpus=2) so that it emits real fences.
 */
#include "keelhost/keelhost.h"

#define KH_STALL_LOOK_NS  250000000ull     /* 250 ms */
#define KH_STALL_NS      2000000000ull     /* 2 s */

static void stall_check(struct keelhost *kh, int dev, int sub, uint64_t now)
{
	struct kh_stall *s = &kh->stall[dev][sub];
	int64_t rd = host_chan_query(kh->h, dev, sub, HQ_UNREAD_UNMASKED);

	if (rd < 0 || rd != s->rd) {
		s->rd = rd;
		s->since = now;
		s->told = false;
		return;
	}
	if (s->told || now - s->since < KH_STALL_NS)
		return;
	s->told = true;
	kh->ring_stalls++;
	kh_log(kh, "keel-host: ring stall: device %s channel %d: host->guest data unread for "
	       "%.1f s at read_index %lld with the guest's interrupts unmasked (a lost signal)",
	       host_device_name(kh->h, dev), sub, (double)(now - s->since) / 1e9,
	       (long long)rd);
}

void kh_stall_watch(struct keelhost *kh)
{
	uint64_t now = kh_mono_ns();
	int ndev;

	if (!kh->h || !host_connected(kh->h) || now < kh->stall_next)
		return;
	kh->stall_next = now + KH_STALL_LOOK_NS;
	ndev = host_device_count(kh->h);
	for (int d = 0; d < ndev && d < KH_STALL_DEVS; d++) {
		int64_t nsub = host_chan_query(kh->h, d, 0, HQ_SUBCHANNELS);

		for (int s = 0; s <= nsub && s < KH_STALL_CHANS; s++)
			stall_check(kh, d, s, now);
	}
}
