/*
 * The kernel command line: `console=serial|fb|both`,
 * `loglevel=0..7`, `on_ready=idle|halt|poweroff`, `test=NAME`,
 * `vmbus=auto|required`, `net=on|off`, `ip=dhcp|ADDR/PREFIX,GATEWAY`
 * (net/net.h), `app=NAME` and `app.NAME.KEY=VALUE` (apps/conn.h).
 * Words are separated by spaces; unknown words are reported by name.
 */
#ifndef KEEL_CMDLINE_H
#define KEEL_CMDLINE_H

#include <stdbool.h>

enum on_ready { ON_READY_IDLE, ON_READY_HALT, ON_READY_POWEROFF };

struct boot_opts {
	enum on_ready on_ready;
	const char *test;          /* NULL unless test=NAME was given */
	/* vmbus=required: power off when neither Hyper-V nor keel-host is
	 * found; vmbus=auto (default): say so and boot on. */
	bool vmbus_required;
	/* shell=on: the serial shell (apps/shell/) on COM1 after ready. */
	bool shell;
};

/* The parsed options: the one global, written once by cmdline_parse. */
extern struct boot_opts boot_opts;

/*
 * Copy and parse `line`; applies console= and loglevel= at once. Problems
 * (unknown options, bad values) are counted and kept for cmdline_report(),
 * because the console may not be set up yet when this runs.
 */
void cmdline_parse(const char *line);
/* Log the command line and every problem found by cmdline_parse. */
void cmdline_report(void);

#endif
