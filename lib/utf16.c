/*
 * UTF-8 <-> UTF-16 (lib/utf16.h): Unicode 15 chapter 3 (D91, D92). Each
 * side decodes one code point at a time and re-encodes it.
 */
#include <string.h>

#include "lib/utf16.h"

#define REPLACEMENT 0xFFFDu

/* One code point from s (advanced); invalid or overlong -> U+FFFD. */
static uint32_t utf8_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	uint32_t c = *p++, min;
	int more;

	if (c < 0x80) {
		*s = p;
		return c;
	}
	if ((c & 0xE0) == 0xC0) {
		more = 1; c &= 0x1F; min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		more = 2; c &= 0x0F; min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		more = 3; c &= 0x07; min = 0x10000;
	} else {
		*s = p;
		return REPLACEMENT;
	}
	for (; more; more--, p++) {
		if ((*p & 0xC0) != 0x80) {
			*s = p;            /* the NUL or the next lead byte stays */
			return REPLACEMENT;
		}
		c = c << 6 | (*p & 0x3F);
	}
	*s = p;
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return REPLACEMENT;
	return c;
}

int utf8_to_utf16(const char *s, uint16_t *out, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p) {
		uint32_t c = utf8_next(&p);

		if (c >= 0x10000) {
			if (o + 2 >= max)
				return -1;
			c -= 0x10000;
			out[o++] = (uint16_t)(0xD800 | c >> 10);
			out[o++] = (uint16_t)(0xDC00 | (c & 0x3FF));
		} else {
			if (o + 1 >= max)
				return -1;
			out[o++] = (uint16_t)c;
		}
	}
	if (o >= max)
		return -1;
	out[o] = 0;
	return (int)o;
}

static size_t utf8_put(uint32_t c, char *b)
{
	if (c < 0x80) {
		b[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		b[0] = (char)(0xC0 | c >> 6);
		b[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		b[0] = (char)(0xE0 | c >> 12);
		b[1] = (char)(0x80 | (c >> 6 & 0x3F));
		b[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	b[0] = (char)(0xF0 | c >> 18);
	b[1] = (char)(0x80 | (c >> 12 & 0x3F));
	b[2] = (char)(0x80 | (c >> 6 & 0x3F));
	b[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

size_t utf16_to_utf8(const uint16_t *in, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	if (!cap)
		return 0;
	for (size_t i = 0; i < n && in[i]; i++) {
		uint32_t c = in[i];
		char b[4];
		size_t k;

		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && in[i + 1] >= 0xDC00 &&
		    in[i + 1] <= 0xDFFF) {
			c = 0x10000 + ((c - 0xD800) << 10) + (in[i + 1] - 0xDC00u);
			i++;
		} else if (c >= 0xD800 && c <= 0xDFFF) {
			c = REPLACEMENT;
		}
		k = utf8_put(c, b);
		if (o + k >= cap)
			break;
		memcpy(out + o, b, k);
		o += k;
	}
	out[o] = 0;
	return o;
}
