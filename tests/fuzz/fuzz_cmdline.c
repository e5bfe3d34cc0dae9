/*
 * Fuzz target "cmdline": the kernel command line parser (kernel/cmdline.c).
 * The line comes from keel.cfg on the ESP and the image's load options,
 * both written by whoever prepared the disk or the VM: untrusted text.
 *
 * Input: the bytes of the line (a NUL inside ends it early, as in the
 * loader's buffer). The parser's
 * problem list and options are reset before each input, and the report is
 * printed into a buffer, so every input starts from a fresh boot's state.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/cmdline.c"
#include "apps/conn.h"

/* One application, so app= and app.NAME.KEY= reach the registry's real
 * lookup (apps/app.c) as in keel.efi with httpd linked in. */
static int fuzz_app_start(struct app *a) { (void)a; return 0; }
KEEL_APP(fuzzapp, fuzz_app_start);

/* ---- the console the parser reports to ---- */

static unsigned console_mode;
static char report[4096];
static size_t report_len;

void console_set_mode(unsigned mode) { console_mode = mode; }

void console_printf(const char *fmt, ...)
{
	va_list ap;
	int k;

	if (report_len >= sizeof(report) - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(report + report_len, sizeof(report) - report_len, fmt, ap);
	va_end(ap);
	if (k > 0)
		report_len += (size_t)k < sizeof(report) - report_len ? (size_t)k
								   : sizeof(report) - report_len - 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	/* An exact-size NUL-terminated copy, as the loader hands over (it
	 * always ends the line with a NUL inside its buffer): sanitizers see any
	 * read past it. */
	char *line = malloc(n + 1);

	if (!line)
		abort();
	memcpy(line, d, n);
	line[n] = '\0';
	memset(&boot_opts, 0, sizeof(boot_opts));
	nproblems = 0;
	report_len = 0;
	cmdline_parse(line);
	cmdline_report();
	if (boot_opts.test && (boot_opts.test < cmdline_buf ||
			       boot_opts.test >= cmdline_buf + sizeof(cmdline_buf)))
		abort();
	if (boot_opts.on_ready > ON_READY_POWEROFF || console_mode > CONSOLE_BOTH)
		abort();
	free(line);
	return 0;
}
