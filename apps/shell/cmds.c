/*
 * The shell's commands (apps/shell/shell.h): one table, each entry a
 * function that prints with console_printf. They see the kernel only through
 * what any application may call: the block layer's user API
 * (drivers/block.h), VMBus's listing and statistics (vmbus/vmbus.h), the
 * network listing (net/net.h), the orderly shutdown (drivers/shutdown.h)
 * and the printers of kernel/introspect.h.
 */
#include "apps/shell/shell.h"

#include <stdlib.h>

#include "drivers/block.h"
#include "drivers/pci.h"
#include "drivers/shutdown.h"
#include "kernel/console.h"
#include "kernel/introspect.h"
#include "lib/guid.h"
#include "net/net.h"
#include "vmbus/vmbus.h"

#define SHELL_MAX_DEVICES 16
#define SHELL_MAX_DISKS   8
#define SHELL_IFLIST_BYTES 1024
#define SHELL_PCILIST_BYTES 4096

static void cmd_help(int argc, char **argv);

static void cmd_lsvmbus(int argc, char **argv)
{
	struct vmbus_dev_info *d = calloc(SHELL_MAX_DEVICES, sizeof(*d));
	char g[GUID_STR_LEN];
	int n;

	(void)argc, (void)argv;
	if (d == NULL)
		return;
	n = vmbus_list_devices(d, SHELL_MAX_DEVICES);
	if (n == 0)
		console_printf("no VMBus devices\n");
	for (int i = 0; i < n && i < SHELL_MAX_DEVICES; i++)
		console_printf("relid %2u  %-10s %-8s %s  {%s}\n", d[i].relid,
			       d[i].class_name, d[i].state, d[i].ready ? "ready" : "not ready",
			       guid_format(&d[i].instance, g));
	free(d);
}

static void cmd_lsblk(int argc, char **argv)
{
	struct blk_handle h[SHELL_MAX_DISKS];
	int n = blk_disk_list(h, SHELL_MAX_DISKS);

	(void)argc, (void)argv;
	console_printf("NAME  BLOCKS      BSIZE  MiB     MODEL\n");
	for (int i = 0; i < n && i < SHELL_MAX_DISKS; i++) {
		struct blk_info b;

		if (blk_disk_info(h[i], &b) == 0)
			console_printf("%-5s %-11llu %-6u %-7llu %s\n", b.name,
				       (unsigned long long)b.nblocks, b.block_size,
				       (unsigned long long)(b.nblocks * b.block_size >> 20),
				       b.model);
	}
}

/* Line by line: console_printf formats at most 255 bytes at once. */
static void print_lines(const char *text)
{
	while (*text != '\0') {
		const char *nl = text;

		while (*nl != '\0' && *nl != '\n')
			nl++;
		console_printf("%.*s\n", (int)(nl - text), text);
		text = *nl ? nl + 1 : nl;
	}
}

static void cmd_ip(int argc, char **argv)
{
	char *text;

	(void)argc, (void)argv;
	if (net_wq() == NULL) {
		console_printf("networking is off\n");
		return;
	}
	text = malloc(SHELL_IFLIST_BYTES);
	if (text == NULL)
		return;
	net_format_interfaces(text, SHELL_IFLIST_BYTES);
	print_lines(text);
	free(text);
}

/* The PCI layer's lspci-style listing (drivers/pci_list.c), when the
 * image has the vPCI bus and a bus listed any function. */
static void cmd_lspci(int argc, char **argv)
{
	(void)argc, (void)argv;
#ifndef KEEL_NO_VPCI
	char *text = malloc(SHELL_PCILIST_BYTES);

	if (text && pci_list_format(text, SHELL_PCILIST_BYTES) > 0) {
		print_lines(text);
		free(text);
		return;
	}
	free(text);
#endif
	console_printf("no PCI bus\n");
}

static void cmd_wq(int argc, char **argv)
{
	(void)argc, (void)argv;
	wq_print(console_printf);
}

static void cmd_timers(int argc, char **argv)
{
	(void)argc, (void)argv;
	timer_print(console_printf);
}

