/*
 * apps/shell/shell.h: the shell application. COM1 has no receive interrupt
 * wired (kernel/console.h), so one delayed work item on the shell's own
 * queue polls console_read every poll_ms, feeds the line editor and runs a
 * finished line's command in the same item: commands run one at a time and
 * may wait (hexdump reads a block). The 16550's FIFO and the host's serial
 * back end hold what arrives between polls.
 */
#include "apps/shell/shell.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apps/conn.h"
#include "apps/shell/line.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/wq.h"

#define SHELL_POLL_MS_DEFAULT 10

struct shell {
	struct app *app;
	const char *prompt;
	uint64_t poll_ns;
	struct line line;
	struct delayed_work poll;       /* on the app's queue, re-queued each time */
};

static void shell_echo(void *arg, const char *s, size_t n)
{
	(void)arg;
	console_write(s, n);
}

static void shell_run_line(char *text)
{
	char *argv[ARGS_MAX];
	int argc = args_split(text, argv, ARGS_MAX);
	const struct shell_cmd *c;

	if (argc == 0)
		return;
	c = argc > 0 ? args_find(shell_cmds, shell_ncmds, argv[0]) : NULL;
	if (c == NULL)
		console_printf("%s: unknown command (try help)\n", argc > 0 ? argv[0] : "");
	else if (argc - 1 != c->nargs)
		console_printf("usage: %s %s\n", c->name, c->usage);
	else
		c->run(argc, argv);
}

static void shell_poll(struct work *w)
{
	struct shell *sh = wq_container_of(w, struct shell, poll.work);
	char in[32];
	size_t n = console_read(in, sizeof(in));

	/* The next poll is armed before a command runs: a long command delays
	 * it (an item never runs twice at once), and `timers` shows it. */
	wq_queue_delayed(app_wq(sh->app), &sh->poll, sh->poll_ns);
	for (size_t i = 0; i < n; i++) {
		enum line_result r = line_feed(&sh->line, in[i]);

		if (r == LINE_DONE)
			shell_run_line(sh->line.buf);
		if (r != LINE_MORE)
			console_printf("%s", sh->prompt);
	}
}

static int shell_start(struct app *app)
{
	struct shell *sh = calloc(1, sizeof(*sh));
	const char *ms = app_option(app, "poll_ms");
	uint64_t poll_ms = SHELL_POLL_MS_DEFAULT;

	if (sh == NULL)
		return -ENOMEM;
	if (ms != NULL && (args_u64(ms, &poll_ms) < 0 || poll_ms == 0 || poll_ms > 1000)) {
		pr_warn("shell: bad app.shell.poll_ms '%s', using %d", ms,
			SHELL_POLL_MS_DEFAULT);
		poll_ms = SHELL_POLL_MS_DEFAULT;
	}
	/* The shell lives as long as the kernel. */
	sh->app = app;
	sh->prompt = app_option(app, "prompt") ? app_option(app, "prompt") : "keel> ";
	sh->poll_ns = poll_ms * WQ_NS_PER_MS;
	line_init(&sh->line, shell_echo, sh);
	delayed_work_init(&sh->poll, shell_poll, "shell-poll");
	console_printf("shell: type help for the commands\n%s", sh->prompt);
	wq_queue_delayed(app_wq(app), &sh->poll, sh->poll_ns);
	return 0;
}

KEEL_APP(shell, shell_start);
