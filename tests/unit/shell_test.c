/*
 * Unit tests of the shell's line editor (apps/shell/line.c) and command
 * parser (apps/shell/args.c): keys in, the finished line and the echo out.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"

#include "apps/shell/args.c"
#include "apps/shell/line.c"

static char st_echo[512];
static size_t st_echo_len;

static void st_echo_fn(void *arg, const char *s, size_t n)
{
	(void)arg;
	if (st_echo_len + n < sizeof(st_echo)) {
		memcpy(st_echo + st_echo_len, s, n);
		st_echo_len += n;
		st_echo[st_echo_len] = '\0';
	}
}

/* Feed keys; the result of the last one. */
static enum line_result st_type(struct line *l, const char *keys)
{
	enum line_result r = LINE_MORE;

	for (; *keys; keys++)
		r = line_feed(l, *keys);
	return r;
}

static int test_line_plain(void)
{
	struct line l;

	line_init(&l, st_echo_fn, NULL);
	st_echo_len = 0;
	CHECK(st_type(&l, "lsblk") == LINE_MORE);
	CHECK(st_type(&l, "\r") == LINE_DONE);
	CHECK(strcmp(l.buf, "lsblk") == 0);
	CHECK(strncmp(st_echo, "lsblk", 5) == 0);
	CHECK(st_type(&l, "\n") == LINE_MORE);      /* LF of CR LF: nothing */
	CHECK(st_type(&l, "mem\n") == LINE_DONE);
	CHECK(strcmp(l.buf, "mem") == 0);
	return 0;
}

static int test_line_editing(void)
{
	struct line l;

	line_init(&l, st_echo_fn, NULL);
	CHECK(st_type(&l, "lsblx\x7fk\r") == LINE_DONE);          /* DEL */
	CHECK(strcmp(l.buf, "lsblk") == 0);
	CHECK(st_type(&l, "junk\x15help\r") == LINE_DONE);        /* Ctrl-U */
	CHECK(strcmp(l.buf, "help") == 0);
	CHECK(st_type(&l, "hep\x1b[Dl\x1b[C\r") == LINE_DONE);    /* left, insert, right */
	CHECK(strcmp(l.buf, "help") == 0);
	CHECK(st_type(&l, "\b\bab\r") == LINE_DONE);              /* BS on empty line */
	CHECK(strcmp(l.buf, "ab") == 0);
	CHECK(st_type(&l, "poweroff\x03") == LINE_CANCEL);        /* Ctrl-C */
	CHECK(st_type(&l, "\r") == LINE_DONE);
	CHECK(strcmp(l.buf, "") == 0);
	for (int i = 0; i < LINE_MAX_CHARS + 10; i++)
		line_feed(&l, 'x');
	CHECK_EQ(l.len, LINE_MAX_CHARS);
	return 0;
}

static int test_line_history(void)
{
	struct line l;

	line_init(&l, st_echo_fn, NULL);
	st_type(&l, "lsblk\r");
	st_type(&l, "mem\r");
	st_type(&l, "mem\r");                                  /* kept once */
	CHECK_EQ(l.nhist, 2);
	CHECK(st_type(&l, "\x1b[A\r") == LINE_DONE);
	CHECK(strcmp(l.buf, "mem") == 0);
	CHECK(st_type(&l, "\x1b[A\x1b[A\r") == LINE_DONE);
	CHECK(strcmp(l.buf, "lsblk") == 0);
	/* up past the oldest stays there; down comes back to the new line */
	CHECK(st_type(&l, "\x1b[A\x1b[A\x1b[A\x1b[A\x1b[B\r") == LINE_DONE);
	CHECK(strcmp(l.buf, "mem") == 0);
	CHECK(st_type(&l, "\x1b[A\x1b[B\r") == LINE_DONE);
	CHECK(strcmp(l.buf, "") == 0);
	/* an edited recall is a new entry */
	CHECK(st_type(&l, "\x1b[A\x7f\x7f\x7fhelp\r") == LINE_DONE);
	CHECK(strcmp(l.buf, "help") == 0);
	CHECK(strcmp(l.hist[0], "help") == 0);
	return 0;
}

static int st_ran;
static void st_cmd(int argc, char **argv)
{
	(void)argc, (void)argv;
	st_ran++;
}

static const struct shell_cmd st_table[] = {
	{ "help", "", "list", 0, st_cmd },
	{ "hexdump", "DISK LBA", "dump", 2, st_cmd },
};

static int test_args(void)
{
	char line[] = "  hexdump\tsd0  0x10 ";
	char many[] = "a b c d e f g h i";
	char blank[] = " \t ";
	char *argv[ARGS_MAX];
	uint64_t v;

	CHECK_EQ(args_split(line, argv, ARGS_MAX), 3);
	CHECK(strcmp(argv[0], "hexdump") == 0 && strcmp(argv[1], "sd0") == 0 &&
	      strcmp(argv[2], "0x10") == 0);
	CHECK(args_find(st_table, 2, argv[0]) == &st_table[1]);
	CHECK(args_find(st_table, 2, "hexdum") == NULL);
	CHECK_EQ(args_split(many, argv, ARGS_MAX), -E2BIG);
	CHECK_EQ(args_split(blank, argv, ARGS_MAX), 0);
	CHECK(args_u64("0x10", &v) == 0 && v == 16);
	CHECK(args_u64("34", &v) == 0 && v == 34);
	CHECK(args_u64("18446744073709551615", &v) == 0 && v == UINT64_MAX);
	CHECK_EQ(args_u64("18446744073709551616", &v), -EINVAL);
	CHECK_EQ(args_u64("", &v), -EINVAL);
	CHECK_EQ(args_u64("0x", &v), -EINVAL);
	CHECK_EQ(args_u64("12a", &v), -EINVAL);
	CHECK_EQ(st_ran, 0);
	return 0;
}

const struct unit_test shell_tests[] = {
	{ "shell_line_plain", test_line_plain, QUICK },
	{ "shell_line_editing", test_line_editing, QUICK },
	{ "shell_line_history", test_line_history, QUICK },
	{ "shell_args", test_args, QUICK },
	{ NULL, NULL, QUICK },
};
