/*
 * memset and memcpy for the zboot loader, which links no libc: clang emits
 * calls to them for structure initialisation and copy loops even in
 * freestanding code (the kernel image gets newlib's). Byte loops through a
 * volatile pointer, so that clang does not turn them into calls to themselves.
 */
#include <stddef.h>

void *memset(void *p, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

void *memset(void *p, int c, size_t n)
{
	volatile unsigned char *d = p;

	while (n-- > 0)
		*d++ = (unsigned char)c;
	return p;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	volatile unsigned char *d = dst;
	const unsigned char *s = src;

	while (n-- > 0)
		*d++ = *s++;
	return dst;
}
