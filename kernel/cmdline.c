/*
 * Kernel command line parser. One const table maps option names
 * to handlers; each handler validates its value. Nothing is silently ignored:
 * an unknown option or a bad value is remembered and logged by name.
 */
#include "kernel/cmdline.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kernel/console.h"
#include "kernel/log.h"
#include "apps/conn.h"
#include "net/net.h"

#define CMDLINE_MAX 512
#define CMDLINE_MAX_PROBLEMS 8

struct boot_opts boot_opts = { .on_ready = ON_READY_IDLE };

static char cmdline_buf[CMDLINE_MAX];
static char problems[CMDLINE_MAX_PROBLEMS][80];
static int nproblems;

struct named_value { const char *name; int value; };

static const struct named_value console_values[] = {
	{ "serial", CONSOLE_SERIAL }, { "fb", CONSOLE_FB }, { "both", CONSOLE_BOTH },
};
static const struct named_value on_ready_values[] = {
	{ "idle", ON_READY_IDLE }, { "halt", ON_READY_HALT },
	{ "poweroff", ON_READY_POWEROFF },
};

static void problem(const char *what, const char *word)
{
	if (nproblems < CMDLINE_MAX_PROBLEMS)
		snprintf(problems[nproblems], sizeof(problems[0]), "%s '%s'", what, word);
	nproblems++;
}

static bool lookup(const struct named_value *t, size_t n, const char *v, int *out)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(t[i].name, v) == 0) {
			*out = t[i].value;
			return true;
		}
	}
	return false;
}

static bool opt_console(const char *v)
{
	int m;

	if (!lookup(console_values, 3, v, &m))
		return false;
	console_set_mode((unsigned)m);
	return true;
}

static bool opt_loglevel(const char *v)
{
	if (v[0] < '0' || v[0] > '7' || v[1] != '\0')
		return false;
	log_set_level(v[0] - '0');
	return true;
}

static bool opt_on_ready(const char *v)
{
	int m;

	if (!lookup(on_ready_values, 3, v, &m))
		return false;
	boot_opts.on_ready = (enum on_ready)m;
	return true;
}

static bool opt_test(const char *v)
{
	if (v[0] == '\0')
		return false;
	boot_opts.test = v;       /* points into cmdline_buf, which lives on */
	return true;
}

static bool opt_vmbus(const char *v)
{
	if (strcmp(v, "required") == 0)
		boot_opts.vmbus_required = true;
	else if (strcmp(v, "auto") == 0)
		boot_opts.vmbus_required = false;
	else
		return false;
	return true;
}

/* net/config.c checks ip= and net= (the hosted unit tests call it too). */
static bool opt_shell(const char *v)
{
	if (strcmp(v, "on") == 0)
		boot_opts.shell = true;
	else if (strcmp(v, "off") == 0)
		boot_opts.shell = false;
	else
		return false;
	return true;
}

static bool opt_ip(const char *v)
{
	return net_config_set_ip(v) == 0;
}

static bool opt_net(const char *v)
{
	return net_config_set_net(v) == 0;
}

static bool opt_mtu(const char *v)
{
	return net_config_set_mtu(v) == 0;
}

static bool opt_app(const char *v)
{
	return app_select(v) == 0;
}

static const struct {
	const char *name;
	bool (*set)(const char *value);
} options[] = {
	{ "console", opt_console },
	{ "loglevel", opt_loglevel },
	{ "on_ready", opt_on_ready },
	{ "test", opt_test },
	{ "vmbus", opt_vmbus },
	{ "shell", opt_shell },
	{ "ip", opt_ip },
	{ "net", opt_net },
	{ "mtu", opt_mtu },
	{ "app", opt_app },
};

static void parse_word(char *word)
{
	char *eq = strchr(word, '=');

	if (eq == NULL) {
		problem("unknown option", word);
		return;
	}
	*eq = '\0';
	/* app.NAME.KEY=VALUE: the application's own options (apps/conn.h) */
	if (strncmp(word, "app.", 4) == 0) {
		if (app_set_option(word + 4, eq + 1) < 0) {
			*eq = '=';
			problem("bad application option", word);
		}
		return;
	}
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		if (strcmp(options[i].name, word) != 0)
			continue;
		if (!options[i].set(eq + 1)) {
			*eq = '=';
			problem("bad value in option", word);
		}
		return;
	}
	*eq = '=';
	problem("unknown option", word);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void cmdline_parse(const char *line)
{
	char *p = cmdline_buf;

	/* %.*s: the loader's buffer need not be NUL-terminated */
	snprintf(cmdline_buf, sizeof(cmdline_buf), "%.*s", CMDLINE_MAX - 1, line);
	while (*p) {
		char *word;

		while (is_space(*p))
			p++;
		if (*p == '\0')
			break;
		word = p;
		while (*p && !is_space(*p))
			p++;
		if (*p)
			*p++ = '\0';
		parse_word(word);
	}
}

void cmdline_report(void)
{
	int shown = nproblems < CMDLINE_MAX_PROBLEMS ? nproblems : CMDLINE_MAX_PROBLEMS;

	/* unconditional: a wrong option must be seen even with loglevel=0 */
	for (int i = 0; i < shown; i++)
		console_printf("keel: cmdline: %s\n", problems[i]);
	if (nproblems > shown)
		console_printf("keel: cmdline: %d more problems not shown\n",
			       nproblems - shown);
}
