/* apps/shell/args.h: splitting a command line, the table lookup, numbers. */
#include "apps/shell/args.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int args_split(char *line, char **argv, int max)
{
	int argc = 0;

	for (char *p = line; *p != '\0';) {
		while (is_blank(*p))
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (argc == max)
			return -E2BIG;
		argv[argc++] = p;
		while (*p != '\0' && !is_blank(*p))
			p++;
	}
	return argc;
}

const struct shell_cmd *args_find(const struct shell_cmd *t, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

int args_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned)((*s | 0x20) - 'a' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*out = v;
	return 0;
}
