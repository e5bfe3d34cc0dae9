/*
 * The disk report (drivers/diskinfo.c): when a disk appears, print its GPT
 * partitions in a form a test compares with `sgdisk -p` / `sgdisk -i N`
 * (same start, end, type GUID and name); on request hash the whole disk
 * (SHA-256, compared with `sha256sum` of the image; keel-host passes the
 * switch to keel.efi). Test builds (KEEL_TEST_HOOKS) also write a known
 * pattern to a scratch range and read it back, UNMAP a range, and with
 * disk-strict panic when a check fails.
 *
 * Output lines (one per fact, prefix "diskinfo: "):
 *   diskinfo: sd0: <blocks> blocks of <bs> bytes, model "<model>"
 *   diskinfo: sd0: gpt disk-guid <GUID> partitions <n> first-usable <a> last-usable <b>
 *   diskinfo: sd0: part <n> start <first-lba> end <last-lba> type <TYPE-GUID> guid <GUID> name "<name>"
 *   diskinfo: sd0: no valid GPT: <reason>
 *   diskinfo: sd0: sha256 <64 hex digits> bytes <n>
 *   diskinfo: sd0: pattern lba <l> count <c> ok          (or: FAILED: <reason>; test builds)
 *   diskinfo: sd0: unmap lba <l> count <c> ok            (then reads zero; test builds)
 * GUIDs are uppercase, as sgdisk prints them.
 *
 * The pattern: the byte at absolute disk offset o (bytes) is
 *   (o * 7 + (o >> 9) * 13 + 0x5A) & 0xFF
 * The write is submitted with BLK_F_MAY_BLOCK; its completion handler reads
 * the range back synchronously (a completion that waits: rule 5).
 */
#ifndef KEEL_DRIVERS_DISKINFO_H
#define KEEL_DRIVERS_DISKINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/block.h"

extern bool diskinfo_enabled;        /* print partitions (default true) */
extern bool diskinfo_hash;           /* SHA-256 of every disk */
#ifdef KEEL_TEST_HOOKS
extern bool diskinfo_strict;         /* a failed hash/pattern/unmap panics */
extern uint64_t diskinfo_pattern_lba;
extern uint32_t diskinfo_pattern_count;  /* 0: no pattern test */
extern uint64_t diskinfo_unmap_lba;
extern uint32_t diskinfo_unmap_count;    /* 0: no unmap test */

static inline uint8_t diskinfo_pattern_byte(uint64_t off)
{
	return (uint8_t)(off * 7 + (off >> 9) * 13 + 0x5A);
}
#endif

/* Install the block layer's add hook (idempotent). */
void diskinfo_attach(void);
/* The report for one disk (work item: it waits for I/O). */
void diskinfo_report(struct blk_handle h);
void diskinfo_knobs_reset(void);
/* "disk-hash", "disk-report=no"; test builds also "disk-pattern=LBA,COUNT",
 * "disk-unmap=LBA,COUNT", "disk-strict": 0 or -1 (unknown). */
int diskinfo_guest_switch(const char *name);

#endif
