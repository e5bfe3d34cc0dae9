/*
 * GUID compare, format and parse for VMBus's mixed-endian binary GUIDs
 * (docs/protocols/vmbus.md §0): the first three groups are little-endian integers, the
 * last two groups are raw bytes.
 */
#include <errno.h>
#include <string.h>

#include "lib/guid.h"

/* Byte index in the binary form for each of the 16 hex pairs of the text form. */
static const unsigned char guid_text_order[16] = {
	3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15,
};

bool guid_equal(const struct vmbus_guid *a, const struct vmbus_guid *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

bool guid_is_zero(const struct vmbus_guid *g)
{
	static const struct vmbus_guid zero;
	return guid_equal(g, &zero);
}

char *guid_format(const struct vmbus_guid *g, char buf[GUID_STR_LEN])
{
	static const char hex[] = "0123456789abcdef";
	char *p = buf;

	for (int i = 0; i < 16; i++) {
		unsigned char v = g->b[guid_text_order[i]];
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[v >> 4];
		*p++ = hex[v & 15];
	}
	*p = '\0';
	return buf;
}

static int guid_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int guid_parse(const char *s, struct vmbus_guid *out)
{
	struct vmbus_guid g;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			if (*s++ != '-')
				return -EINVAL;
		}
		int hi = guid_hexval(s[0]);
		int lo = hi < 0 ? -1 : guid_hexval(s[1]);
		if (lo < 0)
			return -EINVAL;
		g.b[guid_text_order[i]] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	if (*s != '\0')
		return -EINVAL;
	*out = g;
	return 0;
}
