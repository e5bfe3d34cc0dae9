/*
 * The shell's command parser: split a line into words, find the command in
 * a table, read numbers. Portable (tests/unit/shell_test.c).
 */
#ifndef KEEL_APPS_SHELL_ARGS_H
#define KEEL_APPS_SHELL_ARGS_H

#include <stdint.h>

#define ARGS_MAX 8

struct shell_cmd {
	const char *name;
	const char *usage;              /* arguments, "" when none */
	const char *help;
	int nargs;                      /* words after the name */
	void (*run)(int argc, char **argv);
};

/* Split line in place at spaces and tabs: argc (0 for a blank line), or
 * -E2BIG when it has more than max words. */
int args_split(char *line, char **argv, int max);
/* The entry named name, or NULL. */
const struct shell_cmd *args_find(const struct shell_cmd *t, int n, const char *name);
/* A decimal or 0x-hexadecimal number: 0, or -EINVAL (empty, junk, overflow). */
int args_u64(const char *s, uint64_t *out);

#endif