static void cmd_stats(int argc, char **argv)
{
	struct vmbus_dev_info *d = calloc(SHELL_MAX_DEVICES, sizeof(*d));
	struct vmbus_stats s;
	int n;

	(void)argc, (void)argv;
	irq_print(console_printf);
	vmbus_get_stats(&s);
	console_printf("vmbus: %s, %llu messages, %llu dropped\n", s.conn_state,
		       (unsigned long long)s.msgs, (unsigned long long)s.dropped);
	if (d == NULL)
		return;
	n = vmbus_list_devices(d, SHELL_MAX_DEVICES);
	for (int i = 0; i < n && i < SHELL_MAX_DEVICES; i++) {
		const struct vmbus_chan_counters *c = &d[i].chan.n;

		console_printf("relid %2u %-10s in %llu pkts, out %llu pkts, irq %llu, "
			       "ring-full %llu, dropped %llu\n", d[i].relid, d[i].class_name,
			       (unsigned long long)c->pkts_in, (unsigned long long)c->pkts_out,
			       (unsigned long long)c->interrupts, (unsigned long long)c->ring_full,
			       (unsigned long long)c->dropped);
	}
	free(d);
}

static void cmd_log(int argc, char **argv)
{
	(void)argc, (void)argv;
	log_print(console_printf);
}

static void cmd_mem(int argc, char **argv)
{
	(void)argc, (void)argv;
	mem_print(console_printf);
}

static void hexdump_line(const uint8_t *p, unsigned off)
{
	char text[17];

	for (int i = 0; i < 16; i++)
		text[i] = p[i] >= ' ' && p[i] < 0x7f ? (char)p[i] : '.';
	text[16] = '\0';
	console_printf("%04x  %02x %02x %02x %02x %02x %02x %02x %02x  "
		       "%02x %02x %02x %02x %02x %02x %02x %02x  %s\n", off,
		       p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7],
		       p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15], text);
}

/* hexdump DISK LBA: one block through the block layer. */
static void cmd_hexdump(int argc, char **argv)
{
	struct blk_handle h;
	struct blk_info b;
	uint64_t lba;
	uint8_t *buf;
	int rc;

	(void)argc;
	if (args_u64(argv[2], &lba) < 0) {
		console_printf("hexdump: bad block number '%s'\n", argv[2]);
		return;
	}
	if (blk_disk_find(argv[1], &h) < 0 || blk_disk_info(h, &b) < 0) {
		console_printf("hexdump: no disk '%s'\n", argv[1]);
		return;
	}
	if (lba >= b.nblocks) {
		console_printf("hexdump: %s has %llu blocks\n", b.name,
			       (unsigned long long)b.nblocks);
		return;
	}
	buf = blk_buf_alloc(b.block_size);
	if (buf == NULL)
		return;
	rc = blk_read(h, lba, 1, buf);
	if (rc < 0)
		console_printf("hexdump: read failed: %s\n", blk_strerror(rc));
	for (unsigned off = 0; rc == 0 && off < b.block_size; off += 16)
		hexdump_line(buf + off, off);
	blk_buf_free(buf, b.block_size);
}

static void power(enum shutdown_action a)
{
	int rc = shutdown_start(a, SHUTDOWN_DEADLINE_NS);

	if (rc < 0)
		console_printf("shutdown already running\n");
}

static void cmd_reboot(int argc, char **argv)
{
	(void)argc, (void)argv;
	power(SHUTDOWN_RESTART);
}

static void cmd_poweroff(int argc, char **argv)
{
	(void)argc, (void)argv;
	power(SHUTDOWN_POWER_OFF);
}

const struct shell_cmd shell_cmds[] = {
	{ "help",     "",         "list the commands",                    0, cmd_help },
	{ "lsvmbus",  "",         "VMBus devices and their state",        0, cmd_lsvmbus },
	{ "lsblk",    "",         "disks of the block layer",             0, cmd_lsblk },
	{ "ip",       "",         "network interfaces and addresses",     0, cmd_ip },
	{ "lspci",    "",         "PCI devices",                          0, cmd_lspci },
	{ "wq",       "",         "work queues, their items, wait graph", 0, cmd_wq },
	{ "timers",   "",         "armed deadlines",                      0, cmd_timers },
	{ "stats",    "",         "interrupts, messages, drops, channels", 0, cmd_stats },
	{ "log",      "",         "the kernel log's last lines",          0, cmd_log },
	{ "mem",      "",         "pages and heap",                       0, cmd_mem },
	{ "hexdump",  "DISK LBA", "one block of a disk, in hex",          2, cmd_hexdump },
	{ "reboot",   "",         "orderly shutdown, then restart",       0, cmd_reboot },
	{ "poweroff", "",         "orderly shutdown, then power off",     0, cmd_poweroff },
};
const int shell_ncmds = (int)(sizeof(shell_cmds) / sizeof(shell_cmds[0]));

static void cmd_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (int i = 0; i < shell_ncmds; i++)
		console_printf("  %-8s %-9s %s\n", shell_cmds[i].name, shell_cmds[i].usage,
			       shell_cmds[i].help);
}
